"""Network criticality: single-link redundancy, bridges, and freight-weighted criticality.

Single-link redundancy (the definition Deltares' ra2ce uses): take a link out and find the
shortest path between its two end nodes in what is left; report whether a detour exists and
its extra length and extra time. Links are treated as undirected and, by default, a detour
must stay in the link's own mode (see :mod:`keten.resilience.redundancy` for the batched
algorithm: bridges without a search, degree-2 chains collapsed, one search per chain).

Freight-weighted criticality: route a demand matrix on least generalised-cost paths, then for
every link a flow uses, close it and re-route only the flows whose paths use it; rank links by
the increase in generalised cost (EUR/day) and CO2e (kg/day), and the tonnes left without route.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import dijkstra

from keten.network.build import default_mode_defaults
from keten.network.contraction import ContractedGraph
from keten.network.model import ModeDefaults, Network
from keten.network.multimodal import ATTRIBUTES, LINK
from keten.resilience.assign import day_network
from keten.resilience.flows import ImpactModel
from keten.resilience.redundancy import link_ends, single_link_detours
from keten.resilience.scenario import DEFAULT_VALUE_OF_TIME_EUR_PER_T_H

_ATTR = {name: i for i, name in enumerate(ATTRIBUTES)}


def redundancy(net: Network, same_mode: bool = True,
               defaults: ModeDefaults | None = None) -> pd.DataFrame:
    """Single-link redundancy of every link (ra2ce's definition), with bridges.

    Columns: link_id, mode, from_node, to_node, length_km, time_h, is_bridge, self_loop,
    has_detour,
    detour_length_km, extra_length_km, detour_time_h, extra_time_h (NaN without a detour).
    """
    links = net.links
    times = net.link_time_h(defaults or default_mode_defaults())
    length = links["length_km"].to_numpy(dtype=float)
    u, v = link_ends(net)
    ok = (u >= 0) & (v >= 0) & np.isfinite(length) & (length > 0)
    modes = links["mode"].astype(str).to_numpy()
    groups = sorted(set(modes)) if same_mode else ["*"]
    is_bridge = np.zeros(len(links), dtype=bool)
    det_len = np.full(len(links), np.inf)
    det_time = np.full(len(links), np.inf)
    n = len(net.nodes)
    for grp in groups:
        rows = np.flatnonzero(ok & ((modes == grp) if grp != "*" else True))
        if len(rows) == 0:
            continue
        br, (by_length, by_time) = single_link_detours(n, u[rows], v[rows],
                                                       [length[rows], times[rows]])
        is_bridge[rows] = br
        det_len[rows] = by_length
        det_time[rows] = by_time
    has = np.isfinite(det_len)
    return pd.DataFrame({
        "link_id": links["link_id"].astype(str).to_numpy(), "mode": modes,
        "from_node": links["from_node"].astype(str).to_numpy(),
        "to_node": links["to_node"].astype(str).to_numpy(),
        "length_km": length, "time_h": times, "is_bridge": is_bridge & ok,
        "self_loop": ok & (u == v),  # never on a route: no detour needed
        "has_detour": has,
        "detour_length_km": np.where(has, det_len, np.nan),
        "extra_length_km": np.where(has, det_len - length, np.nan),
        "detour_time_h": np.where(np.isfinite(det_time), det_time, np.nan),
        "extra_time_h": np.where(np.isfinite(det_time), det_time - times, np.nan),
    })


def _routes(model: ImpactModel, weight: np.ndarray, dead: np.ndarray,
            flows: Sequence[int]) -> dict[int, list[int] | None]:
    """Least-weight path (edge list) per flow index, one Dijkstra per (origin, modes), on
    the model's chain-contracted graph of the flows' modes (the same distances as the full
    layered graph, ``keten.network.contraction``)."""
    g = model.graph
    out: dict[int, list[int] | None] = {}
    by_key: dict[tuple[int, frozenset[str]], list[int]] = defaultdict(list)
    for f in flows:
        by_key[(int(model.origin_rows[f]), model.flows[f].modes)].append(f)
    open_weight = np.where(dead, np.inf, weight)
    graphs: dict[frozenset[str], ContractedGraph] = {}
    for (origin, modes), members in by_key.items():
        if modes not in graphs:
            graphs[modes] = model.pricing_pattern(modes).graph(open_weight)
        csr = graphs[modes]
        s = int(g.entry[origin])
        dist, pred = dijkstra(csr.matrix, directed=True, indices=s, return_predecessors=True)
        for f in members:
            t = int(g.exit[model.destination_rows[f]])
            out[f] = csr.path(pred, s, t) if np.isfinite(dist[t]) else None
    return out


def freight_criticality(model: ImpactModel,
                        value_of_time_eur_per_t_h: float = DEFAULT_VALUE_OF_TIME_EUR_PER_T_H
                        ) -> pd.DataFrame:
    """Rank links by the extra generalised cost and CO2e of the demand when each one fails.

    Flows take their least generalised-cost path (no capacity limits); for each link on some
    flow's path, only the flows using it are re-routed without it. Columns: link_id, mode,
    corridor, flows, tonnes_per_day, extra_cost_eur_per_day, extra_co2e_wtw_kg_per_day,
    unserved_t_per_day; sorted by unserved tonnes, then extra cost.
    """
    g = model.graph
    day = day_network(model, [], 0, value_of_time_eur_per_t_h)
    weight = day.weight
    dead = np.zeros(len(g.src), dtype=bool)
    all_flows = list(range(len(model.flows)))
    base = _routes(model, weight, dead, all_flows)
    tonnes = model.demand_t
    gc_base = {f: float(weight[p].sum()) for f, p in base.items() if p is not None}
    co2_base = {f: float(day.attrs[p, _ATTR["co2e_wtw_kg"]].sum())
                for f, p in base.items() if p is not None}
    users: dict[int, list[int]] = defaultdict(list)
    for f, p in base.items():
        if p is None:
            continue
        for link in sorted({int(g.link[e]) for e in p if g.kind[e] == LINK}):
            users[link].append(f)
    edges_of_link: dict[int, list[int]] = defaultdict(list)
    for e in np.flatnonzero(g.kind == LINK):
        edges_of_link[int(g.link[e])].append(int(e))
    rows = []
    links = model.network.links
    for link, flows in users.items():
        dead[:] = False
        dead[edges_of_link[link]] = True
        new = _routes(model, weight, dead, flows)
        extra_gc = extra_co2 = unserved = 0.0
        for f in flows:
            p = new[f]
            if p is None:
                unserved += tonnes[f]
                continue
            extra_gc += tonnes[f] * (float(weight[p].sum()) - gc_base[f])
            extra_co2 += tonnes[f] * (float(day.attrs[p, _ATTR["co2e_wtw_kg"]].sum())
                                      - co2_base[f])
        rows.append({"link_id": str(links["link_id"].iloc[link]),
                     "mode": str(links["mode"].iloc[link]),
                     "corridor": str(links["corridor"].iloc[link]),
                     "flows": len(flows), "tonnes_per_day": float(tonnes[flows].sum()),
                     "extra_cost_eur_per_day": extra_gc,
                     "extra_co2e_wtw_kg_per_day": extra_co2,
                     "unserved_t_per_day": unserved})
    out = pd.DataFrame(rows, columns=["link_id", "mode", "corridor", "flows", "tonnes_per_day",
                                      "extra_cost_eur_per_day", "extra_co2e_wtw_kg_per_day",
                                      "unserved_t_per_day"])
    return out.sort_values(["unserved_t_per_day", "extra_cost_eur_per_day"],
                           ascending=False, kind="stable").reset_index(drop=True)
