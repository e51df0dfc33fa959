"""Attributes of named routes (motorways, rail lines) laid onto a layer of the national network.

A route is a published fact: "the A15 is a motorway from the Maasvlakte via Rotterdam to
Gorinchem and Nijmegen", "the Betuweroute is electrified at 25 kV AC". The spec files
(road_routes.csv, rail_lines.csv beside this module) name each route by a chain of waypoints
(GeoNames places of places.csv, or ``lat/lon``) and give its source. This module finds the
layer links that carry the route: each waypoint is snapped to the nearest layer node (at most
SNAP_KM away) and consecutive waypoints are joined by the layer's shortest path. A leg whose
path is longer than DETOUR_MAX times the straight line between its two waypoints is not
taken (the layer then lacks the road, or the waypoints are too far apart to pin the route),
and is reported.

Used by scripts/build_national_network.py at build time only.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

SNAP_KM = 5.0  # a waypoint further than this from the layer does not pin the route
# a leg's layer path is at most DETOUR_MAX x the straight line between its waypoints plus
# DETOUR_ADD_KM (town-centre waypoints lie a few km off the road they name)
DETOUR_MAX = 1.5
DETOUR_ADD_KM = 8.0
PARALLEL_KM = 0.12  # a second carriageway / track lies within this of the matched path
PARALLEL_COS = 0.9  # ... and runs parallel to it (|cos| of the angle between the two)
PREFER_MATCHED = 0.5  # weight factor of links already matched, so routes share one path
KM_PER_DEG_LAT = 111.2
SCALE_LAT_DEG = 51.5  # longitude scale for the nearest-node search (NL/BE/western DE)


@dataclass(frozen=True)
class RouteMatch:
    """The links a spec route lies on, and the legs that could not be laid."""

    link_route: dict[int, int]  # link row -> spec row (first route in spec order wins)
    link_rule: dict[int, str]  # link row -> the matching rule, in words
    skipped: list[str]  # one line per leg not taken


def read_spec(path: Path) -> pd.DataFrame:
    """A spec CSV with '#' comment lines, every field as text."""
    body = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                     if not line.startswith("#"))
    return pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False)


def _place_lookup(places: pd.DataFrame) -> dict[tuple[str, str], tuple[float, float]]:
    table: dict[tuple[str, str], tuple[float, float]] = {}
    for r in places.sort_values("population", ascending=False).to_dict("records"):
        table.setdefault((str(r["name"]), str(r["country"])), (float(r["lon"]), float(r["lat"])))
        table.setdefault((str(r["name"]), ""), (float(r["lon"]), float(r["lat"])))
    return table


def waypoints(chain: str, country: str, places: pd.DataFrame) -> list[tuple[str, float, float]]:
    """``Rotterdam>Gorinchem>51.84/5.87`` as (label, lon, lat); a place name is looked up in
    the route's own country first, then in any country of places.csv."""
    lookup = _place_lookup(places)
    out = []
    for token in (t.strip() for t in chain.split(">")):
        if "/" in token and token.replace("/", "").replace(".", "").isdigit():
            lat, lon = (float(x) for x in token.split("/"))
            out.append((token, lon, lat))
            continue
        hit = lookup.get((token, country)) or lookup.get((token, ""))
        if hit is None:
            raise SystemExit(f"route waypoint {token!r} is not a place of places.csv")
        out.append((token, hit[0], hit[1]))
    return out


def _km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    scale = np.cos(np.radians((lat1 + lat2) / 2))
    return float(np.hypot((lon2 - lon1) * scale, lat2 - lat1) * KM_PER_DEG_LAT)


def match_routes(links: pd.DataFrame, nodes: pd.DataFrame, spec: pd.DataFrame,
                 places: pd.DataFrame, name_col: str = "route",
                 prefer: np.ndarray | None = None) -> RouteMatch:
    """Lay every route of ``spec`` (columns ``name_col``, country, waypoints) onto the layer
    given by ``links`` (from_node, to_node, length_km) and ``nodes`` (node_id, lon, lat).
    Links flagged in ``prefer`` (already classed) weigh PREFER_MATCHED of their length in the
    path search, so a route runs on the same carriageway as an earlier one."""
    ids = pd.Index(nodes["node_id"])
    a = ids.get_indexer(links["from_node"])
    b = ids.get_indexer(links["to_node"])
    w = links["length_km"].to_numpy(float)
    cost = w.copy() if prefer is None else np.where(prefer, w * PREFER_MATCHED, w)
    n = len(ids)
    graph = coo_matrix((np.r_[cost, cost], (np.r_[a, b], np.r_[b, a])), shape=(n, n)).tocsr()
    # shortest of parallel links between two nodes carries the route
    edge: dict[tuple[int, int], int] = {}
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        key = (min(x, y), max(x, y))
        if key not in edge or w[i] < w[edge[key]]:
            edge[key] = i
    lon = nodes["lon"].to_numpy(float)
    lat = nodes["lat"].to_numpy(float)
    scale = np.cos(np.radians(SCALE_LAT_DEG))
    tree = cKDTree(np.column_stack([lon * scale, lat]))
    link_route: dict[int, int] = {}
    link_rule: dict[int, str] = {}
    skipped: list[str] = []
    for row, r in enumerate(spec.to_dict("records")):
        points = waypoints(r["waypoints"], r["country"], places)
        snapped = []
        for label, x, y in points:
            _, k = tree.query([x * scale, y])
            d = _km(x, y, lon[k], lat[k])
            snapped.append((label, int(k) if d <= SNAP_KM else -1))
            if d > SNAP_KM:
                skipped.append(f"{r[name_col]}: waypoint {label} is {d:.1f} km from the layer")
        for (l1, s), (l2, t), p1, p2 in zip(snapped, snapped[1:], points, points[1:],
                                            strict=False):
            if s < 0 or t < 0 or s == t:
                continue
            dist, pred = dijkstra(graph, indices=s, return_predecessors=True)
            straight = _km(p1[1], p1[2], p2[1], p2[2])
            path: list[int] = []
            v = t
            while np.isfinite(dist[t]) and v != s:
                u = int(pred[v])
                path.append(edge[(min(u, v), max(u, v))])
                v = u
            km = float(w[path].sum()) if path else float("inf")
            if km > DETOUR_MAX * straight + DETOUR_ADD_KM:
                skipped.append(f"{r[name_col]}: leg {l1}>{l2} path {km:.0f} km for "
                               f"{straight:.0f} km straight")
                continue
            rule = (f"on the layer's shortest path {l1}>{l2} of {r[name_col]} (waypoints "
                    f"snapped within {SNAP_KM:g} km; path {km:.0f} km <= {DETOUR_MAX:g} x "
                    f"{straight:.0f} km straight + {DETOUR_ADD_KM:g} km)")
            for i in path:
                if i not in link_route:
                    link_route[i] = row
                    link_rule[i] = rule
    return RouteMatch(link_route, link_rule, skipped)


def parallel_links(links: pd.DataFrame, nodes: pd.DataFrame, matched: np.ndarray
                   ) -> dict[int, int]:
    """Links not in ``matched`` that run beside a matched link over their whole length (both
    ends and the middle within PARALLEL_KM of matched links, and parallel to the nearest one
    within PARALLEL_COS): the other carriageway of a dual carriageway road, or the other track
    of a line. Returns link row -> the matched link row it runs beside (shapely STRtree)."""
    pos = nodes.set_index("node_id")[["lon", "lat"]].astype(float)
    scale = np.cos(np.radians(SCALE_LAT_DEG)) * KM_PER_DEG_LAT
    xa = pos.loc[links["from_node"]].to_numpy() * [scale, KM_PER_DEG_LAT]
    xb = pos.loc[links["to_node"]].to_numpy() * [scale, KM_PER_DEG_LAT]
    segs = shapely.linestrings(np.stack([xa, xb], axis=1))
    hit = np.flatnonzero(matched)
    rest = np.flatnonzero(~matched)
    if not len(hit) or not len(rest):
        return {}
    tree = shapely.STRtree(segs[hit])
    near_mid, d_mid = tree.query_nearest(shapely.points((xa[rest] + xb[rest]) / 2),
                                         return_distance=True, all_matches=False)
    _, d_a = tree.query_nearest(shapely.points(xa[rest]), return_distance=True,
                                all_matches=False)
    _, d_b = tree.query_nearest(shapely.points(xb[rest]), return_distance=True,
                                all_matches=False)
    other = hit[near_mid[1]]
    u = xb[rest] - xa[rest]
    v = xb[other] - xa[other]
    norm = np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1)
    cos = np.abs((u * v).sum(axis=1)) / np.where(norm > 0, norm, 1.0)
    ok = ((d_mid <= PARALLEL_KM) & (d_a <= PARALLEL_KM) & (d_b <= PARALLEL_KM)
          & (cos >= PARALLEL_COS) & (norm > 0))
    return dict(zip(rest[ok].tolist(), other[ok].tolist(), strict=True))


PARALLEL_RULE = (f"beside the matched path over its whole length (both ends and middle within "
                 f"{PARALLEL_KM * 1000:.0f} m, parallel within |cos| >= {PARALLEL_COS}): ")
