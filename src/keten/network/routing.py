"""Least-cost routing on CSR arrays (scipy.sparse.csgraph Dijkstra) over the layered graph.

The objective is any weighted sum of the edge attributes (cost EUR, time h, CO2e WTW/TTW,
NOx, PM, distance). ``best_path`` gives one path, ``cost_matrix`` many-to-many values, and
``alternatives`` the k best options across distinct mode chains (each allowed subset of modes
is solved, the distinct chains ranked by the objective).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from keten.errors import KetenError
from keten.network.multimodal import ACCESS, ATTRIBUTES, LINK, MODES, MultimodalGraph

# Objective names accepted on the command line -> attribute column.
OBJECTIVE_KEYS = {
    "cost": "cost_eur",
    "cost_eur": "cost_eur",
    "time": "time_h",
    "time_h": "time_h",
    "co2e": "co2e_wtw_kg",
    "co2e_wtw": "co2e_wtw_kg",
    "co2e_wtw_kg": "co2e_wtw_kg",
    "co2e_ttw": "co2e_ttw_kg",
    "co2e_ttw_kg": "co2e_ttw_kg",
    "nox": "nox_kg",
    "nox_kg": "nox_kg",
    "pm": "pm_kg",
    "pm_kg": "pm_kg",
    "distance": "distance_km",
    "distance_km": "distance_km",
}
_EPS = 1e-9  # keeps zero-cost edges (access, free transfers) explicit in the CSR arrays


def parse_objective(text: str | Mapping[str, float]) -> dict[str, float]:
    """``"cost"`` or ``"cost=1,co2e=100"`` (or a mapping) -> {attribute: weight >= 0}."""
    items: list[tuple[str, float]]
    if isinstance(text, Mapping):
        items = [(str(k), float(v)) for k, v in text.items()]
    else:
        items = []
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, _, raw = part.partition("=")
            try:
                items.append((name.strip(), float(raw) if raw else 1.0))
            except ValueError:
                raise KetenError(f"objective weight '{raw}' for '{name}' is not a number") from None
    weights: dict[str, float] = {}
    for name, w in items:
        key = OBJECTIVE_KEYS.get(name.lower())
        if key is None:
            raise KetenError(
                f"unknown objective '{name}'; use one of "
                "cost, time, co2e, co2e_ttw, nox, pm, distance (or name=weight,...)"
            )
        if not np.isfinite(w) or w < 0:
            raise KetenError(f"objective weight for '{name}' must be >= 0, got {w}")
        weights[key] = weights.get(key, 0.0) + w
    if not weights or sum(weights.values()) <= 0:
        raise KetenError("the objective needs at least one positive weight")
    return weights


def edge_weights(attrs: np.ndarray, weights: Mapping[str, float]) -> np.ndarray:
    """Weighted sum of attribute columns per edge."""
    vec = np.array([weights.get(a, 0.0) for a in ATTRIBUTES])
    return np.asarray(attrs @ vec)


@dataclass(frozen=True)
class CsrGraph:
    """A CSR matrix of the usable edges (parallel edges reduced to the cheapest one)."""

    matrix: csr_matrix
    edge_of_entry: np.ndarray  # CSR data position -> edge index in the layered graph

    @classmethod
    def build(
        cls, n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray, edges: np.ndarray,
        presorted: bool = False,
    ) -> CsrGraph:
        """``presorted``: the arrays are already in (src, dst, weight) order."""
        if np.any(weight < 0) or not np.all(np.isfinite(weight)):
            raise KetenError("edge weights must be finite and >= 0 (Dijkstra)")
        order = np.arange(len(src)) if presorted else np.lexsort((weight, dst, src))
        s, d, w, e = src[order], dst[order], weight[order], edges[order]
        first = np.ones(len(s), dtype=bool)
        first[1:] = (s[1:] != s[:-1]) | (d[1:] != d[:-1])
        s, d, w, e = s[first], d[first], w[first] + _EPS, e[first]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(s, minlength=n), out=indptr[1:])
        return cls(csr_matrix((w, d, indptr), shape=(n, n)), e)

    def edge(self, u: int, v: int) -> int:
        lo, hi = self.matrix.indptr[u], self.matrix.indptr[u + 1]
        pos = lo + int(np.searchsorted(self.matrix.indices[lo:hi], v))
        return int(self.edge_of_entry[pos])


def graph_csr(g: MultimodalGraph, weight: np.ndarray, modes: frozenset[str] | None,
              order: np.ndarray | None = None) -> CsrGraph:
    """The CSR arrays of ``g`` restricted to ``modes`` with per-edge ``weight``. ``order``:
    all edges sorted by (src, dst, weight), from :func:`edge_order`, when several mode sets
    are solved with one weight (the sort is then done once)."""
    mask = g.edge_mask(modes)
    if order is not None:
        edges = order[mask[order]]
        return CsrGraph.build(g.n_vertices, g.src[edges], g.dst[edges], weight[edges], edges,
                              presorted=True)
    edges = np.flatnonzero(mask)
    return CsrGraph.build(g.n_vertices, g.src[edges], g.dst[edges], weight[edges], edges)


def edge_order(g: MultimodalGraph, weight: np.ndarray) -> np.ndarray:
    """Every edge index sorted by (src, dst, weight), for :func:`graph_csr`."""
    return np.lexsort((weight, g.dst, g.src))


@dataclass(frozen=True)
class Path:
    """A path as layered-graph edge indices with its summed attributes."""

    edges: list[int]
    totals: dict[str, float]
    objective: float


def path_edges(
    g: MultimodalGraph, csr: CsrGraph, pred: np.ndarray, origin: int, destination: int
) -> list[int] | None:
    """Edge indices of the path from node ``origin`` to node ``destination`` in the
    shortest-path tree ``pred`` (predecessors from the origin's entry vertex), or None."""
    s, t = int(g.entry[origin]), int(g.exit[destination])
    if t != s and pred[t] < 0:
        return None
    edges: list[int] = []
    v = t
    while v != s:
        u = int(pred[v])
        edges.append(csr.edge(u, v))
        v = u
    edges.reverse()
    return edges


def best_path(
    g: MultimodalGraph,
    csr: CsrGraph,
    attrs: np.ndarray,
    weight: np.ndarray,
    origin: int,
    destination: int,
) -> Path | None:
    """Least-objective path from node ``origin`` to node ``destination`` (indices), or None."""
    s = int(g.entry[origin])
    _, pred = dijkstra(csr.matrix, directed=True, indices=s, return_predecessors=True)
    edges = path_edges(g, csr, pred, origin, destination)
    if edges is None:
        return None
    totals = attrs[edges].sum(axis=0)
    return Path(
        edges,
        {a: float(x) for a, x in zip(ATTRIBUTES, totals, strict=True)},
        float(weight[edges].sum()),
    )


def cost_matrix(
    g: MultimodalGraph,
    csr: CsrGraph,
    origins: Sequence[int] | np.ndarray,
    destinations: Sequence[int] | np.ndarray,
) -> np.ndarray:
    """Objective value from each origin node to each destination node (inf: no path)."""
    dist = dijkstra(csr.matrix, directed=True, indices=g.entry[np.asarray(origins, dtype=int)])
    return np.asarray(dist[:, g.exit[np.asarray(destinations, dtype=int)]])


@dataclass(frozen=True)
class Leg:
    """A run of links in one mode between two nodes."""

    mode: str
    from_node: str
    to_node: str
    distance_km: float
    time_h: float
    link_rows: list[int] = field(default_factory=list)


def legs_of(g: MultimodalGraph, path: Path, times: np.ndarray) -> list[Leg]:
    """Group a path's link edges into legs of one mode (a transshipment starts a new leg)."""
    ids = g.network.node_ids
    lengths = g.network.links["length_km"].to_numpy(dtype=float)
    legs: list[Leg] = []
    current: list[int] = []
    start = -1
    for e in path.edges:
        if g.kind[e] == LINK:
            if not current:
                start = int(g.vertex_node[g.src[e]])
            current.append(e)
            continue
        if current:
            legs.append(_leg(g, current, start, ids, lengths, times))
            current = []
    if current:
        legs.append(_leg(g, current, start, ids, lengths, times))
    return legs


def _leg(
    g: MultimodalGraph,
    edges: list[int],
    start: int,
    ids: list[str],
    lengths: np.ndarray,
    times: np.ndarray,
) -> Leg:
    rows = [int(g.link[e]) for e in edges]
    end = int(g.vertex_node[g.dst[edges[-1]]])
    return Leg(
        MODES[int(g.mode[edges[0]])].value,
        ids[start],
        ids[end],
        float(lengths[rows].sum()),
        float(times[rows].sum()),
        rows,
    )


PARETO_KEYS = ("cost_eur", "time_h", "co2e_wtw_kg")


def pareto_front(paths: Sequence[Path], keys: Sequence[str] = PARETO_KEYS) -> list[Path]:
    """The paths no other path beats on every one of ``keys`` (and strictly on one)."""
    values = np.array([[p.totals[k] for k in keys] for p in paths]).reshape(len(paths), -1)
    keep = []
    for i in range(len(paths)):
        others = np.delete(values, i, axis=0)
        dominated = np.any(
            np.all(others <= values[i] + 1e-9, axis=1) & np.any(others < values[i] - 1e-9, axis=1)
        )
        if not dominated:
            keep.append(paths[i])
    return keep


def alternatives(
    g: MultimodalGraph,
    attrs: np.ndarray,
    weight: np.ndarray,
    origin: int,
    destination: int,
    modes: frozenset[str],
    k: int,
    pareto: bool = False,
) -> list[Path]:
    """Up to ``k`` best paths with distinct mode chains, best first.

    Every non-empty subset of the allowed modes is solved once; the resulting paths are
    de-duplicated by their mode chain (the modes in leg order) and ranked by the objective.
    (Two chains over the same set of modes, e.g. barge+road and road+barge+road, compete in
    one subset: only the better one is found.) ``pareto`` keeps only the chains that are not
    dominated on cost, time and CO2e WTW before ranking.
    """
    if k <= 1 and not pareto:
        path = best_path(g, graph_csr(g, weight, modes), attrs, weight, origin, destination)
        return [] if path is None else [path]
    found: dict[tuple[int, ...], Path] = {}
    ordered = sorted(modes)
    order = edge_order(g, weight)
    for r in range(1, len(ordered) + 1):
        for subset in itertools.combinations(ordered, r):
            csr = graph_csr(g, weight, frozenset(subset), order)
            path = best_path(g, csr, attrs, weight, origin, destination)
            if path is None:
                continue
            chain = _chain(g, path)
            if chain not in found or path.objective < found[chain].objective:
                found[chain] = path
    paths = list(found.values())
    if pareto:
        paths = pareto_front(paths)
    return sorted(paths, key=lambda p: p.objective)[:k]


def _chain(g: MultimodalGraph, path: Path) -> tuple[int, ...]:
    chain: list[int] = []
    for e in path.edges:
        if g.kind[e] != ACCESS and g.kind[e] == LINK and (not chain or chain[-1] != g.mode[e]):
            chain.append(int(g.mode[e]))
    return tuple(chain)
