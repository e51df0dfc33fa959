"""Single-link redundancy (ra2ce's definition), bridges, and the chain graph both use.

For a link e = (u, v) of weight w, the detour is the shortest u-v path once e is removed
(Deltares ra2ce, single-link redundancy). Three exact reductions make this fast on national
networks, where most nodes are shape points or junctions of degree 2:

1. **Bridges** have no detour; they are found without a search (rustworkx on the simple
   graph: a bridge there is a bridge of the multigraph unless it has a parallel twin). A
   detour together with its link is a cycle, and no cycle crosses a bridge, so bridges (and
   self-loops, which never lie on a shortest path) are dropped before any search.
2. **Chains.** In what is left, a maximal chain of links through degree-2 nodes, between
   junctions A and B, behaves as one link: removing any link e of it, the detour runs back
   along the chain to A, from A to B without the chain, and along the chain to e's other
   end. Its length is ``W - w(e) + d(A, B without the chain)``, W the chain's total weight.
   A chain that closes on itself (A = B, e.g. two parallel links through a shape point, or
   an isolated ring) gives ``W - w(e)``.
3. **One search per chain** on the graph of junctions and chains (a multigraph: parallel
   chains make a detour of their twin), a Dijkstra in Rust that stops once B is settled.

Every step is exact; the tests compare the result with networkx's plain loop (remove the
link, shortest path between its ends, put it back) on random multigraphs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import rustworkx as rx

from keten.network.model import Network


def link_ends(net: Network) -> tuple[np.ndarray, np.ndarray]:
    """Row of each link's from and to node in ``net.nodes`` (-1: unknown node; the first
    row when an id is duplicated), vectorised."""
    ids = net.nodes["node_id"].astype(str)
    first = ~ids.duplicated().to_numpy()
    rows = np.flatnonzero(first)
    index = pd.Index(ids[first].to_numpy())

    def find(col: str) -> np.ndarray:
        at = index.get_indexer(pd.Index(net.links[col].astype(str)))
        return np.where(at >= 0, rows[np.maximum(at, 0)], -1).astype(np.int64)

    return find("from_node"), find("to_node")


def bridges(n_vertices: int, u: np.ndarray | Sequence[int],
            v: np.ndarray | Sequence[int]) -> np.ndarray:
    """Boolean per edge: is it a bridge of the undirected multigraph?

    Parallel edges are never bridges; self-loops never are.
    """
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    out = np.zeros(len(u), dtype=bool)
    proper = np.flatnonzero(u != v)
    if not len(proper):
        return out
    lo = np.minimum(u[proper], v[proper])
    hi = np.maximum(u[proper], v[proper])
    pair, inverse, count = np.unique(lo * n_vertices + hi, return_inverse=True,
                                     return_counts=True)
    g = rx.PyGraph(multigraph=False)
    g.add_nodes_from(range(n_vertices))
    g.add_edges_from_no_data(list(zip((pair // n_vertices).tolist(),
                                      (pair % n_vertices).tolist(), strict=True)))
    ends = np.array(sorted(rx.bridges(g)), dtype=np.int64).reshape(-1, 2)
    found = ends.min(axis=1) * n_vertices + ends.max(axis=1)
    pair_is_bridge = np.isin(pair, found) & (count == 1)
    out[proper] = pair_is_bridge[inverse.ravel()]
    return out


@dataclass(frozen=True)
class Chains:
    """Maximal chains of edges through interior (degree-2) nodes.

    ``chain`` per edge: its chain (-1: not in the decomposition); ``end_a``/``end_b`` per
    chain: its end nodes (equal for a chain that closes on itself).
    """

    chain: np.ndarray
    end_a: np.ndarray
    end_b: np.ndarray

    @property
    def count(self) -> int:
        return len(self.end_a)

    def totals(self, w: np.ndarray) -> np.ndarray:
        """Total weight of each chain."""
        inside = self.chain >= 0
        return np.bincount(self.chain[inside], weights=w[inside], minlength=self.count)


def chains(n_vertices: int, u: np.ndarray, v: np.ndarray, active: np.ndarray,
           junction: np.ndarray | None = None) -> Chains:
    """Split the ``active`` edges (no self-loops) into maximal chains.

    A node is interior when exactly two active edge ends meet there and ``junction`` does
    not mark it; every other node with edges is a chain end.
    """
    edges = np.flatnonzero(active)
    ends = np.concatenate([u[edges], v[edges]])
    degree = np.bincount(ends, minlength=n_vertices)
    interior = degree == 2
    if junction is not None:
        interior &= ~junction
    incident = np.concatenate([edges, edges])[np.argsort(ends, kind="stable")]
    start = np.concatenate([[0], np.cumsum(degree)])
    inc, first = incident.tolist(), start.tolist()
    inner = interior.tolist()
    uu, vv = u.tolist(), v.tolist()
    chain = [-1] * len(uu)
    end_a: list[int] = []
    end_b: list[int] = []

    def walk(a: int, e: int) -> None:
        c = len(end_a)
        chain[e] = c
        prev, x = e, (vv[e] if uu[e] == a else uu[e])
        while inner[x] and x != a:
            e1, e2 = inc[first[x]], inc[first[x] + 1]
            nxt = e2 if e1 == prev else e1
            chain[nxt] = c
            prev, x = nxt, (vv[nxt] if uu[nxt] == x else uu[nxt])
        end_a.append(a)
        end_b.append(x)

    for a in np.flatnonzero(~interior & (degree > 0)).tolist():
        for k in range(first[a], first[a + 1]):
            if chain[inc[k]] < 0:
                walk(a, inc[k])
    for e in edges.tolist():  # rings made only of interior nodes
        if chain[e] < 0:
            walk(uu[e], e)
    return Chains(np.asarray(chain, dtype=np.int64), np.asarray(end_a, dtype=np.int64),
                  np.asarray(end_b, dtype=np.int64))


def _chain_detours(ch: Chains, totals: np.ndarray) -> np.ndarray:
    """Per chain, the shortest path between its ends without it (0 for a closed chain)."""
    out = np.zeros(ch.count)
    open_ = np.flatnonzero(ch.end_a != ch.end_b)
    if not len(open_):
        return out
    junctions, local = np.unique(np.concatenate([ch.end_a[open_], ch.end_b[open_]]),
                                 return_inverse=True)
    a_list = local[:len(open_)].tolist()
    b_list = local[len(open_):].tolist()
    w_list = totals[open_].tolist()
    g = rx.PyGraph(multigraph=True)
    g.add_nodes_from(range(len(junctions)))
    edge_ids = list(g.add_edges_from(list(zip(a_list, b_list, w_list, strict=True))))
    found = np.full(len(open_), np.inf)
    for k in range(len(open_)):
        a, b = a_list[k], b_list[k]
        g.remove_edge_from_index(edge_ids[k])
        lengths = rx.graph_dijkstra_shortest_path_lengths(g, a, float, goal=b)
        if b in lengths:
            found[k] = lengths[b]
        edge_ids[k] = g.add_edge(a, b, w_list[k])
    out[open_] = found
    return out


def single_link_detours(n_vertices: int, u: np.ndarray | Sequence[int],
                        v: np.ndarray | Sequence[int],
                        weights: Sequence[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Bridges, and per weight the detour of every link (inf: none, bridge or self-loop).

    All weights share one chain decomposition; a non-finite weight makes the link unusable
    for that weight.
    """
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    is_bridge = bridges(n_vertices, u, v)
    active = ~is_bridge & (u != v)
    ch = chains(n_vertices, u, v, active)
    out = []
    for w in weights:
        w = np.asarray(w, dtype=float)
        w = np.where(np.isfinite(w), w, np.inf)
        totals = ch.totals(np.where(active, w, 0.0))
        detour = np.full(len(u), np.inf)
        rows = np.flatnonzero(active)
        c = ch.chain[rows]
        with np.errstate(invalid="ignore"):
            detour[rows] = totals[c] - w[rows] + _chain_detours(ch, totals)[c]
        detour[~np.isfinite(detour) | ~np.isfinite(w)] = np.inf
        out.append(detour)
    return is_bridge, out


def detour_lengths(n: int, u: np.ndarray | Sequence[int], v: np.ndarray | Sequence[int],
                   w: np.ndarray, skip: np.ndarray | None = None) -> np.ndarray:
    """Shortest u-v distance after removing each link (inf: none; ``skip``: not reported)."""
    _, (out,) = single_link_detours(n, u, v, [w])
    if skip is not None:
        out[np.asarray(skip, dtype=bool)] = np.inf
    return out
