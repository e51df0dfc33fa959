"""Corridor links drawn over a detailed layer, and the layer links each one stands for.

keten's national network keeps the sketch's waterway and rail corridors (the Waal as
``inland_waterway:wj-tiel:wj-nijmegen``, the Betuweroute as ``rail:kijfhoek:meteren``) beside
the Rijkswaterstaat fairway sections and the OpenStreetMap rail layer they run over; their
``source`` says so ("shortest path on <layer> ... between the node positions",
scripts/build_national_network.py). A disruption of one must reach the other, or freight
detours over the twin of a closed link. :func:`layer_paths` finds, per corridor link, the
layer links of that shortest path, with the build's rule: each end goes to the layer through
its transfer link (``access:MODE:NODE``), else to the nearest layer node.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from keten.network.model import Network

CORRIDOR_SOURCE = "shortest path on"  # the build's source text of a corridor link
LAYER_MODES = ("inland_waterway", "rail")
SNAP_MAX_KM = 5.0  # the build snaps waypoints within 5 km (route_attributes.py)
LENGTH_TOLERANCE = 0.25  # a path more than 25 % (+ 2 km) off the corridor's length is not it
_KM_PER_DEG_LAT = 111.2


_CACHE: dict[int, tuple[Network, LayerPaths]] = {}


def cached_layer_paths(net: Network) -> LayerPaths:
    """:func:`layer_paths` once per network object (the built-in networks are cached)."""
    hit = _CACHE.get(id(net))
    if hit is not None and hit[0] is net:
        return hit[1]
    if len(_CACHE) > 8:
        _CACHE.clear()
    out = layer_paths(net)
    _CACHE[id(net)] = (net, out)
    return out


@dataclass(frozen=True)
class LayerPaths:
    """Per corridor link row: the layer link rows it stands for."""

    paths: dict[int, np.ndarray]
    unmatched: tuple[int, ...]  # corridor rows whose ends or length found no layer path

    def covering(self, rows: Iterable[int]) -> list[int]:
        """Corridor rows whose path uses any of ``rows``."""
        wanted = set(int(r) for r in rows)
        return [corridor for corridor, path in self.paths.items()
                if any(int(r) in wanted for r in path)]


def corridor_rows(net: Network) -> np.ndarray:
    """Rows of the links drawn over a detailed layer of the same mode."""
    links = net.links
    source = links["source"].fillna("").astype(str) if "source" in links.columns else None
    if source is None:
        return np.zeros(0, dtype=int)
    mode = links["mode"].astype(str).to_numpy()
    return np.flatnonzero(source.str.startswith(CORRIDOR_SOURCE).to_numpy()
                          & np.isin(mode, LAYER_MODES))


def layer_paths(net: Network) -> LayerPaths:
    """The layer links under each corridor link of ``net`` (empty for a network without)."""
    corridors = corridor_rows(net)
    if not len(corridors):
        return LayerPaths({}, ())
    links = net.links
    index = net.node_index()
    ids = links["link_id"].astype(str).to_numpy()
    mode = links["mode"].astype(str).to_numpy()
    frm = links["from_node"].astype(str).map(index).to_numpy()
    to = links["to_node"].astype(str).map(index).to_numpy()
    km = links["length_km"].to_numpy(dtype=float)
    lat = net.nodes["lat"].to_numpy(dtype=float)
    lon = net.nodes["lon"].to_numpy(dtype=float)
    is_corridor = np.zeros(len(links), dtype=bool)
    is_corridor[corridors] = True
    is_access = np.char.startswith(ids.astype(str), "access:")
    n = len(net.nodes)
    paths: dict[int, np.ndarray] = {}
    unmatched: list[int] = []
    for m in LAYER_MODES:
        layer = np.flatnonzero((mode == m) & ~is_corridor & ~is_access)
        mine = corridors[mode[corridors] == m]
        if not len(mine) or not len(layer):
            unmatched.extend(int(r) for r in mine)
            continue
        layer_nodes = np.unique(np.r_[frm[layer], to[layer]])
        # each end: its transfer link's layer node, else the nearest layer node
        entry = {int(frm[r]): int(to[r]) for r in np.flatnonzero(
            (mode == m) & is_access) if np.isfinite(frm[r]) and np.isfinite(to[r])}
        scale = np.cos(np.radians(np.nanmean(lat[layer_nodes])))
        tree = cKDTree(np.c_[lat[layer_nodes] * _KM_PER_DEG_LAT,
                             lon[layer_nodes] * _KM_PER_DEG_LAT * scale])

        def snap(node: int, tree: cKDTree = tree, layer_nodes: np.ndarray = layer_nodes,
                 entry: dict[int, int] = entry, scale: float = scale) -> int | None:
            if node in entry:
                return entry[node]
            d, k = tree.query([lat[node] * _KM_PER_DEG_LAT, lon[node] * _KM_PER_DEG_LAT * scale])
            return int(layer_nodes[k]) if d <= SNAP_MAX_KM else None

        ends = {int(r): (snap(int(frm[r])), snap(int(to[r]))) for r in mine}
        # undirected layer graph; parallel links keep the shortest (its row is looked up)
        order = np.lexsort((km[layer], to[layer], frm[layer]))
        a, b, rows = frm[layer][order], to[layer][order], layer[order]
        best: dict[tuple[int, int], int] = {}  # node pair -> its shortest layer link row
        for u, v, r in zip(a, b, rows, strict=True):
            key = (min(int(u), int(v)), max(int(u), int(v)))
            if key not in best or km[r] < km[best[key]]:  # both directions share a key
                best[key] = int(r)
        pairs = np.array(list(best), dtype=np.int64).reshape(-1, 2)
        pair_km = km[np.array(list(best.values()), dtype=np.int64)] + 1e-9
        graph = coo_matrix((np.r_[pair_km, pair_km], (np.r_[pairs[:, 0], pairs[:, 1]],
                                                      np.r_[pairs[:, 1], pairs[:, 0]])),
                           shape=(n, n)).tocsr()
        starts = sorted({s for s, _ in ends.values() if s is not None})
        if not starts:
            unmatched.extend(int(r) for r in mine)
            continue
        dist, pred = dijkstra(graph, directed=False, indices=starts, return_predecessors=True)
        at = {s: i for i, s in enumerate(starts)}
        for r, (s, t) in ends.items():
            if s is None or t is None or not np.isfinite(dist[at[s], t]) or abs(
                    dist[at[s], t] - km[r]) > LENGTH_TOLERANCE * km[r] + 2.0:
                unmatched.append(r)
                continue
            path, v = [], t
            while v != s:
                u = int(pred[at[s], v])
                path.append(best[(min(u, v), max(u, v))])
                v = u
            if path:  # both ends on one layer node: nothing under it
                paths[r] = np.array(path[::-1], dtype=int)
    return LayerPaths(paths, tuple(sorted(unmatched)))
