"""Store import speed (#17): ``keten company import`` of a TCE table against a bare bulk insert
of the same rows into the same tables, in the same run, on SQLite and on PostgreSQL.

- *compute*: ``exchange.footprints_from_table`` (keten.footprint on the table, the iLEAP
  ShipmentFootprints and their data sources), once;
- *import*: the import service (``exchange.import_footprints``: validation, the PACT v3 and
  v2 documents, staging, the swap) into an empty store, then again as a re-import (every
  shipment updated); *swap* is the part that holds the store's write lock;
- *bare*: the rows the import wrote (read back from its store, as stored) inserted into a
  fresh store's tables with no checks, one transaction: ``executemany`` on SQLite, ``COPY``
  on PostgreSQL. The aim is import <= 3x bare;
- *CLI* (``--cli``): ``keten company import`` end to end in a subprocess (start-up, compute
  and import).

Run: .venv/bin/python benchmarks/store_import.py [--rows 200000] [--backend sqlite|postgresql|both]
PostgreSQL is a throwaway cluster this script starts (initdb + pg_ctl in a temporary
directory, loopback, a spare port) and stops.
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from crash_kill9 import make_tces  # noqa: E402  (the crash test's generator: 2 TCEs a shipment)

from keten.services import companies, exchange  # noqa: E402
from keten.store import Store  # noqa: E402

#: Tables an import writes, in foreign-key order.
TABLES = [
    "shipments",
    "tces",
    "product_footprints",
    "footprint_product_ids",
    "footprint_company_ids",
    "footprint_classifications",
]


@contextmanager
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL cluster; yields the URL of an admin connection string base."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        raise SystemExit("PostgreSQL binaries not found under /usr/lib/postgresql/*/bin")
    bindir = found[-1].parent
    root = Path(tempfile.mkdtemp(prefix="keten-bench-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    data = root / "data"
    subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U",
                    "postgres", "-E", "UTF8"], check=True, capture_output=True)
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1"
    subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                    str(root / "log"), "-w", "start"], check=True, capture_output=True)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def fresh_url(backend: str, tmp: Path, pg: str | None, name: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp / (name + '.sqlite')}"
    import psycopg

    with psycopg.connect(f"postgresql://postgres@{pg}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@{pg}/{name}"


def read_rows(store: Store) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Every row the import wrote, as the database holds it (JSON as text)."""
    out = {}
    raw: Any = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for table in TABLES:
            cursor.execute(f"SELECT * FROM {table}")
            columns = [d[0] for d in cursor.description]
            json_cols = {"payload", "payload_v2", "shipment_footprint", "data_quality"}
            if store.dialect != "sqlite":  # psycopg parses json: read it back as text
                select = ", ".join(f"{c}::text" if c in json_cols else c for c in columns)
                cursor.execute(f"SELECT {select} FROM {table}")
            out[table] = (columns, [tuple(r) for r in cursor.fetchall()])
    finally:
        raw.close()
    return out


def bare_insert(store: Store, rows: dict[str, tuple[list[str], list[tuple[Any, ...]]]]) -> float:
    """Insert ``rows`` into the store's tables, one transaction, no checks; seconds."""
    raw: Any = store.engine.raw_connection()
    try:
        driver = raw.driver_connection
        started = time.perf_counter()
        if store.dialect == "sqlite":
            for table in TABLES:
                columns, data = rows[table]
                marks = ", ".join("?" for _ in columns)
                driver.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", data
                )
            driver.commit()
        else:
            with driver.cursor() as cursor:
                for table in TABLES:
                    columns, data = rows[table]
                    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                        for row in data:
                            copy.write_row(row)
            driver.commit()
        return time.perf_counter() - started
    finally:
        raw.close()


def timed_import(store: Store, table: exchange.TableImport) -> tuple[float, float]:
    """(seconds of the whole import, seconds of its swap transaction)."""
    marks: dict[str, float] = {}

    def progress(phase: str, done: int, total: int) -> None:
        marks[phase] = time.perf_counter()

    started = time.perf_counter()
    exchange.import_footprints(
        store, "bench", table.shipment_footprints,
        scope3_category=table.scope3_category,
        primary_data_share_pct=table.primary_data_share_pct,
        data_quality=table.data_quality, progress=progress,
    )
    ended = time.perf_counter()
    return ended - started, marks["swapped"] - marks["staged"]


def run_backend(backend: str, tmp: Path, tces: Path, table: exchange.TableImport,
                pg: str | None, cli: bool) -> dict[str, float]:
    store = Store(fresh_url(backend, tmp, pg, "bench_import"))
    companies.add_company(store, "Bench", "bench")
    first, swap_first = timed_import(store, table)
    again, swap_again = timed_import(store, table)
    rows = read_rows(store)
    store.close()
    bare_store = Store(fresh_url(backend, tmp, pg, "bench_bare"))
    companies.add_company(bare_store, "Bench", "bench")
    bare = bare_insert(bare_store, rows)
    bare_store.close()
    results = {"import": first, "swap": swap_first, "reimport": again, "reswap": swap_again,
               "bare": bare, "cli": float("nan"),
               "rows": float(sum(len(r[1]) for r in rows.values()))}
    if not cli:
        return results
    # the CLI end to end (a fresh store; start-up, compute, import)
    env = {**os.environ, "KETEN_HOME": str(tmp / f"home-{backend}")}
    env["KETEN_DATABASE_URL"] = fresh_url(backend, tmp, pg, "bench_cli")
    keten = [sys.executable, "-m", "keten.cli.main"]
    subprocess.run([*keten, "company", "add", "Bench", "--id", "bench"], env=env, check=True,
                   capture_output=True)
    started = time.perf_counter()
    subprocess.run([*keten, "company", "import", "bench", str(tces)], env=env, check=True,
                   capture_output=True)
    results["cli"] = time.perf_counter() - started
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000, help="TCE rows (2 per shipment)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--cli", action="store_true", help="also time `keten company import`")
    opts = parser.parse_args()
    backends = ["sqlite", "postgresql"] if opts.backend == "both" else [opts.backend]
    with tempfile.TemporaryDirectory(prefix="keten-bench-import-") as name:
        tmp = Path(name)
        tces = tmp / "tces.csv"
        shipments = make_tces(tces, opts.rows)
        started = time.perf_counter()
        table = exchange.footprints_from_table(tces)
        compute = time.perf_counter() - started
        print(f"{opts.rows} TCE rows, {shipments} shipments; compute (footprints_from_table) "
              f"{compute:.1f} s")
        results = {}
        for backend in backends:
            if backend == "postgresql":
                with postgres() as pg:
                    results[backend] = run_backend(backend, tmp, tces, table, pg, opts.cli)
            else:
                results[backend] = run_backend(backend, tmp, tces, table, None, opts.cli)
    print("| backend | bare insert | import | ratio | swap (write lock) | re-import | "
          "ratio | its swap | CLI end to end |")
    print("|---|---|---|---|---|---|---|---|---|")
    for backend, r in results.items():
        print(f"| {backend} | {r['bare']:.1f} s ({r['rows']:.0f} rows) | {r['import']:.1f} s | "
              f"{r['import'] / r['bare']:.2f}x | {r['swap']:.1f} s | {r['reimport']:.1f} s | "
              f"{r['reimport'] / r['bare']:.2f}x | {r['reswap']:.1f} s | {r['cli']:.1f} s |")


if __name__ == "__main__":
    main()
