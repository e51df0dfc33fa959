"""Criticality benchmark: single- and multi-link redundancy against networkx.

On the national-scale network (``national``) and on the 50k-link OSM-style network of
scripts/make_osm_style_network.py: keten's single-link redundancy (bridges by Tarjan, then a
goal-directed Rust Dijkstra per link, for length and for time) against the plain networkx
loop of the same definition (remove the link, shortest path between its ends, put it back),
timed on a sample of links and scaled; and multi-link redundancy for a flood-depth overlay
(links with flood_depth_m >= 1.0 removed at once) against networkx. Results are checked
equal on the sample. Ratios are from the same run.

    python benchmarks/criticality.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from routing import osm_style_network

from keten.network.build import national_network
from keten.network.model import Network
from keten.resilience.criticality import redundancy
from keten.resilience.hazard import affected, multi_link_redundancy


def nx_single(net: Network, rows: np.ndarray) -> dict[str, float]:
    links = net.links
    out = {}
    graphs: dict[str, nx.MultiGraph] = {}
    for mode, group in links.groupby("mode"):
        g = nx.MultiGraph()
        g.add_edges_from((a, b, k, {"w": w}) for a, b, k, w in zip(
            group["from_node"], group["to_node"], group["link_id"], group["length_km"],
            strict=True))
        graphs[str(mode)] = g
    for r in rows:
        lid, a, b, mode, w = (links["link_id"].iloc[r], links["from_node"].iloc[r],
                              links["to_node"].iloc[r], links["mode"].iloc[r],
                              links["length_km"].iloc[r])
        g = graphs[mode]
        g.remove_edge(a, b, key=lid)
        try:
            out[lid] = nx.dijkstra_path_length(g, a, b, weight="w")
        except nx.NetworkXNoPath:
            out[lid] = float("inf")
        g.add_edge(a, b, key=lid, w=w)
    return out


def single_case(net: Network, label: str, sample: int = 300) -> None:
    t = time.perf_counter()
    table = redundancy(net)
    keten_s = time.perf_counter() - t
    rng = np.random.default_rng(3)
    rows = rng.choice(len(net.links), min(sample, len(net.links)), replace=False)
    t = time.perf_counter()
    oracle = nx_single(net, rows)
    nx_s = (time.perf_counter() - t) * len(net.links) / len(rows)
    got = table.set_index("link_id")["detour_length_km"].fillna(np.inf)
    for lid, d in oracle.items():
        assert np.isclose(got[lid], d) or (np.isinf(d) and np.isinf(got[lid])), lid
    road = table[table["mode"] == "road"]
    print(f"{label}: {len(net.links):,} links; single-link redundancy (length and time) "
          f"{keten_s:.1f} s, networkx (length only, {len(rows)} links timed, scaled) "
          f"{nx_s:.1f} s -> networkx / keten = {nx_s / keten_s:.1f}x; road links with a "
          f"detour: {road['has_detour'].mean():.1%}")


def multi_case(net: Network, label: str) -> None:
    depth = np.asarray(net.links["flood_depth_m"], dtype=float)
    hit = affected(depth, 1.0)
    t = time.perf_counter()
    table = multi_link_redundancy(net, hit)
    keten_s = time.perf_counter() - t
    t = time.perf_counter()
    links = net.links
    g = nx.MultiGraph()
    g.add_edges_from((a, b, {"w": w}) for a, b, w, h in zip(
        links["from_node"], links["to_node"], links["length_km"], hit, strict=True) if not h)
    oracle = {}
    for lid, a, b in zip(links["link_id"][hit], links["from_node"][hit], links["to_node"][hit],
                         strict=True):
        try:
            oracle[lid] = nx.dijkstra_path_length(g, a, b, weight="w")
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            oracle[lid] = float("inf")
    nx_s = time.perf_counter() - t
    got = table.set_index("link_id")["detour_length_km"].fillna(np.inf)
    assert all(np.isclose(got[k], v) or (np.isinf(v) and np.isinf(got[k]))
               for k, v in oracle.items())
    print(f"{label}: flood overlay removes {hit.sum():,} links at once; keten "
          f"{keten_s:.2f} s, networkx {nx_s:.2f} s -> networkx / keten = "
          f"{nx_s / keten_s:.1f}x")


if __name__ == "__main__":
    single_case(national_network(), "national")
    osm = osm_style_network()
    single_case(osm, "50k OSM-style")
    multi_case(osm, "50k OSM-style")
