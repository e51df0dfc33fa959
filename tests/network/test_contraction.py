"""Chain contraction keeps every shortest distance and path between the kept vertices:
networkx's Dijkstra on the full multigraph is the oracle."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra

from keten.errors import KetenError
from keten.network.contraction import ContractedPattern


@st.composite
def graphs(draw: st.DrawFn) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, list[int]]:
    """Sparse multigraphs, mostly two-way chains (as roads and fairways are), with some
    one-way and parallel edges, self-loops, closed (inf) edges and zero weights."""
    n = draw(st.integers(min_value=2, max_value=14))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1),
                                    st.booleans()), min_size=1, max_size=22))
    src, dst = [], []
    for a, b, both in pairs:
        src.append(a)
        dst.append(b)
        if both:
            src.append(b)
            dst.append(a)
    m = len(src)
    weight = np.array(draw(st.lists(
        st.one_of(st.floats(0.0, 50.0), st.just(0.0), st.just(math.inf)),
        min_size=m, max_size=m)))
    keep = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=4, unique=True))
    return n, np.array(src), np.array(dst), weight, keep


def _oracle(n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray, s: int
            ) -> dict[int, float]:
    g = nx.MultiDiGraph()
    g.add_nodes_from(range(n))
    for e, (a, b) in enumerate(zip(src.tolist(), dst.tolist(), strict=True)):
        if np.isfinite(weight[e]):
            g.add_edge(a, b, key=e, weight=float(weight[e]))
    return nx.single_source_dijkstra_path_length(g, s, weight="weight")


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_distances_and_paths_between_kept_vertices_equal_networkx(case):
    n, src, dst, weight, keep = case
    edges = np.arange(len(src))
    pattern = ContractedPattern.build(n, src, dst, edges, np.array(keep))
    graph = pattern.graph(weight)
    for s in keep:
        want = _oracle(n, src, dst, weight, s)
        dist, pred = dijkstra(graph.matrix, directed=True, indices=s, return_predecessors=True)
        for t in keep:
            if t not in want:
                assert not np.isfinite(dist[t])
                continue
            assert dist[t] == pytest.approx(want[t], abs=1e-6)
            path = graph.path(pred, s, t)
            assert path is not None
            # a real walk s -> t on the original edges, as long as the oracle's distance
            at = s
            for e in path:
                assert src[e] == at
                at = int(dst[e])
            assert at == t
            assert weight[path].sum() == pytest.approx(want[t], abs=1e-6)


def test_a_long_road_becomes_one_super_edge_each_way():
    # 0 - 1 - 2 - 3 - 4 both ways, plus a one-way branch 2 -> 5 and a dead end 3 - 6
    pairs = [(0, 1), (1, 2), (2, 3), (3, 4), (3, 6)]
    src = [a for a, b in pairs] + [b for a, b in pairs] + [2]
    dst = [b for a, b in pairs] + [a for a, b in pairs] + [5]
    n = 7
    pattern = ContractedPattern.build(n, np.array(src), np.array(dst), np.arange(len(src)),
                                      np.array([0, 4, 5]))
    graph = pattern.graph(np.ones(len(src)))
    # 1 is contracted; 2 (neighbours 1, 3, 5) and 3 (2, 4, 6) stay; 6 is a dead end
    assert pattern.contracted == 1
    assert graph.matrix.nnz == 2 + 2 + 2 + 1  # 0<->2, 2<->3, 3<->4, 2->5
    dist = dijkstra(graph.matrix, indices=0)
    assert dist[4] == pytest.approx(4.0)
    assert dist[5] == pytest.approx(3.0)


def test_closing_an_edge_drops_its_chain_and_negative_weights_are_refused():
    src, dst = np.array([0, 1, 1, 2]), np.array([1, 2, 0, 1])
    pattern = ContractedPattern.build(3, src, dst, np.arange(4), np.array([0, 2]))
    closed = pattern.graph(np.array([1.0, math.inf, 1.0, 1.0]))
    assert not np.isfinite(dijkstra(closed.matrix, indices=0)[2])
    assert dijkstra(closed.matrix, indices=2)[0] == pytest.approx(2.0)
    with pytest.raises(KetenError, match=">= 0"):
        pattern.graph(np.array([1.0, -1.0, 1.0, 1.0]))
