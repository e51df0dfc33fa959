"""Load factor and empty running from a trip log, the TOC rows they give ``keten toc``, and
the savings at a target load factor. Emissions from energy go through the engine's
``energy_emissions`` and ``toc_from_energy`` (ISO 14083 6.2)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from keten.bundling.loadfactor import LaneStats, lane_stats
from keten.emissions.intensity import EnergyUse, energy_emissions, toc_from_energy
from keten.errors import KetenError
from keten.factors.library import load_factor_set
from keten.io.trip_log import read_trip_log
from keten.model.enums import ActivityUnit, Mode, Pollutant


def demo_trip_log() -> Path:
    return Path(str(resources.files("keten.bundling.data").joinpath("demo_trip_log.csv")))


def toc_id_for(vehicle_type: str, lane: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", f"{vehicle_type} {lane}".lower()).strip("_")


@dataclass
class LoadFactorResult:
    lanes: list[dict[str, Any]]
    toc_rows: list[dict[str, str]]  # the fuel-and-activity format of ``keten toc``
    target_load_factor: float | None
    factor_set: str

    def totals(self) -> dict[str, Any]:
        km = sum(r["vehicle_km"] for r in self.lanes)
        empty = sum(r["empty_km"] for r in self.lanes)
        cap = sum(r["capacity_tkm"] for r in self.lanes)
        tkm = sum(r["tkm"] for r in self.lanes)
        out = {"vehicle_km": km, "empty_km": empty,
               "empty_distance_factor": empty / km if km else None,
               "load_factor": tkm / cap if cap else None, "tkm": tkm}
        for k in ("co2e_wtw_kg", "km_saved", "co2e_wtw_saved_kg", "nox_saved_kg"):
            vals = [r.get(k) for r in self.lanes]
            out[k] = sum(v for v in vals if v is not None) if any(
                v is not None for v in vals) else None
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"lanes": self.lanes, "totals": self.totals(), "toc_rows": self.toc_rows,
                "target_load_factor": self.target_load_factor, "factor_set": self.factor_set,
                "definitions": {
                    "load_factor": "sum(load t x km) / sum(capacity t x km) over loaded legs",
                    "empty_distance_factor": "empty km / total km (iLEAP emptyDistanceFactor)",
                    "savings": "vehicle-km for the same tkm at the target load factor, the "
                               "empty share kept; energy saved at the lane's energy per km"}}


def load_factors(trip_log: Any = None, target_load_factor: float | None = None
                 ) -> LoadFactorResult:
    """Per vehicle type and lane: LF, EDF, tkm, energy and CO2e; savings at the target."""
    if target_load_factor is not None and not 0 < target_load_factor <= 1:
        raise KetenError(f"target load factor must be in (0, 1], not {target_load_factor}")
    fs = load_factor_set()
    legs = read_trip_log(trip_log if trip_log is not None else demo_trip_log(), fs)
    rows, toc_rows = [], []
    for s in lane_stats(legs):
        rows.append(_lane_row(s, target_load_factor, fs))
        if s.energy is not None and s.tkm > 0 and s.energy_carrier and ";" not in s.energy_carrier:
            toc_rows.append({
                "toc_id": toc_id_for(s.vehicle_type, s.lane), "mode": "road",
                "energy_carrier": s.energy_carrier, "fuel_amount": f"{s.energy:.6g}",
                "transport_activity": f"{s.tkm:.6g}", "activity_unit": "tkm",
                "emission_standard": s.emission_standard,
                "load_factor": f"{s.load_factor:.4f}" if s.load_factor is not None else "",
                "empty_distance_factor": (f"{s.empty_distance_factor:.4f}"
                                          if s.empty_distance_factor is not None else ""),
                "description": f"{s.vehicle_type} on {s.lane}: {s.trips} trips from the trip "
                               "log (EDF = empty km / total km)"})
    return LoadFactorResult(rows, toc_rows, target_load_factor, fs.version)


def _lane_row(s: LaneStats, target: float | None, fs: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "vehicle_type": s.vehicle_type, "lane": s.lane, "trips": s.trips,
        "vehicle_km": s.vehicle_km, "loaded_km": s.loaded_km, "empty_km": s.empty_km,
        "empty_distance_factor": s.empty_distance_factor, "load_factor": s.load_factor,
        "tkm": s.tkm, "capacity_tkm": s.capacity_tkm, "energy": s.energy,
        "energy_carrier": s.energy_carrier, "co2e_wtw_kg": None,
        "intensity_kgco2e_per_tkm": None, "km_saved": None, "co2e_wtw_saved_kg": None,
        "nox_saved_kg": None}
    single = s.energy_carrier and ";" not in s.energy_carrier
    if s.energy is None or not single:
        return row
    e = energy_emissions(fs, s.energy_carrier, Decimal(repr(s.energy)), s.emission_standard)
    row["co2e_wtw_kg"] = float(e.wtw_kg)
    if s.tkm > 0:
        toc = toc_from_energy(fs, toc_id_for(s.vehicle_type, s.lane), Mode.ROAD,
                              ActivityUnit.TKM, [EnergyUse("x", s.energy_carrier,
                                                           Decimal(repr(s.energy)),
                                                           Decimal(repr(s.tkm)),
                                                           s.emission_standard)])
        row["intensity_kgco2e_per_tkm"] = float(toc.co2e_wtw_kg_per_unit)
    if target is not None and s.vehicle_km > 0:
        saved_km = s.vehicle_km - s.km_at_load_factor(target)
        saved = energy_emissions(fs, s.energy_carrier,
                                 Decimal(repr(s.energy * saved_km / s.vehicle_km)),
                                 s.emission_standard)
        nox = saved.pollutants_g[Pollutant.NOX]
        row.update(km_saved=saved_km, co2e_wtw_saved_kg=float(saved.wtw_kg),
                   nox_saved_kg=float(nox) / 1000 if nox is not None else None)
    return row
