"""Row-by-row parsing of small tables (factor files), gathering every problem."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from enum import Enum
from pathlib import Path
from typing import TypeVar

import pyarrow as pa

from keten.errors import Problem

E = TypeVar("E", bound=Enum)


class RowParser:
    """Reads typed values from text rows; each bad value becomes a Problem with its row."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.row: int | None = None

    def bad(self, column: str | None, reason: str) -> None:
        self.problems.append(Problem(reason, self.file, self.row, column))

    def dec(self, row: dict[str, str], column: str, optional: bool = False) -> Decimal | None:
        raw = (row.get(column) or "").strip()
        if raw == "":
            if not optional:
                self.bad(column, "missing value")
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            self.bad(column, f"'{raw}' is not a number")
            return None
        if not value.is_finite():
            self.bad(column, f"'{raw}' is not a finite number")
            return None
        return value

    def positive(
        self, row: dict[str, str], column: str, optional: bool = False, allow_zero: bool = False
    ) -> Decimal | None:
        value = self.dec(row, column, optional)
        if value is not None and (value < 0 or (value == 0 and not allow_zero)):
            self.bad(column, f"{value} must be {'zero or more' if allow_zero else 'above zero'}")
            return None
        return value

    def text(self, row: dict[str, str], column: str) -> str:
        raw = (row.get(column) or "").strip()
        if not raw:
            self.bad(column, "missing value")
        return raw

    def enum(
        self, enum: type[E], row: dict[str, str], column: str, default: E | None = None
    ) -> E | None:
        raw = (row.get(column) or "").strip()
        if not raw and default is not None:
            return default
        try:
            return enum(raw)
        except ValueError:
            allowed = ", ".join(str(e.value) for e in enum)
            self.bad(column, f"'{raw}' is not one of {allowed}")
            return None

    def enum_or(
        self, enum: type[E], row: dict[str, str], column: str, default: E, required: bool = False
    ) -> E:
        """Like :meth:`enum` but never None: a bad value is recorded and ``default`` returned.
        An empty cell is a problem when ``required``, else it means ``default``."""
        value = self.enum(enum, row, column, None if required else default)
        return default if value is None else value

    def year(self, row: dict[str, str]) -> int:
        raw = (row.get("year") or "").strip()
        if not raw.isdigit():
            self.bad("year", f"'{raw}' is not a year")
            return 0
        return int(raw)


def text_rows(table: pa.Table, first_row: int) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of an all-text Arrow table as dicts ('' for null), numbered from ``first_row``."""
    for i, rec in enumerate(table.to_pylist(), start=first_row):
        yield i, {k: ("" if v is None else str(v)) for k, v in rec.items()}


def first_data_row(path: Path) -> int:
    """Row number of the first record: 2 for CSV (the header is row 1), else 1."""
    return 2 if path.suffix.lower() == ".csv" else 1
