"""Read and validate planning inputs: shipments, scheduled services and terminals.

Each may be a CSV, JSON or Parquet file, or in memory (list of dicts, pandas or Arrow table).
Every problem in every file is gathered (file, row, column, reason) and raised once.
Times are ISO 8601 date-times (``2026-03-02T08:00``) or numbers of hours from the plan start
(the earliest date given, floored to midnight; hour 0 when no dates are given).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from keten.errors import FactorNotFoundError, Problem, UnknownLocationError, ValidationError
from keten.factors import FactorSet
from keten.io.rows import RowParser, text_rows
from keten.io.tables import as_table, ensure_known_columns
from keten.planning.model import Service, Shipment, Terminal

SHIPMENT_REQUIRED = {"shipment_id", "origin", "destination", "release_at", "due_at"}
SHIPMENT_OPTIONAL = {"mass_kg", "teu", "value_of_time_eur_per_h", "source", "note"}
SERVICE_REQUIRED = {"service_id", "mode", "from_terminal", "to_terminal", "departure_at"}
SERVICE_OPTIONAL = {"arrival_at", "transit_h", "capacity_teu", "capacity_t", "price_eur_per_teu",
                    "price_eur_per_t", "distance_km", "toc_id", "operator", "source", "note"}
TERMINAL_REQUIRED = {"terminal_id"}
TERMINAL_OPTIONAL = {"handling_cost_eur_per_teu", "handling_cost_eur_per_t", "handling_time_h",
                     "capacity_teu_per_day", "hoc_id", "name", "source", "note"}
ALIASES = {"from": "from_terminal", "to": "to_terminal", "release": "release_at",
           "due": "due_at", "departure": "departure_at", "arrival": "arrival_at"}
SERVICE_MODES = {"rail": "rail", "inland_waterway": "inland_waterway", "barge": "inland_waterway",
                 "iww": "inland_waterway", "sea": "sea", "short_sea": "sea"}

# A location text -> (node id or "lat,lon" text, modes the node handles; empty for a point).
Locator = Callable[[str], tuple[str, frozenset[str]]]


@dataclass(frozen=True)
class PlanningInputs:
    shipments: tuple[Shipment, ...]
    services: tuple[Service, ...]
    terminals: dict[str, Terminal]
    t0: datetime | None


def _rename(table: pa.Table) -> pa.Table:
    """Short column names (``from``, ``due``, ...) to the canonical ones; where both are
    present (records that mix them) the canonical value wins, else the alias's."""
    table = table.rename_columns([n.strip() for n in table.column_names])
    for alias, name in ALIASES.items():
        if alias not in table.column_names:
            continue
        if name in table.column_names:
            merged = pc.coalesce(table.column(name), table.column(alias))
            table = table.set_column(table.column_names.index(name), name, merged)
            table = table.drop_columns([alias])
        else:
            table = table.rename_columns([name if n == alias else n
                                          for n in table.column_names])
    return table


class _Times:
    """Parses time cells in two passes: dates first (to fix ``t0``), then hours."""

    def __init__(self) -> None:
        self.dates: list[datetime] = []

    @staticmethod
    def parse(raw: str) -> float | datetime | None:
        raw = raw.strip()
        try:
            return float(raw)
        except ValueError:
            pass
        try:
            value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            return None
        return value.replace(tzinfo=None) if value.tzinfo is not None else value

    def t0(self) -> datetime | None:
        if not self.dates:
            return None
        first = min(self.dates)
        return datetime(first.year, first.month, first.day)


def _time(p: RowParser, row: dict[str, str], col: str, t0: datetime | None,
          optional: bool = False) -> float | None:
    raw = (row.get(col) or "").strip()
    if not raw:
        if not optional:
            p.bad(col, "missing value")
        return None
    value = _Times.parse(raw)
    if value is None:
        p.bad(col, f"'{raw}' is neither an ISO 8601 date-time nor a number of hours")
        return None
    if isinstance(value, float):
        return value
    assert t0 is not None
    return (value - t0) / timedelta(hours=1)


def _num(p: RowParser, row: dict[str, str], col: str, allow_zero: bool = True
         ) -> float | None:
    raw = (row.get(col) or "").strip()
    if not raw:
        return None
    value = p.dec(row, col)
    if value is None:
        return None
    if value < 0 or (value == 0 and not allow_zero):
        p.bad(col, f"{value} must be {'zero or more' if allow_zero else 'above zero'}")
        return None
    return float(value)


def _locate(p: RowParser, locate: Locator, text: str, col: str
            ) -> tuple[str, frozenset[str]] | None:
    if not text:
        return None
    try:
        return locate(text)
    except UnknownLocationError as exc:
        p.bad(col, str(exc))
        return None


def read_planning_inputs(shipments: Any, services: Any, terminals: Any | None,
                         locate: Locator, fs: FactorSet, mass_per_teu_t: float = 10.0
                         ) -> PlanningInputs:
    """Validate all three inputs; raises one ValidationError listing every problem."""
    problems: list[Problem] = []
    tables: list[tuple[pa.Table, str, int] | None] = []
    for data, key, req, opt in ((shipments, "shipments", SHIPMENT_REQUIRED, SHIPMENT_OPTIONAL),
                                (services, "services", SERVICE_REQUIRED, SERVICE_OPTIONAL),
                                (terminals, "terminals", TERMINAL_REQUIRED, TERMINAL_OPTIONAL)):
        if data is None:
            tables.append(None)
            continue
        try:
            table, label, first = as_table(data, key)
        except ValidationError as exc:
            problems += exc.problems
            tables.append(None)
            continue
        table = _rename(table)
        col_problems = ensure_known_columns(label, table.column_names, req, opt)
        problems += col_problems
        tables.append(None if col_problems else (table, label, first))
    if problems:
        raise ValidationError(problems, title="invalid planning input")
    times = _Times()
    for item, cols in ((tables[0], ("release_at", "due_at")),
                       (tables[1], ("departure_at", "arrival_at"))):
        if item is None:
            continue
        for c in cols:
            if c in item[0].column_names:
                for v in item[0].column(c).to_pylist():
                    parsed = _Times.parse(v) if v else None
                    if isinstance(parsed, datetime):
                        times.dates.append(parsed)
    t0 = times.t0()
    ships: list[Shipment] = []
    svcs: list[Service] = []
    terms: dict[str, Terminal] = {}
    if tables[0] is not None:
        ships = _shipments(*tables[0], locate, t0, mass_per_teu_t, problems)
    if tables[1] is not None:
        svcs = _services(*tables[1], locate, t0, fs, problems)
    if tables[2] is not None:
        terms = _terminals(*tables[2], locate, fs, problems)
    if not ships and not problems:
        problems.append(Problem("no shipments", tables[0][1] if tables[0] else None))
    if problems:
        raise ValidationError(problems, title="invalid planning input")
    return PlanningInputs(tuple(ships), tuple(svcs), terms, t0)


def _shipments(table: pa.Table, label: str, first: int, locate: Locator,
               t0: datetime | None, mass_per_teu_t: float, problems: list[Problem]
               ) -> list[Shipment]:
    p = RowParser(label)
    out: list[Shipment] = []
    seen: set[str] = set()
    for p.row, row in text_rows(table, first):
        sid = p.text(row, "shipment_id")
        if sid and sid in seen:
            p.bad("shipment_id", f"duplicate shipment id '{sid}'")
        seen.add(sid)
        o_txt, d_txt = p.text(row, "origin"), p.text(row, "destination")
        o = _locate(p, locate, o_txt, "origin")
        d = _locate(p, locate, d_txt, "destination")
        if o and d and o[0] == d[0]:
            p.bad("destination", "destination is the same as the origin")
        mass = _num(p, row, "mass_kg", allow_zero=False)
        teu = _num(p, row, "teu", allow_zero=False)
        if not (row.get("mass_kg") or "").strip() and not (row.get("teu") or "").strip():
            p.bad("mass_kg", "give mass_kg and/or teu")
        if mass is None and teu is not None:
            mass = teu * mass_per_teu_t * 1000.0  # only TEU given: the planning mass per TEU
        release = _time(p, row, "release_at", t0)
        due = _time(p, row, "due_at", t0)
        if release is not None and due is not None and due <= release:
            p.bad("due_at", "due time is not after the release time")
        vot = _num(p, row, "value_of_time_eur_per_h") or 0.0
        if o and d and mass is not None and release is not None and due is not None:
            out.append(Shipment(sid, o[0], d[0], mass, release, due, teu, vot))
    problems += p.problems
    return out


def _services(table: pa.Table, label: str, first: int, locate: Locator, t0: datetime | None,
              fs: FactorSet, problems: list[Problem]) -> list[Service]:
    p = RowParser(label)
    out: list[Service] = []
    seen: set[str] = set()
    for p.row, row in text_rows(table, first):
        sid = p.text(row, "service_id")
        if sid and sid in seen:
            p.bad("service_id", f"duplicate service id '{sid}'")
        seen.add(sid)
        raw_mode = (row.get("mode") or "").strip().lower()
        mode = SERVICE_MODES.get(raw_mode)
        if mode is None:
            p.bad("mode", f"'{raw_mode}' is not a scheduled mode (rail, inland_waterway/barge, "
                          "sea)")
        ends = []
        for col in ("from_terminal", "to_terminal"):
            text = p.text(row, col)
            hit = _locate(p, locate, text, col) if text else None
            if hit is not None and not hit[1]:
                p.bad(col, f"'{text}' is not a terminal of the network (a point was given)")
                hit = None
            if hit is not None and mode is not None and mode not in hit[1]:
                p.bad(col, f"terminal '{hit[0]}' does not handle {mode}")
                hit = None
            ends.append(hit[0] if hit else None)
        if ends[0] and ends[0] == ends[1]:
            p.bad("to_terminal", "service goes from a terminal to itself")
        dep = _time(p, row, "departure_at", t0)
        arr = _time(p, row, "arrival_at", t0, optional=True)
        transit = _num(p, row, "transit_h", allow_zero=False)
        if arr is None and transit is None and not (row.get("arrival_at") or "").strip() \
                and not (row.get("transit_h") or "").strip():
            p.bad("arrival_at", "give arrival_at or transit_h")
        if arr is None and dep is not None and transit is not None:
            arr = dep + transit
        if arr is not None and dep is not None and arr <= dep:
            p.bad("arrival_at", "arrival is not after the departure")
            arr = None
        cap_teu = _num(p, row, "capacity_teu")
        cap_t = _num(p, row, "capacity_t")
        price_teu = _num(p, row, "price_eur_per_teu")
        price_t = _num(p, row, "price_eur_per_t")
        km = _num(p, row, "distance_km", allow_zero=False)
        toc_id = (row.get("toc_id") or "").strip() or None
        if toc_id is not None:
            try:
                toc = fs.toc(toc_id)
                if mode is not None and toc.mode.value != mode:
                    p.bad("toc_id", f"TOC '{toc_id}' is for {toc.mode.value}, not {mode}")
            except FactorNotFoundError as exc:
                p.bad("toc_id", str(exc))
        if mode is not None and ends[0] and ends[1] and dep is not None and arr is not None:
            out.append(Service(sid, mode, str(ends[0]), str(ends[1]), dep, arr, cap_teu, cap_t,
                               price_teu or 0.0, price_t or 0.0, km, toc_id))
    problems += p.problems
    return out


def _terminals(table: pa.Table, label: str, first: int, locate: Locator, fs: FactorSet,
               problems: list[Problem]) -> dict[str, Terminal]:
    p = RowParser(label)
    out: dict[str, Terminal] = {}
    for p.row, row in text_rows(table, first):
        text = p.text(row, "terminal_id")
        hit = _locate(p, locate, text, "terminal_id") if text else None
        if hit is not None and hit[0] in out:
            p.bad("terminal_id", f"terminal '{hit[0]}' is listed twice")
        cost_teu = _num(p, row, "handling_cost_eur_per_teu")
        cost_t = _num(p, row, "handling_cost_eur_per_t")
        time_h = _num(p, row, "handling_time_h")
        cap = _num(p, row, "capacity_teu_per_day")
        hoc_id = (row.get("hoc_id") or "").strip() or None
        if hoc_id is not None:
            try:
                fs.hoc(hoc_id)
            except FactorNotFoundError as exc:
                p.bad("hoc_id", str(exc))
        if hit is not None:
            out[hit[0]] = Terminal(hit[0], cost_teu, cost_t, time_h, cap, hoc_id)
    problems += p.problems
    return out
