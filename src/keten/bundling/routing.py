"""A vehicle routing problem in integer units, solved with OR-Tools routing.

One model covers the capacitated VRP with time windows (every order loaded at the vehicle's
depot: one node per order) and the pickup-and-delivery problem with time windows (a pickup and
a delivery node per order, same vehicle, pickup first). Build, solve and read back are
separate steps (:func:`build_model`, :func:`solve`), so a test can inspect the model.

Units are whatever the caller chooses, as integers: distance (e.g. metres), time (e.g.
seconds), money (e.g. euro cents). Orders the solver cannot fit are dropped at ``penalty``
each and reported by the caller as unserved; nothing is dropped silently.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

NO_LIMIT = 1 << 40
LARGE = 300  # nodes: from here on, build the first solution by insertion


@dataclass(frozen=True)
class Node:
    """A stop: the depot row it belongs to for depot nodes, else an order's pickup/delivery."""

    kind: str  # "depot", "pickup" or "delivery"
    order: int = -1  # index into the orders, -1 for depots
    earliest: int = 0
    latest: int = NO_LIMIT
    service: int = 0
    allowed_vehicles: tuple[int, ...] | None = None  # None: any vehicle


@dataclass(frozen=True)
class Vehicle:
    start: int  # node index of its depot
    end: int
    capacity: tuple[int, ...]  # one per load dimension (mass, pallets, ...)
    cost_per_distance: int = 1
    cost_per_time: int = 0  # per unit of route span (duty time, waiting included)
    fixed_cost: int = 0
    max_distance: int = NO_LIMIT  # e.g. an electric vehicle's range
    max_span: int = NO_LIMIT  # e.g. a driver's duty time
    max_driving: int = NO_LIMIT  # e.g. a driver's daily driving time
    earliest_start: int = 0
    latest_end: int = NO_LIMIT


@dataclass
class RoutingProblem:
    nodes: list[Node]
    distance: np.ndarray  # (n, n) int64
    travel_time: np.ndarray  # (n, n) int64, driving only
    demand: np.ndarray  # (n, dims) int64: + at pickups (or depot-loaded deliveries)
    vehicles: list[Vehicle]
    pickup_delivery: list[tuple[int, int]] = field(default_factory=list)
    penalty: int = 10**9


@dataclass(frozen=True)
class RoutingSolution:
    routes: list[list[int]]  # per vehicle: node indices, depot to depot (empty if unused)
    dropped: list[int]  # order indices not served
    objective: int
    status: str
    solve_time_s: float
    arrival: list[list[int]]  # per vehicle: service start time at each node of its route


def _callback_matrix(routing: Any, manager: Any, matrix: np.ndarray) -> int:
    """A transit evaluator held in C++ (no Python call per arc): node-indexed matrix."""
    return int(routing.RegisterTransitMatrix(matrix.astype(np.int64).tolist()))


def build_model(p: RoutingProblem) -> tuple[Any, Any, dict[str, Any]]:
    """The OR-Tools routing model of ``p`` (manager, routing, dimensions by name)."""
    from ortools.constraint_solver import pywrapcp

    n, k = len(p.nodes), len(p.vehicles)
    manager = pywrapcp.RoutingIndexManager(
        n, k, [v.start for v in p.vehicles], [v.end for v in p.vehicles])
    routing = pywrapcp.RoutingModel(manager)
    dims: dict[str, Any] = {}

    dist = p.distance.astype(np.int64)
    # one matrix per cost rate, shared by the vehicles with that rate: vehicles that share
    # their arc cost evaluator form one cost class, and with a single class OR-Tools' local
    # search takes its faster homogeneous path (50 separate 1,001 x 1,001 matrices made
    # each move on Gehring-Homberger RC2_10_1 evaluate per vehicle)
    by_rate: dict[int, int] = {}
    for vi, v in enumerate(p.vehicles):
        rate = int(v.cost_per_distance)
        if rate not in by_rate:
            by_rate[rate] = _callback_matrix(routing, manager, dist * rate)
        routing.SetArcCostEvaluatorOfVehicle(by_rate[rate], vi)
        routing.SetFixedCostOfVehicle(int(v.fixed_cost), vi)

    if any(v.max_distance < NO_LIMIT for v in p.vehicles):
        # a dimension costs propagation in every local-search move: only with a range
        dist_cb = by_rate[1] if 1 in by_rate else _callback_matrix(routing, manager, dist)
        max_dist = [int(min(v.max_distance, NO_LIMIT)) for v in p.vehicles]
        routing.AddDimensionWithVehicleCapacity(dist_cb, 0, max_dist, True, "distance")
        dims["distance"] = routing.GetDimensionOrDie("distance")

    service = np.array([nd.service for nd in p.nodes], dtype=np.int64)
    time_matrix = p.travel_time.astype(np.int64) + service[:, None]
    time_cb = _callback_matrix(routing, manager, time_matrix)
    horizon = int(max([nd.latest for nd in p.nodes if nd.latest < NO_LIMIT]
                      + [v.latest_end for v in p.vehicles if v.latest_end < NO_LIMIT]
                      + [int(time_matrix.max()) * (n + 1)]))
    routing.AddDimension(time_cb, horizon, horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    dims["time"] = time_dim
    for vi, v in enumerate(p.vehicles):
        time_dim.SetSpanCostCoefficientForVehicle(int(v.cost_per_time), vi)
        if v.max_span < NO_LIMIT:
            time_dim.SetSpanUpperBoundForVehicle(int(v.max_span), vi)
        start, end = routing.Start(vi), routing.End(vi)
        time_dim.CumulVar(start).SetRange(int(v.earliest_start), min(horizon, int(v.latest_end)))
        time_dim.CumulVar(end).SetRange(int(v.earliest_start), min(horizon, int(v.latest_end)))
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(start))
        routing.AddVariableMaximizedByFinalizer(time_dim.CumulVar(start))
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(end))

    if any(v.max_driving < NO_LIMIT for v in p.vehicles):
        drive_cb = _callback_matrix(routing, manager, p.travel_time.astype(np.int64))
        caps = [int(min(v.max_driving, NO_LIMIT)) for v in p.vehicles]
        routing.AddDimensionWithVehicleCapacity(drive_cb, 0, caps, True, "driving")
        dims["driving"] = routing.GetDimensionOrDie("driving")

    for d in range(p.demand.shape[1]):
        cb = routing.RegisterUnaryTransitVector(p.demand[:, d].astype(np.int64).tolist())
        routing.AddDimensionWithVehicleCapacity(
            cb, 0, [int(v.capacity[d]) for v in p.vehicles], True, f"load{d}")
        dims[f"load{d}"] = routing.GetDimensionOrDie(f"load{d}")

    for ni, nd in enumerate(p.nodes):
        if nd.kind == "depot":
            continue
        idx = manager.NodeToIndex(ni)
        time_dim.CumulVar(idx).SetRange(int(nd.earliest), int(min(nd.latest, horizon)))
        if nd.allowed_vehicles is not None:
            # -1: the node may still be dropped (and reported unserved)
            routing.VehicleVar(idx).SetValues([-1, *(int(v) for v in nd.allowed_vehicles)])
        routing.AddDisjunction([idx], int(p.penalty))

    solver = routing.solver()
    for pu, de in p.pickup_delivery:
        pi, di = manager.NodeToIndex(pu), manager.NodeToIndex(de)
        routing.AddPickupAndDelivery(pi, di)
        solver.Add(routing.VehicleVar(pi) == routing.VehicleVar(di))
        solver.Add(time_dim.CumulVar(pi) <= time_dim.CumulVar(di))
    return manager, routing, dims


def solve(p: RoutingProblem, time_limit_s: float = 2.0,
          initial_routes: Sequence[Sequence[int]] | None = None,
          first_solution: str | None = None) -> RoutingSolution:
    """Solve ``p``: cheapest insertion, then guided local search until ``time_limit_s``.

    ``initial_routes`` (node indices per vehicle, without depots) seed the search; the result
    is never worse than a feasible seed."""
    import time

    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    manager, routing, dims = build_model(p)
    params = pywrapcp.DefaultRoutingSearchParameters()
    # Insertion builds pickup-and-delivery pairs well; for depot deliveries the cheapest arc
    # path gives GLS a better start on small cases (Solomon C102/R101/RC101), but on large
    # ones it leaves many stops out that local search cannot reinsert in time (Gehring-
    # Homberger RC2_10_1): there a complete nearest-neighbour seed, else local cheapest
    # insertion, places every stop first.
    strategies = routing_enums_pb2.FirstSolutionStrategy
    if first_solution is not None:
        chosen = getattr(strategies, first_solution)
    elif p.pickup_delivery:
        chosen = strategies.PARALLEL_CHEAPEST_INSERTION
    elif len(p.nodes) > LARGE:
        chosen = strategies.LOCAL_CHEAPEST_INSERTION
    else:
        chosen = strategies.PATH_CHEAPEST_ARC
    params.first_solution_strategy = chosen
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH)
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    t0 = time.perf_counter()
    assignment = None
    if initial_routes is None and len(p.nodes) > LARGE and not p.pickup_delivery:
        initial_routes = _complete_nearest_neighbour(p)
    if initial_routes is not None:
        routing.CloseModelWithParameters(params)
        seed = routing.ReadAssignmentFromRoutes(
            [[int(manager.NodeToIndex(n)) for n in r] for r in initial_routes], True)
        if seed is not None:
            assignment = routing.SolveFromAssignmentWithParameters(seed, params)
    if assignment is None:
        assignment = routing.SolveWithParameters(params)
    elapsed = time.perf_counter() - t0
    # RoutingModel.Status (OR-Tools 9.x): 2 = a solution, local search stopped by the limit
    status = {0: "not_solved", 1: "success", 2: "time_limit", 3: "fail", 4: "fail_timeout",
              5: "invalid", 6: "infeasible", 7: "optimal"}.get(int(routing.status()),
                                                              str(routing.status()))
    if assignment is None:
        orders = sorted({nd.order for nd in p.nodes if nd.order >= 0})
        return RoutingSolution([[] for _ in p.vehicles], orders, 0, status or "fail",
                               elapsed, [[] for _ in p.vehicles])
    time_dim = dims["time"]
    routes, arrival = [], []
    served: set[int] = set()
    for vi in range(len(p.vehicles)):
        idx = routing.Start(vi)
        route, times = [], []
        while True:
            route.append(manager.IndexToNode(idx))
            times.append(int(assignment.Min(time_dim.CumulVar(idx))))
            if routing.IsEnd(idx):
                break
            idx = assignment.Value(routing.NextVar(idx))
        if len(route) > 2:
            routes.append(route)
            arrival.append(times)
            served |= {p.nodes[n].order for n in route if p.nodes[n].order >= 0}
        else:
            routes.append([])
            arrival.append([])
    orders = sorted({nd.order for nd in p.nodes if nd.order >= 0})
    dropped = [o for o in orders if o not in served]
    return RoutingSolution(routes, dropped, int(assignment.ObjectiveValue()), status, elapsed,
                           arrival)


def _complete_nearest_neighbour(p: RoutingProblem) -> list[list[int]] | None:
    """Nearest-neighbour routes as a seed for large depot-delivery problems, if they serve
    every order (a partial seed would leave local search to insert the rest)."""
    from keten.bundling.heuristic import nearest_neighbour

    routes = nearest_neighbour(p)
    if sum(len(r) - 2 for r in routes) < len(p.nodes) - 1:
        return None
    seeds = [r[1:-1] for r in routes]
    return seeds + [[] for _ in range(len(p.vehicles) - len(seeds))]


def route_distance(p: RoutingProblem, route: Sequence[int]) -> int:
    return int(sum(p.distance[a, b] for a, b in itertools.pairwise(route)))
