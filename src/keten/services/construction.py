"""Construction use case: read a project, run its scenarios through keten's ISO 14083 engine and
the machinery tables, and write IMAER for AERIUS.

Transport legs of every scenario go through one footprint run (``keten.services.footprint``'s
engine with the default TOCs and Euro-class variants); machinery uses the construction tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from keten.construction.machinery import run_machine
from keten.construction.model import SCENARIOS, Project
from keten.construction.results import LegEmissions, ScenarioResult, source_years
from keten.construction.scenarios import ScenarioPlan, plan_scenario
from keten.construction.tables import ConstructionTables, load_tables
from keten.construction.transport import (
    IN,
    nh3_per_nox,
    road_nh3_factor,
    road_nh3_kg,
    tce_rows,
    toc_variants,
)
from keten.emissions.footprint import METHOD
from keten.emissions.tce import hoc_table, toc_table
from keten.errors import KetenError, Problem, ValidationError
from keten.factors.library import FactorSet, load_factor_set
from keten.io.construction_input import read_project
from keten.services.distance import DistanceResolver
from keten.services.footprint import FootprintJob, evaluate

DEMO_PROJECT = Path(__file__).resolve().parents[1] / "construction" / "data" / "demo_project.yaml"
CONSTRUCTION_METHOD = (
    f"{METHOD} for transport CO2e/NOx/PM; road NH3: vehicle-km x COPERT/EMEP-EEA g/km per Euro "
    "class, else SCR slip limits; machinery: engine work x "
    "EU Stage g/kWh; AERIUS distance limit for NOx/NH3 on access routes"
)

DATA_QUALITY = {
    "nh3": "road diesel Euro V/VI and Euro 6: COPERT 5.4 inventory g/km (EMEP/EEA Tier 3, "
           "construction/data/road_nh3.csv); other fuels, vessels and machinery: upper bounds "
           "at the type-approval NH3 limits (nh3_slip.csv, machinery_factors.csv)",
    "machinery": "type-approval limits per EU Stage and power class, HC+NOx counted as NOx; "
                 "EPA NONROAD load factors unless given (construction/data/*.csv)",
    "transport": "keten default TOCs (ISO 14083 / GLEC), distances as given in the project",
}


@dataclass
class ConstructionResult:
    """Results of a project's scenarios, with how they were made."""

    project: Project
    scenarios: dict[str, ScenarioResult]
    factor_set: str
    method: str = CONSTRUCTION_METHOD
    sources: list[dict[str, str]] = field(default_factory=list)
    data_quality: dict[str, str] = field(default_factory=lambda: dict(DATA_QUALITY))

    def summary(self) -> list[dict[str, Any]]:
        """One row per scenario: nitrogen on site and on access routes, CO2e, cost."""
        out = []
        for name, res in self.scenarios.items():
            t = res.totals()
            loc = res.by("location")
            site = loc.get("on_site", {})
            routes = loc.get("access_route", {})
            out.append({
                "scenario": name,
                "nox_site_kg": site.get("nox_kg", 0.0), "nh3_site_kg": site.get("nh3_kg", 0.0),
                "nox_routes_kg": routes.get("nox_kg", 0.0),
                "nh3_routes_kg": routes.get("nh3_kg", 0.0),
                "nox_kg": t["nox_kg"], "nh3_kg": t["nh3_kg"],
                "nitrogen_kg_n": t["nitrogen_kg_n"], "co2e_wtw_kg": t["co2e_wtw_kg"],
                "pm_kg": t["pm_kg"], "cost_eur": t["cost_eur"],
                "cost_complete": bool(t["cost_complete"]), "peak_year": res.peak_year(),
            })
        return out


class _NoLookups(DistanceResolver):
    """Every construction leg has its distance: no network lookups are needed."""

    def __init__(self, fs: FactorSet) -> None:
        super().__init__(fs, locate=lambda text: (0.0, 0.0), sfd=None)

    def can_locate(self, location: str) -> bool:
        return False


def _factor_sources(tables: ConstructionTables) -> list[dict[str, str]]:
    rows = [{"table": "road_nh3",
             "key": f"{r.aerius_vehicle_type}/{r.fuel_family}/{r.emission_standard}",
             "source": r.source, "detail": r.table, "edition": r.edition}
            for r in tables.road_nh3.values()]
    rows += [{"table": "nh3_slip", "key": f"{s.fuel_family}/{s.emission_standard}",
             "source": s.source, "detail": s.table, "edition": s.edition}
            for s in tables.nh3_slip.values()]
    rows += [{"table": "machinery", "key": f"{f.stage} {f.power_min_kw:g}-{f.power_max_kw:g} kW",
              "source": f.source, "detail": f.table, "edition": f.edition}
             for f in tables.machinery]
    return rows


def _engine(plans: list[ScenarioPlan], fs: FactorSet) -> pa.Table:
    rows: list[dict[str, Any]] = []
    for plan in plans:
        for r in tce_rows(plan, fs):
            rows.append({**r, "shipment_id": f"{plan.scenario}/{r['shipment_id']}",
                         "tce_id": f"{plan.scenario}/{r['tce_id']}"})
    if not rows:
        return pa.table({"tce_id": pa.array([], pa.string())})
    job = FootprintJob(fs, _NoLookups(fs), toc_table(fs), hoc_table(fs))
    parts: list[pa.Table] = []
    evaluate(rows, job, parts.append)
    return pa.concat_tables(parts)


def _leg_emissions(plan: ScenarioPlan, by_tce: dict[str, dict[str, float]], fs: FactorSet,
                   tables: ConstructionTables) -> list[LegEmissions]:
    out = []
    from keten.construction.transport import variant_toc_id

    for leg in plan.legs:
        parts = {k: v for k, v in by_tce.items()
                 if k.split("|")[0] == f"{plan.scenario}/{leg.source_id}"}
        inside = next((v for k, v in parts.items() if k.endswith(f"|{IN}")), None)
        outside = next((v for k, v in parts.items() if not k.endswith(f"|{IN}")), None)
        nox_in = inside["nox_kg"] if inside and leg.mode != "hub" else 0.0
        nox_out = outside["nox_kg"] if outside else 0.0
        if leg.mode == "hub":
            nh3_in = nh3_out = 0.0
        else:
            toc = fs.toc(variant_toc_id(leg, fs))
            road = road_nh3_factor(leg, toc, fs, tables)
            if road is not None:
                nh3_in, nh3_out = road_nh3_kg(leg, road)
            else:
                ratio = nh3_per_nox(toc, fs, tables)
                nh3_in, nh3_out = nox_in * ratio, nox_out * ratio
        out.append(LegEmissions(
            leg, nox_in, nox_out, nh3_in, nh3_out,
            sum(v["co2e_wtw_kg"] for v in parts.values()),
            sum(v["co2e_ttw_kg"] for v in parts.values()),
            sum(v["pm_kg"] for v in parts.values()),
        ))
    return out


def construction(
    project: str | Path | Project | None = None,
    scenarios: Sequence[str] | None = None,
    factor_set: str | None = None,
) -> ConstructionResult:
    """NOx, NH3, CO2e, PM and cost of a construction project per scenario, source and year.

    ``project`` is a YAML/JSON file, a :class:`~keten.construction.model.Project`, or None for
    the demo project shipped with keten.
    """
    tables = load_tables()
    proj = project if isinstance(project, Project) else read_project(project or DEMO_PROJECT,
                                                                     tables)
    names = list(scenarios or SCENARIOS)
    unknown = [s for s in names if s not in SCENARIOS]
    if unknown:
        raise ValidationError([Problem(f"unknown scenario '{s}'; choose from "
                                       f"{', '.join(SCENARIOS)}", column="scenario")
                               for s in unknown], title="invalid scenario")
    base = load_factor_set(factor_set)
    plans = [plan_scenario(proj, s, tables) for s in names]
    fs = base.with_tocs(toc_variants(plans, base))
    table = _engine(plans, fs)
    if table.num_rows:
        cols = {c: table.column(c).to_pylist() for c in
                ("tce_id", "nox_kg", "pm_kg", "co2e_wtw_kg", "co2e_ttw_kg")}
        by_tce: dict[str, dict[str, float]] = defaultdict(dict)
        for i, tce in enumerate(cols["tce_id"]):
            by_tce[tce] = {c: float(cols[c][i] or 0.0) for c in cols if c != "tce_id"}
    else:
        by_tce = {}
    results = {}
    for plan in plans:
        legs = _leg_emissions(plan, by_tce, fs, tables)
        machines = [run_machine(m, tables, fs) for m in plan.machines]
        results[plan.scenario] = ScenarioResult(
            plan.scenario, source_years(proj, plan.scenario, legs, machines), legs, machines)
    return ConstructionResult(proj, results, fs.version, sources=_factor_sources(tables))


def write_imaer_file(result: ConstructionResult, path: str | Path, scenario: str | None = None,
                     year: int | None = None) -> tuple[Path, int]:
    """Write one scenario (default: the first) for one year (default: its peak year) as IMAER
    6.0 GML; the file is replaced atomically. Returns (path, year)."""
    from keten.io.imaer import write_imaer

    name = scenario or next(iter(result.scenarios))
    if name not in result.scenarios:
        raise KetenError(f"scenario '{name}' was not computed")
    res = result.scenarios[name]
    years = sorted(res.by("year"))
    chosen = year if year is not None else res.peak_year()
    if chosen not in years:
        raise ValidationError([Problem(f"no construction activity in {chosen}; years: "
                                       f"{', '.join(map(str, years))}", column="year")],
                              title="invalid year")
    return write_imaer(result.project, res, chosen, Path(path)), chosen


def result_document(result: ConstructionResult) -> dict[str, Any]:
    """The whole result as JSON-ready data (inputs are not repeated, only referenced)."""
    p = result.project
    return {
        "project": {"name": p.name, "file": p.source_file,
                    "distance_limit_km": p.distance_limit_km},
        "method": result.method,
        "factor_set": result.factor_set,
        "summary": result.summary(),
        "scenarios": {
            name: {
                "totals": res.totals(),
                "by_year": {str(k): v for k, v in res.by("year").items()},
                "by_location": res.by("location"),
                "sources": [r.as_dict() for r in res.rows],
            }
            for name, res in result.scenarios.items()
        },
        "factor_sources": result.sources,
        "data_quality": result.data_quality,
    }
