"""Hazard overlays and multi-link redundancy (the definition Deltares' ra2ce uses).

A hazard overlay gives every link a hazard value: a link attribute (``flood_depth_m``, a
water level, ...) or a raster (flood depth in a GeoTIFF) sampled along the link's geometry
(the maximum over the cells it crosses). Links whose value reaches a threshold are affected.

Multi-link redundancy: remove *all* affected links at once, then for each removed link
(u, v) search the shortest u-v path in what is left. A link whose ends stay connected has a
detour (its length and extra length, time and extra time); one whose ends are cut off
has none. Like single-link redundancy, links are undirected and detours stay in the link's
own mode unless ``same_mode=False``; searches run on the graph of junctions and degree-2
chains (:mod:`keten.resilience.redundancy`). Pure: arrays and tables in, tables out (the raster is
read in :mod:`keten.io.hazard_raster`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import rustworkx as rx
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from keten.errors import Problem, ValidationError
from keten.network.build import default_mode_defaults
from keten.network.geometry import link_lines
from keten.network.model import LINK_COLUMNS, ModeDefaults, Network
from keten.resilience.redundancy import chains, link_ends

METHOD = "multi-link redundancy (ra2ce definition): all affected links removed at once"


@dataclass(frozen=True)
class Raster:
    """A single-band raster in memory: values[row, col], its affine transform
    (a, b, c, d, e, f as in GDAL/rasterio: x = a*col + b*row + c, y = d*col + e*row + f),
    its CRS (anything pyproj accepts) and its nodata value."""

    values: np.ndarray
    transform: tuple[float, float, float, float, float, float]
    crs: str
    nodata: float | None = None
    source: str = ""

    @property
    def cell_size(self) -> float:
        a, b, _, d, e, _ = self.transform
        return float(min(np.hypot(a, d), np.hypot(b, e)))


def sample_raster_max(net: Network, raster: Raster) -> np.ndarray:
    """Per link, the largest raster value along its geometry (NaN: no valid cell touched).

    Each line is reprojected to the raster's CRS, densified to points at most half a cell
    apart, and every point is looked up in its cell.
    """
    from pyproj import CRS, Transformer

    lines = link_lines(net)
    target = CRS.from_user_input(raster.crs)
    if not target.equals(CRS.from_epsg(4326)):
        tr = Transformer.from_crs(4326, target, always_xy=True)
        lines = shapely.transform(lines, lambda xy: np.column_stack(tr.transform(xy[:, 0],
                                                                                  xy[:, 1])))
    # GEOS refuses to segmentize a zero-length line (a terminal's access link drawn from a
    # point onto itself); such a line is its own point and is sampled as it is.
    dense = lines.copy()
    long_enough = shapely.length(lines) > 0
    dense[long_enough] = shapely.segmentize(
        lines[long_enough], max_segment_length=raster.cell_size / 2
    )
    xy, owner = shapely.get_coordinates(dense, return_index=True)
    a, b, c, d, e, f = raster.transform
    det = a * e - b * d
    x, y = xy[:, 0] - c, xy[:, 1] - f
    col = np.floor((e * x - b * y) / det).astype(np.int64)
    row = np.floor((-d * x + a * y) / det).astype(np.int64)
    h, w = raster.values.shape
    inside = (row >= 0) & (row < h) & (col >= 0) & (col < w)
    vals = np.full(len(xy), np.nan)
    vals[inside] = raster.values[row[inside], col[inside]]
    if raster.nodata is not None and np.isfinite(raster.nodata):
        vals[vals == raster.nodata] = np.nan
    out = np.full(len(lines), -np.inf)
    ok = np.isfinite(vals)
    np.maximum.at(out, owner[ok], vals[ok])
    out[~np.isfinite(out)] = np.nan
    return out


def attribute_values(net: Network, attribute: str) -> np.ndarray:
    """A link attribute as numbers (NaN where empty); unknown attribute: one clear error."""
    if attribute not in net.links.columns:
        extra = [str(c) for c in net.links.columns if c not in LINK_COLUMNS]
        raise ValidationError([Problem(f"the network's links have no attribute '{attribute}'"
                                       + (f" (extra attributes: {', '.join(extra)})" if extra
                                          else ""), None, None, attribute)],
                              title="invalid hazard overlay")
    return np.asarray(pd.to_numeric(net.links[attribute], errors="coerce"), dtype=float)


def affected(values: np.ndarray, threshold: float) -> np.ndarray:
    """Links whose hazard value reaches the threshold (NaN: not affected)."""
    with np.errstate(invalid="ignore"):
        return np.asarray(np.nan_to_num(values, nan=-np.inf) >= threshold)


def _ends(net: Network) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    u, v = link_ends(net)
    length = net.links["length_km"].to_numpy(dtype=float)
    ok = (u >= 0) & (v >= 0) & np.isfinite(length) & (length > 0)
    return u, v, ok


def _pair_distances(n: int, u: np.ndarray, v: np.ndarray, weights: Sequence[np.ndarray],
                    queries: Sequence[tuple[int, int]]) -> list[np.ndarray]:
    """Per weight, the shortest a-b distance per query on the undirected multigraph (inf:
    not connected).

    Only pairs in one component are searched, on the graph of junctions and degree-2 chains
    (query ends kept as junctions, so distances between them are unchanged), one Dijkstra
    per source: goal-directed for one target, to all for several.
    """
    out = [np.full(len(queries), np.inf) for _ in weights]
    if not len(queries):
        return out
    qa = np.array([a for a, _ in queries], dtype=np.int64)
    qb = np.array([b for _, b in queries], dtype=np.int64)
    for o in out:
        o[qa == qb] = 0.0
    graph = coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    ask = np.flatnonzero((qa != qb) & (label[qa] == label[qb]))
    if not len(ask):
        return out
    keep = np.zeros(n, dtype=bool)
    keep[qa[ask]] = keep[qb[ask]] = True
    active = (u != v) & np.isin(label[u], label[qa[ask]])
    ch = chains(n, u, v, active, junction=keep)
    open_ = np.flatnonzero(ch.end_a != ch.end_b)  # closed chains never shorten a path
    junctions = np.unique(np.concatenate([ch.end_a[open_], ch.end_b[open_]]))
    ends = list(zip(np.searchsorted(junctions, ch.end_a[open_]).tolist(),
                    np.searchsorted(junctions, ch.end_b[open_]).tolist(), strict=True))
    src = np.minimum(np.searchsorted(junctions, qa[ask]), len(junctions) - 1)
    dst = np.minimum(np.searchsorted(junctions, qb[ask]), len(junctions) - 1)
    present = (junctions[src] == qa[ask]) & (junctions[dst] == qb[ask])
    ask, src, dst = ask[present], src[present], dst[present]
    order = np.argsort(src, kind="stable")
    cuts = np.flatnonzero(np.diff(src[order])) + 1
    by_source = np.split(order, cuts) if len(order) else []
    for w, found in zip(weights, out, strict=True):
        totals = ch.totals(np.where(active, w, 0.0))[open_].tolist()
        g = rx.PyGraph(multigraph=True)
        g.add_nodes_from(range(len(junctions)))
        g.add_edges_from([(a, b, x) for (a, b), x in zip(ends, totals, strict=True)])
        for mine in by_source:
            goal = int(dst[mine[0]]) if len(np.unique(dst[mine])) == 1 else None
            lengths = rx.graph_dijkstra_shortest_path_lengths(g, int(src[mine[0]]), float,
                                                              goal=goal)
            for k in mine.tolist():
                t = int(dst[k])
                if t in lengths:
                    found[ask[k]] = lengths[t]
    return out


def multi_link_redundancy(net: Network, hit: np.ndarray, same_mode: bool = True,
                          defaults: ModeDefaults | None = None,
                          hazard_values: np.ndarray | None = None) -> pd.DataFrame:
    """Remove every link in ``hit`` at once; per removed link: do its ends stay connected,
    and by what detour? (see module doc).

    Columns: link_id, mode, from_node, to_node, hazard_value, length_km, time_h,
    connected, detour_length_km, extra_length_km, detour_time_h, extra_time_h.
    """
    hit = np.asarray(hit, dtype=bool)
    if len(hit) != len(net.links):
        raise ValueError("one affected flag per link is needed")
    u, v, ok = _ends(net)
    length = net.links["length_km"].to_numpy(dtype=float)
    times = net.link_time_h(defaults or default_mode_defaults())
    modes = net.links["mode"].astype(str).to_numpy()
    rows = np.flatnonzero(hit)
    det_len = np.full(len(rows), np.inf)
    det_time = np.full(len(rows), np.inf)
    n = len(net.nodes)
    groups = sorted(set(modes[rows])) if same_mode else ["*"]
    for grp in groups:
        in_grp = (modes == grp) if grp != "*" else np.ones(len(modes), dtype=bool)
        keep = np.flatnonzero(in_grp & ok & ~hit)
        ask = np.flatnonzero(in_grp[rows] & ok[rows])
        queries = [(int(u[rows[k]]), int(v[rows[k]])) for k in ask]
        det_len[ask], det_time[ask] = _pair_distances(n, u[keep], v[keep],
                                                      [length[keep], times[keep]], queries)
    connected = np.isfinite(det_len)
    links = net.links.iloc[rows]
    value = (np.full(len(rows), np.nan) if hazard_values is None
             else np.asarray(hazard_values, dtype=float)[rows])
    return pd.DataFrame({
        "link_id": links["link_id"].astype(str).to_numpy(), "mode": modes[rows],
        "from_node": links["from_node"].astype(str).to_numpy(),
        "to_node": links["to_node"].astype(str).to_numpy(),
        "hazard_value": value, "length_km": length[rows], "time_h": times[rows],
        "connected": connected,
        "detour_length_km": np.where(connected, det_len, np.nan),
        "extra_length_km": np.where(connected, det_len - length[rows], np.nan),
        "detour_time_h": np.where(np.isfinite(det_time), det_time, np.nan),
        "extra_time_h": np.where(np.isfinite(det_time), det_time - times[rows], np.nan),
    })


@dataclass(frozen=True)
class HazardResult:
    """A hazard overlay's affected links and their multi-link redundancy."""

    source: str  # "attribute flood_depth_m" or "raster depth.tif"
    threshold: float
    links_total: int
    table: pd.DataFrame

    def as_dict(self, top: int | None = None) -> dict[str, Any]:
        t = self.table.sort_values(["connected", "extra_time_h"], ascending=[True, False],
                                   kind="stable")
        if top:
            t = t.head(top)
        rows = []
        for rec in t.to_dict(orient="records"):
            rows.append({str(k): (None if isinstance(v, float) and v != v else
                                  round(v, 6) if isinstance(v, float) else
                                  bool(v) if isinstance(v, np.bool_) else v)
                         for k, v in rec.items()})
        return {"method": METHOD, "hazard": self.source, "threshold": self.threshold,
                "links": self.links_total, "removed": len(self.table),
                "disconnected": int((~self.table["connected"]).sum()),
                "detoured": int(self.table["connected"].sum()),
                "removed_links": rows}


def hazard_overlay(net: Network, threshold: float, *, attribute: str | None = None,
                   raster: Raster | None = None, same_mode: bool = True) -> HazardResult:
    """Affected links by an attribute or a raster reaching ``threshold``, and their
    multi-link redundancy."""
    if (attribute is None) == (raster is None):
        raise ValidationError([Problem("give a hazard attribute or a raster (one of them)",
                                       None, None, "hazard")], title="invalid hazard overlay")
    if not np.isfinite(threshold):
        raise ValidationError([Problem(f"threshold must be a number, got {threshold}", None,
                                       None, "threshold")], title="invalid hazard overlay")
    if attribute is not None:
        values = attribute_values(net, attribute)
        source = f"attribute {attribute}"
    else:
        assert raster is not None
        values = sample_raster_max(net, raster)
        source = f"raster {raster.source}".strip()
    table = multi_link_redundancy(net, affected(values, threshold), same_mode,
                                  hazard_values=values)
    return HazardResult(source, float(threshold), len(net.links), table)
