"""Import containers, export loads and empty depots for street turns, at the edge.

Imports: ``container_id``, ``size`` (20, 40, 45), ``location`` (consignee), ``empty_at``
(ISO date-time the box is empty); optional ``kind`` (default dry), ``port`` (terminal, default
NLRTM). Exports: ``booking_id``, ``size``, ``location`` (shipper), ``needed_by``; optional
``kind``, ``port``. Depots: ``depot_id``, ``location``; optional ``kind`` (inland or port).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from keten.errors import Problem, ValidationError
from keten.io.checked_table import checked_table
from keten.io.rows import RowParser, text_rows

SIZES = ("20", "40", "45")


@dataclass(frozen=True)
class BoxRow:
    ref: str
    size: str
    kind: str
    location: str
    port: str
    at: datetime
    row: int


def _rows(data: Any, id_col: str, time_col: str, what: str,
          check: Callable[[str], str | None]) -> list[BoxRow]:
    table, label, first = checked_table(data, what, {id_col, "size", "location", time_col},
                                        {"kind", "port", "description"})
    p = RowParser(label)
    out = []
    for row, r in text_rows(table, first):
        p.row = row
        ref, size = p.text(r, id_col), p.text(r, "size").removesuffix("ft").strip()
        if size and size not in SIZES:
            p.bad("size", f"'{size}' is not one of {', '.join(SIZES)}")
        loc = p.text(r, "location")
        port = (r.get("port") or "NLRTM").strip()
        for col, value in (("location", loc), ("port", port)):
            why = check(value) if value else None
            if why:
                p.bad(col, why)
        raw = p.text(r, time_col)
        try:
            at = datetime.fromisoformat(raw) if raw else None
        except ValueError:
            p.bad(time_col, f"'{raw}' is not an ISO date-time")
            at = None
        if at is not None and at.tzinfo is not None:
            at = at.replace(tzinfo=None)
        if at is not None and ref and size in SIZES and loc:
            out.append(BoxRow(ref, size, (r.get("kind") or "dry").strip(), loc, port, at, row))
    if p.problems:
        raise ValidationError(p.problems, title=f"{label}: invalid {what}")
    return out


def read_imports(data: Any, check: Callable[[str], str | None]) -> list[BoxRow]:
    return _rows(data, "container_id", "empty_at", "imports", check)


def read_exports(data: Any, check: Callable[[str], str | None]) -> list[BoxRow]:
    return _rows(data, "booking_id", "needed_by", "exports", check)


def read_depots(data: Any, check: Callable[[str], str | None]) -> list[tuple[str, str, str]]:
    table, label, first = checked_table(data, "depots", {"depot_id", "location"},
                                        {"kind", "description", "source"})
    p = RowParser(label)
    out = []
    for row, r in text_rows(table, first):
        p.row = row
        did, loc = p.text(r, "depot_id"), p.text(r, "location")
        why = check(loc) if loc else None
        if why:
            p.bad("location", why)
        out.append((did, loc, (r.get("kind") or "inland").strip()))
    if p.problems:
        raise ValidationError(p.problems, title=f"{label}: invalid depots")
    if not out:
        raise ValidationError([Problem("no depots", label)])
    return out
