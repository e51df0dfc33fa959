"""Street-turn use case: match emptied import containers with export loads nearby, return
the rest to the nearest empty depot, and compare empty TEU-km, cost and emissions with
returning every box to the port.

Distances are road shortest feasible distances on keten's network (free points joined by
great-circle x 1.25 access links, as ``keten plan`` does); trips shorter than 30 km great
circle use great-circle x the road distance adjustment factor, as the network has no local
streets. Emissions: the empty moves as TCEs
(one empty box on a truck, per TEU-km) on a TOC built from the truck's energy per km over the
empty TEU-km (ISO 14083 6.2), computed by keten's footprint engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from keten.bundling.streetturn import TEU, ExportLoad, ImportBox, Matching, Move, match
from keten.emissions.intensity import EnergyUse, toc_from_energy
from keten.errors import KetenError
from keten.factors.library import load_factor_set
from keten.io.containers import BoxRow, read_depots, read_exports, read_imports
from keten.model.enums import ActivityUnit, Mode

# Typical tare mass of an empty box (ISO 668 dry containers; carriers' specification sheets
# give 2.2-2.3 t for 20 ft, 3.7-3.8 t for 40 ft, about 4.8 t for 45 ft high cube).
TARE_KG = {"20": 2300.0, "40": 3750.0, "45": 4800.0}
TOC_ID = "empty_container_truck"


@dataclass(frozen=True)
class TruckCost:
    """The drayage truck moving empty boxes (keten assumptions; give your own)."""

    energy_carrier: str = "diesel_nl_b7"
    energy_per_km: float = 0.26  # l/km, tractor with an empty box (keten assumption)
    emission_standard: str = "euro_vi"
    cost_per_km_eur: float = 1.60  # keten assumption for container drayage per km
    speed_kmh: float = 60.0
    max_wait_h: float = 72.0  # longest a box may wait between import and export use


def demo_paths() -> tuple[Path, Path, Path]:
    base = resources.files("keten.bundling.data")
    a, b, c = (Path(str(base.joinpath(n))) for n in
               ("demo_imports.csv", "demo_exports.csv", "demo_empty_depots.csv"))
    return a, b, c


@dataclass
class ScenarioResult:
    name: str
    matching: Matching
    kpis: dict[str, float]


@dataclass
class StreetTurnResult:
    scenarios: list[ScenarioResult]
    sites: list[str]
    imports: list[BoxRow]
    exports: list[BoxRow]
    truck: TruckCost
    factor_set: str
    notes: list[str] = field(default_factory=list)

    def best(self) -> ScenarioResult:
        return self.scenarios[-1]

    def as_dict(self) -> dict[str, Any]:
        base = self.scenarios[0].kpis
        return {
            "scenarios": [{"scenario": s.name, **s.kpis} for s in self.scenarios],
            "avoided_vs_port_returns": {
                s.name: {k: base[k] - s.kpis[k] for k in base} for s in self.scenarios[1:]},
            "street_turns": [{"import": self.imports[a].ref, "export": self.exports[b].ref,
                              "size": self.imports[a].size,
                              "from": self.imports[a].location, "to": self.exports[b].location}
                             for a, b in self.best().matching.pairs],
            "moves": [vars(m) | {"teu_km": m.teu_km, "from": self.sites[m.from_site],
                                 "to": self.sites[m.to_site]} for m in self.best().matching.moves],
            "not_street_turned": self.best().matching.reasons,
            "method": {"distance": "road shortest feasible distance on keten's network; under 30 "
                                   "km great-circle x the road DAF",
                       "assignment": "scipy.optimize.linear_sum_assignment on the empty km "
                                     "saved per (import, export) pair",
                       "emissions": "ISO 14083 engine: empty moves as TCEs per TEU-km"},
            "truck": vars(self.truck), "factor_set": self.factor_set,
        }


def street_turns(imports: Any = None, exports: Any = None, depots: Any = None, *,
                 truck: TruckCost | None = None) -> StreetTurnResult:
    """Empty container moves: all to the port, with inland depots, with street turns too."""
    from keten.services.planning import network_context

    if imports is None and exports is None:
        imports, exports, depots = demo_paths()
    if imports is None or exports is None:
        raise KetenError("give both imports and exports (or neither, for the demo data)")
    truck = truck or TruckCost()
    ctx = network_context(None)

    def check(text: str) -> str | None:
        try:
            ctx.locate(text)
        except KetenError as exc:
            return str(exc)
        return None

    imp, exp = read_imports(imports, check), read_exports(exports, check)
    deps = read_depots(depots, check) if depots is not None else []
    sites = list(dict.fromkeys([*(r.location for r in imp), *(r.location for r in exp),
                                *(r.port for r in [*imp, *exp]), *(d[1] for d in deps)]))
    km = _distances(ctx, sites)
    t0 = min(r.at for r in [*imp, *exp])
    idx = {s: i for i, s in enumerate(sites)}
    boxes = [ImportBox(r.ref, r.size, r.kind, idx[r.location], idx[r.port], _hours(r.at, t0),
                       r.row) for r in imp]
    loads = [ExportLoad(r.ref, r.size, r.kind, idx[r.location], idx[r.port], _hours(r.at, t0),
                        r.row) for r in exp]
    inland = [idx[d[1]] for d in deps if d[2] != "port"]
    kw = {"speed_kmh": truck.speed_kmh, "max_wait_h": truck.max_wait_h}
    scenarios = [("all empties via the port", match(boxes, loads, km, (), False, **kw)),
                 ("inland depots", match(boxes, loads, km, inland, False, **kw)),
                 ("street turns + inland depots", match(boxes, loads, km, inland, True, **kw))]
    fs = load_factor_set()
    results = [ScenarioResult(n, m, _kpis(m, truck, fs)) for n, m in scenarios]
    return StreetTurnResult(results, sites, imp, exp, truck, fs.version)


LOCAL_KM = 30.0  # closer than this (great circle): GCD x DAF, the network has no local streets


def _distances(ctx: Any, sites: Sequence[str]) -> np.ndarray:
    """Road km between sites: keten's network, or GCD x the road DAF for local trips."""
    from keten.emissions.distance import great_circle_km
    from keten.services.bundling import locate

    daf = float(load_factor_set().daf("road").factor)
    pos = [locate(s) for s in sites]
    km = np.zeros((len(sites), len(sites)))
    # every site joined to the network at once, as planning does (one rebuild, not one a pair)
    ctx.add_points(ctx.locate(s)[0] for s in sites)
    for i, a in enumerate(sites):
        for j, b in enumerate(sites):
            if i == j:
                continue
            gcd = great_circle_km(*pos[i], *pos[j])
            km[i, j] = gcd * daf if gcd < LOCAL_KM else ctx.road_km(ctx.locate(a)[0],
                                                                    ctx.locate(b)[0])
    return km


def _hours(at: datetime, t0: datetime) -> float:
    return (at - t0).total_seconds() / 3600.0


def _kpis(m: Matching, truck: TruckCost, fs: Any) -> dict[str, float]:
    from keten.services.bundling import _footprint

    teu_km = m.empty_teu_km
    out: dict[str, float] = {"street_turns": len(m.pairs), "empty_moves": len(m.moves),
           "empty_km": m.empty_km, "empty_teu_km": teu_km,
           "cost_eur": m.empty_km * truck.cost_per_km_eur,
           "co2e_wtw_kg": 0.0, "co2e_ttw_kg": 0.0, "nox_kg": 0.0, "pm_kg": 0.0}
    if teu_km <= 0:
        return out
    energy = Decimal(repr(m.empty_km * truck.energy_per_km))
    toc = toc_from_energy(fs, TOC_ID, Mode.ROAD, ActivityUnit.TEUKM,
                          [EnergyUse(TOC_ID, truck.energy_carrier, energy,
                                     Decimal(repr(teu_km)), truck.emission_standard)],
                          "truck moving one empty container, modelled energy per km")
    result = _footprint(_rows(m.moves), {TOC_ID: toc}, fs)
    if result is not None:
        t = result.totals()
        out.update({k: float(t[k]) for k in ("co2e_wtw_kg", "co2e_ttw_kg", "nox_kg", "pm_kg")})
    return out


def _rows(moves: Sequence[Move]) -> list[dict[str, Any]]:
    size = {v: k for k, v in TEU.items()}
    return [{"shipment_id": m.container, "tce_id": f"{m.container}:{m.what}:{i}",
             "toc_id": TOC_ID, "mass_kg": TARE_KG[size[m.teu]], "teu": m.teu,
             "distance_km": round(m.km, 6)} for i, m in enumerate(moves) if m.km > 0]
