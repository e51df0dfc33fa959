"""Turn column values (from the solver or a heuristic) into a plan: assignments, unserved
shipments with their reason, and the utilisation of services, terminals and road."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from keten.planning.model import PlanningProblem
from keten.planning.options import REASON_CAPACITY, ROAD, Options
from keten.planning.results import Assignment, PlanLeg, Unserved, Utilisation

EPS = 1e-6


def _legs(problem: PlanningProblem, options: Options, o: int) -> tuple[PlanLeg, ...]:
    s = problem.shipments[int(options.shipment[o])]
    speed = problem.parameters.road_speed_kmh
    k_i = int(options.service[o])
    if k_i == ROAD:
        return (PlanLeg("direct_road", "road", s.origin, s.destination,
                        float(options.main_km[o]), float(options.start_h[o]),
                        float(options.delivery_h[o])),)
    k = problem.services[k_i]
    legs = []
    pre, post = float(options.pre_km[o]), float(options.post_km[o])
    if pre > 0:
        start = float(options.start_h[o])
        legs.append(PlanLeg("pre_haul", "road", s.origin, k.from_terminal, pre, start,
                            start + pre / speed))
    legs.append(PlanLeg("service", k.mode, k.from_terminal, k.to_terminal,
                        float(options.main_km[o]), k.departure_h, k.arrival_h, k.service_id))
    if post > 0:
        end = float(options.delivery_h[o])
        legs.append(PlanLeg("post_haul", "road", k.to_terminal, s.destination, post,
                            end - post / speed, end))
    return tuple(legs)


def extract_plan(problem: PlanningProblem, options: Options, option_units: np.ndarray,
                 unserved_units: np.ndarray
                 ) -> tuple[list[Assignment], list[Unserved], list[Utilisation]]:
    """Assignments (units > 0), unserved shipments and utilisation of a set of column values."""
    ships, services = problem.shipments, problem.services
    assignments: list[Assignment] = []
    for o in np.flatnonzero(option_units > EPS).tolist():
        s = ships[int(options.shipment[o])]
        y = float(option_units[o])
        k_i = int(options.service[o])
        share = y / s.units
        legs = _legs(problem, options, o)
        assignments.append(Assignment(
            shipment_id=s.shipment_id,
            option="road" if k_i == ROAD else services[k_i].service_id,
            main_mode="road" if k_i == ROAD else services[k_i].mode,
            units=y, share=share, mass_kg=s.mass_kg * share,
            teu=None if not s.teu else y, legs=legs,
            departure_h=float(options.start_h[o]), delivery_h=float(options.delivery_h[o]),
            due_h=s.due_h, late_h=float(options.late_h[o]),
            cost_eur=float(options.money_eur[o]) * y,
            co2e_wtw_kg=float(options.co2e_wtw_kg[o]) * y))
    unserved = []
    for i in np.flatnonzero(unserved_units > EPS).tolist():
        reason = options.no_option_reason.get(i, REASON_CAPACITY)
        unserved.append(Unserved(ships[i].shipment_id, float(unserved_units[i]), reason))
    return assignments, unserved, utilisation(problem, options, option_units)


def utilisation(problem: PlanningProblem, options: Options, option_units: np.ndarray
                ) -> list[Utilisation]:
    """Per service, per terminal and day (lifts), and per day of direct road trips."""
    services = problem.services
    used = option_units > EPS
    teu = options.teu_per_unit * option_units
    tons = options.t_per_unit * option_units
    svc_teu = np.bincount(options.service[used & (options.service != ROAD)],
                          weights=teu[used & (options.service != ROAD)],
                          minlength=len(services))
    svc_t = np.bincount(options.service[used & (options.service != ROAD)],
                        weights=tons[used & (options.service != ROAD)], minlength=len(services))
    out = [Utilisation("service", k.service_id, None, float(svc_teu[i]), k.capacity_teu,
                       float(svc_t[i]), k.capacity_t) for i, k in enumerate(services)]
    lifts: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0, 0.0])
    road: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for o in np.flatnonzero(used).tolist():
        k_i = int(options.service[o])
        if k_i == ROAD:
            acc = road[int(options.road_day[o])]
            acc[0] += teu[o]
            acc[1] += tons[o]
            continue
        k = services[k_i]
        for t, day in ((k.from_terminal, int(options.from_day[o])),
                       (k.to_terminal, int(options.to_day[o]))):
            lifts[(t, day)][0] += teu[o]
            lifts[(t, day)][1] += tons[o]
    for (t, day), (u_teu, u_t) in sorted(lifts.items()):
        term = problem.terminals.get(t)
        out.append(Utilisation("terminal", t, day, u_teu,
                               term.capacity_teu_per_day if term else None, u_t, None))
    cap = problem.parameters.road_capacity_teu_per_day
    for day, (u_teu, u_t) in sorted(road.items()):
        out.append(Utilisation("road", "road", day, u_teu, cap, u_t, None))
    return out
