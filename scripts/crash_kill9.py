"""Crash test, bounded and local: ``kill -9`` keten while it writes, then check nothing is left
half-done.

- ``keten footprint TCES --format csv -o OUT``: after each kill, OUT is absent or a complete
  earlier result (never partial), and the next run leaves no ``.OUT.*.tmp`` file behind;
- ``keten company import``: after each kill, the store holds either none or all of the file's
  shipments and footprints (staged where nobody sees them, then one short swap transaction),
  and no staging table is left in the database file.

Run: .venv/bin/python scripts/crash_kill9.py [--kills 5] [--rows 200000]
Works in a temporary KETEN_HOME; touches nothing else, opens no network port.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KETEN = [sys.executable, "-m", "keten.cli.main"]


def make_tces(path: Path, rows: int) -> int:
    """``rows`` road TCEs, two per shipment; returns the number of shipments."""
    with path.open("w") as f:
        f.write("shipment_id,tce_id,prev_tce_ids,toc_id,hoc_id,mass_kg,distance_km\n")
        for i in range(rows):
            sid = f"S{i // 2:07d}"
            prev = f"{sid}-T1" if i % 2 else ""
            f.write(f"{sid},{sid}-T{i % 2 + 1},{prev},road_artic_40t_diesel,,"
                    f"{1000 + i % 7000},{10 + i % 300}\n")
    return (rows + 1) // 2


def kill_after(args: list[str], env: dict[str, str], seconds: float) -> int | None:
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        return process.wait(timeout=seconds)  # finished before the kill
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        return None


def footprint_kills(tmp: Path, env: dict[str, str], tces: Path, kills: int) -> list[str]:
    problems = []
    out = tmp / "out.csv"
    args = [*KETEN, "footprint", str(tces), "--format", "csv", "-o", str(out)]
    started = time.monotonic()
    subprocess.run(args, env=env, check=True, capture_output=True)
    full = time.monotonic() - started
    complete = out.read_bytes()
    out.unlink()
    for _ in range(kills):
        code = kill_after(args, env, random.uniform(0.2, 0.95) * full)
        if out.exists() and out.read_bytes() != complete:
            problems.append(f"footprint: partial output after kill (exit {code})")
        out.unlink(missing_ok=True)
    subprocess.run(args, env=env, check=True, capture_output=True)  # the next run cleans up
    left = [p.name for p in tmp.glob(".out.csv.*.tmp")]
    if left:
        problems.append(f"footprint: temporary files left after the next run: {left}")
    return problems


def import_kills(tmp: Path, env: dict[str, str], tces: Path, shipments: int,
                 kills: int) -> list[str]:
    problems = []
    subprocess.run([*KETEN, "company", "add", "Crash Test", "--id", "crash"], env=env,
                   check=True, capture_output=True)
    args = [*KETEN, "company", "import", "crash", str(tces)]
    started = time.monotonic()
    subprocess.run(args, env=env, check=True, capture_output=True)
    full = time.monotonic() - started
    database = Path(env["KETEN_HOME"]) / "keten.sqlite"
    for _ in range(kills):
        with sqlite3.connect(database) as con:  # start each round from an empty company
            con.execute("PRAGMA foreign_keys=ON")
            con.execute("DELETE FROM product_footprints WHERE company_id = 'crash'")
            con.execute("DELETE FROM shipments WHERE company_id = 'crash'")
        code = kill_after(args, env, random.uniform(0.2, 0.95) * full)
        with sqlite3.connect(database) as con:
            count = con.execute(
                "SELECT count(*) FROM shipments WHERE company_id = 'crash'").fetchone()[0]
            footprints = con.execute(
                "SELECT count(*) FROM product_footprints WHERE company_id = 'crash'").fetchone()[0]
            staging = con.execute(
                "SELECT count(*) FROM sqlite_master WHERE name LIKE 'stage%'").fetchone()[0]
        if count not in (0, shipments) or footprints != count:
            problems.append(f"import: {count} of {shipments} shipments, {footprints} "
                            f"footprints after kill (exit {code})")
        if staging:
            problems.append(f"import: {staging} staging table(s) left after kill")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--rows", type=int, default=200_000)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="keten-crash-") as name:
        tmp = Path(name)
        env = {**os.environ, "KETEN_HOME": str(tmp / "home")}
        env.pop("KETEN_DATABASE_URL", None)
        tces = tmp / "tces.csv"
        shipments = make_tces(tces, opts.rows)
        problems = footprint_kills(tmp, env, tces, opts.kills)
        problems += import_kills(tmp, env, tces, shipments, opts.kills)
    for problem in problems:
        print("FAIL:", problem)
    print(f"{2 * opts.kills} kill -9 runs on {opts.rows} rows: {len(problems)} problem(s)")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
