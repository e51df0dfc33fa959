"""One day of the (disrupted) network, and routing the day's flows on it under capacity.

``day_network`` applies the disruptions active on a day (with their severity) to the prepared
model: link capacity, travel time, cost and emission factors, deep-sea detours around closed
chokepoints, and at ports/terminals a handling-capacity limit and extra dwell time.

``GreedyAssigner`` routes each flow in turn on the least generalised-cost path
(cost EUR/t + value of time x h) with spare capacity, sends as much as the path's bottleneck
allows, and repeats until the flow is placed or no path is left; what does not fit stays
unserved for the day. Any object with the :class:`FlowAssigner` ``assign_day`` method can
replace it (e.g. the portfolio planner), see :func:`keten.resilience.impact.simulate`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from scipy.sparse.csgraph import dijkstra

from keten.network.multimodal import LINK, TRANSSHIPMENT
from keten.network.routing import CsrGraph, path_edges
from keten.resilience.flows import ImpactModel
from keten.resilience.scenario import ResolvedDisruption

EPS_T = 1e-6  # tonnes below this count as nothing
MIN_COST_PAYLOAD_FACTOR = 0.05  # per-tonne cost/emissions scale as 1/payload, capped here


@dataclass(frozen=True)
class DayNetwork:
    """Edge attributes per tonne, edge weights and capacities on one day."""

    attrs: np.ndarray  # edges x ATTRIBUTES (distance km, time h, cost EUR/t, emissions kg/t)
    weight: np.ndarray  # generalised cost per tonne
    edge_capacity_t: np.ndarray  # per edge (link edges; inf otherwise)
    node_capacity_t: np.ndarray  # per node handling limit (inf: none)
    closed: np.ndarray  # edges that cannot be used at all
    key: str  # equal keys -> identical day networks
    payload: np.ndarray = field(default_factory=lambda: np.ones(0))  # per edge, low water


def _key(*arrays: np.ndarray) -> str:
    h = hashlib.blake2b(digest_size=16)
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def day_network(
    model: ImpactModel,
    resolved: Sequence[ResolvedDisruption],
    day: int,
    value_of_time_eur_per_t_h: float,
    baseline_node_throughput_t: np.ndarray | None = None,
) -> DayNetwork:
    """The network on ``day`` with every active disruption applied."""
    n_links = len(model.network.links)
    n_nodes = len(model.network.nodes)
    cap_f = np.ones(n_links)
    time_f = np.ones(n_links)
    cost_f = np.ones(n_links)
    emis_f = np.ones(n_links)
    node_cap_f = np.ones(n_nodes)
    dwell_h = np.zeros(n_nodes)
    avoid: set[str] = set()
    headroom = np.full(n_nodes, np.inf)  # normal capacity / baseline throughput
    payload_link = np.ones(n_links)
    for rd in resolved:
        if rd.disruption.type == "congestion":
            headroom[rd.node_rows] = 1.0 / rd.disruption.normal_utilisation
    for rd in resolved:
        d = rd.disruption
        s = d.severity(day)
        if s <= 0:
            continue
        rows = rd.link_rows
        if d.type == "closure":
            if d.target.chokepoint:
                avoid.add(d.target.chokepoint)
            cap_f[rows] *= 1.0 - s
            node_cap_f[rd.node_rows] *= 1.0 - s
        elif d.type == "capacity_factor":
            cap_f[rows] *= d.factor_on(day)
        elif d.type == "speed_factor":
            time_f[rows] /= d.factor_on(day)
        elif d.type == "cost_factor":
            cost_f[rows] *= d.factor_on(day)
        elif d.type == "emission_factor":
            emis_f[rows] *= d.factor_on(day)
        elif d.type == "congestion":
            node_cap_f[rd.node_rows] *= d.factor_on(day)
            dwell_h[rd.node_rows] += s * d.dwell_time_h
        elif d.type == "low_water" and rd.link_factors is not None:
            payload = rd.payload_on(day)
            assert payload is not None
            cap_f[rows] *= payload
            payload_link[rows] *= payload
            per_tonne = 1.0 / np.maximum(payload, MIN_COST_PAYLOAD_FACTOR)
            cost_f[rows] *= per_tonne
            emis_f[rows] *= per_tonne
    dist_f = model.sea_distance_factors(tuple(sorted(avoid)))
    g = model.graph
    attrs = model.unit_attrs.copy()
    is_link = g.kind == LINK
    lk = g.link[is_link]
    attrs[is_link, 0] *= dist_f[lk]
    attrs[is_link, 1] *= dist_f[lk] * time_f[lk]
    attrs[is_link, 2] *= dist_f[lk] * cost_f[lk]
    attrs[is_link, 3:] *= (dist_f[lk] * emis_f[lk])[:, None]
    # Dwell at a congested node: on transshipment there, and on leaving from / arriving at it.
    has_node = model.edge_node >= 0
    entering = (
        (g.kind == TRANSSHIPMENT)
        | (g.src == g.entry[g.vertex_node[g.src]])
        | (g.dst == g.exit[g.vertex_node[g.dst]])
    )
    dwell_edges = has_node & entering
    attrs[dwell_edges, 1] += dwell_h[model.edge_node[dwell_edges]]
    weight = attrs[:, 2] + value_of_time_eur_per_t_h * attrs[:, 1]
    edge_cap = np.full(len(g.src), np.inf)
    edge_cap[is_link] = model.link_capacity_t[lk] * cap_f[lk]
    node_cap = np.full(n_nodes, np.inf)
    limited = (node_cap_f < 1.0) | np.isfinite(headroom)
    if limited.any():
        base = (
            baseline_node_throughput_t
            if baseline_node_throughput_t is not None
            else np.zeros(n_nodes)
        )
        # A node without baseline throughput has no known normal capacity: not limited.
        normal = np.where(base > 0, np.where(np.isfinite(headroom), headroom, 1.0) * base, np.inf)
        with np.errstate(invalid="ignore"):  # 0 x inf: a closed node, set to 0 below
            node_cap[limited] = node_cap_f[limited] * normal[limited]
        node_cap[limited & (node_cap_f <= 0)] = 0.0
    closed = edge_cap <= EPS_T
    closed |= has_node & (node_cap[np.maximum(model.edge_node, 0)] <= EPS_T)
    payload = np.ones(len(g.src))
    payload[is_link] = payload_link[lk]
    return DayNetwork(
        attrs, weight, edge_cap, node_cap, closed, _key(attrs, edge_cap, node_cap, closed),
        payload,
    )


@dataclass
class DayFlows:
    """Tonnes routed per flow on a day, with their paths and totals."""

    delivered_t: np.ndarray  # per flow
    paths: list[list[tuple[list[int], float]]]  # per flow: (edges, tonnes)
    totals: np.ndarray  # per flow x ATTRIBUTES, summed over tonnes (t-km, t-h, EUR, kg)
    max_time_h: np.ndarray  # per flow: slowest path used (h)
    tkm_by_mode: np.ndarray  # per flow x mode code
    node_throughput_t: np.ndarray = field(default_factory=lambda: np.zeros(0))


class FlowAssigner(Protocol):
    """Routes one day's demand on one day's network (the hook for a planner)."""

    def assign_day(self, model: ImpactModel, day: DayNetwork, demand_t: np.ndarray) -> DayFlows: ...


class GreedyAssigner:
    """Flow by flow, least generalised cost path with spare capacity, bottleneck increments."""

    def __init__(self, max_paths_per_flow: int = 12) -> None:
        self.max_paths_per_flow = max_paths_per_flow

    def assign_day(self, model: ImpactModel, day: DayNetwork, demand_t: np.ndarray) -> DayFlows:
        g = model.graph
        edge_res = day.edge_capacity_t.copy()
        node_res = day.node_capacity_t.copy()
        dead = day.closed.copy()
        csr_cache: dict[frozenset[str], CsrGraph] = {}
        trees: dict[tuple[frozenset[str], int], np.ndarray] = {}  # shortest-path trees
        columns: list[tuple[int, list[int]]] = []
        placed: list[float] = []
        for f, flow in enumerate(model.flows):
            remaining = float(demand_t[f])
            tries = 0
            while remaining > EPS_T and tries < self.max_paths_per_flow:
                tries += 1
                if flow.modes not in csr_cache:
                    usable = np.flatnonzero(model.mode_mask(flow.modes) & ~dead)
                    csr_cache[flow.modes] = CsrGraph.build(
                        g.n_vertices, g.src[usable], g.dst[usable], day.weight[usable], usable
                    )
                csr = csr_cache[flow.modes]
                origin = int(model.origin_rows[f])
                if (flow.modes, origin) not in trees:
                    trees[(flow.modes, origin)] = dijkstra(
                        csr.matrix,
                        directed=True,
                        indices=int(g.entry[origin]),
                        return_predecessors=True,
                    )[1]
                edges = path_edges(
                    g, csr, trees[(flow.modes, origin)], origin, int(model.destination_rows[f])
                )
                if edges is None:
                    break
                e = np.asarray(edges)
                nodes = model.edge_node[e]
                cap = float(edge_res[e].min()) if len(e) else np.inf
                with_node = nodes >= 0
                if with_node.any():
                    cap = min(cap, float(node_res[nodes[with_node]].min()))
                x = min(remaining, cap)
                if x <= EPS_T:
                    break
                remaining -= x
                columns.append((f, edges))
                placed.append(x)
                edge_res[e] -= x
                np.subtract.at(node_res, nodes[with_node], x)
                newly = edge_res[e] <= EPS_T
                if with_node.any():
                    full = node_res <= EPS_T
                    newly = newly | (with_node & full[np.maximum(nodes, 0)])
                if newly.any():
                    full_nodes = np.flatnonzero(node_res <= EPS_T)
                    dead[e[edge_res[e] <= EPS_T]] = True
                    if len(full_nodes):
                        dead |= np.isin(model.edge_node, full_nodes)
                    csr_cache.clear()
                    trees.clear()
        return day_flows(model, day, columns, np.asarray(placed, dtype=float))


def day_flows(model: ImpactModel, day: DayNetwork, columns: Sequence[tuple[int, list[int]]],
              x: np.ndarray) -> DayFlows:
    """The day's flows from paths (flow, edges) carrying ``x`` tonnes each."""
    g = model.graph
    n_flows = len(model.flows)
    delivered = np.zeros(n_flows)
    totals = np.zeros((n_flows, day.attrs.shape[1]))
    max_time = np.zeros(n_flows)
    n_modes = int(g.mode.max()) + 1 if len(g.mode) else 1
    tkm = np.zeros((n_flows, max(n_modes, 6)))
    paths: list[list[tuple[list[int], float]]] = [[] for _ in range(n_flows)]
    node_through = np.zeros(len(model.network.nodes))
    for (f, edges), t in zip(columns, x, strict=True):
        if t <= EPS_T:
            continue
        e = np.asarray(edges)
        delivered[f] += t
        paths[f].append((edges, float(t)))
        totals[f] += t * day.attrs[e].sum(axis=0)
        max_time[f] = max(max_time[f], float(day.attrs[e, 1].sum()))
        links = e[g.kind[e] == LINK]
        np.add.at(tkm[f], g.mode[links], t * day.attrs[links, 0])
        nodes = model.edge_node[e]
        np.add.at(node_through, nodes[nodes >= 0], t)
    return DayFlows(delivered, paths, totals, max_time, tkm, node_through)
