"""Planning use case: read and validate inputs, build and solve the plan, compare it with the
all-road baseline and the uncapacitated cheapest plan, sweep the carbon price, and compute
every plan's emissions through the ISO 14083 engine (``keten.footprint``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from keten.emissions.distance import parse_lat_lon
from keten.errors import KetenError, UnknownLocationError
from keten.factors import FactorSet, load_factor_set
from keten.io.planning_input import PlanningInputs, read_planning_inputs
from keten.network.api import shortest_feasible_distance_km
from keten.network.build import default_network, network_from_frames
from keten.network.locate import ACCESS_CIRCUITY, find_node, nearest_nodes, resolve_location
from keten.network.model import Network
from keten.planning.build import build_model
from keten.planning.extract import extract_plan
from keten.planning.intensity import default_hoc_id
from keten.planning.kpis import plan_kpis, tce_rows
from keten.planning.model import PlanningParameters, PlanningProblem, Terminal
from keten.planning.options import Options, generate_options
from keten.planning.results import PlanResult, Scenario, SweepPoint
from keten.planning.scenarios import Columns, all_road, columns_of
from keten.planning.solve import solve_model
from keten.services.footprint import footprint

DEMO_PACKAGE = "keten.planning.data"
DEMO_FILES = ("demo_shipments.csv", "demo_services.csv", "demo_terminals.csv")
DEFAULT_SWEEP = (0.0, 50.0, 100.0, 200.0, 400.0)
# seconds per MIP solve; the best plan found by then is reported with its gap
DEFAULT_TIME_LIMIT_S = 60.0


def demo_paths() -> tuple[Path, Path, Path]:
    """The packaged demo portfolio, timetable and terminal table."""
    base = resources.files(DEMO_PACKAGE)
    a, b, c = (Path(str(base.joinpath(n))) for n in DEMO_FILES)
    return a, b, c


class NetworkContext:
    """Locations and cached road/mode distances on one network.

    Free points (``lat,lon``) are joined to the network once, all together (road access links
    to their nearest road nodes, as :func:`keten.network.locate.with_point` does for one), so
    each distance is then one shortest-path query between nodes.
    """

    def __init__(self, network: Network) -> None:
        self.network = network
        self.routing = network
        self.modes = network.node_modes()
        self.point_ids: dict[str, str] = {}
        self._located: dict[str, tuple[str, frozenset[str]]] = {}
        self._road: dict[tuple[str, str], float] = {}
        self._mode: dict[tuple[str, str, str], float] = {}

    def add_points(self, texts: Iterable[str]) -> None:
        """Join every new ``lat,lon`` text to the routing network by road access links."""
        new = sorted({t for t in texts if t not in self.point_ids
                      and parse_lat_lon(t) is not None})
        if not new:
            return
        nodes, links = [], []
        circuity = ACCESS_CIRCUITY["road"]
        for text in new:
            lat, lon = parse_lat_lon(text)  # type: ignore[misc]
            pid = f"point:{lat:.5f},{lon:.5f}"
            self.point_ids[text] = pid
            nodes.append({"node_id": pid, "name": pid, "lat": lat, "lon": lon, "kind": "city",
                          "modes": "road", "hub_type": "", "handling_cost_eur_per_t": 0.0,
                          "handling_time_h": 0.0, "country": "", "source": "given coordinates"})
            for i, d in nearest_nodes(self.network, lat, lon, "road", 3):
                links.append({"link_id": f"access:{pid}:{self.network.node_ids[i]}",
                              "from_node": pid, "to_node": self.network.node_ids[i],
                              "mode": "road", "length_km": max(d * circuity, 0.01),
                              "corridor": "access", "bidirectional": "true",
                              "source": f"great-circle x {circuity} road access"})
        all_nodes = pd.concat([self.routing.nodes, pd.DataFrame(nodes)], ignore_index=True)
        all_links = pd.concat([self.routing.links, pd.DataFrame(links)], ignore_index=True)
        self.routing = network_from_frames(all_nodes.astype(object), all_links.astype(object),
                                           name=self.network.name)

    def locate(self, text: str) -> tuple[str, frozenset[str]]:
        """(node id or normalised ``lat,lon``, modes the node handles); cached per text."""
        if text not in self._located:
            self._located[text] = self._locate(text)
        return self._located[text]

    def _locate(self, text: str) -> tuple[str, frozenset[str]]:
        if parse_lat_lon(text) is not None:
            return text.replace(" ", ""), frozenset()
        row = find_node(self.network, text)
        if row is None:
            node_id, _, _ = resolve_location(text, self.network)
            row = find_node(self.network, node_id)
            if row is None:
                raise UnknownLocationError(text)
        return self.network.node_ids[row], self.modes[row]

    def road_km(self, a: str, b: str) -> float:
        key = (a, b)
        if key not in self._road:
            self.add_points((a, b))
            self._road[key] = shortest_feasible_distance_km(
                self.point_ids.get(a, a), self.point_ids.get(b, b), "road",
                network=self.routing)
        return self._road[key]

    def mode_km(self, a: str, b: str, mode: str) -> float:
        key = (a, b, mode)
        if key not in self._mode:
            self._mode[key] = shortest_feasible_distance_km(a, b, mode, network=self.network)
        return self._mode[key]


@lru_cache(maxsize=1)
def _default_context() -> NetworkContext:
    return NetworkContext(default_network())


def network_context(network: Network | None) -> NetworkContext:
    """Locations and distances on ``network`` (the default network's context is cached)."""
    return NetworkContext(network) if network is not None else _default_context()


def terminals_for(inputs: PlanningInputs, ctx: NetworkContext) -> dict[str, Terminal]:
    """Handling data of every service terminal: the network's defaults, then the user's."""
    nodes = ctx.network.nodes.set_index("node_id")
    out: dict[str, Terminal] = {}
    names = {t for k in inputs.services for t in (k.from_terminal, k.to_terminal)}
    names |= set(inputs.terminals)
    for t in sorted(names):
        given = inputs.terminals.get(t)
        hub_type = str(nodes.at[t, "hub_type"]) if t in nodes.index else ""
        known = t in nodes.index
        cost_t = float(str(nodes.at[t, "handling_cost_eur_per_t"])) if known else 0.0
        time_h = float(str(nodes.at[t, "handling_time_h"])) if known else 0.0
        default = Terminal(t, None, cost_t, time_h, None, default_hoc_id(hub_type or None))
        if given is None:
            out[t] = default
            continue
        out[t] = Terminal(
            t,
            given.handling_cost_eur_per_teu,
            given.handling_cost_eur_per_t if (given.handling_cost_eur_per_t is not None
                                              or given.handling_cost_eur_per_teu is not None)
            else default.handling_cost_eur_per_t,
            given.handling_time_h if given.handling_time_h is not None
            else default.handling_time_h,
            given.capacity_teu_per_day, given.hoc_id or default.hoc_id)
    return out


def scenario(name: str, cols: Columns, fs: FactorSet, status: str = "") -> Scenario:
    """Extract a plan from column values and compute its KPIs through the footprint engine."""
    problem, options = cols.problem, cols.options
    assignments, unserved, util = extract_plan(problem, options, cols.option_units,
                                               cols.unserved_units)
    rows = tce_rows(problem, assignments, options.road_toc_id)
    result = footprint(rows, factor_set=fs.version) if rows else None
    sol = cols.solution
    return Scenario(name, tuple(assignments), tuple(unserved), tuple(util),
                    plan_kpis(problem, assignments, unserved, result),
                    status or (sol.status if sol else ""),
                    sol.objective if sol else None, sol.mip_gap if sol else None,
                    sol.solve_time_s if sol else None)


def build_problem(shipments: Any, services: Any, terminals: Any | None,
                  parameters: PlanningParameters, ctx: NetworkContext, fs: FactorSet
                  ) -> PlanningProblem:
    inputs = read_planning_inputs(shipments, services, terminals, ctx.locate, fs,
                                  parameters.mass_per_teu_t)
    ctx.add_points(t for s in inputs.shipments for t in (s.origin, s.destination))
    return PlanningProblem(inputs.shipments, inputs.services, terminals_for(inputs, ctx),
                           parameters, inputs.t0)


def plan(shipments: Any = None, services: Any = None, terminals: Any | None = None, *,
         carbon_price_eur_per_t: float = 100.0, nox_price_eur_per_kg: float = 0.0,
         lateness_penalty_eur_per_h: float | None = None, horizon_days: float | None = None,
         integer: bool = True, sweep: Sequence[float] | None = DEFAULT_SWEEP,
         road_capacity_teu_per_day: float | None = None,
         parameters: PlanningParameters | None = None, network: Network | None = None,
         time_limit_s: float = DEFAULT_TIME_LIMIT_S) -> PlanResult:
    """Plan ``shipments`` on ``services`` (paths, tables or lists of dicts; demo data if both
    are None) and compare with the all-road and uncapacitated plans.

    ``integer`` (the default) plans whole shipments and TEU (a MIP, each solve within
    ``time_limit_s``; the scenario records its gap); ``integer=False`` solves the LP relaxation,
    whose plan may split a shipment.

    Raises ValidationError listing every problem in the inputs.
    """
    if shipments is None and services is None:
        shipments, services, terminals = demo_paths()
    if shipments is None or services is None:
        raise KetenError("give both shipments and services (or neither, for the demo data)")
    base = parameters or PlanningParameters()
    params = replace(base, carbon_price_eur_per_t=carbon_price_eur_per_t,
                     nox_price_eur_per_kg=nox_price_eur_per_kg, horizon_days=horizon_days,
                     integer=integer,
                     road_capacity_teu_per_day=road_capacity_teu_per_day
                     if road_capacity_teu_per_day is not None else base.road_capacity_teu_per_day)
    if lateness_penalty_eur_per_h is not None:
        params = replace(params, lateness_penalty_eur_per_h=lateness_penalty_eur_per_h)
    fs = load_factor_set()
    ctx = network_context(network)
    problem = build_problem(shipments, services, terminals, params, ctx, fs)
    options = generate_options(problem, fs, ctx.road_km, ctx.mode_km)
    model = build_model(problem, options, capacitated=True)
    solved = columns_of(problem, options, model, solve_model(model, time_limit_s))
    planned = scenario("plan", solved, fs)
    free_model = build_model(problem, options, capacitated=False)
    free = scenario("uncapacitated", columns_of(problem, options, free_model,
                                                solve_model(free_model, time_limit_s)), fs)
    road = scenario("all_road", all_road(problem, fs, ctx.road_km, ctx.mode_km), fs,
                    status="baseline")
    points = [carbon_sweep_point(problem, options, price, fs, time_limit_s)
              for price in (sweep or ())]
    return PlanResult(planned, road, free, tuple(points), asdict(params), problem.t0)


def carbon_sweep_point(problem: PlanningProblem, options: Options, price: float,
                       fs: FactorSet, time_limit_s: float = 300.0) -> SweepPoint:
    """The capacitated plan re-optimised at another carbon price, with its engine KPIs."""
    p = replace(problem, parameters=problem.parameters.with_carbon_price(price))
    model = build_model(p, options, capacitated=True)
    sc = scenario(f"carbon {price:g}", columns_of(p, options, model,
                                                   solve_model(model, time_limit_s)), fs)
    k = sc.kpis
    return SweepPoint(price, k.cost_eur, k.co2e_wtw_kg, k.nox_kg, k.road_tkm_share,
                      k.unserved_shipments)
