"""Routing properties: networkx as the oracle on small random graphs, path cost = sum of legs,
the triangle inequality of the shortest-path metric, no negative weights."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keten.errors import KetenError
from keten.factors import load_factor_set
from keten.network import default_network
from keten.network.build import default_mode_defaults, network_from_frames, sketch_network
from keten.network.model import Network
from keten.network.multimodal import build_graph
from keten.network.routing import CsrGraph, best_path, cost_matrix, edge_weights, graph_csr


@st.composite
def random_networks(draw: st.DrawFn) -> tuple[int, list[tuple[int, int, float, str]]]:
    n = draw(st.integers(min_value=2, max_value=9))
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1),
                                    st.floats(0.1, 500.0), st.sampled_from(["road", "rail"])),
                          min_size=1, max_size=25))
    return n, [e for e in edges if e[0] != e[1]]


def _network(n: int, edges: list[tuple[int, int, float, str]]) -> Network:
    """Free transshipment at every node, so a road+rail path is what networkx sees."""
    nodes = pd.DataFrame({"node_id": [f"v{i}" for i in range(n)], "lat": 52.0,
                          "lon": [4.0 + i / 10 for i in range(n)], "kind": "inland_terminal",
                          "modes": "road|rail", "hub_type": "transshipment",
                          "handling_cost_eur_per_t": 0.0, "handling_time_h": 0.0})
    links = pd.DataFrame([{"from_node": f"v{a}", "to_node": f"v{b}", "mode": m,
                           "length_km": w} for a, b, w, m in edges],
                         columns=["from_node", "to_node", "mode", "length_km"])
    return network_from_frames(nodes, links, name="random")


@settings(max_examples=40, deadline=None)
@given(random_networks())
def test_distances_match_networkx(case: tuple[int, list[tuple[int, int, float, str]]]) -> None:
    n, edges = case
    net = _network(n, edges)
    g = build_graph(net, load_factor_set(), default_mode_defaults())
    weight = edge_weights(g.fixed, {"distance_km": 1.0})
    for modes in ({"road"}, {"road", "rail"}):
        ours = cost_matrix(g, graph_csr(g, weight, frozenset(modes)), range(n), range(n))
        oracle = nx.Graph()
        oracle.add_nodes_from(range(n))
        for a, b, w, m in edges:
            if m in modes and (not oracle.has_edge(a, b) or oracle[a][b]["weight"] > w):
                oracle.add_edge(a, b, weight=w)
        lengths = dict(nx.all_pairs_dijkstra_path_length(oracle))
        for i, j in itertools.product(range(n), range(n)):
            expected = lengths[i].get(j, np.inf)
            if np.isinf(expected):
                assert np.isinf(ours[i, j])
            else:
                assert ours[i, j] == pytest.approx(expected, rel=1e-9, abs=1e-6)


@settings(max_examples=25, deadline=None)
@given(random_networks(), st.floats(100.0, 40_000.0))
def test_path_totals_are_the_sum_of_their_edges(
        case: tuple[int, list[tuple[int, int, float, str]]], mass_kg: float) -> None:
    n, edges = case
    net = _network(n, edges)
    g = build_graph(net, load_factor_set(), default_mode_defaults())
    attrs = g.attributes(mass_kg / 1000)
    weight = edge_weights(attrs, {"cost_eur": 1.0, "co2e_wtw_kg": 50.0})
    csr = graph_csr(g, weight, None)
    matrix = cost_matrix(g, csr, range(n), range(n))
    for i, j in itertools.product(range(n), range(n)):
        path = best_path(g, csr, attrs, weight, i, j)
        if path is None:
            assert np.isinf(matrix[i, j])
            continue
        lengths = net.links["length_km"].to_numpy()
        link_rows = [int(g.link[e]) for e in path.edges if g.link[e] >= 0]
        assert path.totals["distance_km"] == pytest.approx(lengths[link_rows].sum())
        assert path.objective == pytest.approx(weight[path.edges].sum())
        assert path.objective == pytest.approx(matrix[i, j], rel=1e-9, abs=1e-6)
        assert all(v >= 0 for v in path.totals.values())


@pytest.mark.parametrize("which", ["sketch", "default"])
def test_triangle_inequality_on_the_built_in_networks(which: str) -> None:
    """Per mode layer (across modes a junction cannot transship, so a detour via a node may
    be infeasible and the node-to-node metric of mixed modes need not be a metric). On the
    sketch between all nodes; on the national default between its non-junction nodes (an
    all-pairs n^3 check of 32,000 nodes would need terabytes)."""
    net = sketch_network() if which == "sketch" else default_network()
    g = build_graph(net, load_factor_set(), default_mode_defaults())
    weight = edge_weights(g.fixed, {"distance_km": 1.0})
    n = len(net.nodes)
    nodes = (np.arange(n) if which == "sketch"
             else np.flatnonzero((net.nodes["kind"] != "junction").to_numpy()))
    k = len(nodes)
    for mode in ("road", "rail", "inland_waterway", "sea"):
        modes = frozenset({mode})
        d = cost_matrix(g, graph_csr(g, weight, modes), nodes, nodes)
        assert np.isfinite(d).sum() > k
        finite = np.where(np.isfinite(d), d, 1e18)
        via = (finite[:, :, None] + finite[None, :, :]).min(axis=1)
        assert np.all(finite <= via + 1e-6)
        assert np.allclose(np.diag(d)[np.isfinite(np.diag(d))], 0.0, atol=1e-6)


def test_all_default_edge_attributes_are_non_negative() -> None:
    g = build_graph(default_network(), load_factor_set(), default_mode_defaults())
    assert np.all(g.attributes(20.0, 2.0) >= 0)


def test_negative_weights_are_refused() -> None:
    with pytest.raises(KetenError, match=">= 0"):
        CsrGraph.build(2, np.array([0]), np.array([1]), np.array([-1.0]), np.array([0]))
