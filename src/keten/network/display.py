"""A network drawn at national scale: chains of links merged into one line each.

A map of 43,000 links is mostly chains of short sections joined at junctions where nothing
happens (degree 2 within the mode). ``display_chains`` merges every such chain into one
polyline between the nodes that matter (terminals, ports, crossings, forks and ends),
simplified to about ``tolerance_deg`` and rounded, so a browser gets a few thousand lines
instead of every section. Lengths add up; the other attributes are the first link's.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import shapely

from keten.network.model import Network

DISPLAY_TOLERANCE_DEG = 0.004  # about 300-450 m: below a pixel at national zoom
_KEEP = ("mode", "corridor", "cemt_class", "road_class", "source")


def display_chains(net: Network, tolerance_deg: float = DISPLAY_TOLERANCE_DEG
                   ) -> list[dict[str, Any]]:
    """One record per merged chain: ``link_id`` (the first link's), ``links`` (how many),
    ``length_km`` (their sum), mode attributes of the first link, ``lon``/``lat`` lists."""
    index = net.node_index()
    lon = net.nodes["lon"].to_numpy(dtype=float)
    lat = net.nodes["lat"].to_numpy(dtype=float)
    hub = (net.nodes["kind"].astype(str) != "junction").to_numpy()
    links = net.links
    a_all = links["from_node"].astype(str).map(index).fillna(-1).to_numpy(dtype=int)
    b_all = links["to_node"].astype(str).map(index).fillna(-1).to_numpy(dtype=int)
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

        def walk(start: int, first: int, nxt: int) -> None:
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
            out.append(_record(chain, path, ids, length, attrs, lon, lat, tolerance_deg))

        for v in sorted(stop):
            for r, w in adjacency[v]:
                if r not in seen:
                    walk(v, r, w)
        for r in rows.tolist():  # rings without any stop node
            if r not in seen:
                walk(int(a_all[r]), r, int(b_all[r]))
    return out


def _record(chain: list[int], path: list[int], ids: np.ndarray, length: np.ndarray,
            attrs: dict[str, np.ndarray], lon: np.ndarray, lat: np.ndarray,
            tolerance_deg: float) -> dict[str, Any]:
    xy = np.column_stack([lon[path], lat[path]])
    if len(xy) > 2:
        xy = shapely.get_coordinates(shapely.simplify(shapely.linestrings(xy), tolerance_deg))
    first = chain[0]
    rec: dict[str, Any] = {"link_id": str(ids[first]), "links": len(chain),
                           "length_km": round(float(length[chain].sum()), 3)}
    for col, values in attrs.items():
        rec[col] = str(values[first])
    rec["lon"] = [round(float(x), 4) for x in xy[:, 0]]
    rec["lat"] = [round(float(y), 4) for y in xy[:, 1]]
    return rec
