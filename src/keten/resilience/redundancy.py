"""Single-link redundancy (ra2ce's definition) and bridges.

For a link e = (u, v) of weight w, the detour is the shortest u-v path once e is removed.
Bridges (links whose removal disconnects their ends) come from Tarjan's low-link algorithm
(one pass) and have no detour; every other link is removed in turn from a rustworkx graph
(edge removal and re-insertion are O(1)) and a Dijkstra search in Rust runs from u until v
is settled, so a short local detour costs a small local search.
"""

from __future__ import annotations

import numpy as np
import rustworkx as rx


def bridges(n_vertices: int, u: np.ndarray | list[int],
            v: np.ndarray | list[int]) -> np.ndarray:
    """Boolean per edge: is it a bridge of the undirected multigraph (Tarjan, iterative)?

    Parallel edges are never bridges; self-loops never are.
    """
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    m = len(u)
    adj: list[list[tuple[int, int]]] = [[] for _ in range(n_vertices)]
    for e in range(m):
        a, b = int(u[e]), int(v[e])
        if a == b:
            continue
        adj[a].append((b, e))
        adj[b].append((a, e))
    disc = np.full(n_vertices, -1, dtype=np.int64)
    low = np.zeros(n_vertices, dtype=np.int64)
    out = np.zeros(m, dtype=bool)
    timer = 0
    for root in range(n_vertices):
        if disc[root] >= 0:
            continue
        disc[root] = low[root] = timer
        timer += 1
        stack: list[tuple[int, int, int]] = [(root, -1, 0)]  # vertex, parent edge, next index
        while stack:
            x, pe, i = stack[-1]
            if i < len(adj[x]):
                stack[-1] = (x, pe, i + 1)
                y, e = adj[x][i]
                if e == pe:
                    continue
                if disc[y] < 0:
                    disc[y] = low[y] = timer
                    timer += 1
                    stack.append((y, e, 0))
                else:
                    low[x] = min(low[x], disc[y])
            else:
                stack.pop()
                if stack:
                    p = stack[-1][0]
                    low[p] = min(low[p], low[x])
                    if low[x] > disc[p]:
                        out[pe] = True
    return out


def _one_by_one(n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray, links: np.ndarray,
                out: np.ndarray) -> None:
    """Per link: remove it, search from one end until the other end is settled, restore."""
    g = rx.PyGraph(multigraph=True)
    g.add_nodes_from(range(n))
    edge_ids = list(g.add_edges_from([(int(a), int(b), float(x))
                                      for a, b, x in zip(u, v, w, strict=True)]))
    for e in links:
        a, b = int(u[e]), int(v[e])
        g.remove_edge_from_index(edge_ids[e])
        lengths = rx.graph_dijkstra_shortest_path_lengths(g, a, float, goal=b)
        out[e] = lengths[b] if b in lengths else np.inf  # noqa: SIM401 (no .get)
        edge_ids[e] = g.add_edge(a, b, float(w[e]))


def detour_lengths(n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray,
                   skip: np.ndarray) -> np.ndarray:
    """Shortest u-v distance after removing each link (inf: none; ``skip``: not searched)."""
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    w = np.asarray(w, dtype=float)
    out = np.full(len(u), np.inf)
    todo = np.flatnonzero(~np.asarray(skip, dtype=bool) & (u != v))
    if len(todo):
        _one_by_one(n, u, v, w, todo, out)
    return out
