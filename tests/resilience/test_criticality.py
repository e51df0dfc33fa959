"""Criticality: redundancy against a networkx oracle (ra2ce's definition), bridges against
networkx.bridges, and freight-weighted criticality on a small network."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import networkx as nx
import numpy as np
import pytest

from keten.network.build import sketch_network
from keten.network.model import Network
from keten.resilience.criticality import freight_criticality, redundancy
from keten.resilience.flows import Flow, ImpactModel, prepare_model
from keten.resilience.redundancy import bridges, detour_lengths


def _random_multigraph(seed: int, n: int = 12, m: int = 20
                       ) -> list[tuple[str, str, str, float, float | None]]:
    rng = np.random.default_rng(seed)
    links: list[tuple[str, str, str, float, float | None]] = []
    for k in range(m):
        a, b = rng.choice(n, 2, replace=False)
        links.append((f"e{k}", f"n{a}", f"n{b}", float(rng.integers(1, 40)), None))
    if seed % 2 == 0:  # a parallel link
        _, a, b, _, _ = links[0]
        links.append(("parallel", a, b, 55.0, None))
    return links

def _oracle(links: Sequence[tuple[str, str, str, float, float | None]]) -> dict[str, float]:
    """ra2ce's loop: remove the link, shortest path length between its ends (inf: none)."""
    g = nx.MultiGraph()
    for lid, a, b, km, _ in links:
        g.add_edge(a, b, key=lid, length=km)
    out = {}
    for lid, a, b, km, _ in links:
        g.remove_edge(a, b, key=lid)
        try:
            out[lid] = nx.shortest_path_length(g, a, b, weight="length")
        except nx.NetworkXNoPath:
            out[lid] = float("inf")
        g.add_edge(a, b, key=lid, length=km)
    return out

@pytest.mark.parametrize("seed", range(8))
def test_redundancy_equals_the_networkx_oracle(
        seed: int, make_network: Callable[..., Network]) -> None:
    links = _random_multigraph(seed)
    table = redundancy(make_network(links)).set_index("link_id")
    for lid, expected in _oracle(links).items():
        row = table.loc[lid]
        if np.isfinite(expected):
            assert row["has_detour"]
            assert row["detour_length_km"] == pytest.approx(expected)
            assert row["extra_length_km"] == pytest.approx(expected - row["length_km"])
            # road at 60 km/h in the test network: time detour = length detour / 60
            assert row["detour_time_h"] == pytest.approx(expected / 60)
        else:
            assert not row["has_detour"] and np.isnan(row["detour_length_km"])

@pytest.mark.parametrize("seed", range(6))
def test_detours_equal_the_oracle_on_larger_graphs(seed: int) -> None:
    # Sparse random graphs with parallel links, self-loops and equal-length ties.
    rng = np.random.default_rng(100 + seed)
    n, m = 60, 110
    u = rng.integers(0, n, m)
    v = rng.integers(0, n, m)
    w = rng.integers(1, 6, m).astype(float)  # small integers: many equal-length ties
    links = [(f"e{k}", f"n{a}", f"n{b}", float(x), None) for k, (a, b, x) in
             enumerate(zip(u, v, w, strict=True))]
    br = bridges(n, u, v)
    got = detour_lengths(n, u, v, w, br)
    oracle = _oracle(links)
    for k in range(m):
        if u[k] == v[k]:
            assert np.isinf(got[k])
            continue
        assert got[k] == pytest.approx(oracle[f"e{k}"]), k

@pytest.mark.parametrize("seed", range(10))
def test_bridges_equal_networkx(seed: int) -> None:
    g = nx.gnm_random_graph(25, 30, seed=seed)
    edges = list(g.edges())
    got = bridges(25, [a for a, _ in edges], [b for _, b in edges])
    expected = {frozenset(e) for e in nx.bridges(g)}
    assert {frozenset(e) for e, is_b in zip(edges, got, strict=True) if is_b} == expected

def test_parallel_links_are_never_bridges() -> None:
    assert list(bridges(3, [0, 0, 1], [1, 1, 2])) == [False, False, True]

def test_default_network_redundancy_is_consistent() -> None:
    table = redundancy(sketch_network())
    assert (table["is_bridge"] == ~table["has_detour"]).all()
    rhine = table.set_index("link_id").loc["inland_waterway:wj-tiel:wj-nijmegen"]
    assert rhine["has_detour"] and rhine["extra_length_km"] > 0

def test_freight_criticality_recomputes_only_the_users(
        make_network: Callable[..., Network]) -> None:
    net = make_network([("ab", "A", "B", 10.0, None), ("ac", "A", "C", 8.0, None),
                        ("cb", "C", "B", 8.0, None), ("bd", "B", "D", 5.0, None)])
    model: ImpactModel = prepare_model([Flow("ab-flow", "A", "B", 100.0, frozenset({"road"})),
                                        Flow("bd-flow", "B", "D", 40.0, frozenset({"road"}))],
                                       net)
    table = freight_criticality(model, value_of_time_eur_per_t_h=0.0).set_index("link_id")
    assert set(table.index) == {"ab", "bd"}  # links on some flow's path
    assert table.loc["bd", "unserved_t_per_day"] == 40.0  # no other way to D
    assert table.loc["ab", "flows"] == 1
    # road 0.10 EUR/tkm (mode default): 6 km further for 100 t.
    assert table.loc["ab", "extra_cost_eur_per_day"] == pytest.approx(100 * 6 * 0.10)
    co2 = dict(zip(table.index, table["extra_co2e_wtw_kg_per_day"].to_numpy(dtype=float),
                   strict=True))
    assert co2["ab"] > 0
    assert next(iter(table.index)) == "bd"  # unserved first


def test_freight_criticality_on_the_demo_equals_a_networkx_reroute() -> None:
    """Every flow's least generalised cost with and without each link it uses, by networkx
    Dijkstra on the layered graph (all edges, no contraction): the extra EUR/day and the
    unserved tonnes keten reports."""
    from keten.network.multimodal import LINK
    from keten.resilience.assign import day_network
    from keten.resilience.flows import demo_demand

    model = prepare_model(demo_demand(), sketch_network())
    g = model.graph
    weight = day_network(model, [], 0, 0.0).weight
    table = freight_criticality(model, value_of_time_eur_per_t_h=0.0)

    def cost(flow: Flow, origin: int, dest: int, dead: set[int]) -> float:
        graph = nx.DiGraph()
        for e in np.flatnonzero(model.mode_mask(flow.modes)):
            if e in dead:
                continue
            a, b, w = int(g.src[e]), int(g.dst[e]), float(weight[e])
            if not graph.has_edge(a, b) or graph[a][b]["w"] > w:
                graph.add_edge(a, b, w=w)
        try:
            return nx.dijkstra_path_length(graph, int(g.entry[origin]), int(g.exit[dest]),
                                           weight="w")
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            return np.inf

    ends = list(zip(model.flows, model.origin_rows, model.destination_rows, strict=True))
    base = [cost(f, o, d, set()) for f, o, d in ends]
    link_index = {lid: k for k, lid in enumerate(model.network.links["link_id"].astype(str))}
    checked = 0
    for row in table.head(12).to_dict(orient="records"):
        dead = set(np.flatnonzero((g.kind == LINK) & (g.link == link_index[row["link_id"]]))
                   .tolist())
        extra = unserved = 0.0
        for (flow, o, d), before in zip(ends, base, strict=True):
            after = cost(flow, o, d, dead)
            if np.isinf(after):
                unserved += flow.tonnes_per_day
            else:
                extra += flow.tonnes_per_day * (after - before)
        assert row["unserved_t_per_day"] == pytest.approx(unserved)
        assert row["extra_cost_eur_per_day"] == pytest.approx(extra, rel=1e-6, abs=1e-3)
        checked += 1
    assert checked == 12 and table["extra_cost_eur_per_day"].iloc[0] > 0
