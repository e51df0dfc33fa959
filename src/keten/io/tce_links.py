"""Whole-file checks of TCE ids: duplicates, ``prev_tce_ids`` links, cycles.

The ids of every batch go into an embedded DuckDB table (which spills to disk for files larger
than memory); the checks run once at the end, so every problem is reported together.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from keten.errors import Problem
from keten.io.tables import pid_alive

MAX_LISTED = 1000
SPILL_PREFIX = "keten-links-"


def _remove_stale_spill_folders() -> None:
    for folder in Path(tempfile.gettempdir()).glob(f"{SPILL_PREFIX}*-*"):
        pid = folder.name[len(SPILL_PREFIX):].split("-")[0]
        if pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


class LinkChecker:
    """Collects (row, shipment_id, tce_id, prev_tce_ids) and checks them as a whole."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.con = duckdb.connect()
        self.con.execute("SET preserve_insertion_order = false")
        self.con.execute("SET enable_progress_bar = false")
        # Spill to disk rather than hold ids of a file larger than memory.
        # The folder's name holds the process id, so a later run removes what a killed one left.
        _remove_stale_spill_folders()
        self._tmp = tempfile.mkdtemp(prefix=f"{SPILL_PREFIX}{os.getpid()}-")
        self.con.execute(f"SET temp_directory = '{self._tmp}'")
        self.con.execute("SET memory_limit = '1GB'")
        self.con.execute("CREATE TABLE ids (row BIGINT, shipment_id VARCHAR, tce_id VARCHAR)")
        self.con.execute("CREATE TABLE links (row BIGINT, shipment_id VARCHAR, prev VARCHAR)")
        self.con.execute("CREATE TABLE local (row BIGINT)")
        self.has_links = False
        self._last: tuple[str | None, str | None] = (None, None)  # (shipment, tce) of last row

    def add(self, canonical: pa.Table, row_base: int) -> None:
        """Record a batch's ids. A link to the row just before (same shipment, one id) is
        settled here; every other link is kept for the whole-file join."""
        n = canonical.num_rows
        if n == 0:
            return
        shipment = canonical.column("shipment_id").combine_chunks()
        tce = canonical.column("tce_id").combine_chunks()
        prev = canonical.column("prev_tce_ids").combine_chunks()
        rows = pa.array(np.arange(row_base, row_base + n, dtype=np.int64))
        batch_ids = pa.table({"row": rows, "shipment_id": shipment, "tce_id": tce})  # noqa: F841
        self.con.execute("INSERT INTO ids SELECT * FROM batch_ids")
        has_prev = pc.fill_null(pc.greater(pc.utf8_length(prev), 0), False)
        if not pc.any(has_prev).as_py():
            self._last = (shipment[-1].as_py(), tce[-1].as_py())
            return
        self.has_links = True
        before_tce = pa.concat_arrays(
            [pa.array([self._last[1]], pa.string()), tce.slice(0, n - 1).cast(pa.string())]
        )
        before_shp = pa.concat_arrays(
            [pa.array([self._last[0]], pa.string()), shipment.slice(0, n - 1).cast(pa.string())]
        )
        local = pc.fill_null(
            pc.and_(pc.equal(prev, before_tce), pc.equal(shipment, before_shp)), False
        )
        remote = pc.and_(has_prev, pc.invert(local))
        local_rows = pa.table({"row": rows.filter(local)})  # noqa: F841
        self.con.execute("INSERT INTO local SELECT * FROM local_rows")
        batch_links = pa.table(  # noqa: F841 - queried by name below
            {
                "row": rows.filter(remote),
                "shipment_id": shipment.filter(remote),
                "prev": prev.filter(remote),
            }
        )
        self.con.execute("INSERT INTO links SELECT * FROM batch_links")
        self._last = (shipment[-1].as_py(), tce[-1].as_py())

    def __enter__(self) -> LinkChecker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()
        shutil.rmtree(self._tmp, ignore_errors=True)

    def problems(self) -> list[Problem]:
        out: list[Problem] = []
        dups = self.con.execute(
            """SELECT tce_id, list(row ORDER BY row) FROM ids WHERE tce_id IS NOT NULL
               GROUP BY tce_id HAVING count(*) > 1 ORDER BY min(row) LIMIT ?""",
            [MAX_LISTED],
        ).fetchall()
        for tce_id, rows in dups:
            out += [
                Problem(
                    f"duplicate tce_id '{tce_id}' (also in row {rows[0]})", self.file, r, "tce_id"
                )
                for r in rows[1:]
            ]
        if not self.has_links:
            return out
        # One pass: each link with the row of the TCE it names (NULL where there is none).
        self.con.execute(
            """CREATE OR REPLACE TEMP TABLE edges AS
               WITH e AS (
                 -- most TCEs name one predecessor: only split the lists that hold several
                 SELECT row, shipment_id, trim(prev) AS prev FROM links
                 WHERE NOT contains(prev, ';') AND trim(prev) <> ''
                 UNION ALL
                 SELECT row, shipment_id, trim(p) AS prev
                 FROM (SELECT * FROM links WHERE contains(prev, ';')),
                      unnest(string_split(prev, ';')) AS t(p)
                 WHERE trim(p) <> '')
               SELECT e.row, e.prev, e.shipment_id, i.row AS prev_row
               FROM e LEFT JOIN ids i ON i.tce_id = e.prev AND i.shipment_id = e.shipment_id"""
        )
        unknown = self.con.execute(
            """SELECT row, prev, shipment_id FROM edges WHERE prev_row IS NULL
               ORDER BY row LIMIT ?""",
            [MAX_LISTED],
        ).fetchall()
        out += [
            Problem(
                f"prev_tce_ids names '{prev}', which is not a TCE of shipment '{sid}'",
                self.file,
                row,
                "prev_tce_ids",
            )
            for row, prev, sid in unknown
        ]
        if dups or unknown:
            return out  # links are ambiguous or broken: cycle detection would mislead
        # Links that all point to earlier rows cannot form a cycle; only look if one does not.
        forward = self.con.execute("SELECT count(*) FROM edges WHERE prev_row >= row").fetchone()
        return out + (self._cycles() if forward and forward[0] else [])

    def _cycles(self) -> list[Problem]:
        pairs = self.con.execute(
            "SELECT row, prev_row FROM edges UNION ALL SELECT row, row - 1 FROM local"
        ).fetchnumpy()
        src, dst = np.asarray(pairs["row"]), np.asarray(pairs["prev_row"])
        if len(src) == 0:
            return []
        rows = np.unique(np.concatenate([src, dst]))
        a, b = np.searchsorted(rows, src), np.searchsorted(rows, dst)
        graph = csr_matrix((np.ones(len(a)), (a, b)), shape=(len(rows), len(rows)))
        _, labels = connected_components(graph, directed=True, connection="strong")
        sizes = np.bincount(labels)
        in_cycle = sizes[labels] > 1
        in_cycle[a[a == b]] = True  # a TCE that names itself
        cyc_rows = [int(r) for r in rows[in_cycle][:MAX_LISTED]]
        tce = dict(
            self.con.execute(
                "SELECT row, tce_id FROM ids WHERE list_contains(?, row)", [cyc_rows]
            ).fetchall()
        )
        return [
            Problem(
                f"prev_tce_ids of '{tce.get(int(r), '?')}' form a cycle",
                self.file,
                int(r),
                "prev_tce_ids",
            )
            for r in cyc_rows
        ]
