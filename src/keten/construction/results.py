"""Per-source, per-year results of a scenario, and their totals.

Nitrogen-relevant emissions are those AERIUS counts: exhaust on site (machinery) and on the
access routes within the distance limit. CO2e and PM cover the whole legs. Each source's
emissions are spread over the calendar years of its phase by days.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from keten.construction.machinery import MachineRun
from keten.construction.model import Project
from keten.construction.scenarios import Leg

# molar masses for kg N: NOx is reported as NO2 (46.0055 g/mol), NH3 17.0305 g/mol, N 14.0067
N_PER_NOX = 14.0067 / 46.0055
N_PER_NH3 = 14.0067 / 17.0305

SUM_FIELDS = (
    "nox_kg", "nh3_kg", "nitrogen_kg_n", "nox_all_km_kg", "nh3_all_km_kg", "co2e_wtw_kg",
    "co2e_ttw_kg", "pm_kg", "trips", "vehicle_movements", "engine_work_kwh", "diesel_l",
    "electricity_kwh", "adblue_l", "operating_hours",
)


@dataclass(frozen=True)
class SourceYear:
    """One emission source in one calendar year."""

    scenario: str
    source_id: str
    kind: str  # road | water | hub | machinery
    location: str  # on_site | access_route | hub
    label: str
    phase_id: str
    year: int
    nox_kg: float  # within the distance limit / on site
    nh3_kg: float
    nitrogen_kg_n: float
    nox_all_km_kg: float  # whole leg, for reference
    nh3_all_km_kg: float
    co2e_wtw_kg: float
    co2e_ttw_kg: float
    pm_kg: float
    trips: float = 0.0
    vehicle_movements: float = 0.0
    engine_work_kwh: float = 0.0
    diesel_l: float = 0.0
    electricity_kwh: float = 0.0
    adblue_l: float = 0.0
    operating_hours: float = 0.0
    cost_eur: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class LegEmissions:
    """Engine output for one leg, before the split by year."""

    leg: Leg
    nox_in_kg: float
    nox_out_kg: float
    nh3_in_kg: float
    nh3_out_kg: float
    co2e_wtw_kg: float
    co2e_ttw_kg: float
    pm_kg: float


@dataclass
class ScenarioResult:
    scenario: str
    rows: list[SourceYear]
    legs: list[LegEmissions] = field(default_factory=list)
    machines: list[MachineRun] = field(default_factory=list)

    def totals(self) -> dict[str, float | None]:
        out: dict[str, float | None] = {f: sum(getattr(r, f) for r in self.rows)
                                        for f in SUM_FIELDS}
        costs = [r.cost_eur for r in self.rows]
        out["cost_eur"] = (sum(c for c in costs if c is not None)
                           if any(c is not None for c in costs) else None)
        out["cost_complete"] = float(all(c is not None for c in costs))
        return out

    def by(self, key: str) -> dict[Any, dict[str, float]]:
        """Sums of the emission fields per ``year``, ``location``, ``kind`` or ``source_id``."""
        acc: dict[Any, dict[str, float]] = defaultdict(lambda: dict.fromkeys(SUM_FIELDS, 0.0))
        for r in self.rows:
            bucket = acc[getattr(r, key)]
            for f in SUM_FIELDS:
                bucket[f] += getattr(r, f)
        return dict(sorted(acc.items()))

    def peak_year(self) -> int:
        """The calendar year with the most nitrogen emitted (the year AERIUS is run for)."""
        years = self.by("year")
        return max(years, key=lambda y: years[y]["nitrogen_kg_n"]) if years else 0


def _label(leg: Leg) -> str:
    what = {"direct": "by road", "to_hub": "to the hub", "last_mile": "hub to site",
            "water": "by water", "hub": "hub handling"}[leg.leg]
    return f"{leg.material} {what} ({leg.vehicle_type})"


def source_years(project: Project, scenario: str, legs: list[LegEmissions],
                 machines: list[MachineRun]) -> list[SourceYear]:
    """Every leg and machine line spread over the years of its phase."""
    rows: list[SourceYear] = []
    for e in legs:
        leg = e.leg
        kind = {"road": "road", "inland_waterway": "water", "hub": "hub"}[leg.mode]
        for year, share in project.phases[leg.phase_id].share_by_year().items():
            rows.append(SourceYear(
                scenario, leg.source_id, kind, "hub" if kind == "hub" else "access_route",
                _label(leg), leg.phase_id, year,
                e.nox_in_kg * share, e.nh3_in_kg * share,
                (e.nox_in_kg * N_PER_NOX + e.nh3_in_kg * N_PER_NH3) * share,
                (e.nox_in_kg + e.nox_out_kg) * share, (e.nh3_in_kg + e.nh3_out_kg) * share,
                e.co2e_wtw_kg * share, e.co2e_ttw_kg * share, e.pm_kg * share,
                trips=leg.trips * share, vehicle_movements=2 * leg.trips * share,
                cost_eur=leg.cost_eur * share if leg.cost_eur is not None else None,
            ))
    for m in machines:
        mm = m.machine
        label = mm.label or f"{mm.machine_type} {mm.power_kw:g} kW {mm.stage} x{mm.count}"
        for year, share in project.phases[mm.phase_id].share_by_year().items():
            rows.append(SourceYear(
                scenario, m.source_id, "machinery", "on_site", label, mm.phase_id, year,
                m.nox_kg * share, m.nh3_kg * share,
                (m.nox_kg * N_PER_NOX + m.nh3_kg * N_PER_NH3) * share,
                m.nox_kg * share, m.nh3_kg * share,
                m.co2e_wtw_kg * share, m.co2e_ttw_kg * share, m.pm_kg * share,
                engine_work_kwh=m.engine_work_kwh * share, diesel_l=m.diesel_l * share,
                electricity_kwh=m.electricity_kwh * share, adblue_l=m.adblue_l * share,
                operating_hours=m.operating_hours * share,
                cost_eur=m.cost_eur * share if m.cost_eur is not None else None,
            ))
    return rows
