"""Shipments and a fleet as a routing problem, the feasibility checks that explain why a
shipment cannot be served, and the planned routes read back with their KPIs.

Distances are great-circle x a road detour factor (ISO 14083 6.3 allows GCD x DAF when no
routed distance is used; the caller passes the factor, keten's is ``road`` in
``factors/data/distance_adjustment.csv``): right for stops within a region, where keten's
corridor network has no streets. Travel time = distance / the vehicle type's average speed.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from keten.bundling.model import (
    Route,
    RoutePlan,
    Shipment,
    Site,
    Stop,
    Unserved,
    VehicleType,
    WorkingTime,
)
from keten.bundling.routing import NO_LIMIT, Node, RoutingProblem, Vehicle, solve
from keten.emissions.distance import great_circle_km_array

MICRO = 1_000_000  # money in micro-euro inside the solver
SAME_SITE_KM = 0.2  # a pickup this close to a depot is loaded at the depot
DROP_PENALTY = 10**13  # micro-euro (10 million EUR): any feasible service is cheaper


def distance_matrix_km(sites: Sequence[Site], detour_factor: float) -> np.ndarray:
    lat = np.array([s.lat for s in sites])
    lon = np.array([s.lon for s in sites])
    gcd = great_circle_km_array(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    return np.asarray(gcd * detour_factor)


@dataclass
class Model:
    """The routing problem with the mapping back to shipments and vehicles."""

    problem: RoutingProblem
    sites: list[Site]
    km: np.ndarray
    shipments: list[Shipment]  # those in the model (feasible on their own)
    vehicles: list[tuple[str, VehicleType]]
    node_ship: list[int]
    node_kind: list[str]
    unserved: list[Unserved]
    speed_kmh: float  # one road speed for the fleet: its slowest type's


def _vehicle_list(fleet: Sequence[VehicleType], copies: int) -> list[tuple[str, VehicleType]]:
    out = []
    for vt in fleet:
        for i in range(vt.count * copies):
            out.append((f"{vt.vehicle_type}#{i + 1}", vt))
    return out


def _check(s: Shipment, fleet: Sequence[VehicleType], rules: WorkingTime, km: float,
           in_zone: bool, depot_km: list[tuple[float, float]]) -> str | None:
    """Why ``s`` cannot be served by any vehicle of ``fleet`` on its own, or None."""
    if s.pickup_earliest_min > s.pickup_latest_min:
        return (f"impossible pickup window: opens {_hhmm(s.pickup_earliest_min)} after it "
                f"closes {_hhmm(s.pickup_latest_min)}")
    if s.delivery_earliest_min > s.delivery_latest_min:
        return (f"impossible delivery window: opens {_hhmm(s.delivery_earliest_min)} after it "
                f"closes {_hhmm(s.delivery_latest_min)}")
    heaviest = max(v.capacity_kg for v in fleet)
    if s.mass_kg > heaviest:
        return f"overweight: {s.mass_kg:,.0f} kg exceeds the largest vehicle ({heaviest:,.0f} kg)"
    pallet_caps = [v.capacity_pallets for v in fleet if v.capacity_kg >= s.mass_kg]
    if s.pallets and pallet_caps and all(0 < c < s.pallets for c in pallet_caps):
        return f"{s.pallets} pallets exceed every vehicle that can carry its mass"
    candidates = [v for v in fleet if v.capacity_kg >= s.mass_kg
                  and (v.zero_emission or not in_zone)]
    if in_zone and not candidates:
        return "enters a zero-emission zone and the fleet has no zero-emission vehicle for it"
    reasons = []
    for v, (to_pick, back) in zip(fleet, depot_km, strict=True):
        if v not in candidates:
            continue
        drive_h = (to_pick + km + back) / v.speed_kmh
        earliest_pick = max(s.pickup_earliest_min, v.shift_start_min + to_pick / v.speed_kmh * 60)
        if earliest_pick > s.pickup_latest_min:
            reasons.append(f"{v.vehicle_type}: cannot reach the pickup before "
                           f"{_hhmm(s.pickup_latest_min)}")
            continue
        arrive = max(s.delivery_earliest_min, earliest_pick + s.service_min + km / v.speed_kmh * 60)
        if arrive > s.delivery_latest_min:
            reasons.append(f"{v.vehicle_type}: earliest delivery {_hhmm(arrive)} is after the "
                           f"window closes {_hhmm(s.delivery_latest_min)}")
            continue
        if arrive + s.service_min + back / v.speed_kmh * 60 > v.shift_end_min:
            reasons.append(f"{v.vehicle_type}: cannot return to the depot by "
                           f"{_hhmm(v.shift_end_min)}")
            continue
        if v.range_km is not None and to_pick + km + back > v.range_km:
            reasons.append(f"{v.vehicle_type}: round trip {to_pick + km + back:,.0f} km exceeds "
                           f"its range {v.range_km:,.0f} km")
            continue
        if drive_h > rules.max_driving_h:
            reasons.append(f"{v.vehicle_type}: {drive_h:.1f} h of driving exceeds "
                           f"{rules.max_driving_h:g} h")
            continue
        return None
    return "no vehicle can serve it: " + "; ".join(reasons) if reasons else "no suitable vehicle"


def _hhmm(minutes: float) -> str:
    m = round(minutes)
    return f"{m // 60:02d}:{m % 60:02d}"


def build(shipments: Sequence[Shipment], fleet: Sequence[VehicleType], rules: WorkingTime,
          detour_factor: float, in_zone: dict[str, bool] | None = None,
          fleet_copies: int = 1) -> Model:
    """The routing model of ``shipments`` on ``fleet`` (each vehicle type ``count`` x
    ``fleet_copies`` times); shipments infeasible on their own go to ``unserved``."""
    in_zone = in_zone or {}
    depots = list(dict.fromkeys(v.depot for v in fleet))
    all_sites = depots + [x for s in shipments for x in (s.pickup, s.delivery)]
    km_all = distance_matrix_km(all_sites, detour_factor)
    site_index = {id(s): i for i, s in enumerate(all_sites)}
    depot_of = {v.vehicle_type: depots.index(v.depot) for v in fleet}
    unserved: list[Unserved] = []
    feasible: list[tuple[Shipment, int, int]] = []
    for k, s in enumerate(shipments):
        pi, di = len(depots) + 2 * k, len(depots) + 2 * k + 1
        dkm = [(float(km_all[depot_of[v.vehicle_type], pi]),
                float(km_all[di, depot_of[v.vehicle_type]])) for v in fleet]
        reason = _check(s, fleet, rules, float(km_all[pi, di]), in_zone.get(s.shipment_id, False),
                        dkm)
        if reason:
            unserved.append(Unserved(s.shipment_id, s.shipper, reason, s.row))
        else:
            feasible.append((s, pi, di))
    del site_index
    vehicles = _vehicle_list(fleet, fleet_copies)
    # depot-loaded (CVRPTW) when every pickup is at a depot; else pickup-and-delivery
    at_depot = {s.shipment_id: next((d for d in range(len(depots))
                                     if km_all[d, pi] / detour_factor <= SAME_SITE_KM), None)
                for s, pi, _ in feasible}
    depot_loaded = bool(feasible) and all(d is not None for d in at_depot.values())
    node_sites: list[int] = list(range(len(depots)))
    nodes: list[Node] = [Node("depot") for _ in depots]
    node_ship: list[int] = [-1] * len(depots)
    node_kind: list[str] = ["depot"] * len(depots)
    demand_rows: list[tuple[int, int]] = [(0, 0)] * len(depots)
    pairs: list[tuple[int, int]] = []
    zev = tuple(i for i, (_, v) in enumerate(vehicles) if v.zero_emission)
    for k, (s, pi, di) in enumerate(feasible):
        svc = round(s.service_min * 60)
        allowed: list[int] | None = None
        if in_zone.get(s.shipment_id):
            allowed = list(zev)
        if depot_loaded:
            d = at_depot[s.shipment_id]
            own = [i for i, (_, v) in enumerate(vehicles) if depot_of[v.vehicle_type] == d]
            allowed = own if allowed is None else [i for i in allowed if i in own]
            node_sites.append(di)
            nodes.append(Node("delivery", k, s.delivery_earliest_min * 60,
                              s.delivery_latest_min * 60, svc, tuple(allowed)))
            node_ship.append(k)
            node_kind.append("delivery")
            demand_rows.append((round(s.mass_kg), s.pallets))
            continue
        al = tuple(allowed) if allowed is not None else None
        node_sites += [pi, di]
        nodes.append(Node("pickup", k, s.pickup_earliest_min * 60, s.pickup_latest_min * 60,
                          svc, al))
        nodes.append(Node("delivery", k, s.delivery_earliest_min * 60,
                          s.delivery_latest_min * 60, svc, al))
        node_ship += [k, k]
        node_kind += ["pickup", "delivery"]
        q = (round(s.mass_kg), s.pallets)
        demand_rows += [q, (-q[0], -q[1])]
        pairs.append((len(nodes) - 2, len(nodes) - 1))
    km = km_all[np.ix_(node_sites, node_sites)]
    metres = np.round(km * 1000).astype(np.int64)
    # travel time in seconds at the slowest speed of the fleet: one time matrix for all
    speed = min(v.speed_kmh for v in fleet)
    seconds = np.round(km / speed * 3600).astype(np.int64)
    break_s = int(rules.break_min * 60)
    veh = []
    for _, v in vehicles:
        d = depots.index(v.depot)
        veh.append(Vehicle(
            d, d,
            (int(v.capacity_kg), v.capacity_pallets if v.capacity_pallets > 0 else 10**6),
            cost_per_distance=round(v.cost_per_km_eur * 1000),  # micro-euro per metre
            cost_per_time=round(v.cost_per_hour_eur * MICRO / 3600),
            fixed_cost=round(v.fixed_cost_eur * MICRO),
            max_distance=int(v.range_km * 1000) if v.range_km is not None else NO_LIMIT,
            # the 45 min break is reserved in the duty time of every route (conservative)
            max_span=int(rules.max_duty_h * 3600) - break_s,
            max_driving=int(rules.max_driving_h * 3600),
            earliest_start=v.shift_start_min * 60, latest_end=v.shift_end_min * 60))
    demand = np.array(demand_rows, dtype=np.int64).reshape(-1, 2)
    problem = RoutingProblem(nodes, metres, seconds, demand, veh, pairs, DROP_PENALTY)
    sites = [all_sites[i] for i in node_sites]
    return Model(problem, sites, km, [s for s, _, _ in feasible], vehicles, node_ship,
                 node_kind, unserved, speed)


def plan(name: str, model: Model, rules: WorkingTime, time_limit_s: float = 2.0,
         seed: Sequence[Sequence[int]] | None = None) -> RoutePlan:
    """Solve ``model`` and read back its routes, KPIs and unserved shipments."""
    if not model.shipments:
        return RoutePlan(name, [], list(model.unserved), [], "nothing to plan", 0.0,
                         len(model.vehicles))
    sol = solve(model.problem, time_limit_s, seed)
    routes = [read_route(model, vi, r, sol.arrival[vi], rules)
              for vi, r in enumerate(sol.routes) if r]
    unserved = list(model.unserved)
    for k in sol.dropped:
        s = model.shipments[k]
        unserved.append(Unserved(
            s.shipment_id, s.shipper,
            "not planned: no vehicle has room for it within capacity, time windows, working "
            f"time and range (solver status {sol.status}, {time_limit_s:g} s limit)", s.row))
    served = [model.shipments[k].shipment_id for k in range(len(model.shipments))
              if k not in set(sol.dropped)]
    return RoutePlan(name, routes, unserved, served, sol.status, sol.solve_time_s,
                     len(model.vehicles))


def read_route(model: Model, vi: int, route: Sequence[int], arrival_s: Sequence[int],
               rules: WorkingTime) -> Route:
    vid, v = model.vehicles[vi]
    load = 0.0
    dist = loaded = empty = tkm = energy = 0.0
    stops: list[Stop] = []
    slope = v.energy_per_km_full - v.energy_per_km_empty
    depot_loaded = all(model.node_kind[n] != "pickup" for n in route)
    if depot_loaded:
        load = sum(model.shipments[model.node_ship[n]].mass_kg for n in route
                   if model.node_ship[n] >= 0)
    for a, b in itertools.pairwise(route):
        leg = float(model.km[a, b])
        dist += leg
        if load > 1e-9:
            loaded += leg
            tkm += load / 1000.0 * leg
        else:
            empty += leg
        energy += leg * (v.energy_per_km_empty + slope * min(load / v.capacity_kg, 1.0))
        k = model.node_ship[b]
        if k >= 0:
            s = model.shipments[k]
            load += s.mass_kg if model.node_kind[b] == "pickup" else -s.mass_kg
            stops.append(Stop(s.shipment_id, model.node_kind[b], model.sites[b],
                              arrival_s[route.index(b)] / 60.0, max(load, 0.0)))
    driving_h = dist / model.speed_kmh
    start, end = arrival_s[0] / 60.0, arrival_s[-1] / 60.0
    span_h = (end - start) / 60.0
    # cost is what the solver minimised: the day's fixed cost, km, and hours from leaving to
    # returning (waiting included); the statutory break is counted in the driver's hours
    duty_h = span_h + (rules.break_min / 60.0 if driving_h > rules.break_after_driving_h else 0)
    cost = v.fixed_cost_eur + dist * v.cost_per_km_eur + span_h * v.cost_per_hour_eur
    path = tuple((model.sites[n].lat, model.sites[n].lon) for n in route)
    return Route(vid, v.vehicle_type, v.depot, tuple(stops), dist, loaded, empty, tkm,
                 v.capacity_kg / 1000.0 * loaded, driving_h, duty_h, start, end, cost, energy,
                 v.energy_carrier, path=path)


def seed_routes(model: Model, plans: Sequence[RoutePlan]) -> list[list[int]]:
    """Node sequences (without depots) of ``plans``' routes in ``model``, one per vehicle
    in order of the model's vehicles of each type: a feasible start for a bundled solve."""
    node_of: dict[tuple[str, str], int] = {}
    for n, (k, kind) in enumerate(zip(model.node_ship, model.node_kind, strict=True)):
        if k >= 0:
            node_of[(model.shipments[k].shipment_id, kind)] = n
    free: dict[str, list[int]] = {}
    for vi, (_, v) in enumerate(model.vehicles):
        free.setdefault(v.vehicle_type, []).append(vi)
    seeds: list[list[int]] = [[] for _ in model.vehicles]
    for p in plans:
        for r in p.routes:
            if not free.get(r.vehicle_type):
                return []
            vi = free[r.vehicle_type].pop(0)
            seeds[vi] = [node_of[(st.shipment_id, st.kind)] for st in r.stops
                         if (st.shipment_id, st.kind) in node_of]
    return seeds
