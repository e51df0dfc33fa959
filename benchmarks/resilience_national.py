"""Resilience on the national network (issue #11): what a scenario costs there against the
sketch in the same run, and the pricing step of the capacity LP.

    python benchmarks/resilience_national.py [--rounds 20]

* pricing graph: the CSR of one day's usable edges for new weights, as each column-generation
  round needs it: keten's ``ContractedPattern.graph`` (chains found once per model, a round
  sums their weights) against ``CsrGraph.build`` on the full layered graph (a lexsort per
  round);
* pricing search: one round's shortest-path trees from the demo flows' origins, on keten's
  chain-contracted graph (``ContractedPattern``: junctions with two neighbours summed away,
  access edges only at the flows' ends) against the full layered CSR, the distances to every
  destination asserted equal first;
* scenarios: ``keten disrupt`` low water at 800 m3/s for 30 days, the Rhine closed at Lobith for
  3 days, on the national default network and on the sketch, the same demo demand (model
  preparation timed apart).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.sparse.csgraph import dijkstra

from keten.network.build import default_network
from keten.network.routing import CsrGraph
from keten.resilience.assign import day_network
from keten.resilience.flows import demo_demand, prepare_model
from keten.resilience.impact import simulate
from keten.resilience.scenario import resolve_targets
from keten.services import resilience as service

SCENARIOS = ("lowwater:800:30", "closure:inland_waterway:wj-pannerdensche-kop:"
             "border-rhine-lobith:3")


def pricing_graph(rounds: int) -> tuple[float, float]:
    model = prepare_model(demo_demand(), default_network())
    g = model.graph
    day = day_network(model, [], 0, 0.1)
    modes = frozenset({"road", "rail", "inland_waterway"})
    usable = np.flatnonzero(model.mode_mask(modes))
    rng = np.random.default_rng(0)
    weights = [day.weight * rng.uniform(0.5, 1.5, len(day.weight)) for _ in range(rounds)]
    pattern = model.pricing_pattern(modes)
    t = time.perf_counter()
    for w in weights:
        pattern.graph(w)
    keten = time.perf_counter() - t
    t = time.perf_counter()
    for w in weights:
        CsrGraph.build(g.n_vertices, g.src[usable], g.dst[usable], w[usable], usable)
    return keten, time.perf_counter() - t


def pricing_search(rounds: int) -> tuple[float, float, int, int]:
    model = prepare_model(demo_demand(), default_network())
    g = model.graph
    day = day_network(model, [], 0, 0.1)
    modes = frozenset({"road", "rail", "inland_waterway"})
    usable = np.flatnonzero(model.mode_mask(modes))
    origins = g.entry[np.unique(model.origin_rows)]
    targets = g.exit[np.unique(model.destination_rows)]
    rng = np.random.default_rng(1)
    weights = [day.weight * rng.uniform(0.5, 1.5, len(day.weight)) for _ in range(rounds)]
    t = time.perf_counter()
    small = model.pricing_pattern(modes)
    build_s = time.perf_counter() - t
    for w in weights[:2]:
        full = CsrGraph.build(g.n_vertices, g.src[usable], g.dst[usable], w[usable], usable)
        a = dijkstra(full.matrix, indices=origins)[:, targets]
        b = dijkstra(small.graph(w).matrix, indices=origins)[:, targets]
        assert np.allclose(a, b, rtol=1e-9, atol=1e-6)
    print(f"  contraction built once in {build_s:.2f} s: {len(usable)} edges -> "
          f"{len(small.super_src)} super-edges, {small.contracted} junctions contracted")
    t = time.perf_counter()
    for w in weights:
        dijkstra(small.graph(w).matrix, indices=origins, return_predecessors=True)
    keten = time.perf_counter() - t
    t = time.perf_counter()
    for w in weights:
        full = CsrGraph.build(g.n_vertices, g.src[usable], g.dst[usable], w[usable], usable)
        dijkstra(full.matrix, indices=origins, return_predecessors=True)
    return keten, time.perf_counter() - t, len(usable), len(small.super_src)


def scenario_times() -> list[tuple[str, float, float]]:
    from keten.network.build import sketch_network

    models = {}
    for name, net in (("national", default_network()), ("sketch", sketch_network())):
        t = time.perf_counter()
        models[name] = prepare_model(demo_demand(), net)
        print(f"  model on {name}: {time.perf_counter() - t:.1f} s")
    out = []
    for spec in SCENARIOS:
        scenario = service.load_scenario(spec)
        row = []
        for name in ("national", "sketch"):
            model = models[name]
            simulate(model, scenario)  # warm: calibration, layer paths, caches
            t = time.perf_counter()
            simulate(model, scenario, resolved=resolve_targets(scenario, model.network))
            row.append(time.perf_counter() - t)
        out.append((spec, row[0], row[1]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    keten, base = pricing_graph(args.rounds)
    print(f"pricing graph, {args.rounds} rounds on the national day graph: contracted "
          f"{keten:.2f} s, CsrGraph.build {base:.2f} s, ratio {base / keten:.1f}x")
    keten, base, _, _ = pricing_search(args.rounds)
    print(f"pricing search, {args.rounds} rounds from the demo origins: contracted "
          f"{keten:.2f} s, full layered graph {base:.2f} s, ratio {base / keten:.1f}x")
    for spec, national, sketch in scenario_times():
        print(f"{spec}: national {national:.1f} s, sketch {sketch:.2f} s, "
              f"ratio {national / sketch:.1f}x")


if __name__ == "__main__":
    main()
