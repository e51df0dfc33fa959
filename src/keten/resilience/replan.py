"""Disruptions applied to a planning problem, so the portfolio can be re-planned.

The impact model in :mod:`keten.resilience.impact` re-routes aggregate flows day by day; this
module takes the other road the resilience issue names: re-plan a shipment portfolio on the
scheduled services as the disruption leaves them. Each barge or rail departure is mapped to the
network links its route uses; on the day it departs:

- a closure of any of those links cancels it; a capacity factor scales its capacity;
- low water scales a barge's capacity by the payload factor of the shallowest link it passes
  (van Dorsser et al. 2020, see :mod:`keten.resilience.lowwater`);
- a speed factor stretches its transit time; a cost factor scales its price;
- congestion at a terminal scales the terminal's daily capacity and adds its dwell time to the
  handling time (a terminal closure stops it handling at all).

Sea chokepoints do not touch inland services; road legs are left as they are (documented
limit: road closures act through the day-by-day impact model, not here).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from keten.network.model import Network
from keten.planning.model import PlanningProblem, Service, Terminal
from keten.resilience.scenario import ResolvedDisruption

HOURS_PER_DAY = 24.0


@dataclass(frozen=True)
class ServiceEffect:
    """What the scenario does to one departure."""

    service_id: str
    day: int
    capacity_factor: float
    transit_factor: float
    price_factor: float
    causes: tuple[str, ...]

    @property
    def cancelled(self) -> bool:
        return self.capacity_factor <= 0.0


@dataclass(frozen=True)
class TerminalEffect:
    """What the scenario does to one terminal (worst day over the planning horizon)."""

    terminal_id: str
    capacity_factor: float
    extra_handling_h: float
    causes: tuple[str, ...]


def _link_factor(rd: ResolvedDisruption, link_rows: np.ndarray, day: int) -> float | None:
    """The disruption's factor on the day for a route through ``link_rows`` (None: untouched)."""
    touched = np.isin(rd.link_rows, link_rows)
    if not touched.any():
        return None
    severity = rd.disruption.severity(day)
    if rd.link_factors is not None:  # low water: the shallowest link governs the payload
        worst = float(np.min(rd.link_factors[touched]))
        return 1.0 + severity * (worst - 1.0)
    return rd.disruption.factor_on(day)


def service_effects(
    services: Sequence[Service],
    route_rows: Mapping[str, np.ndarray],
    resolved: Sequence[ResolvedDisruption],
) -> list[ServiceEffect]:
    """Effect of every disruption on every departure; ``route_rows`` maps a service id to the
    network link rows of its route. Departures no disruption touches are left out."""
    out: list[ServiceEffect] = []
    for k in services:
        day = int(k.departure_h // HOURS_PER_DAY)
        capacity = transit = price = 1.0
        causes: list[str] = []
        rows = route_rows.get(k.service_id)
        for rd in resolved:
            d = rd.disruption
            if rows is None or len(rows) == 0 or d.target.chokepoint or d.type == "congestion":
                continue
            f = _link_factor(rd, rows, day)
            if f is None or f == 1.0:
                continue
            if d.type in ("closure", "capacity_factor", "low_water"):
                capacity *= f
            elif d.type == "speed_factor":
                transit /= f
            elif d.type == "cost_factor":
                price *= f
            else:
                continue
            causes.append(f"{d.id} ({d.type}, factor {f:.3g} on day {day})")
        if causes:
            out.append(
                ServiceEffect(k.service_id, day, max(capacity, 0.0), transit, price, tuple(causes))
            )
    return out


def terminal_effects(
    terminals: Mapping[str, Terminal],
    network: Network,
    resolved: Sequence[ResolvedDisruption],
    horizon_days: int,
) -> list[TerminalEffect]:
    """Congestion or closure at a node that is a service terminal: its worst day in the plan."""
    out: list[TerminalEffect] = []
    ids = network.node_ids
    for rd in resolved:
        d = rd.disruption
        if len(rd.node_rows) == 0 or d.type not in ("congestion", "closure", "capacity_factor"):
            continue
        node = ids[int(rd.node_rows[0])]
        if node not in terminals:
            continue
        worst = min((d.factor_on(day) for day in range(max(horizon_days, 1))), default=1.0)
        dwell = d.dwell_time_h if d.type == "congestion" else 0.0
        out.append(TerminalEffect(node, worst, dwell, (f"{d.id} ({d.type}, factor {worst:.3g})",)))
    return out


def _scaled(value: float | None, factor: float) -> float | None:
    return None if value is None else value * factor


def disrupted_problem(
    problem: PlanningProblem,
    services: Sequence[ServiceEffect],
    terminals: Sequence[TerminalEffect],
    normal_capacity_teu_per_day: Mapping[str, float] | None = None,
) -> PlanningProblem:
    """The planning problem as the disruption leaves it: cancelled departures removed,
    capacities, transit times and prices scaled, congested terminals slowed down.

    A terminal without a stated daily capacity gets ``normal_capacity_teu_per_day`` (e.g. its
    busiest day in the undisrupted plan at normal utilisation) before the factor applies."""
    by_id = {e.service_id: e for e in services}
    kept: list[Service] = []
    for k in problem.services:
        e = by_id.get(k.service_id)
        if e is None:
            kept.append(k)
            continue
        if e.cancelled:
            continue
        transit = (k.arrival_h - k.departure_h) * e.transit_factor
        kept.append(
            replace(
                k,
                capacity_teu=_scaled(k.capacity_teu, e.capacity_factor),
                capacity_t=_scaled(k.capacity_t, e.capacity_factor),
                arrival_h=k.departure_h + transit,
                price_eur_per_teu=k.price_eur_per_teu * e.price_factor,
                price_eur_per_t=k.price_eur_per_t * e.price_factor,
            )
        )
    term = dict(problem.terminals)
    for t in terminals:
        old = term[t.terminal_id]
        capacity = old.capacity_teu_per_day
        if capacity is None and t.capacity_factor < 1.0:
            capacity = (normal_capacity_teu_per_day or {}).get(t.terminal_id)
        term[t.terminal_id] = replace(
            old,
            capacity_teu_per_day=_scaled(capacity, t.capacity_factor),
            handling_time_h=(old.handling_time_h or 0.0) + t.extra_handling_h,
        )
    return replace(problem, services=tuple(kept), terminals=term)
