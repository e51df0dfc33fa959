"""Bundling benchmark: keten's OR-Tools VRPTW on Solomon instances against their published
optimal distances and against a nearest-neighbour construction in the same run; then a scale
case of 1,000 stops and 50 vehicles within a stated time limit, with the gap to a lower bound.

    .venv/bin/python benchmarks/bundling.py [--quick]
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse.csgraph import minimum_spanning_tree

from keten.bundling.heuristic import nearest_neighbour
from keten.bundling.routing import Node, RoutingProblem, Vehicle, route_distance, solve
from keten.io.solomon import read_solomon

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "reference" / "data" / "solomon"
FILES = {"C102": "C102.100.10.vrptw", "R101": "R101.100.20.vrptw", "RC101": "RC101.100.15.vrptw"}
BEST = {(r["instance"], int(r["customers"])): (float(r["distance"]), int(r["vehicles"]))
        for r in csv.DictReader((DATA / "best_known.csv").open())}


def solomon(limits: dict[int, float]) -> list[dict[str, object]]:
    rows = []
    for name, fname in FILES.items():
        for n, limit in limits.items():
            inst = read_solomon(DATA / fname).truncated(n)
            p = inst.problem(vehicles=25)
            t0 = time.perf_counter()
            nn = nearest_neighbour(p)
            nn_s = time.perf_counter() - t0
            nn_served = sum(len(r) - 2 for r in nn)
            nn_dist = sum(route_distance(p, r) for r in nn) / 10
            sol = solve(p, limit)
            dist = sum(route_distance(p, r) for r in sol.routes if r) / 10
            best, best_v = BEST[(name, n)]
            rows.append({"instance": f"{name}.{n}", "best": best, "best_vehicles": best_v,
                         "keten": dist, "keten_vehicles": sum(1 for r in sol.routes if r),
                         "gap_pct": 100 * (dist / best - 1), "dropped": len(sol.dropped),
                         "limit_s": limit, "nn": nn_dist, "nn_vehicles": len(nn),
                         "nn_served": nn_served, "nn_gap_pct": 100 * (nn_dist / best - 1),
                         "nn_s": nn_s})
            print(rows[-1], flush=True)
    return rows


def _both(p: RoutingProblem, limit: float) -> tuple[list[list[int]], float, Any, float]:
    """The nearest-neighbour routes and the solver's solution, each with its time."""
    t0 = time.perf_counter()
    nn = nearest_neighbour(p)
    nn_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    sol = solve(p, limit)
    return nn, nn_s, sol, time.perf_counter() - t0


def lower_bound(xy: np.ndarray, demand: np.ndarray, cap: int,
                max_routes: int | None = None) -> tuple[float, float, float]:
    """(best, radial, routes-forest): two bounds on the length of any set of routes from the
    depot (node 0) that visits every stop, time windows ignored.

    Radial: 2 sum d0i qi / Q. Routes-forest: a plan with m routes, depot removed, is m paths
    through the stops (at least the minimum spanning forest with m trees: the stops' minimum
    spanning tree less its m - 1 longest edges) plus 2m depot legs (at least the 2m shortest
    of the depot distances, each stop counted twice); minimised over m from
    ceil(sum q / Q) to ``max_routes``."""
    d = np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))
    radial = float(2 * (d[0, 1:] * demand[1:]).sum() / cap)
    tree = minimum_spanning_tree(d[1:, 1:]).toarray()
    longest_first = np.sort(tree[tree > 0])[::-1]
    depot = np.sort(np.repeat(d[0, 1:], 2))
    m_min = max(1, int(np.ceil(demand[1:].sum() / cap)))
    m_max = max(m_min, max_routes or len(xy) - 1)
    forest = min(float(longest_first[m - 1:].sum() + depot[:2 * m].sum())
                 for m in range(m_min, m_max + 1))
    return max(radial, forest), radial, forest


def scale(n: int = 1000, vehicles: int = 50, limit: float = 120.0) -> dict[str, object]:
    """``n`` stops around a depot (units: km on a 120 x 120 km square around Tilburg),
    delivery windows of 4 h in a 06:00-20:00 day, 60 km/h, capacity 9 t."""
    rng = np.random.default_rng(13)
    xy = np.vstack([[60.0, 60.0], rng.uniform(0, 120, (n, 2))])
    demand = np.concatenate([[0], rng.integers(50, 650, n)])  # ~78 % of the fleet's 450 t
    d = np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))
    metres = np.round(d * 1000).astype(np.int64)
    seconds = np.round(d / 60 * 3600).astype(np.int64)
    start = rng.integers(6 * 3600, 16 * 3600, n)
    nodes = [Node("depot")] + [Node("delivery", i, int(s), int(s) + 4 * 3600, 600)
                               for i, s in enumerate(start)]
    cap = 9000
    veh = [Vehicle(0, 0, (cap,), earliest_start=5 * 3600, latest_end=21 * 3600,
                   max_span=13 * 3600) for _ in range(vehicles)]
    p = RoutingProblem(nodes, metres, seconds, demand[:, None], veh)
    nn, nn_s, sol, wall = _both(p, limit)
    km = sum(route_distance(p, r) for r in sol.routes if r) / 1000
    nn_km = sum(route_distance(p, r) for r in nn) / 1000
    lb, radial, forest = lower_bound(xy, demand, cap, vehicles)
    out = {"stops": n, "vehicles": vehicles, "limit_s": limit, "wall_s": wall,
           "status": sol.status, "km": km, "vehicles_used": sum(1 for r in sol.routes if r),
           "dropped": len(sol.dropped), "lower_bound_km": lb, "radial_km": radial,
           "forest_km": forest, "gap_to_lb_pct": 100 * (km / lb - 1), "nn_km": nn_km,
           "nn_served": sum(len(r) - 2 for r in nn), "nn_vehicles": len(nn), "nn_s": nn_s}
    print(out, flush=True)
    return out


HOMBERGER = ROOT / "tests" / "reference" / "data" / "homberger" / "RC2_10_1.1000.20.vrptw"
HOMBERGER_BEST = 30278.4998  # 20 vehicles; see the SOURCE.md beside the instance


def homberger(vehicles: int = 50, limit: float = 120.0) -> dict[str, object]:
    """Gehring-Homberger RC2_10_1: 1,000 customers, ``vehicles`` available, Euclidean
    distances in thousandths; gap to the best-known distance."""
    inst = read_solomon(HOMBERGER)
    p = inst.problem(vehicles=vehicles, scale=1000)
    nn, nn_s, sol, wall = _both(p, limit)
    dist = sum(route_distance(p, r) for r in sol.routes if r) / 1000
    nn_dist = sum(route_distance(p, r) for r in nn) / 1000
    lb, _, _ = lower_bound(inst.xy, inst.demand, inst.capacity, vehicles)
    out = {"instance": "RC2_10_1", "customers": len(inst.xy) - 1, "vehicles": vehicles,
           "limit_s": limit, "wall_s": wall, "status": sol.status, "distance": dist,
           "vehicles_used": sum(1 for r in sol.routes if r), "dropped": len(sol.dropped),
           "best_known": HOMBERGER_BEST, "gap_pct": 100 * (dist / HOMBERGER_BEST - 1),
           "lower_bound": lb, "gap_to_lb_pct": 100 * (dist / lb - 1), "nn_distance": nn_dist,
           "nn_served": sum(len(r) - 2 for r in nn),
           "nn_vehicles": len(nn), "nn_s": nn_s}
    print(out, flush=True)
    return out


def model_build(vehicles: int = 50) -> dict[str, object]:
    """Building the RC2_10_1 model: vehicles sharing one arc-cost matrix (keten) against one
    matrix per vehicle (keten before, forced here by giving each vehicle its own cost rate),
    in the same process; the model is built, not solved."""
    import dataclasses
    import resource

    from keten.bundling.routing import build_model

    inst = read_solomon(HOMBERGER)
    p = inst.problem(vehicles=vehicles, scale=1000)
    own = dataclasses.replace(p, vehicles=[dataclasses.replace(v, cost_per_distance=i + 1)
                                           for i, v in enumerate(p.vehicles)])
    out: dict[str, object] = {}
    for label, prob in (("shared", p), ("per_vehicle", own)):
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        manager, routing, _ = build_model(prob)
        out[f"{label}_s"] = time.perf_counter() - t0
        out[f"{label}_peak_rss_growth_mb"] = (
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024
        del manager, routing
    out["ratio"] = float(out["per_vehicle_s"]) / float(out["shared_s"])  # type: ignore[arg-type]
    print(out, flush=True)
    return out


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    if "--scale-only" not in sys.argv:
        solomon({25: 2.0, 50: 5.0, 100: 10.0} if not quick else {25: 1.0})
    model_build()
    homberger(limit=120.0 if not quick else 20.0)
    scale(limit=120.0 if not quick else 20.0)
