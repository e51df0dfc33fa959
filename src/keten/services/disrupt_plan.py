"""Re-plan a shipment portfolio under a disruption scenario (``keten disrupt --plan``).

The same portfolio is planned twice with the same parameters: on the services as scheduled,
and on the services as the scenario leaves them (:mod:`keten.resilience.replan`). The
difference in unserved and late shipments, cost, CO2e, NOx, PM and modal split is the
disruption's impact on this portfolio; emissions come from the ISO 14083 engine in both.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from keten.errors import KetenError
from keten.factors import load_factor_set
from keten.network.api import route
from keten.network.model import Network
from keten.planning.build import build_model
from keten.planning.model import PlanningParameters, PlanningProblem
from keten.planning.options import generate_options
from keten.planning.results import Scenario as PlanScenario
from keten.planning.scenarios import columns_of
from keten.planning.solve import solve_model
from keten.resilience.replan import (
    ServiceEffect,
    TerminalEffect,
    disrupted_problem,
    service_effects,
    terminal_effects,
)
from keten.resilience.scenario import DEFAULT_NODE_UTILISATION, Scenario, resolve_targets
from keten.services.planning import build_problem, demo_paths, network_context, scenario
from keten.services.resilience import load_scenario

KPI_FIELDS = (
    "served_shipments",
    "unserved_shipments",
    "on_time_rate",
    "cost_eur",
    "lateness_penalty_eur",
    "co2e_wtw_kg",
    "co2e_ttw_kg",
    "nox_kg",
    "pm_kg",
)


@dataclass(frozen=True)
class ReplanResult:
    scenario: Scenario
    baseline: PlanScenario
    disrupted: PlanScenario
    services: tuple[ServiceEffect, ...]
    terminals: tuple[TerminalEffect, ...]
    cancelled_services: int

    def impact(self) -> dict[str, float]:
        """Disrupted minus baseline, per KPI."""
        a, b = self.baseline.kpis, self.disrupted.kpis
        out = {}
        for name in KPI_FIELDS:
            va, vb = getattr(a, name, None), getattr(b, name, None)
            if isinstance(va, int | float) and isinstance(vb, int | float):
                out[f"extra_{name}"] = float(vb) - float(va)
        for mode in sorted(set(a.tkm_by_mode) | set(b.tkm_by_mode)):
            out[f"extra_{mode}_tkm"] = b.tkm_by_mode.get(mode, 0.0) - a.tkm_by_mode.get(mode, 0.0)
        return out

    def as_dict(self) -> dict[str, Any]:
        def kpis(s: PlanScenario) -> dict[str, Any]:
            return asdict(s.kpis)

        return {
            "scenario": self.scenario.as_dict(),
            "baseline": kpis(self.baseline),
            "disrupted": kpis(self.disrupted),
            "impact": self.impact(),
            "cancelled_services": self.cancelled_services,
            "affected_services": [
                {
                    "service_id": e.service_id,
                    "day": e.day,
                    "capacity_factor": e.capacity_factor,
                    "transit_factor": e.transit_factor,
                    "price_factor": e.price_factor,
                    "cancelled": e.cancelled,
                    "causes": list(e.causes),
                }
                for e in self.services
            ],
            "affected_terminals": [
                {
                    "terminal_id": t.terminal_id,
                    "capacity_factor": t.capacity_factor,
                    "extra_handling_h": t.extra_handling_h,
                    "causes": list(t.causes),
                }
                for t in self.terminals
            ],
            "unserved": [
                {"shipment_id": u.shipment_id, "units": u.units, "reason": u.reason}
                for u in self.disrupted.unserved
            ],
        }


def _route_rows(problem: PlanningProblem, link_index: dict[str, int],
               network: Network) -> dict[str, np.ndarray]:
    """Link rows of each service's route on the network, in the service's mode."""
    by_lane: dict[tuple[str, str, str], np.ndarray] = {}
    out: dict[str, np.ndarray] = {}
    for k in problem.services:
        lane = (k.from_terminal, k.to_terminal, k.mode)
        if lane not in by_lane:
            try:
                option = route(
                    k.from_terminal,
                    k.to_terminal,
                    mass_kg=1.0,
                    modes=[k.mode],
                    objective="distance",
                    network=network,
                ).options[0]
                ids = [i for leg in option.legs for i in leg.link_ids]
            except (KetenError, IndexError):
                ids = []
            by_lane[lane] = np.array([link_index[i] for i in ids if i in link_index], dtype=int)
        out[k.service_id] = by_lane[lane]
    return out


def _solve(name: str, problem: PlanningProblem, ctx: Any, time_limit_s: float) -> PlanScenario:
    fs = load_factor_set()
    options = generate_options(problem, fs, ctx.road_km, ctx.mode_km)
    model = build_model(problem, options, capacitated=True)
    return scenario(name, columns_of(problem, options, model, solve_model(model, time_limit_s)), fs)


def _busiest_day_teu(plan: PlanScenario) -> dict[str, float]:
    out: dict[str, float] = {}
    for u in plan.utilisation:
        if u.kind == "terminal":
            out[u.resource_id] = max(out.get(u.resource_id, 0.0), u.used_teu)
    return {k: v / DEFAULT_NODE_UTILISATION for k, v in out.items() if v > 0}


def disrupt_plan(
    spec: str,
    shipments: Any = None,
    services: Any = None,
    terminals: Any = None,
    *,
    carbon_price_eur_per_t: float = 100.0,
    time_limit_s: float = 300.0,
) -> ReplanResult:
    """Plan the portfolio (demo data if none given) undisrupted and under ``spec`` (a
    scenario file or template such as ``lowwater:800``), and compare."""
    sc = load_scenario(spec)
    if shipments is None and services is None:
        shipments, services, terminals = demo_paths()
    # the default (national) network, as for `keten plan` and `keten disrupt`
    ctx = network_context(None)
    net = ctx.network
    resolved = resolve_targets(sc, net)
    params = replace(PlanningParameters(), carbon_price_eur_per_t=carbon_price_eur_per_t)
    problem = build_problem(shipments, services, terminals, params, ctx, load_factor_set())
    baseline = _solve("baseline", problem, ctx, time_limit_s)
    link_index = {str(x): i for i, x in enumerate(net.links["link_id"])}
    effects = service_effects(problem.services, _route_rows(problem, link_index, net),
                              resolved)
    horizon = max(1, int(max((k.arrival_h for k in problem.services), default=24.0) // 24) + 1)
    t_effects = terminal_effects(problem.terminals, net, resolved, horizon)
    changed = disrupted_problem(problem, effects, t_effects, _busiest_day_teu(baseline))
    disrupted = _solve("disrupted", changed, ctx, time_limit_s)
    return ReplanResult(
        sc,
        baseline,
        disrupted,
        tuple(effects),
        tuple(t_effects),
        sum(1 for e in effects if e.cancelled),
    )
