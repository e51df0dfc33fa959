"""Single- and multi-link redundancy on network shapes that exercise the exact reductions
(bridges dropped, degree-2 chains collapsed, parallel chains, rings, shape points next to
junctions, equal-length ties), against networkx's plain loop of ra2ce's definition."""

from __future__ import annotations

import contextlib
import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from keten.network.build import network_from_frames
from keten.network.model import Network
from keten.resilience.criticality import redundancy
from keten.resilience.hazard import multi_link_redundancy
from keten.resilience.redundancy import chains, single_link_detours


def _chain_heavy(seed: int) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A random multigraph whose links are mostly subdivided into chains of shape points,
    with parallel links, self-loops, pendant paths, isolated rings (one of two parallel
    links) and two unrelated weights (small integers for ties, and floats)."""
    rng = np.random.default_rng(seed)
    n = 25
    edges: list[tuple[int, int]] = []
    for _ in range(40):
        a, b = (int(x) for x in rng.integers(0, 25, 2))
        if rng.random() < 0.6 and a != b:  # a chain of 1-4 shape points
            path = [a, *list(range(n, n + int(rng.integers(1, 5)))), b]
            n = path[-2] + 1
            edges += list(itertools.pairwise(path))
        else:
            edges.append((a, b))
    for _ in range(3):  # pendant paths
        a = int(rng.integers(0, 25))
        edges += [(a, n), (n, n + 1)]
        n += 2
    edges += [(n, n + 1), (n + 1, n)]  # isolated two-link ring
    edges += [(n + 2, n + 3), (n + 3, n + 4), (n + 4, n + 2)]  # isolated triangle
    n += 5
    u = np.array([a for a, _ in edges])
    v = np.array([b for _, b in edges])
    w_int = rng.integers(1, 5, len(edges)).astype(float)
    w_float = rng.uniform(0.1, 3.0, len(edges))
    return n, u, v, w_int, w_float


def _nx_detours(u: np.ndarray, v: np.ndarray, w: np.ndarray) -> np.ndarray:
    g = nx.MultiGraph()
    for k, (a, b, x) in enumerate(zip(u.tolist(), v.tolist(), w.tolist(), strict=True)):
        g.add_edge(a, b, key=k, w=x)
    out = np.full(len(u), np.inf)
    for k, (a, b, x) in enumerate(zip(u.tolist(), v.tolist(), w.tolist(), strict=True)):
        if a == b:
            continue
        g.remove_edge(a, b, key=k)
        with contextlib.suppress(nx.NetworkXNoPath):
            out[k] = nx.dijkstra_path_length(g, a, b, weight="w")
        g.add_edge(a, b, key=k, w=x)
    return out


@pytest.mark.parametrize("seed", range(12))
def test_single_link_detours_equal_networkx_on_chain_heavy_multigraphs(seed: int) -> None:
    n, u, v, w_int, w_float = _chain_heavy(seed)
    is_bridge, (by_int, by_float) = single_link_detours(n, u, v, [w_int, w_float])
    expected_int = _nx_detours(u, v, w_int)
    np.testing.assert_allclose(by_int, expected_int, rtol=1e-12)
    np.testing.assert_allclose(by_float, _nx_detours(u, v, w_float), rtol=1e-12)
    # A bridge is exactly a link (not a self-loop) whose ends networkx cannot reconnect.
    assert (is_bridge == (np.isinf(expected_int) & (u != v))).all()


def test_chains_cover_every_active_link_once_and_end_at_junctions() -> None:
    n, u, v, _, _ = _chain_heavy(5)
    active = u != v
    ch = chains(n, u, v, active)
    assert (ch.chain[active] >= 0).all() and (ch.chain[~active] == -1).all()
    degree = np.bincount(np.concatenate([u[active], v[active]]), minlength=n)
    open_ = ch.end_a != ch.end_b
    assert (degree[ch.end_a[open_]] != 2).all() and (degree[ch.end_b[open_]] != 2).all()
    # Each chain's links form a path: every inner node is met twice within the chain.
    for c in range(ch.count):
        members = np.flatnonzero(ch.chain == c)
        counts = np.bincount(np.concatenate([u[members], v[members]]), minlength=n)
        ends = {int(ch.end_a[c]), int(ch.end_b[c])}
        assert all(counts[x] == 2 for x in np.flatnonzero(counts) if x not in ends)


def _network(seed: int) -> tuple[Network, np.ndarray, np.ndarray]:
    n, u, v, w_int, _ = _chain_heavy(seed)
    rng = np.random.default_rng(1000 + seed)
    speed = rng.choice([30.0, 60.0, 100.0], len(u))
    nodes = pd.DataFrame({"node_id": [f"n{i}" for i in range(n)],
                          "lat": 52 + rng.random(n), "lon": 5 + rng.random(n)})
    links = pd.DataFrame({"link_id": [f"e{k}" for k in range(len(u))],
                          "from_node": [f"n{a}" for a in u], "to_node": [f"n{b}" for b in v],
                          "mode": "road", "length_km": w_int, "speed_kmh": speed,
                          "flood_depth_m": rng.random(len(u)) * 2})
    return network_from_frames(nodes, links, name=f"chains{seed}"), w_int, w_int / speed


@pytest.mark.parametrize("seed", range(4))
def test_network_redundancy_times_follow_the_link_speeds(seed: int) -> None:
    net, km, hours = _network(seed)
    table = redundancy(net)
    _n, u, v, _, _ = _chain_heavy(seed)
    for col, w in (("detour_length_km", km), ("detour_time_h", hours)):
        expected = _nx_detours(u, v, w)
        got = table[col].to_numpy(dtype=float)
        np.testing.assert_allclose(np.nan_to_num(got, nan=np.inf), expected, rtol=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_multi_link_redundancy_equals_networkx_on_chain_heavy_networks(seed: int) -> None:
    net, km, hours = _network(seed)
    hit = net.links["flood_depth_m"].to_numpy(dtype=float) >= 1.4
    table = multi_link_redundancy(net, hit)
    n, u, v, _, _ = _chain_heavy(seed)
    for col, w in (("detour_length_km", km), ("detour_time_h", hours)):
        g = nx.MultiGraph()
        g.add_nodes_from(range(n))
        g.add_weighted_edges_from((a, b, x) for a, b, x, h in zip(
            u.tolist(), v.tolist(), w.tolist(), hit.tolist(), strict=True) if not h)
        expected = []
        for a, b in zip(u[hit].tolist(), v[hit].tolist(), strict=True):
            try:
                expected.append(nx.dijkstra_path_length(g, a, b))
            except nx.NetworkXNoPath:
                expected.append(np.inf)
        got = np.nan_to_num(table[col].to_numpy(dtype=float), nan=np.inf)
        np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert (table["connected"] == np.isfinite(expected)).all()
