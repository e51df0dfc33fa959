"""Bundling use case: read shipments and a fleet, plan each shipper alone and all together
with OR-Tools, compute every plan's emissions through the ISO 14083 engine, and split the
bundled cost and emissions among the shippers.

Also the zero-emission-zone use case (:func:`ze_plan`): which deliveries enter a zone, the
plan with and without the zone rule, the zero-emission vehicles it takes, and the emissions
(NOx and PM inside the zone too) that the rule avoids.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from keten.bundling.allocation import by_tkm, shapley
from keten.bundling.emissions import plan_tocs, shipment_km, tce_rows
from keten.bundling.model import Route, RoutePlan, Shipment, Unserved, VehicleType, WorkingTime
from keten.bundling.vrp import build, plan, seed_routes
from keten.bundling.zones import Zone, in_force, km_inside, zone_of
from keten.emissions.distance import parse_lat_lon
from keten.emissions.footprint import METHOD, FootprintResult
from keten.emissions.tce import hoc_table, toc_table
from keten.errors import KetenError
from keten.factors.library import FactorSet, load_factor_set
from keten.factors.records import TOC
from keten.io.bundling_input import read_fleet, read_shipments, read_zones
from keten.services.distance import default_resolver
from keten.services.footprint import FootprintJob, evaluate

DEMO_PACKAGE = "keten.bundling.data"
MAX_ACCESS_KM = 60.0  # farther than this from keten's road network: unreachable by road
MODES = ("compare", "together", "per-shipper")
ALLOCATIONS = ("auto", "shapley", "alone", "tkm")
AUTO_SHAPLEY_MAX = 5


def demo_paths() -> tuple[Path, Path, Path]:
    """The packaged demo shipments, fleet and zero-emission zones."""
    base = resources.files(DEMO_PACKAGE)
    a, b, c = (Path(str(base.joinpath(n)))
               for n in ("demo_shipments.csv", "demo_fleet.csv", "ze_zones.geojson"))
    return a, b, c


def locate(text: str) -> tuple[float, float]:
    """``lat,lon`` as given; else a UN/LOCODE or place of keten's network."""
    coords = parse_lat_lon(text)
    if coords is not None:
        return coords
    from keten.network.locate import resolve_location

    _, lat, lon = resolve_location(text)
    return lat, lon


def unreachable(shipments: Sequence[Shipment], fleet: Sequence[VehicleType]) -> dict[str, str]:
    """Shipments with a place farther than ``MAX_ACCESS_KM`` from keten's road network."""
    from keten.network.build import default_network
    from keten.network.locate import nearest_nodes

    net = default_network()
    cache: dict[tuple[float, float], float] = {}

    def gap(lat: float, lon: float) -> float:
        if (lat, lon) not in cache:
            near = nearest_nodes(net, lat, lon, "road", 1)
            cache[(lat, lon)] = near[0][1] if near else float("inf")
        return cache[(lat, lon)]

    out = {}
    for s in shipments:
        for what, site in (("pickup", s.pickup), ("delivery", s.delivery)):
            d = gap(site.lat, site.lon)
            if d > MAX_ACCESS_KM:
                out[s.shipment_id] = (f"unreachable {what} '{site.name}': {d:,.0f} km from the "
                                      f"nearest road of keten's network (limit "
                                      f"{MAX_ACCESS_KM:g} km)")
                break
    for v in fleet:
        if gap(v.depot.lat, v.depot.lon) > MAX_ACCESS_KM:
            raise KetenError(f"depot of '{v.vehicle_type}' ({v.depot.name}) is "
                             f"{gap(v.depot.lat, v.depot.lon):,.0f} km from any road")
    return out


@dataclass
class Scenario:
    """One plan with its KPIs; emissions from the ISO 14083 engine."""

    plan: RoutePlan
    footprint: FootprintResult | None
    tocs: dict[str, TOC]
    shipper_tkm: dict[str, float]
    route_emissions: list[dict[str, float]]
    returns: frozenset[str] = frozenset()  # return flows: packaging, circular material

    @property
    def name(self) -> str:
        return self.plan.name

    def kpis(self) -> dict[str, Any]:
        rs = self.plan.routes
        km = sum(r.distance_km for r in rs)
        empty = sum(r.empty_km for r in rs)
        cap = sum(r.capacity_tkm for r in rs)
        totals = self.footprint.totals() if self.footprint is not None else {}
        zone = {k: sum(e[k] * (r.zone_km / r.distance_km if r.distance_km else 0.0)
                       for e, r in zip(self.route_emissions, rs, strict=True))
                for k in ("nox_kg", "pm_kg", "co2e_ttw_kg")}
        return {
            "scenario": self.name,
            "shipments_served": len(self.plan.served),
            "shipments_unserved": len(self.plan.unserved),
            "return_flows_served": sum(1 for sid in self.plan.served if sid in self.returns),
            "vehicles_used": len(rs),
            "vehicles_available": self.plan.vehicles_available,
            "vehicle_km": km,
            "loaded_km": sum(r.loaded_km for r in rs),
            "empty_km": empty,
            "empty_distance_factor": empty / km if km else None,
            "load_factor": sum(r.load_tkm for r in rs) / cap if cap else None,
            "driver_hours": sum(r.duty_h for r in rs),
            "driving_hours": sum(r.driving_h for r in rs),
            "cost_eur": sum(r.cost_eur for r in rs),
            "transport_activity_tkm": float(totals.get("transport_activity_tkm", 0.0)),
            "co2e_wtw_kg": float(totals.get("co2e_wtw_kg", 0.0)),
            "co2e_ttw_kg": float(totals.get("co2e_ttw_kg", 0.0)),
            "nox_kg": float(totals.get("nox_kg", 0.0)),
            "pm_kg": float(totals.get("pm_kg", 0.0)),
            "zone_km": sum(r.zone_km for r in rs),
            "nox_in_zone_kg": zone["nox_kg"],
            "pm_in_zone_kg": zone["pm_kg"],
            "zero_emission_vehicles_used": sum(1 for r in rs if r.energy_carrier
                                               and r.vehicle_type in self._ze_types),
            "solver_status": self.plan.status,
            "solve_time_s": self.plan.solve_time_s,
        }

    _ze_types: frozenset[str] = frozenset()


def _footprint(rows: list[dict[str, Any]], tocs: dict[str, TOC], fs: FactorSet
               ) -> FootprintResult | None:
    """The engine's footprint of ``rows`` with the plan's own TOCs added to the factor set."""
    if not rows:
        return None
    factors = fs.with_tocs(tocs)
    job = FootprintJob(factors, default_resolver(factors), toc_table(factors), hoc_table(factors))
    parts: list[Any] = []
    evaluate(rows, job, parts.append)
    import pyarrow as pa

    return FootprintResult(pa.concat_tables(parts), factors.version, factors=factors)


def scenario(p: RoutePlan, shipments: Sequence[Shipment], fleet: Sequence[VehicleType],
             sfd: dict[str, float], fs: FactorSet, zones: Sequence[Zone] = ()) -> Scenario:
    if zones:
        p.routes = [_with_zone_km(r, zones) for r in p.routes]
    tocs = plan_tocs(p, shipments, fleet, sfd, fs)
    result = _footprint(tce_rows(p, shipments, sfd), tocs, fs)
    by_ship: dict[str, dict[str, float]] = {}
    if result is not None:
        for rec in result.tce_table.select(["shipment_id", "co2e_wtw_kg", "co2e_ttw_kg",
                                            "nox_kg", "pm_kg", "transport_activity_tkm"]
                                           ).to_pylist():
            by_ship[str(rec["shipment_id"])] = {k: float(v or 0.0) for k, v in rec.items()
                                                if k != "shipment_id"}
    zero = {"co2e_wtw_kg": 0.0, "co2e_ttw_kg": 0.0, "nox_kg": 0.0, "pm_kg": 0.0,
            "transport_activity_tkm": 0.0}
    route_em = []
    for r in p.routes:
        acc = dict(zero)
        for st in r.stops:
            if st.kind == "delivery":
                for k, v in by_ship.get(st.shipment_id, zero).items():
                    acc[k] += v
        route_em.append(acc)
    shipper_of = {s.shipment_id: s.shipper for s in shipments}
    tkm: dict[str, float] = defaultdict(float)
    for sid, e in by_ship.items():
        tkm[shipper_of[sid]] += e["transport_activity_tkm"]
    sc = Scenario(p, result, tocs, dict(tkm), route_em,
                  frozenset(s.shipment_id for s in shipments if s.direction == "return"))
    sc._ze_types = frozenset(v.vehicle_type for v in fleet if v.zero_emission)
    return sc


def _with_zone_km(r: Route, zones: Sequence[Zone]) -> Route:
    from dataclasses import replace

    return replace(r, zone_km=km_inside(zones, r.path))


@dataclass
class BundleResult:
    mode: str
    allocation_rule: str
    per_shipper: list[Scenario]
    together: Scenario | None
    allocation: list[dict[str, Any]]
    unserved: list[Unserved]
    factor_set: str
    parameters: dict[str, Any] = field(default_factory=dict)

    def scenarios(self) -> list[Scenario]:
        return [*self.per_shipper, *([self.together] if self.together else [])]

    def summary(self) -> list[dict[str, Any]]:
        """KPIs of the separate plans (summed) and of the bundled plan."""
        out = []
        if self.per_shipper:
            rows = [s.kpis() for s in self.per_shipper]
            total: dict[str, Any] = {"scenario": "per-shipper (sum)"}
            for k, v in rows[0].items():
                if isinstance(v, int | float) and not isinstance(v, bool) and k not in (
                        "empty_distance_factor", "load_factor"):
                    total[k] = sum(r[k] or 0 for r in rows)
            km = total["vehicle_km"]
            total["empty_distance_factor"] = total["empty_km"] / km if km else None
            cap = sum(sum(rt.capacity_tkm for rt in s.plan.routes) for s in self.per_shipper)
            load = sum(sum(rt.load_tkm for rt in s.plan.routes) for s in self.per_shipper)
            total["load_factor"] = load / cap if cap else None
            total["solver_status"] = ",".join(sorted({r["solver_status"] for r in rows}))
            out.append(total)
        if self.together is not None:
            out.append(self.together.kpis())
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "summary": self.summary(),
            "per_shipper": [s.kpis() for s in self.per_shipper],
            "together": self.together.kpis() if self.together else None,
            "allocation": self.allocation,
            "allocation_rule": self.allocation_rule,
            "routes": [route_dict(sc.name, r) for sc in self.scenarios() for r in sc.plan.routes],
            "unserved": [vars(u) for u in self.unserved],
            "method": {
                "routing": "OR-Tools routing (pickup and delivery / CVRPTW with time windows, "
                           "capacity in kg and pallets, driving and duty time, EV range); "
                           "guided local search within the time limit",
                "distance": self.parameters.get("distance_basis", ""),
                "emissions": f"{METHOD}: TOC per scenario and vehicle type from modelled route "
                             "energy (load-dependent per km) over shipment tkm; every shipment "
                             "a TCE computed by keten's footprint engine",
                "allocation": ALLOCATION_TEXT[self.allocation_rule],
            },
            "factor_set": self.factor_set,
            "parameters": self.parameters,
        }


ALLOCATION_TEXT = {
    "tkm": "cost in proportion to each shipper's tkm (mass x shortest feasible distance); "
           "emissions by ISO 14083 (tkm within each TOC)",
    "alone": "cost in proportion to each shipper's stand-alone cost (every shipper saves the "
             "same share); emissions by ISO 14083 (tkm within each TOC)",
    "shapley": "cost by the Shapley value of the coalition cost game (every coalition "
               "planned); emissions by ISO 14083 (tkm within each TOC)",
}


def route_dict(scenario_name: str, r: Route) -> dict[str, Any]:
    return {"scenario": scenario_name, "vehicle_id": r.vehicle_id, "vehicle_type": r.vehicle_type,
            "distance_km": r.distance_km, "empty_km": r.empty_km, "load_factor": r.load_factor,
            "driving_h": r.driving_h, "duty_h": r.duty_h, "cost_eur": r.cost_eur,
            "start": _hhmm(r.start_min), "end": _hhmm(r.end_min), "zone_km": r.zone_km,
            "stops": [{"shipment_id": st.shipment_id, "kind": st.kind, "arrival": _hhmm(
                st.arrival_min), "lat": st.site.lat, "lon": st.site.lon,
                "load_kg_after": st.load_kg_after} for st in r.stops],
            "path": [list(pt) for pt in r.path]}


def _hhmm(m: float) -> str:
    v = round(m)
    return f"{v // 60:02d}:{v % 60:02d}"


@dataclass
class Inputs:
    shipments: list[Shipment]
    fleet: list[VehicleType]
    zones: list[Zone]
    fs: FactorSet
    detour_factor: float
    excluded: dict[str, str]
    sfd: dict[str, float]
    distance_basis: str


def read_inputs(shipments: Any, fleet: Any, zones: Any = None, on: date | None = None) -> Inputs:
    """Shipments, fleet and the zones in force ``on`` (today if not given) with the factors."""
    fs = load_factor_set()
    ships = read_shipments(shipments, locate)
    vehicles = read_fleet(fleet, locate, fs)
    zone_list: list[Zone] = []
    if zones is not None:
        zone_list = list(zones) if isinstance(zones, list) else read_zones(zones)
        zone_list = in_force(zone_list, on or date.today())
    daf = fs.daf("road")
    factor = float(daf.factor)
    basis = (f"great-circle x {factor:g} (road distance adjustment factor, "
             f"{daf.source.split('(')[0].strip()}); travel time at the fleet's slowest "
             "average speed")
    return Inputs(ships, vehicles, zone_list, fs, factor, unreachable(ships, vehicles),
                  shipment_km(ships, factor), basis)


def _plan(inputs: Inputs, shipments: Sequence[Shipment], name: str, rules: WorkingTime,
          time_limit_s: float, copies: int = 1, seeds: Sequence[RoutePlan] = (),
          use_zones: bool = True) -> RoutePlan:
    in_zone = {}
    if use_zones and inputs.zones:
        for s in shipments:
            in_zone[s.shipment_id] = bool(zone_of(inputs.zones, s.delivery.lat, s.delivery.lon)
                                          or zone_of(inputs.zones, s.pickup.lat, s.pickup.lon))
    keep = [s for s in shipments if s.shipment_id not in inputs.excluded]
    model = build(keep, inputs.fleet, rules, inputs.detour_factor, in_zone, copies)
    seed = seed_routes(model, seeds) if seeds else None
    p = plan(name, model, rules, time_limit_s, seed or None)
    p.unserved += [Unserved(s.shipment_id, s.shipper, inputs.excluded[s.shipment_id], s.row)
                   for s in shipments if s.shipment_id in inputs.excluded]
    return p


def bundle(shipments: Any = None, fleet: Any = None, *, mode: str = "compare",
           allocation: str = "auto", zones: Any = None, time_limit_s: float = 2.0,
           rules: WorkingTime | None = None, on: date | None = None) -> BundleResult:
    """Plan ``shipments`` (file, table or list of dicts; demo data if both are None) on
    ``fleet``: each shipper alone, all together, or both (``compare``, with the allocation).

    Per shipper, each plans with the whole fleet file; together, the plan may use the
    vehicles the separate plans had (each type's count x the number of shippers), starting
    from their routes, so it is never worse than their sum. Raises ValidationError listing
    every problem in the inputs."""
    if mode not in MODES:
        raise KetenError(f"mode is one of {', '.join(MODES)}, not '{mode}'")
    if allocation not in ALLOCATIONS:
        raise KetenError(f"allocation is one of {', '.join(ALLOCATIONS)}, not '{allocation}'")
    if shipments is None and fleet is None:
        shipments, fleet, _ = demo_paths()
    if shipments is None or fleet is None:
        raise KetenError("give both shipments and a fleet (or neither, for the demo data)")
    rules = rules or WorkingTime()
    inputs = read_inputs(shipments, fleet, zones, on)
    shippers = list(dict.fromkeys(s.shipper for s in inputs.shipments))
    if allocation == "auto":
        allocation = "shapley" if len(shippers) <= AUTO_SHAPLEY_MAX else "alone"
    by_shipper = {k: [s for s in inputs.shipments if s.shipper == k] for k in shippers}
    alone: dict[str, RoutePlan] = {}
    if mode in ("compare", "per-shipper") or (mode == "together" and allocation != "tkm"):
        for k in shippers:
            alone[k] = _plan(inputs, by_shipper[k], k, rules, time_limit_s)
    together_plan = None
    if mode in ("compare", "together"):
        together_plan = _plan(inputs, inputs.shipments, "together", rules, time_limit_s,
                              copies=len(shippers), seeds=list(alone.values()))
        if alone and _cost(together_plan) > sum(_cost(p) for p in alone.values()) + 1e-6 \
                and len(together_plan.served) >= sum(len(p.served) for p in alone.values()):
            together_plan.notes.append("the solver did not improve on the separate plans")
    per = [scenario(alone[k], by_shipper[k], inputs.fleet, inputs.sfd, inputs.fs, inputs.zones)
           for k in shippers] if alone else []
    tog = (scenario(together_plan, inputs.shipments, inputs.fleet, inputs.sfd, inputs.fs,
                    inputs.zones) if together_plan is not None else None)
    alloc = _allocate(inputs, shippers, by_shipper, alone, per, tog, allocation, rules,
                      time_limit_s) if tog is not None else []
    unserved = [u for sc in ([tog] if tog else per) for u in sc.plan.unserved]
    params = {"time_limit_s": time_limit_s, "max_driving_h": rules.max_driving_h,
              "max_duty_h": rules.max_duty_h, "break_min": rules.break_min,
              "detour_factor": inputs.detour_factor, "distance_basis": inputs.distance_basis,
              "shippers": shippers, "zones": [z.zone_id for z in inputs.zones]}
    return BundleResult(mode, allocation, per, tog, alloc, unserved, inputs.fs.version, params)


def _cost(p: RoutePlan) -> float:
    return sum(r.cost_eur for r in p.routes)


def _allocate(inputs: Inputs, shippers: list[str], by_shipper: dict[str, list[Shipment]],
              alone: dict[str, RoutePlan], per: list[Scenario], tog: Scenario, rule: str,
              rules: WorkingTime, time_limit_s: float) -> list[dict[str, Any]]:
    total_cost = _cost(tog.plan)
    if rule == "shapley":
        def value(c: frozenset[str]) -> float:
            if len(c) == 1:
                return _cost(alone[next(iter(c))])
            if len(c) == len(shippers):
                return total_cost
            members = [s for s in inputs.shipments if s.shipper in c]
            seeds = [alone[k] for k in shippers if k in c]
            return _cost(_plan(inputs, members, "+".join(sorted(c)), rules, time_limit_s,
                               copies=len(c), seeds=seeds))
        cost_share = shapley(shippers, value)
    elif rule == "alone":
        cost_share = by_tkm(total_cost, {k: _cost(alone[k]) for k in shippers})
    else:
        cost_share = by_tkm(total_cost, {k: tog.shipper_tkm.get(k, 0.0) for k in shippers})
    alone_sc = {sc.name: sc for sc in per}
    emissions: dict[str, dict[str, float]] = {k: defaultdict(float) for k in shippers}
    if tog.footprint is not None:
        shipper_of = {s.shipment_id: s.shipper for s in inputs.shipments}
        for rec in tog.footprint.tce_table.select(
                ["shipment_id", "co2e_wtw_kg", "nox_kg", "pm_kg"]).to_pylist():
            e = emissions[shipper_of[str(rec["shipment_id"])]]
            for key in ("co2e_wtw_kg", "nox_kg", "pm_kg"):
                e[key] += float(rec[key] or 0.0)
    out = []
    for k in shippers:
        a = alone_sc.get(k)
        ak = a.kpis() if a else None
        out.append({
            "shipper": k,
            "shipments": len(by_shipper[k]),
            "tkm": tog.shipper_tkm.get(k, 0.0),
            "cost_alone_eur": ak["cost_eur"] if ak else None,
            "cost_share_eur": cost_share[k],
            "saving_eur": (ak["cost_eur"] - cost_share[k]) if ak else None,
            "co2e_wtw_alone_kg": ak["co2e_wtw_kg"] if ak else None,
            "co2e_wtw_share_kg": emissions[k]["co2e_wtw_kg"],
            "nox_share_kg": emissions[k]["nox_kg"],
            "pm_share_kg": emissions[k]["pm_kg"],
        })
    return out
