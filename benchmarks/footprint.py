"""Benchmark: footprint of 1,000,000 generated TCE rows (mixed modes), from CSV and Parquet.

Prints, from the same run on the same files:
- keten's streaming footprint (validation + per-TCE results + per-mode totals, written out);
- the floor: a plain DuckDB scan-and-sum of the same file (ratio keten / DuckDB, aim <= 3x);
- a straightforward per-row Python loop (ratio loop / keten, aim >= 50x);
- peak memory (max RSS of a child process) of keten on 10,000,000 rows (aim < 2 GB).

Run: .venv/bin/python benchmarks/footprint.py [--rows N] [--big-rows N]
"""

from __future__ import annotations

import argparse
import csv
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from keten.factors import load_factor_set
from keten.services.footprint import write_footprint

DATA = Path(__file__).parent / ".data"


def generate(n: int, seed: int = 14083) -> pa.Table:
    """n TCE rows: chains of transport, hub, transport per shipment, mixed modes."""
    fs = load_factor_set()
    tocs = sorted(t for t, v in fs.tocs.items() if v.activity_unit.value == "tkm")
    hocs = sorted(h for h, v in fs.hocs.items() if v.activity_unit.value == "t")
    rng = np.random.default_rng(seed)
    idx = np.arange(n)
    shipment = idx // 3
    pos = idx % 3
    is_hub = pos == 1
    toc = np.array(tocs, dtype=object)[rng.integers(0, len(tocs), n)]
    hoc = np.array(hocs, dtype=object)[rng.integers(0, len(hocs), n)]
    tce_ids = np.char.add("T", idx.astype(str))
    prev = np.where(pos == 0, "", np.char.add("T", (idx - 1).clip(0).astype(str)))
    return pa.table(
        {
            "shipment_id": pa.array(np.char.add("S", shipment.astype(str))),
            "tce_id": pa.array(tce_ids),
            "prev_tce_ids": pa.array(prev),
            "toc_id": pa.array(np.where(is_hub, None, toc), pa.string()),
            "hoc_id": pa.array(np.where(is_hub, hoc, None), pa.string()),
            "mass_kg": pa.array(np.round(rng.uniform(10, 30000, n), 1)),
            "distance_km": pa.array(
                np.where(is_hub, np.nan, np.round(rng.uniform(1, 2000, n), 1)), from_pandas=True
            ),
        }
    )


def write_inputs(n: int) -> tuple[Path, Path]:
    DATA.mkdir(exist_ok=True)
    csv_path, pq_path = DATA / f"tces_{n}.csv", DATA / f"tces_{n}.parquet"
    if not csv_path.exists() or not pq_path.exists():
        table = generate(n)
        pacsv.write_csv(table, csv_path)
        pq.write_table(table, pq_path)
    return csv_path, pq_path


def timed(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def duckdb_floor(path: Path) -> None:
    """Scan the file and sum mass x distance per TOC: the least any engine must do."""
    con = duckdb.connect()
    src = f"read_csv_auto('{path}')" if path.suffix == ".csv" else f"read_parquet('{path}')"
    con.execute(
        f"SELECT coalesce(toc_id, hoc_id), sum(mass_kg * coalesce(distance_km, 0)) "
        f"FROM {src} GROUP BY 1"
    ).fetchall()


def python_loop(path: Path) -> None:
    """The straightforward per-row loop: csv.DictReader, dict lookups, float maths."""
    fs = load_factor_set()
    toc = {
        k: (float(v.co2e_wtw_kg_per_unit), float(v.co2e_ttw_kg_per_unit), v.mode.value)
        for k, v in fs.tocs.items()
    }
    hoc = {
        k: (float(v.co2e_wtw_kg_per_unit), float(v.co2e_ttw_kg_per_unit), v.hub_type.value)
        for k, v in fs.hocs.items()
    }
    out = []
    totals: dict[str, float] = {}
    with path.open(newline="") as f:
        for row in csv.DictReader(f):
            mass_t = float(row["mass_kg"]) / 1000
            if row["toc_id"]:
                wtw, ttw, group = toc[row["toc_id"]]
                act = mass_t * float(row["distance_km"])
            else:
                wtw, ttw, group = hoc[row["hoc_id"]]
                act = mass_t
            out.append((row["tce_id"], act, act * wtw, act * ttw))
            totals[group] = totals.get(group, 0.0) + act * wtw


def _factors(v: Any, group: str) -> tuple[float, float, float, float, float, str]:
    """A TOC's or HOC's intensities as plain floats, and its mode or hub type."""
    return (float(v.co2e_wtw_kg_per_unit), float(v.co2e_ttw_kg_per_unit),
            float(v.nox_g_per_unit or 0), float(v.pm_g_per_unit or 0),
            float(v.sox_g_per_unit or 0), group)


def python_loop_same_work(path: Path, out: Path) -> None:
    """The per-row loop doing keten's job: check each field, look up the factors, compute CO2e
    WTW/TTW, NOx, PM, SOx, check duplicate ids and links, write every result row to CSV."""
    fs = load_factor_set()
    toc = {k: _factors(v, v.mode.value) for k, v in fs.tocs.items()}
    hoc = {k: _factors(v, v.hub_type.value) for k, v in fs.hocs.items()}
    seen: dict[str, str] = {}
    problems = []
    totals: dict[str, float] = {}
    with path.open(newline="") as f, out.open("w", newline="") as g:
        w = csv.writer(g)
        w.writerow(
            [
                "shipment_id",
                "tce_id",
                "group",
                "tkm",
                "co2e_wtw_kg",
                "co2e_ttw_kg",
                "nox_kg",
                "pm_kg",
                "sox_kg",
            ]
        )
        for n, row in enumerate(csv.DictReader(f), start=2):
            try:
                mass_t = float(row["mass_kg"]) / 1000
            except ValueError:
                problems.append((n, "mass_kg"))
                continue
            if mass_t <= 0:
                problems.append((n, "mass_kg"))
            tce = row["tce_id"]
            if tce in seen:
                problems.append((n, "tce_id"))
            seen[tce] = row["shipment_id"]
            prev = row["prev_tce_ids"]
            if prev and seen.get(prev) != row["shipment_id"]:
                problems.append((n, "prev_tce_ids"))
            if row["toc_id"]:
                f_ = toc.get(row["toc_id"])
                dist = float(row["distance_km"])
                act = tkm = mass_t * dist
            else:
                f_ = hoc.get(row["hoc_id"])
                act, tkm = mass_t, 0.0
            if f_ is None:
                problems.append((n, "toc_id"))
                continue
            wtw = act * f_[0]
            totals[f_[5]] = totals.get(f_[5], 0.0) + wtw
            w.writerow(
                [
                    row["shipment_id"],
                    tce,
                    f_[5],
                    tkm,
                    wtw,
                    act * f_[1],
                    act * f_[2] / 1e3,
                    act * f_[3] / 1e3,
                    act * f_[4] / 1e3,
                ]
            )


def python_loop_exact(path: Path, out: Path) -> None:
    """The per-row loop built from keten's own per-record (exact Decimal) functions: read a row,
    look up its TOC/HOC, compute the TCE, write its figures."""
    from decimal import Decimal

    from keten.emissions.exact import hub_tce, transport_tce

    fs = load_factor_set()
    with path.open(newline="") as f, out.open("w", newline="") as g:
        w = csv.writer(g)
        w.writerow(["shipment_id", "tce_id", "tkm", "co2e_wtw_kg", "co2e_ttw_kg", "nox_kg"])
        for row in csv.DictReader(f):
            if row["toc_id"]:
                t = transport_tce(row, fs.toc(row["toc_id"]), Decimal(row["distance_km"]),
                                  "actual")
            else:
                t = hub_tce(row, fs.hoc(row["hoc_id"]))
            w.writerow([t.shipment_id, t.tce_id, t.transport_activity_tkm, t.co2e_wtw_kg,
                        t.co2e_ttw_kg, t.nox_kg])


def duckdb_same_work(path: Path, out: Path) -> None:
    """DuckDB doing the per-TCE join with the factors and writing Parquet (no validation)."""
    fs = load_factor_set()
    rows = [
        (k, float(v.co2e_wtw_kg_per_unit), float(v.co2e_ttw_kg_per_unit))
        for k, v in [*fs.tocs.items(), *fs.hocs.items()]
    ]
    factors = pa.table(
        {"id": [r[0] for r in rows], "wtw": [r[1] for r in rows], "ttw": [r[2] for r in rows]}
    )
    con = duckdb.connect()
    con.register("factors", factors)
    src = f"read_csv_auto('{path}')" if path.suffix == ".csv" else f"read_parquet('{path}')"
    con.execute(
        f"""COPY (SELECT t.*, t.mass_kg / 1000 * coalesce(t.distance_km, 1) AS activity,
                  t.mass_kg / 1000 * coalesce(t.distance_km, 1) * f.wtw AS co2e_wtw_kg,
                  t.mass_kg / 1000 * coalesce(t.distance_km, 1) * f.ttw AS co2e_ttw_kg
            FROM {src} t JOIN factors f ON f.id = coalesce(t.toc_id, t.hoc_id))
            TO '{out}' (FORMAT parquet)"""
    )


def keten_stream(path: Path, out: Path) -> None:
    write_footprint(path, out, "parquet")


def peak_memory_mb(path: Path) -> float:
    """Max RSS of a child process that streams the file's footprint to Parquet."""
    # VmHWM (peak resident set) of the child itself: ru_maxrss would carry over the
    # parent's peak across fork and exec.
    code = (
        "from pathlib import Path; import re;"
        "from keten.services.footprint import write_footprint;"
        f"write_footprint(Path('{path}'), Path('{path}.out.parquet'), 'parquet');"
        "print(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    Path(f"{path}.out.parquet").unlink(missing_ok=True)
    return int(proc.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--big-rows", type=int, default=10_000_000)
    args = ap.parse_args()
    csv_path, pq_path = write_inputs(args.rows)
    print(f"# footprint benchmark: {args.rows:,} TCE rows, 2 cores, same run for every ratio")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.parquet"
        for label, path in (("CSV", csv_path), ("Parquet", pq_path)):
            t_keten = timed(lambda p=path: keten_stream(p, out))
            t_duck = timed(lambda p=path: duckdb_floor(p))
            print(
                f"{label:8s} keten {t_keten:6.2f} s ({args.rows / t_keten:,.0f} rows/s) | "
                f"DuckDB scan-and-sum {t_duck:5.2f} s | keten/DuckDB = {t_keten / t_duck:4.2f}x"
            )
        t_keten_csv = timed(lambda: keten_stream(csv_path, out))
        t_same = timed(lambda: duckdb_same_work(csv_path, Path(tmp) / "duck.parquet"))
        print(
            f"CSV      DuckDB join-and-write (same output, no checks) {t_same:5.2f} s | "
            f"keten/DuckDB = {t_keten_csv / t_same:4.2f}x"
        )
        t_loop = timed(lambda: python_loop(csv_path), repeat=1)
        t_loop_full = timed(
            lambda: python_loop_same_work(csv_path, Path(tmp) / "loop.csv"), repeat=1
        )
        print(
            f"CSV      per-row Python loop, bare sums {t_loop:6.2f} s | loop/keten = "
            f"{t_loop / t_keten_csv:5.1f}x"
        )
        print(
            f"CSV      per-row Python loop, same work {t_loop_full:6.2f} s | loop/keten = "
            f"{t_loop_full / t_keten_csv:5.1f}x"
        )
        t_exact = timed(lambda: python_loop_exact(csv_path, Path(tmp) / "exact.csv"), repeat=1)
        print(
            f"CSV      per-row loop of keten's exact per-record functions {t_exact:6.2f} s | "
            f"loop/keten = {t_exact / t_keten_csv:5.1f}x"
        )
    if args.big_rows:
        big_csv, _ = write_inputs(args.big_rows)
        mb = peak_memory_mb(big_csv)
        print(f"CSV      {args.big_rows:,} rows streamed: peak memory {mb:,.0f} MB (max RSS)")
    print(
        f"(this process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f}"
        " MB)"
    )


if __name__ == "__main__":
    main()
