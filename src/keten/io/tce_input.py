"""Validate TCE input (one row per transport or hub chain element) into a canonical table.

Row numbers in problems: for CSV files the line in the file (the header is line 1, so the first
data row is row 2), as a spreadsheet shows it; for JSON and Parquet the record number from 1.
Checks that need the whole file (duplicate ids, ``prev_tce_ids`` links, cycles) run in
:mod:`keten.io.tce_links` once every batch has been seen.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from keten.errors import Problem

REQUIRED_COLUMNS = {"shipment_id", "tce_id", "mass_kg"}
OPTIONAL_COLUMNS = {
    "prev_tce_ids",
    "toc_id",
    "hoc_id",
    "distance_km",
    "teu",
    "origin",
    "destination",
    "consignment_id",
    "departure_at",
    "arrival_at",
    "scope3_category",
    "packaging_or_tr_eq_type",
}
NUMERIC_COLUMNS = ("mass_kg", "distance_km", "teu")
TEXT_COLUMNS = tuple(sorted((REQUIRED_COLUMNS | OPTIONAL_COLUMNS) - set(NUMERIC_COLUMNS)))

# Column types for the fast typed read of CSV files.
FAST_COLUMN_TYPES: dict[str, pa.DataType] = {
    **{c: pa.float64() for c in NUMERIC_COLUMNS},
    **{c: pa.string() for c in TEXT_COLUMNS},
}

# Upper bound of one TCE's activity (t·km or TEU·km): 1e15 is a million times a year of the
# world's freight (about 1e14 t·km); anything above is a unit or typing error, and it keeps
# every product with a factor far from float overflow.
MAX_ACTIVITY = 1e15

# At most this many problems of one kind are listed one by one; the rest are counted.
MAX_LISTED_PER_KIND = 1000


@dataclass
class RowProblems:
    """Problems found in a batch, capped per (column, reason) so huge files stay readable."""

    file: str
    row_base: int
    problems: list[Problem]
    counts: dict[tuple[str, str], int]

    def add_rows(self, rows: np.ndarray, column: str, reason: str | Callable[[int], str]) -> None:
        key = (column, reason if isinstance(reason, str) else "?")
        seen = self.counts.get(key, 0)
        self.counts[key] = seen + len(rows)
        room = max(0, MAX_LISTED_PER_KIND - seen)
        for i in rows[:room].tolist():
            text = reason if isinstance(reason, str) else reason(i)
            self.problems.append(Problem(text, self.file, self.row_base + i, column))

    def summary(self) -> list[Problem]:
        return [
            Problem(f"{reason} (and {n - MAX_LISTED_PER_KIND} more rows)", self.file, None, col)
            for (col, reason), n in self.counts.items()
            if n > MAX_LISTED_PER_KIND
        ]


def _numeric(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values as float64 with NaN where missing/bad, mask of present-but-not-a-number,
    mask of a number that is not finite: ``inf``, ``NaN`` or too large for a float such as
    ``1e400``)."""
    if pa.types.is_floating(column.type) or pa.types.is_integer(column.type):
        values = np.asarray(
            pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64
        )
        given = np.asarray(pc.is_valid(column).to_numpy(zero_copy_only=False), dtype=bool)
        infinite = given & ~np.isfinite(values)
        if infinite.any():
            values = np.where(infinite, np.nan, values)
        return values, np.zeros(len(values), dtype=bool), infinite
    import pandas as pd

    text = pd.Series(column.to_pandas(), dtype="object")
    stripped = text.str.strip() if len(text) else text
    given = np.asarray(text.notna().to_numpy() & (stripped.str.len() > 0).to_numpy(), dtype=bool)
    parsed = pd.Series(pd.to_numeric(stripped.where(given, None), errors="coerce"))
    arr = np.asarray(parsed.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
    # "nan", "inf" and "1e400" parse as floats; anything else that does not is not a number
    lowered = stripped.str.lower().str.lstrip("+-")
    named = np.asarray(lowered.isin(["nan", "inf", "infinity"]).to_numpy(), dtype=bool)
    infinite = given & (~np.isfinite(arr) & ~np.isnan(arr) | named)
    bad = given & np.isnan(arr) & ~infinite
    if infinite.any():
        arr = np.where(infinite, np.nan, arr)
    return arr, bad, infinite


# C0 control characters other than tab, and DEL: never part of an id or a date.
CONTROL_CHARACTERS = "[\\x00-\\x08\\x0a-\\x1f\\x7f]"
DATE_COLUMNS = ("departure_at", "arrival_at")


def _control_rows(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    hit = pc.match_substring_regex(column, CONTROL_CHARACTERS)
    return np.flatnonzero(np.asarray(pc.fill_null(hit, False).to_numpy(zero_copy_only=False)))


def _bad_dates(column: pa.ChunkedArray | pa.Array, present: np.ndarray) -> np.ndarray:
    """Rows whose value is not an ISO 8601 date or date-time (``2026-01-08T06:00:00Z``)."""
    from datetime import datetime

    values = column.to_pylist()
    unique = {values[i] for i in np.flatnonzero(present).tolist()}
    wrong = set()
    for value in unique:
        try:
            datetime.fromisoformat(str(value))
        except ValueError:
            wrong.add(value)
    if not wrong:
        return np.zeros(0, dtype=np.int64)
    return np.array([i for i in np.flatnonzero(present).tolist() if values[i] in wrong],
                    dtype=np.int64)


def _present(table: pa.Table, column: str) -> np.ndarray:
    if column not in table.column_names:
        return np.zeros(table.num_rows, dtype=bool)
    col = table.column(column)
    valid = pc.is_valid(col)
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        valid = pc.and_(valid, pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(col)), 0))
    return np.asarray(pc.fill_null(valid, False).to_numpy(zero_copy_only=False), dtype=bool)


def _unknown_id_reason(values: list[object], kind: str, known: set[str]) -> Callable[[int], str]:
    """The reason for an unknown TOC/HOC id, with close known ids (one look-up per id)."""
    hints: dict[object, str] = {}

    def reason(i: int) -> str:
        if values[i] not in hints:
            close = difflib.get_close_matches(str(values[i]), sorted(known), n=3, cutoff=0.75)
            hints[values[i]] = (f"did you mean {', '.join(close)}? " if close else "") + (
                f"not in a --{kind.lower()}s file nor the built-in defaults; "
                f"see `keten factors list --kind {kind.lower()}`")
        return f"unknown {kind} '{values[i]}' ({hints[values[i]]})"

    return reason


def _unknown_location_reason(
    values: list[object], suggest: Callable[[str], list[str]] | None
) -> Callable[[int], str]:
    """The reason for an unknown origin/destination, with close places or nodes."""
    hints: dict[str, str] = {}

    def reason(i: int) -> str:
        text = str(values[i]).strip()
        if text not in hints:
            close = suggest(text) if suggest is not None else []
            hints[text] = (f"did you mean {', '.join(close)}? " if close else "") + (
                "use a place name, UN/LOCODE, network node id or 'lat,lon'")
        return f"unknown location '{values[i]}' ({hints[text]})"

    return reason


def check_rows(
    table: pa.Table,
    file: str,
    row_base: int,
    toc_ids: set[str],
    hoc_ids: set[str],
    can_locate: Callable[[str], bool] | None = None,
    suggest_location: Callable[[str], list[str]] | None = None,
) -> tuple[pa.Table, RowProblems]:
    """Check each row of a batch; return the canonical typed batch and the problems found.

    ``row_base`` is added to the 0-based index in the batch to give the reported row.
    ``can_locate`` says whether an origin/destination can be resolved to coordinates;
    ``suggest_location`` names close matches for one that cannot.
    """
    n = table.num_rows
    rp = RowProblems(file, row_base, [], {})
    # every text column trimmed once; presence is judged on the trimmed text
    text = {
        c: pc.utf8_trim_whitespace(table.column(c).cast(pa.string()))
        for c in TEXT_COLUMNS
        if c in table.column_names
    }

    def present(col: str) -> np.ndarray:
        if col not in text:
            return _present(table, col)
        ok = pc.and_(pc.is_valid(text[col]), pc.greater(pc.utf8_length(text[col]), 0))
        return np.asarray(pc.fill_null(ok, False).to_numpy(zero_copy_only=False), dtype=bool)

    for col in ("shipment_id", "tce_id"):
        if col in table.column_names:
            rp.add_rows(np.flatnonzero(~present(col)), col, "missing value")

    for col, values in text.items():
        rp.add_rows(_control_rows(values), col, "contains a control character (e.g. NUL)")
    for col in DATE_COLUMNS:
        if col in text:
            rp.add_rows(
                _bad_dates(text[col], present(col)),
                col,
                "not an ISO 8601 date or date-time (e.g. 2026-01-08T06:00:00Z)",
            )

    numbers: dict[str, np.ndarray] = {}
    infinite: dict[str, np.ndarray] = {}
    for col in NUMERIC_COLUMNS:
        if col in table.column_names:
            values, bad, inf = _numeric(table.column(col))
            rp.add_rows(np.flatnonzero(bad), col, "not a number")
            rp.add_rows(np.flatnonzero(inf), col, "not a finite number (inf, NaN or too large)")
        else:
            values, inf = np.full(n, np.nan), np.zeros(n, dtype=bool)
        numbers[col] = values
        infinite[col] = inf

    mass = numbers["mass_kg"]
    if "mass_kg" in table.column_names:
        rp.add_rows(np.flatnonzero(~_present(table, "mass_kg")), "mass_kg", "missing value")
        rp.add_rows(np.flatnonzero(mass <= 0), "mass_kg", "mass must be greater than zero")
    dist = numbers["distance_km"]
    rp.add_rows(np.flatnonzero(dist < 0), "distance_km", "distance must not be negative")
    teu = numbers["teu"]
    rp.add_rows(np.flatnonzero(teu <= 0), "teu", "TEU must be greater than zero")
    # Each factor multiplies mass (t) by distance (km), or TEU by distance: the product must
    # stay a finite number, and well inside float range so emissions do too.
    with np.errstate(over="ignore", invalid="ignore"):
        tkm = np.abs(mass / 1000.0 * np.where(np.isnan(dist), 1.0, dist))
        teukm = np.abs(teu * np.where(np.isnan(dist), 1.0, dist))
    rp.add_rows(
        np.flatnonzero((tkm > MAX_ACTIVITY) | (teukm > MAX_ACTIVITY)),
        "mass_kg",
        f"mass × distance (or TEU × distance) is beyond {MAX_ACTIVITY:.0e}; check the units",
    )

    has_toc = present("toc_id")
    has_hoc = present("hoc_id")
    rp.add_rows(
        np.flatnonzero(has_toc & has_hoc),
        "toc_id",
        "give exactly one of toc_id and hoc_id, not both",
    )
    rp.add_rows(
        np.flatnonzero(~has_toc & ~has_hoc),
        "toc_id",
        "give exactly one of toc_id and hoc_id (neither is set)",
    )

    for col, known, kind in (("toc_id", toc_ids, "TOC"), ("hoc_id", hoc_ids, "HOC")):
        if col not in table.column_names:
            continue
        ids = text[col]
        member = pc.is_in(ids, value_set=pa.array(sorted(known), pa.string()))
        unknown = np.asarray(
            pc.fill_null(pc.invert(member), False).to_numpy(zero_copy_only=False), dtype=bool
        ) & (has_toc if col == "toc_id" else has_hoc)
        if unknown.any():
            values = ids.to_pylist()
            rp.add_rows(
                np.flatnonzero(unknown),
                col,
                _unknown_id_reason(values, kind, known),
            )

    has_od = present("origin") & present("destination")
    has_dist = ~np.isnan(dist)
    rp.add_rows(
        np.flatnonzero(has_toc & ~has_hoc & ~has_dist & ~has_od),
        "distance_km",
        "a transport TCE needs distance_km, or origin and destination",
    )
    if can_locate is not None:
        need = np.flatnonzero(has_toc & ~has_dist & has_od)
        for col in ("origin", "destination"):
            if len(need) == 0:
                break
            vals = table.column(col).to_pylist()
            bad_rows = np.array(
                [i for i in need.tolist() if not can_locate(str(vals[i]).strip())], dtype=np.int64
            )
            rp.add_rows(
                bad_rows,
                col,
                _unknown_location_reason(vals, suggest_location),
            )

    columns: dict[str, pa.Array | pa.ChunkedArray] = dict(text)
    for col, mask in (("toc_id", has_toc), ("hoc_id", has_hoc)):
        if col in columns:  # an empty id is no id
            columns[col] = pc.if_else(pa.array(mask), columns[col], pa.scalar(None, pa.string()))
    for col in NUMERIC_COLUMNS:
        columns[col] = pa.array(numbers[col], pa.float64())
    for col in TEXT_COLUMNS:
        columns.setdefault(col, pa.nulls(n, pa.string()))
    return pa.table(columns), rp
