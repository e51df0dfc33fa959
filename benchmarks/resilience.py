"""Resilience benchmarks: single-link redundancy vs the straightforward networkx loop, and a
Monte Carlo sweep on 1 and 2 Dask workers.

    python benchmarks/resilience.py [--grid 80] [--runs 1000] [--skip-sweep]

Redundancy: a generated road grid (80 x 80 nodes, ~15 % of the links left out, so ~10,700
links); keten's ``redundancy`` (bridges by Tarjan, then one goal-directed Rust Dijkstra per
other link, for length and for time) against ra2ce's algorithm written with networkx (remove
the link, ``shortest_path_length`` between its ends by length and by time, put it back).
The two tables are asserted equal before the times are printed.

Capacity LP: one low-water day of the demo demand with backlog, under every capacity pool (rail
paths, terminals, trucks, fleet): keten's path-based column generation (HiGHS) against the
arc-flow formulation of the same LP (scipy ``linprog``, HiGHS inside); objectives asserted
equal.

Sweep: the demo scenario distribution (Rhine low water, lognormal Lobith discharge and
triangular duration) on the default network and demo demand, on a LocalCluster of 1 and then
2 worker processes (same seed, so the same runs); results are asserted equal.
"""

from __future__ import annotations

import argparse
import time

import networkx as nx
import numpy as np
import pandas as pd

from keten.network.build import default_mode_defaults, default_network, network_from_frames
from keten.network.model import Network
from keten.resilience.criticality import redundancy


def grid_network(n: int, seed: int = 0) -> Network:
    rng = np.random.default_rng(seed)
    nodes = [{"node_id": f"n{i}_{j}", "lat": 50 + i * 0.01, "lon": 4 + j * 0.015}
             for i in range(n) for j in range(n)]
    links = []
    for i in range(n):
        for j in range(n):
            if j + 1 < n and rng.random() > 0.15:
                links.append((f"n{i}_{j}", f"n{i}_{j + 1}", float(rng.uniform(0.5, 2.0))))
            if i + 1 < n and rng.random() > 0.15:
                links.append((f"n{i}_{j}", f"n{i + 1}_{j}", float(rng.uniform(0.5, 2.0))))
    frame = pd.DataFrame([{"link_id": f"l{k}", "from_node": a, "to_node": b, "mode": "road",
                           "length_km": km, "speed_kmh": 40 + 10 * (k % 6)}
                          for k, (a, b, km) in enumerate(links)])
    return network_from_frames(pd.DataFrame(nodes).astype(object), frame.astype(object),
                               name=f"grid {n}x{n}")


def networkx_redundancy(net: Network) -> pd.DataFrame:
    """ra2ce's single-link redundancy, the straightforward way (networkx, one link at a time)."""
    times = net.link_time_h(default_mode_defaults())
    g = nx.MultiGraph()
    rows = list(zip(net.links["link_id"], net.links["from_node"], net.links["to_node"],
                    net.links["length_km"], times, strict=True))
    for lid, a, b, km, h in rows:
        g.add_edge(a, b, key=lid, length=km, time=h)
    out = []
    for lid, a, b, km, h in rows:
        g.remove_edge(a, b, key=lid)
        try:
            d_len = nx.shortest_path_length(g, a, b, weight="length")
            d_time = nx.shortest_path_length(g, a, b, weight="time")
        except nx.NetworkXNoPath:
            d_len = d_time = np.nan
        g.add_edge(a, b, key=lid, length=km, time=h)
        out.append((lid, d_len, d_time))
    return pd.DataFrame(out, columns=["link_id", "detour_length_km", "detour_time_h"])


def bench_redundancy(net: Network) -> tuple[float, float]:
    t0 = time.perf_counter()
    ours = redundancy(net, same_mode=False)  # the loop below ignores modes too
    t_keten = time.perf_counter() - t0
    t0 = time.perf_counter()
    ref = networkx_redundancy(net)
    t_nx = time.perf_counter() - t0
    assert list(ours["link_id"]) == list(ref["link_id"])
    for col in ("detour_length_km", "detour_time_h"):
        a, b = ours[col].to_numpy(dtype=float), ref[col].to_numpy(dtype=float)
        assert np.array_equal(np.isnan(a), np.isnan(b)), col
        assert np.allclose(a[~np.isnan(a)], b[~np.isnan(b)], rtol=1e-9, atol=1e-9), col
    return t_keten, t_nx


def bench_capacity_lp(days: int = 5) -> tuple[float, float, int]:
    import sys
    from pathlib import Path

    from keten.resilience.assign import day_network
    from keten.resilience.capacity_lp import CapacityLpAssigner
    from keten.resilience.flows import demo_demand, prepare_model
    from keten.resilience.scenario import resolve_targets
    from keten.resilience.templates import template_scenario

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo: tests' oracle
    from tests.resilience.test_capacity_lp import _arc_flow_objective

    model = prepare_model(demo_demand(), default_network())
    scenario = template_scenario("lowwater:750")
    targets = resolve_targets(scenario, model.network)
    vot = scenario.value_of_time_eur_per_t_h
    lp = CapacityLpAssigner(scenario.capacity)
    lp.calibrate(model, day_network(model, [], 0, vot), model.demand_t)
    t_cg = t_arc = 0.0
    for d in range(days):
        day = day_network(model, targets, d, vot)
        want = model.demand_t * (1.0 + 0.05 * d)
        t0 = time.perf_counter()
        lp.assign_day(model, day, want)
        t_cg += time.perf_counter() - t0
        t0 = time.perf_counter()
        ref = _arc_flow_objective(model, day, want, lp)
        t_arc += time.perf_counter() - t0
        assert abs(lp.last_objective - ref) <= 1e-6 * abs(ref), (lp.last_objective, ref)
    return t_cg, t_arc, days


def bench_sweep(runs: int) -> dict[int, float]:
    from keten.services.resilience import sweep

    timings: dict[int, float] = {}
    results = {}
    for workers in (1, 2):
        t0 = time.perf_counter()
        res = sweep("demo", runs=runs, workers=workers, processes=True, batch_size=20)
        timings[workers] = time.perf_counter() - t0
        results[workers] = res.runs
    cols = [c for c in results[1].columns if c != "run"]
    assert np.allclose(results[1][cols].to_numpy(dtype=float),
                       results[2][cols].to_numpy(dtype=float), equal_nan=True)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--grid", type=int, default=80)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--skip-sweep", action="store_true")
    args = parser.parse_args()
    t_cg, t_arc, n_days = bench_capacity_lp()
    print(f"capacity LP, {n_days} low-water days with backlog: column generation "
          f"{t_cg:.3f} s, arc-flow LP (scipy) {t_arc:.3f} s, arc / keten {t_arc / t_cg:.1f}x")
    for net in (default_network(), grid_network(args.grid)):
        t_k, t_n = bench_redundancy(net)
        print(f"redundancy {net.name}: {len(net.nodes)} nodes, {len(net.links)} links: "
              f"keten {t_k:.3f} s, networkx loop {t_n:.3f} s, networkx / keten "
              f"{t_n / t_k:.1f}x (identical results)")
    if not args.skip_sweep:
        t = bench_sweep(args.runs)
        print(f"sweep demo ({args.runs} runs): 1 worker {t[1]:.1f} s, 2 workers {t[2]:.1f} s, "
              f"speed-up {t[1] / t[2]:.2f}x (identical results); "
              f"{1000 * t[1] / args.runs:.0f} ms/run on 1 worker incl. cluster start")


if __name__ == "__main__":
    main()
