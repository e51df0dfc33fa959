"""A network drawn at national scale: chains of links merged into one line each.

A map of 43,000 links is mostly short sections, carriageway pairs and interchange ramps.
``display_chains`` first snaps junctions to a grid of ``cell_deg`` (terminals and ports keep
their place), keeps one link per pair of cells and mode, then merges every chain through
cells where nothing happens (two neighbours within the mode) into one polyline between the
places that matter (terminals, ports, forks, ends), simplified and rounded. A browser then
gets a few thousand lines instead of every section. A line's ``link_id`` is the first link
it stands for, ``links`` how many links its cell pairs stood for, ``length_km`` the sum of
the links kept for it (a display figure, not a route length).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import shapely

from keten.network.model import Network

DISPLAY_TOLERANCE_DEG = 0.004  # about 300-450 m: below a pixel at national zoom
DISPLAY_CELL_DEG = 0.03  # about 2-3 km: junctions closer than this are one point on the map
_KEEP = ("mode", "corridor", "cemt_class", "road_class", "source")


def display_chains(net: Network, tolerance_deg: float = DISPLAY_TOLERANCE_DEG,
                   cell_deg: float | None = DISPLAY_CELL_DEG) -> list[dict[str, Any]]:
    """One record per merged chain: ``link_id`` (the first link's), ``links`` (how many),
    ``length_km`` (their sum), mode attributes of the first link, ``lon``/``lat`` lists."""
    index = net.node_index()
    lon = net.nodes["lon"].to_numpy(dtype=float)
    lat = net.nodes["lat"].to_numpy(dtype=float)
    hub = (net.nodes["kind"].astype(str) != "junction").to_numpy()
    links = net.links
    a_all = links["from_node"].astype(str).map(index).fillna(-1).to_numpy(dtype=int)
    b_all = links["to_node"].astype(str).map(index).fillna(-1).to_numpy(dtype=int)
    count = np.ones(len(links), dtype=int)
    if cell_deg:
        lon, lat, hub, a_all, b_all, count = _snap(lon, lat, hub, a_all, b_all,
                                                   links["mode"].astype(str).to_numpy(),
                                                   cell_deg)
    ids = links["link_id"].astype(str).to_numpy()
    length = links["length_km"].to_numpy(dtype=float)
    attrs = {c: links[c].astype(str).to_numpy() for c in _KEEP if c in links.columns}
    out: list[dict[str, Any]] = []
    modes = links["mode"].astype(str).to_numpy()
    for mode in sorted(set(modes.tolist())):
        rows = np.flatnonzero((modes == mode) & (a_all >= 0) & (b_all >= 0))
        adjacency: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for r in rows.tolist():
            adjacency[int(a_all[r])].append((r, int(b_all[r])))
            adjacency[int(b_all[r])].append((r, int(a_all[r])))
        stop = {v for v, nb in adjacency.items() if len(nb) != 2 or hub[v]}
        seen: set[int] = set()
        for v in sorted(stop):
            for r, w in adjacency[v]:
                if r not in seen:
                    chain, path = _walk(adjacency, stop, seen, v, r, w)
                    out.append(_record(chain, path, ids, length, attrs, lon, lat,
                                       tolerance_deg, int(count[chain].sum())))
        for r in rows.tolist():  # rings without any stop node
            if r not in seen:
                chain, path = _walk(adjacency, stop, seen, int(a_all[r]), r, int(b_all[r]))
                out.append(_record(chain, path, ids, length, attrs, lon, lat, tolerance_deg,
                                   int(count[chain].sum())))
    return out


def _walk(adjacency: dict[int, list[tuple[int, int]]], stop: set[int], seen: set[int],
          start: int, first: int, nxt: int) -> tuple[list[int], list[int]]:
    """Links and vertices of the chain that leaves ``start`` by link ``first``."""
    chain, path, v = [first], [start, nxt], nxt
    seen.add(first)
    while v not in stop:
        step = next(((r, w) for r, w in adjacency[v] if r not in seen), None)
        if step is None:  # a ring of degree-2 junctions closed on itself
            break
        seen.add(step[0])
        chain.append(step[0])
        v = step[1]
        path.append(v)
    return chain, path


def _snap(lon: np.ndarray, lat: np.ndarray, hub: np.ndarray, a: np.ndarray, b: np.ndarray,
          modes: np.ndarray, cell_deg: float
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Junctions to grid cells (a hub is a cell of its own); links within one cell dropped,
    one link kept per (mode, cell pair), ``count`` = links it stands for (-1 ends: dropped)."""
    cx = np.floor(lon / cell_deg).astype(np.int64)
    cy = np.floor(lat / cell_deg).astype(np.int64)
    key = np.where(hub, -1 - np.arange(len(lon)), cx * 100_000 + cy)
    cells, vertex = np.unique(key, return_inverse=True)
    n = len(cells)
    sum_lon = np.bincount(vertex, weights=lon, minlength=n)
    sum_lat = np.bincount(vertex, weights=lat, minlength=n)
    size = np.bincount(vertex, minlength=n)
    v_lon, v_lat = sum_lon / size, sum_lat / size
    v_hub = np.zeros(n, dtype=bool)
    v_hub[vertex[hub]] = True
    ok = (a >= 0) & (b >= 0)
    va = np.where(ok, vertex[np.maximum(a, 0)], -1)
    vb = np.where(ok, vertex[np.maximum(b, 0)], -1)
    lo, hi = np.minimum(va, vb), np.maximum(va, vb)
    _, mode_code = np.unique(modes, return_inverse=True)
    pair = (mode_code.astype(np.int64) * n + lo) * n + hi
    usable = ok & (lo != hi)
    count = np.zeros(len(a), dtype=int)
    keep_a, keep_b = np.full(len(a), -1), np.full(len(a), -1)
    rows = np.flatnonzero(usable)
    _, first, times = np.unique(pair[rows], return_index=True, return_counts=True)
    kept = rows[first]
    keep_a[kept], keep_b[kept], count[kept] = va[kept], vb[kept], times
    return v_lon, v_lat, v_hub, keep_a, keep_b, count


def _record(chain: list[int], path: list[int], ids: np.ndarray, length: np.ndarray,
            attrs: dict[str, np.ndarray], lon: np.ndarray, lat: np.ndarray,
            tolerance_deg: float, represented: int) -> dict[str, Any]:
    xy = np.column_stack([lon[path], lat[path]])
    if len(xy) > 2:
        xy = shapely.get_coordinates(shapely.simplify(shapely.linestrings(xy), tolerance_deg))
    first = chain[0]
    rec: dict[str, Any] = {"link_id": str(ids[first]), "links": represented,
                           "length_km": round(float(length[chain].sum()), 3)}
    for col, values in attrs.items():
        rec[col] = str(values[first])
    rec["points"] = len(xy)
    rec["lon"] = [round(float(x), 4) for x in xy[:, 0]]
    rec["lat"] = [round(float(y), 4) for y in xy[:, 1]]
    return rec
