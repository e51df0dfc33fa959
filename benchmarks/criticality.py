"""Criticality benchmark: single- and multi-link redundancy against networkx and rustworkx.

On the national-scale network (``national``) and on the 50k-link OSM-style network of
scripts/make_osm_style_network.py:

- single-link redundancy (every link, detour by length and by time): keten (bridges without
  a search, degree-2 chains collapsed, one Rust Dijkstra per chain) against the plain
  networkx loop of ra2ce's definition (remove the link, Dijkstra between its ends for
  length and for time, put it back; timed on a random sample of links and scaled) and
  against a per-link loop of goal-directed Dijkstra searches in rustworkx (keten's previous
  method, every link);
- multi-link redundancy: a flood overlay (links with flood_depth_m >= 1.0 removed at once;
  on ``national`` a made-up depth field of 60 flood patches, as it has no flood attribute)
  against networkx.

Results are asserted equal to networkx on the sample (and to rustworkx on every link)
before the times are printed; ratios are from the same run.

    python benchmarks/criticality.py [national] [osm]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np
import rustworkx as rx
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
from routing import osm_style_network

from keten.network.build import default_mode_defaults, national_network
from keten.network.geometry import link_lines
from keten.network.model import Network
from keten.resilience.criticality import redundancy
from keten.resilience.hazard import affected, multi_link_redundancy
from keten.resilience.redundancy import bridges, link_ends

SAMPLE = 200


def _same(a: float, b: float) -> bool:
    return bool(np.isclose(a, b, rtol=1e-9) or (np.isinf(a) and np.isinf(b)))


def nx_single(net: Network, rows: np.ndarray, times: np.ndarray) -> dict[str, tuple[float, float]]:
    """ra2ce's loop in networkx for the sampled rows: (detour km, detour h) per link id."""
    links = net.links
    graphs: dict[str, nx.MultiGraph] = {}
    for mode, group in links.groupby("mode"):
        g = nx.MultiGraph()
        g.add_edges_from((a, b, k, {"km": w, "h": h}) for a, b, k, w, h in zip(
            group["from_node"], group["to_node"], group["link_id"], group["length_km"],
            times[group.index.to_numpy()], strict=True))
        graphs[str(mode)] = g
    out = {}
    for r in rows:
        lid, a, b, mode = (links["link_id"].iloc[r], links["from_node"].iloc[r],
                           links["to_node"].iloc[r], links["mode"].iloc[r])
        g = graphs[mode]
        data = dict(g.edges[a, b, lid])
        g.remove_edge(a, b, key=lid)
        found = []
        for weight in ("km", "h"):
            try:
                found.append(float(nx.dijkstra_path_length(g, a, b, weight=weight))
                             if a != b else float("inf"))
            except nx.NetworkXNoPath:
                found.append(float("inf"))
        out[lid] = (found[0], found[1])
        g.add_edge(a, b, key=lid, **data)
    return out


def rx_per_link(net: Network, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every link: remove it, goal-directed Rust Dijkstra between its ends, put it back
    (bridges skipped), for length and for time, per mode."""
    u, v = link_ends(net)
    modes = net.links["mode"].astype(str).to_numpy()
    length = net.links["length_km"].to_numpy(dtype=float)
    out = (np.full(len(u), np.inf), np.full(len(u), np.inf))
    for mode in np.unique(modes):
        rows = np.flatnonzero(modes == mode)
        skip = bridges(len(net.nodes), u[rows], v[rows]) | (u[rows] == v[rows])
        for w, found in ((length, out[0]), (times, out[1])):
            g = rx.PyGraph(multigraph=True)
            g.add_nodes_from(range(len(net.nodes)))
            ids = list(g.add_edges_from(list(zip(u[rows].tolist(), v[rows].tolist(),
                                                 w[rows].tolist(), strict=True))))
            for k in np.flatnonzero(~skip).tolist():
                a, b, x = int(u[rows[k]]), int(v[rows[k]]), float(w[rows[k]])
                g.remove_edge_from_index(ids[k])
                lengths = rx.graph_dijkstra_shortest_path_lengths(g, a, float, goal=b)
                if b in lengths:
                    found[rows[k]] = lengths[b]
                ids[k] = g.add_edge(a, b, x)
    return out


def single_case(net: Network, label: str) -> None:
    times = net.link_time_h(default_mode_defaults())
    t = time.perf_counter()
    table = redundancy(net)
    keten_s = time.perf_counter() - t
    t = time.perf_counter()
    rx_km, rx_h = rx_per_link(net, times)
    rx_s = time.perf_counter() - t
    rng = np.random.default_rng(3)
    rows = rng.choice(len(net.links), min(SAMPLE, len(net.links)), replace=False)
    t = time.perf_counter()
    oracle = nx_single(net, rows, times)
    nx_s = (time.perf_counter() - t) * len(net.links) / len(rows)
    got = table.set_index("link_id")[["detour_length_km", "detour_time_h"]].fillna(np.inf)
    for lid, (km, h) in oracle.items():
        assert _same(got.loc[lid, "detour_length_km"], km), (lid, km)
        assert _same(got.loc[lid, "detour_time_h"], h), (lid, h)
    ours_km = table["detour_length_km"].fillna(np.inf).to_numpy()
    ours_h = table["detour_time_h"].fillna(np.inf).to_numpy()
    assert np.allclose(ours_km, rx_km, rtol=1e-9) and np.allclose(ours_h, rx_h, rtol=1e-9)
    road = table[table["mode"] == "road"]
    print(f"{label}: {len(net.links):,} links; single-link redundancy, length and time: keten "
          f"{keten_s:.2f} s; rustworkx per-link loop {rx_s:.1f} s ({rx_s / keten_s:.1f}x); "
          f"networkx loop ({len(rows)} links timed, scaled) {nx_s:.0f} s "
          f"({nx_s / keten_s:.0f}x); road links with a detour: {road['has_detour'].mean():.1%}")


def flood_depths(net: Network, patches: int = 60, seed: int = 11) -> np.ndarray:
    """A made-up flood: ``patches`` discs of 2-8 km radius over NL and its hinterland,
    2 m deep at the centre, 0 at the rim; the depth at each link's midpoint."""
    mid = shapely.get_coordinates(shapely.line_interpolate_point(link_lines(net), 0.5,
                                                                 normalized=True))
    rng = np.random.default_rng(seed)
    depth = np.zeros(len(mid))
    for x, y, r in zip(rng.uniform(3.5, 7.5, patches), rng.uniform(50.5, 53.3, patches),
                       rng.uniform(2, 8, patches), strict=True):
        km = np.hypot((mid[:, 0] - x) * 69.0, (mid[:, 1] - y) * 111.2)
        depth = np.maximum(depth, 2.0 * np.clip(1 - km / r, 0, None))
    return depth


def multi_case(net: Network, label: str) -> None:
    if "flood_depth_m" not in net.links.columns:
        net = Network(net.nodes, net.links.assign(flood_depth_m=flood_depths(net)), net.name,
                      net.link_geometry)
    depth = np.asarray(net.links["flood_depth_m"], dtype=float)
    hit = affected(depth, 1.0)
    t = time.perf_counter()
    table = multi_link_redundancy(net, hit)
    keten_s = time.perf_counter() - t
    t = time.perf_counter()
    links = net.links
    oracle = {}
    for _, group in links.groupby("mode"):
        gone = hit[group.index.to_numpy()]
        g = nx.MultiGraph()
        g.add_edges_from((a, b, {"w": w}) for a, b, w, h in zip(
            group["from_node"], group["to_node"], group["length_km"], gone, strict=True)
            if not h)
        for lid, a, b in zip(group["link_id"][gone], group["from_node"][gone],
                             group["to_node"][gone], strict=True):
            try:
                oracle[lid] = float(nx.dijkstra_path_length(g, a, b, weight="w"))
            except (nx.NetworkXNoPath, nx.NodeNotFound):
                oracle[lid] = 0.0 if a == b else float("inf")
    nx_s = time.perf_counter() - t
    got = table.set_index("link_id")["detour_length_km"].fillna(np.inf)
    assert all(_same(got[k], v) for k, v in oracle.items())
    kept = int(table["connected"].sum())
    print(f"{label}: flood overlay removes {hit.sum():,} links at once ({kept:,} keep a "
          f"detour); keten {keten_s:.2f} s, networkx {nx_s:.2f} s -> networkx / keten"
          f" = {nx_s / keten_s:.1f}x")


if __name__ == "__main__":
    which = set(sys.argv[1:]) or {"national", "osm"}
    if "national" in which:
        national = national_network()
        single_case(national, "national")
        multi_case(national, "national")
    if "osm" in which:
        osm = osm_style_network()
        single_case(osm, "50k OSM-style")
        multi_case(osm, "50k OSM-style")
