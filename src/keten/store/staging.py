"""Bulk import in two steps, stage then swap, so a large import never holds the store's write
lock for long and is still all-or-nothing.

1. **Stage**: rows go in bulk into temporary tables of one connection (SQLite ``TEMP`` tables
   live in that connection's private temporary file; PostgreSQL ``TEMPORARY`` tables in its
   session), with sqlite3's ``executemany`` or PostgreSQL's ``COPY``. Nothing is visible to
   anyone else, and on SQLite the main database is not even locked: other writers go on.
2. **Swap**: one short transaction copies the staged rows into the store's tables with
   ``INSERT ... SELECT`` inside the database engine (shipments and footprints upserted on
   their natural keys, so a re-imported shipment keeps its row, its footprint id, its
   ``created`` and its shares; its old TCEs and filter values replaced).

A ``kill -9`` at any moment leaves nothing: before the swap the staged rows exist only in the
dead connection's temporary storage (SQLite deletes the temporary file with the process,
PostgreSQL drops temporary tables with the session), and the swap is one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from keten.store.json_text import json_text
from keten.store.repository import Store

#: Staging tables: (name, [(column, SQLite type, PostgreSQL type)]).
_STAGES: dict[str, list[tuple[str, str, str]]] = {
    "shipments": [
        ("shipment_id", "TEXT", "text"),
        ("scope3_category", "INTEGER", "integer"),
        ("reference_year", "INTEGER", "integer"),
        ("mass_kg", "REAL", "double precision"),
        ("transport_activity_tkm", "REAL", "double precision"),
        ("co2e_wtw_kg", "REAL", "double precision"),
        ("co2e_ttw_kg", "REAL", "double precision"),
        ("primary_data_share_pct", "REAL", "double precision"),
        ("shipment_footprint", "TEXT", "json"),
        ("data_quality", "TEXT", "json"),
    ],
    "tces": [
        ("shipment_id", "TEXT", "text"),
        ("tce_id", "TEXT", "text"),
        ("co2e_wtw_kg", "REAL", "double precision"),
        ("co2e_ttw_kg", "REAL", "double precision"),
        ("transport_activity_tkm", "REAL", "double precision"),
        ("payload", "TEXT", "json"),
    ],
    "footprints": [
        ("id", "TEXT", "text"),
        ("shipment_id", "TEXT", "text"),
        ("status", "TEXT", "text"),
        ("status_lower", "TEXT", "text"),
        ("created", "TEXT", "timestamp"),
        ("validity_start", "TEXT", "timestamp"),
        ("validity_end", "TEXT", "timestamp"),
        ("geography_country", "TEXT", "text"),
        ("geography_region", "TEXT", "text"),
        ("geography_subdivision", "TEXT", "text"),
        ("payload", "TEXT", "json"),
        ("payload_v2", "TEXT", "json"),
    ],
    # kind: 0 productIds, 1 companyIds, 2 productClassifications
    "filter_values": [
        ("kind", "INTEGER", "integer"),
        ("footprint_id", "TEXT", "text"),
        ("value", "TEXT", "text"),
    ],
    "tads": [
        ("activity_id", "TEXT", "text"),
        ("mode", "TEXT", "text"),
        ("departure_at", "TEXT", "timestamp"),
        ("arrival_at", "TEXT", "timestamp"),
        ("payload", "TEXT", "json"),
    ],
}
FILTER_TABLES = ("footprint_product_ids", "footprint_company_ids", "footprint_classifications")


def dumps(value: Any) -> str:
    """JSON text of a document, as the store keeps every document
    (:func:`keten.store.json_text.json_text`: orjson's speed, the host's exact bytes)."""
    return json_text(value)


def sqlite_datetime(moment: datetime | None) -> str | None:
    """A naive UTC datetime in SQLAlchemy's SQLite storage format."""
    return None if moment is None else moment.isoformat(" ", "microseconds")


@dataclass(frozen=True)
class SwapCounts:
    shipments_created: int
    shipments_updated: int
    tads_created: int
    tads_updated: int


class ImportStage:
    """Temporary staging tables on one connection of ``store``; use as a context manager.

    ``add(name, rows)`` stages rows (tuples in the column order of ``_STAGES[name]``;
    datetimes as :func:`sqlite_datetime` text on SQLite, ``datetime`` on PostgreSQL, JSON as
    text); :meth:`swap` makes them visible in one transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.sqlite = store.dialect == "sqlite"
        self._conn: Connection | None = None

    # ------------------------------------------------------------ lifecycle

    def __enter__(self) -> ImportStage:
        self._conn = self.store.engine.connect()
        conn = self._conn
        if self.sqlite:  # a bigger page cache for this connection's bulk work (64 MiB)
            conn.exec_driver_sql("PRAGMA cache_size=-65536")
        for name, columns in _STAGES.items():
            if self.sqlite:
                cols = ", ".join(f"{c} {lite}" for c, lite, _ in columns)
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.stage_{name}")
                conn.exec_driver_sql(f"CREATE TEMP TABLE stage_{name} ({cols})")
            else:
                cols = ", ".join(f"{c} {pg}" for c, _, pg in columns)
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS pg_temp.stage_{name}")
                conn.exec_driver_sql(f"CREATE TEMPORARY TABLE stage_{name} ({cols})")
        conn.commit()
        return self

    def __exit__(self, *exc: object) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.rollback()
            if self.sqlite:
                conn.exec_driver_sql("PRAGMA cache_size=-2000")  # SQLite's default again
            for name in _STAGES:
                schema = "temp" if self.sqlite else "pg_temp"
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {schema}.stage_{name}")
            conn.commit()
        except Exception:  # a broken connection: do not hand it back to the pool
            conn.invalidate()
        finally:
            conn.close()

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("ImportStage used outside its 'with' block")
        return self._conn

    # ------------------------------------------------------------ staging

    def add(self, name: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """Stage ``rows`` into ``stage_<name>`` (bulk; committed on the staging connection
        only, which locks nothing of the store)."""
        if not rows:
            return
        columns = [c for c, _, _ in _STAGES[name]]
        driver: Any = self.conn.connection.driver_connection
        if self.sqlite:
            marks = ", ".join("?" for _ in columns)
            driver.executemany(f"INSERT INTO temp.stage_{name} VALUES ({marks})", rows)
            driver.commit()
            return
        sql = f"COPY stage_{name} ({', '.join(columns)}) FROM STDIN"
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        driver.commit()

    # ------------------------------------------------------------ swap

    def _run(self, sql: str, **params: Any) -> Any:
        return self.conn.execute(text(sql), params)

    def swap(
        self, company_id: str, imported_at: datetime, share_with: Iterable[str] = ()
    ) -> SwapCounts:
        """One transaction: upsert staged shipments, TCEs, footprints (and their filter
        values), TAD and shares into the store's tables; returns what was new or updated."""
        conn = self.conn
        stamp: Any = sqlite_datetime(imported_at) if self.sqlite else imported_at
        if self.sqlite:
            # take the write lock at once (waits busy_timeout for another writer)
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            counts = self._swap(company_id, stamp, list(share_with))
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
        return counts

    def _swap(self, c: str, stamp: Any, share_with: list[str]) -> SwapCounts:
        run = self._run
        total = run("SELECT count(*) FROM stage_shipments").scalar_one()
        existing = run(
            "SELECT count(*) FROM stage_shipments st JOIN shipments s "
            "ON s.company_id = :c AND s.shipment_id = st.shipment_id",
            c=c,
        ).scalar_one()
        shipment_cols = [n for n, _, _ in _STAGES["shipments"] if n != "shipment_id"]
        run(
            "INSERT INTO shipments (company_id, shipment_id, "
            + ", ".join(shipment_cols)
            + ", imported_at) SELECT :c, shipment_id, "
            + ", ".join(shipment_cols)
            + ", :stamp FROM stage_shipments WHERE true "
            "ON CONFLICT (company_id, shipment_id) DO UPDATE SET "
            + ", ".join(f"{n} = excluded.{n}" for n in [*shipment_cols, "imported_at"]),
            c=c,
            stamp=stamp,
        )
        if existing:
            run(
                "DELETE FROM tces WHERE shipment_row_id IN (SELECT s.id FROM shipments s "
                "JOIN stage_shipments st ON s.shipment_id = st.shipment_id "
                "WHERE s.company_id = :c)",
                c=c,
            )
        run(
            "INSERT INTO tces (shipment_row_id, tce_id, co2e_wtw_kg, co2e_ttw_kg, "
            "transport_activity_tkm, payload) SELECT s.id, st.tce_id, st.co2e_wtw_kg, "
            "st.co2e_ttw_kg, st.transport_activity_tkm, st.payload FROM stage_tces st "
            "JOIN shipments s ON s.company_id = :c AND s.shipment_id = st.shipment_id",
            c=c,
        )
        pf_cols = [n for n, _, _ in _STAGES["footprints"] if n not in ("id", "shipment_id")]
        # a re-import keeps the footprint's row (its shares) and its created time
        update_cols = [n for n in pf_cols if n != "created"]
        run(
            "INSERT INTO product_footprints (id, company_id, shipment_row_id, "
            + ", ".join(pf_cols)
            + ") SELECT f.id, :c, s.id, "
            + ", ".join(f"f.{n}" for n in pf_cols)
            + " FROM stage_footprints f LEFT JOIN shipments s "
            "ON s.company_id = :c AND s.shipment_id = f.shipment_id WHERE true "
            # in key order: the random ids then fill the primary-key index page by page
            "ORDER BY f.id "
            "ON CONFLICT (id) DO UPDATE SET shipment_row_id = excluded.shipment_row_id, "
            + ", ".join(f"{n} = excluded.{n}" for n in update_cols)
            + " WHERE product_footprints.company_id = excluded.company_id",
            c=c,
        )
        for kind, table in enumerate(FILTER_TABLES):
            run(f"DELETE FROM {table} WHERE footprint_id IN (SELECT id FROM stage_footprints)")
            run(
                f"INSERT INTO {table} (footprint_id, value) SELECT DISTINCT footprint_id, value "
                "FROM stage_filter_values WHERE kind = :kind ORDER BY footprint_id, value",
                kind=kind,
            )
        tads = run("SELECT count(*) FROM stage_tads").scalar_one()
        tads_existing = 0
        if tads:
            tads_existing = run(
                "SELECT count(*) FROM stage_tads st JOIN transport_activities a "
                "ON a.company_id = :c AND a.activity_id = st.activity_id",
                c=c,
            ).scalar_one()
            run(
                "INSERT INTO transport_activities (company_id, activity_id, mode, "
                "departure_at, arrival_at, payload) SELECT :c, activity_id, mode, "
                "departure_at, arrival_at, payload FROM stage_tads WHERE true "
                "ON CONFLICT (company_id, activity_id) DO UPDATE SET mode = excluded.mode, "
                "departure_at = excluded.departure_at, arrival_at = excluded.arrival_at, "
                "payload = excluded.payload",
                c=c,
            )
        for recipient in share_with:
            run(
                "INSERT INTO shares (footprint_id, recipient_company_id, created_at) "
                "SELECT id, :r, :stamp FROM stage_footprints WHERE true "
                "ON CONFLICT (footprint_id, recipient_company_id) DO NOTHING",
                r=recipient,
                stamp=stamp,
            )
        return SwapCounts(total - existing, existing, tads - tads_existing, tads_existing)
