"""Routing benchmark: keten's matrices against networkx and a bare scipy Dijkstra.

1. all terminals x all terminals (cost objective, all modes but pipeline) on the 90-node
   sketch network (``sketch``);
2. many-to-many on a generated road network of >= 200,000 nodes (a perturbed grid);
3. all terminals x all terminals on the national default network (``national``; networkx
   checked and timed on a sample of sources, scaled to all);
4. 40 x 40 on the 50k-link OSM-style network of scripts/make_osm_style_network.py, imported.

For each: keten's full query (edge weights from the attributes, CSR build, Dijkstra, matrix),
the floor (scipy.sparse.csgraph.dijkstra on the same prebuilt CSR arrays) and networkx
(single-source Dijkstra on the same layered graph; on the large network timed on a few
sources and scaled to all). Best of several runs; ratios are measured in this same run.

    python benchmarks/routing.py [sketch] [grid] [national] [osm]
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse.csgraph import dijkstra

from keten.factors import load_factor_set
from keten.network import Network, default_network, network_from_frames
from keten.network.api import DEFAULT_ROUTE_MODES
from keten.network.build import default_mode_defaults
from keten.network.multimodal import MultimodalGraph, build_graph
from keten.network.routing import cost_matrix, edge_weights, graph_csr

TERMINAL_KINDS = ("seaport", "inland_terminal", "rail_terminal", "airport", "pipeline_terminal")


def best_of(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def keten_query(g: MultimodalGraph, attrs: np.ndarray, origins: np.ndarray,
                destinations: np.ndarray, modes: frozenset[str] | None) -> np.ndarray:
    weight = edge_weights(attrs, {"cost_eur": 1.0})
    return cost_matrix(g, graph_csr(g, weight, modes), origins, destinations)


def nx_graph(g: MultimodalGraph, attrs: np.ndarray, modes: frozenset[str] | None) -> nx.DiGraph:
    weight = edge_weights(attrs, {"cost_eur": 1.0})
    csr = graph_csr(g, weight, modes).matrix.tocoo()
    graph = nx.DiGraph()
    graph.add_nodes_from(range(g.n_vertices))
    graph.add_weighted_edges_from(zip(csr.row.tolist(), csr.col.tolist(), csr.data.tolist(),
                                      strict=True))
    return graph


def nx_matrix(graph: nx.DiGraph, g: MultimodalGraph, origins: np.ndarray,
              destinations: np.ndarray) -> np.ndarray:
    out = np.full((len(origins), len(destinations)), np.inf)
    for r, o in enumerate(origins):
        dist = nx.single_source_dijkstra_path_length(graph, int(g.entry[o]))
        for c, d in enumerate(destinations):
            out[r, c] = dist.get(int(g.exit[d]), np.inf)
    return out


def report(name: str, keten_s: float, matrix_s: float, floor_s: float,
           nx_s: float) -> dict[str, float]:
    print(f"{name}: keten full query {keten_s * 1000:.1f} ms (matrix on built CSR "
          f"{matrix_s * 1000:.1f} ms), bare scipy {floor_s * 1000:.1f} ms, "
          f"networkx {nx_s * 1000:.1f} ms")
    print(f"  keten / bare scipy = {keten_s / floor_s:.2f}x full, {matrix_s / floor_s:.2f}x "
          f"matrix (aim <= 1.5x); networkx / keten = {nx_s / keten_s:.1f}x full, "
          f"{nx_s / matrix_s:.1f}x matrix (aim >= 10x)")
    return {"keten_ms": keten_s * 1000, "matrix_ms": matrix_s * 1000,
            "floor_ms": floor_s * 1000, "nx_ms": nx_s * 1000}


def default_case(net: Network | None = None, label: str = "default", runs: int = 20,
                 nx_runs: int = 3, nx_sources: int | None = None) -> dict[str, float]:
    net = net if net is not None else default_network()
    g = build_graph(net, load_factor_set(), default_mode_defaults())
    attrs = g.attributes(20.0, 2.0)
    terminals = np.flatnonzero(net.nodes["kind"].isin(TERMINAL_KINDS).to_numpy())
    modes = DEFAULT_ROUTE_MODES
    ours = keten_query(g, attrs, terminals, terminals, modes)
    csr = graph_csr(g, edge_weights(attrs, {"cost_eur": 1.0}), modes)
    sources = g.entry[terminals]
    graph = nx_graph(g, attrs, modes)
    sample = terminals if nx_sources is None else terminals[:nx_sources]
    oracle = nx_matrix(graph, g, sample, terminals)
    assert np.allclose(ours[:len(sample)], oracle, rtol=1e-9, atol=1e-6), \
        "keten and networkx disagree"
    keten_s = best_of(lambda: keten_query(g, attrs, terminals, terminals, modes), runs)
    matrix_s = best_of(lambda: cost_matrix(g, csr, terminals, terminals), runs)
    floor_s = best_of(lambda: dijkstra(csr.matrix, directed=True, indices=sources), runs)
    nx_s = (best_of(lambda: nx_matrix(graph, g, sample, terminals), nx_runs)
            * len(terminals) / len(sample))
    print(f"{label} network: {len(net.nodes)} nodes, {len(net.links)} links, "
          f"{g.n_vertices} layered vertices, {len(terminals)} terminals")
    scaled = "" if nx_sources is None else f" (networkx on {len(sample)} sources, scaled)"
    return report(f"{len(terminals)}x{len(terminals)} terminals{scaled}", keten_s, matrix_s,
                  floor_s, nx_s)


def grid_network(side: int, seed: int = 7) -> Network:
    rng = np.random.default_rng(seed)
    ids = np.arange(side * side)
    row, col = ids // side, ids % side
    nodes = pd.DataFrame({"node_id": [f"g{i}" for i in ids], "lat": 50.7 + row * 0.01,
                          "lon": 3.4 + col * 0.012, "kind": "junction", "modes": "road"})
    right = ids[col < side - 1]
    down = ids[row < side - 1]
    a = np.r_[right, down]
    b = np.r_[right + 1, down + side]
    links = pd.DataFrame({"link_id": [f"e{i}" for i in range(len(a))],
                          "from_node": [f"g{i}" for i in a], "to_node": [f"g{i}" for i in b],
                          "mode": "road", "length_km": rng.uniform(0.5, 1.5, len(a))})
    return network_from_frames(nodes, links, name=f"grid{side}")


def make_osm_style(side: int = 160) -> Any:
    """Write the OSM-style files of scripts/make_osm_style_network.py into a temp folder."""
    import importlib.util
    import sys
    import tempfile
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "make_osm_style_network.py"
    spec = importlib.util.spec_from_file_location("make_osm_style_network", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.make(Path(tempfile.mkdtemp(prefix="keten-bench-")), side=side)


def osm_style_network() -> Network:
    """The 50k-link OSM-style file of scripts/make_osm_style_network.py, imported by keten."""
    from keten.network.io import read_links_file

    made = make_osm_style()
    return read_links_file(made.gpkg, mode="road", from_col="u", to_col="v",
                           speed_col="maxspeed_kmh")


def large_case(side: int = 450, n_sources: int = 40, n_nx: int = 3,
               net: Network | None = None) -> dict[str, float]:
    t = time.perf_counter()
    net = net if net is not None else grid_network(side)
    g = build_graph(net, load_factor_set(), default_mode_defaults())
    attrs = g.attributes(20.0)
    print(f"large network: {len(net.nodes):,} nodes, {len(net.links):,} links, "
          f"{g.n_vertices:,} layered vertices (built in {time.perf_counter() - t:.1f} s)")
    rng = np.random.default_rng(1)
    origins = rng.choice(len(net.nodes), n_sources, replace=False)
    destinations = rng.choice(len(net.nodes), n_sources, replace=False)
    ours = keten_query(g, attrs, origins, destinations, None)
    csr = graph_csr(g, edge_weights(attrs, {"cost_eur": 1.0}), None)
    graph = nx_graph(g, attrs, None)
    sample = origins[:n_nx]
    oracle = nx_matrix(graph, g, sample, destinations)
    assert np.allclose(ours[:n_nx], oracle, rtol=1e-9, atol=1e-6), "keten and networkx disagree"
    keten_s = best_of(lambda: keten_query(g, attrs, origins, destinations, None), 3)
    matrix_s = best_of(lambda: cost_matrix(g, csr, origins, destinations), 3)
    floor_s = best_of(lambda: dijkstra(csr.matrix, directed=True, indices=g.entry[origins]), 3)
    nx_s = best_of(lambda: nx_matrix(graph, g, sample, destinations), 1) * n_sources / n_nx
    return report(f"{n_sources}x{n_sources} many-to-many (networkx timed on {n_nx} sources, "
                  "scaled)", keten_s, matrix_s, floor_s, nx_s)


if __name__ == "__main__":
    import sys

    from keten.network.build import national_network, sketch_network

    which = set(sys.argv[1:]) or {"sketch", "grid", "national", "osm"}
    if "sketch" in which or "default" in which:
        default_case(sketch_network(), "sketch")
    if "grid" in which:
        large_case()
    if "national" in which:
        default_case(national_network(), "national (default)", runs=3, nx_runs=1,
                     nx_sources=10)
    if "osm" in which:
        large_case(net=osm_style_network())
