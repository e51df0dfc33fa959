"""A carrier's trip log at the edge: one row per leg.

Columns: ``vehicle_id``, ``vehicle_type``, ``origin``, ``destination``, ``distance_km``,
``load_kg`` (0 or empty for an empty leg; or give ``loaded`` true/false with ``load_kg``),
``capacity_kg``; optional ``trip_id``, ``lane`` (else the trip's first origin > first loaded
destination), ``date``, ``energy_carrier``, ``energy_amount`` (fuel
or electricity of the leg in the carrier's unit), ``emission_standard``, ``loaded``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from keten.bundling.loadfactor import Leg
from keten.errors import Problem, ValidationError
from keten.factors.library import FactorSet
from keten.io.checked_table import checked_table
from keten.io.rows import RowParser, text_rows

REQUIRED = {"vehicle_id", "vehicle_type", "origin", "destination", "distance_km", "capacity_kg"}
OPTIONAL = {"trip_id", "lane", "date", "load_kg", "loaded", "energy_carrier", "energy_amount",
            "emission_standard", "description"}


def _load_columns(columns: list[str], label: str) -> list[Problem]:
    if "load_kg" in columns or "loaded" in columns:
        return []
    return [Problem("give load_kg (0 for an empty leg) or loaded", label)]


def read_trip_log(data: Any, fs: FactorSet) -> list[Leg]:
    """Validated legs; raises one ValidationError listing every bad row."""
    table, label, first = checked_table(data, "legs", REQUIRED, OPTIONAL, title="trip log",
                                        more=_load_columns)
    p = RowParser(label)
    out: list[Leg] = []
    for row, r in text_rows(table, first):
        p.row = row
        before = len(p.problems)
        vid, vt = p.text(r, "vehicle_id"), p.text(r, "vehicle_type")
        o, d = p.text(r, "origin"), p.text(r, "destination")
        km = p.positive(r, "distance_km", allow_zero=True)
        cap = p.positive(r, "capacity_kg")
        loaded_raw = (r.get("loaded") or "").strip().lower()
        if loaded_raw and loaded_raw not in ("true", "false", "yes", "no", "1", "0"):
            p.bad("loaded", f"'{loaded_raw}' is not true or false")
        load = p.positive(r, "load_kg", optional=True, allow_zero=True)
        if loaded_raw in ("false", "no", "0"):
            if load:
                p.bad("load_kg", "an empty leg (loaded=false) has no load")
            load = Decimal(0)
        if loaded_raw in ("true", "yes", "1") and not load:
            p.bad("load_kg", "a loaded leg needs its load in kg")
        if load is not None and cap is not None and load > cap:
            p.bad("load_kg", f"{load} kg exceeds the capacity {cap} kg")
        carrier = (r.get("energy_carrier") or "").strip()
        if carrier and carrier not in fs.energy_carriers:
            p.bad("energy_carrier", f"unknown energy carrier '{carrier}'")
        energy = p.positive(r, "energy_amount", optional=True, allow_zero=True)
        if energy is not None and not carrier:
            p.bad("energy_carrier", "energy_amount needs its energy_carrier")
        if len(p.problems) > before or km is None or cap is None:
            continue
        trip = (r.get("trip_id") or "").strip() or f"{vid}@{(r.get('date') or '').strip()}"
        out.append(Leg(vid, vt, trip, o, d, float(km), float(load or 0), float(cap), carrier,
                       float(energy) if energy is not None else None,
                       (r.get("emission_standard") or "").strip(), row,
                       (r.get("lane") or "").strip()))
    if p.problems:
        raise ValidationError(p.problems, title=f"{label}: invalid trip log")
    if not out:
        raise ValidationError([Problem("no legs", label)])
    return out
