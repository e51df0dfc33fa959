"""Vectorised line geometry for imported links: geodesic lengths, end points, and node
positions that agree with node ids whatever the direction a line was drawn in.

All functions take shapely geometry arrays in WGS84 (lon, lat) and work on numpy arrays of
coordinates (``shapely.get_coordinates``), never one Python object per vertex.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from keten.network.model import Network

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius
# Two end points closer than this are the same node (1e-7 degree ~ 1 cm).
_QUANTUM_DEG = 1e-7


def haversine_km(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray,
                 lat2: np.ndarray) -> np.ndarray:
    """Great-circle distance in km between paired points (degrees)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(lon2) - np.radians(lon1)
    h = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h))))


def geodesic_length_km(lines: np.ndarray) -> np.ndarray:
    """Length in km of each lon/lat (multi)line: haversine summed over its segments."""
    parts, line_of_part = shapely.get_parts(lines, return_index=True)
    coords, part = shapely.get_coordinates(parts, return_index=True)
    if len(coords) < 2:
        return np.zeros(len(lines))
    same = part[1:] == part[:-1]  # segments inside one part (no jumps between parts)
    seg = haversine_km(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    return np.bincount(line_of_part[part[:-1][same]], weights=seg[same], minlength=len(lines))


def end_points(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last (lon, lat) of each line (of the first and last part of a multiline)."""
    coords, owner = shapely.get_coordinates(lines, return_index=True)
    n = len(lines)
    counts = np.bincount(owner, minlength=n)
    last = np.cumsum(counts) - 1
    first = last - counts + 1
    return coords[first], coords[last]


def quantise(xy: np.ndarray) -> np.ndarray:
    """Integer keys of points, equal for points within ~1 cm (``_QUANTUM_DEG``)."""
    return np.asarray(np.round(xy / _QUANTUM_DEG), dtype=np.int64)


def nodes_from_end_points(start: np.ndarray, end: np.ndarray
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Node index of each link end when nodes are defined by coordinates alone.

    Returns (from index, to index, node lon/lat); equal points give one node whatever the
    direction of the line.
    """
    both = np.vstack([start, end])
    q = quantise(both)
    key = (q[:, 0] << 32) + (q[:, 1] & 0xFFFFFFFF)  # |lon|, |lat| < 2**31 quanta
    idx, uniq = pd.factorize(key)  # numbered in order of first appearance
    first = np.full(len(uniq), len(key), dtype=np.int64)
    np.minimum.at(first, idx, np.arange(len(key)))
    xy = both[first]
    m = len(start)
    return idx[:m], idx[m:], xy


@dataclass(frozen=True)
class Orientation:
    """How each line lies between its id-given end nodes, and where each node is."""

    reversed: np.ndarray  # per link: geometry drawn from to_node to from_node
    node_lon: np.ndarray  # per node (index into the node id array)
    node_lat: np.ndarray
    mismatch_m: np.ndarray  # per link: how far its ends lie from its nodes' positions


def orient_by_ids(a: np.ndarray, b: np.ndarray, start: np.ndarray, end: np.ndarray,
                  n_nodes: int) -> Orientation:
    """Node positions from link end ids and line end points, whatever the drawing direction.

    ``a``/``b``: node index of each link's from/to id; ``start``/``end``: the line's first and
    last point. A node's position is the end point that most of its links share (a link drawn
    b->a offers the same points as one drawn a->b); each link is then reversed when its
    geometry fits its nodes better the other way round. A node seen on one link only is
    placed by the end its neighbour did not take.
    """
    m = len(a)
    ks, ke = quantise(start), quantise(end)
    # candidate (node, point) pairs: each end id may sit at either end point
    cand_node = np.concatenate([a, a, b, b])
    cand_pt = np.concatenate([ks, ke, ks, ke])
    frame = pd.DataFrame({"n": cand_node, "x": cand_pt[:, 0], "y": cand_pt[:, 1]})
    counts = frame.groupby(["n", "x", "y"], sort=False).size()
    count = counts.reindex(pd.MultiIndex.from_frame(frame)).to_numpy()
    a_s, a_e, b_s, b_e = count[:m], count[m:2 * m], count[2 * m:3 * m], count[3 * m:]
    forward = a_s + b_e
    backward = a_e + b_s
    rev = backward > forward
    # a tie (both ends seen once, or parallel links drawn both ways): keep the drawn direction
    from_pt = np.where(rev[:, None], end, start)
    to_pt = np.where(rev[:, None], start, end)
    # node position: the most frequent oriented end point of the node
    pts = np.vstack([from_pt, to_pt])
    nodes = np.concatenate([a, b])
    q = quantise(pts)
    pf = pd.DataFrame({"n": nodes, "x": q[:, 0], "y": q[:, 1], "i": np.arange(2 * m)})
    size = pf.groupby(["n", "x", "y"], sort=False)["i"].transform("size").to_numpy()
    order = np.lexsort((pf["i"].to_numpy(), -size, nodes))
    first_of_node = order[np.r_[True, nodes[order][1:] != nodes[order][:-1]]]
    lon = np.full(n_nodes, np.nan)
    lat = np.full(n_nodes, np.nan)
    lon[nodes[first_of_node]] = pts[first_of_node, 0]
    lat[nodes[first_of_node]] = pts[first_of_node, 1]
    off = np.maximum(haversine_km(from_pt[:, 0], from_pt[:, 1], lon[a], lat[a]),
                     haversine_km(to_pt[:, 0], to_pt[:, 1], lon[b], lat[b])) * 1000.0
    return Orientation(rev, lon, lat, off)


def link_lines(net: Network) -> np.ndarray:
    """Shapely lines per link: the kept geometry, else straight from node to node."""
    if net.link_geometry is not None and len(net.link_geometry) == len(net.links):
        return np.asarray(net.link_geometry)
    index = net.node_index()
    lon = net.nodes["lon"].to_numpy(dtype=float)
    lat = net.nodes["lat"].to_numpy(dtype=float)
    a = np.array([index.get(x, -1) for x in net.links["from_node"]], dtype=np.int64)
    b = np.array([index.get(x, -1) for x in net.links["to_node"]], dtype=np.int64)
    ok = (a >= 0) & (b >= 0)
    pts = np.full((len(a), 2, 2), np.nan)
    pts[ok, 0] = np.column_stack([lon[a[ok]], lat[a[ok]]])
    pts[ok, 1] = np.column_stack([lon[b[ok]], lat[b[ok]]])
    return np.asarray(shapely.linestrings(pts))
