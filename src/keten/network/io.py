"""Network files in and out: GeoJSON / GeoPackage / Shapefile links in any CRS, OpenStreetMap
XML extracts, keten's own GeoJSON / GeoPackage / CSV exports (round trip).

Reading turns every format into the canonical node and link tables, then
``network_from_frames`` validates them once. (Do not load SpatiaLite in this process:
GeoPackage goes through pyogrio/GDAL only.)
"""

from __future__ import annotations

import itertools
import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from keten.errors import KetenError, Problem, ValidationError
from keten.io.tables import read_json_file, write_text_atomic
from keten.network.build import network_from_frames
from keten.network.model import LINK_COLUMNS, NODE_COLUMNS, Network, records

OSM_MODE_TAGS = {"highway": "road", "railway": "rail", "waterway": "inland_waterway"}
OSM_RAILWAY_VALUES = {"rail", "light_rail", "narrow_gauge"}
OSM_WATERWAY_VALUES = {"river", "canal", "fairway"}
_EARTH_KM = 6371.0088


def _geodesic_km(coords: np.ndarray) -> float:
    """Length in km of a lon/lat polyline (haversine per segment)."""
    if len(coords) < 2:
        return 0.0
    lon, lat = np.radians(coords[:, 0]), np.radians(coords[:, 1])
    dlat, dlon = np.diff(lat), np.diff(lon)
    h = np.sin(dlat / 2) ** 2 + np.cos(lat[:-1]) * np.cos(lat[1:]) * np.sin(dlon / 2) ** 2
    return float(np.sum(2 * _EARTH_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))))


def read_links_file(path: str | Path, *, layer: str | None = None, mode: str | None = None,
                    from_col: str | None = None, to_col: str | None = None,
                    id_col: str | None = None, length_col: str | None = None,
                    length_unit_km: float = 1.0, corridor_col: str | None = None,
                    name: str | None = None) -> Network:
    """Links from a GeoJSON, GeoPackage or Shapefile (any CRS; reprojected to WGS84).

    Nodes come from ``from_col``/``to_col`` ids when given (e.g. ``VWJ_ID_BEG``/
    ``VWJ_ID_END`` in Rijkswaterstaat fairway data), else from line end points. Lengths from
    ``length_col`` x ``length_unit_km``, else the geodesic length of the geometry. ``mode``
    applies to every link unless the file has a ``mode`` column.
    """
    path = Path(path)
    if not path.exists():
        raise KetenError(f"network file not found: {path}")
    if path.suffix.lower() in (".geojson", ".json"):
        data = read_json_file(path)  # a clear error for empty, non-UTF-8 or invalid JSON
        if isinstance(data, dict) and data.get("keten_network"):
            return read_network_file(path)
    frame = _read_geodata(path, layer)
    if layer is None and path.suffix.lower() == ".gpkg":
        import pyogrio

        names = [str(x[0]) for x in pyogrio.list_layers(path)]
        if {"nodes", "links"} <= set(names):
            return read_network_file(path)
    if frame.crs is None:
        raise ValidationError([Problem("the file has no coordinate reference system",
                                       str(path))], title="cannot import network")
    frame = frame.to_crs(4326)
    frame = frame[frame.geometry.notna()]
    frame = frame.explode(index_parts=False).reset_index(drop=True)
    problems: list[Problem] = []
    for col in (from_col, to_col, id_col, length_col, corridor_col):
        if col and col not in frame.columns:
            problems.append(Problem(f"no column '{col}' (columns: {', '.join(frame.columns)})",
                                    str(path), None, col))
    if mode is None and "mode" not in frame.columns:
        problems.append(Problem("give a mode (no 'mode' column in the file)", str(path)))
    if problems:
        raise ValidationError(problems, title="cannot import network")
    coords = [np.asarray(g.coords) for g in frame.geometry]
    starts = np.array([c[0][:2] for c in coords])
    ends = np.array([c[-1][:2] for c in coords])
    if from_col and to_col:
        a_ids = frame[from_col].astype(str).to_numpy()
        b_ids = frame[to_col].astype(str).to_numpy()
    else:
        keys: dict[tuple[float, float], str] = {}
        both: np.ndarray = np.asarray(np.round(np.r_[starts, ends], 6))
        rounded = [(float(both[i, 0]), float(both[i, 1])) for i in range(len(both))]
        for x, y in rounded:
            keys.setdefault((x, y), f"n{len(keys)}")
        a_ids = np.array([keys[(x, y)] for x, y in rounded[:len(starts)]])
        b_ids = np.array([keys[(x, y)] for x, y in rounded[len(starts):]])
    node_xy: dict[str, tuple[float, float]] = {}
    for ids, xy in ((a_ids, starts), (b_ids, ends)):
        for nid, (x, y) in zip(ids, xy, strict=True):
            node_xy.setdefault(str(nid), (float(x), float(y)))
    link_mode = frame["mode"].astype(str) if "mode" in frame.columns and mode is None else mode
    nodes = pd.DataFrame({"node_id": list(node_xy),
                          "lat": [v[1] for v in node_xy.values()],
                          "lon": [v[0] for v in node_xy.values()],
                          "kind": "junction", "modes": "", "source": str(path.name)})
    lengths = (frame[length_col].astype(float).to_numpy() * length_unit_km if length_col
               else np.array([_geodesic_km(c[:, :2]) for c in coords]))
    links = pd.DataFrame({
        "link_id": frame[id_col].astype(str) if id_col else [f"l{i}" for i in range(len(frame))],
        "from_node": a_ids, "to_node": b_ids, "mode": link_mode, "length_km": lengths,
        "corridor": frame[corridor_col].astype(str) if corridor_col else "",
        "source": str(path.name)})
    return network_from_frames(nodes, links, name=name or path.stem, file=str(path))


def read_osm(path: str | Path, name: str | None = None) -> Network:
    """Road, rail and waterway links from an OpenStreetMap XML extract (.osm).

    Ways tagged ``highway``, ``railway`` (rail, light_rail, narrow_gauge) or ``waterway``
    (river, canal, fairway) are split at their end points and at nodes shared by several
    ways; ``oneway=yes`` makes a link one-way. Node ids are ``osm:<id>``.
    """
    path = Path(path)
    coords: dict[str, tuple[float, float]] = {}
    ways: list[tuple[str, str, list[str], dict[str, str]]] = []
    try:
        for _, elem in ET.iterparse(path, events=("end",)):
            if elem.tag == "node":
                coords[elem.attrib["id"]] = (float(elem.attrib["lat"]), float(elem.attrib["lon"]))
            elif elem.tag == "way":
                tags = {t.attrib["k"]: t.attrib["v"] for t in elem.findall("tag")}
                mode = _osm_mode(tags)
                if mode:
                    refs = [nd.attrib["ref"] for nd in elem.findall("nd")]
                    ways.append((elem.attrib["id"], mode, refs, tags))
                elem.clear()
    except (ET.ParseError, FileNotFoundError, KeyError, ValueError) as exc:
        raise ValidationError([Problem(f"not a readable OSM XML file: {exc}", str(path))],
                              title="cannot import network") from None
    use: dict[str, int] = {}
    for _, _, refs, _ in ways:
        for r in refs:
            use[r] = use.get(r, 0) + 1
    problems = [Problem(f"way {wid} refers to missing node {r}", str(path), None, "nd")
                for wid, _, refs, _ in ways for r in refs if r not in coords]
    if problems:
        raise ValidationError(problems, title="cannot import network")
    rows: list[dict[str, Any]] = []
    for wid, mode, refs, tags in ways:
        cut = [0] + [i for i in range(1, len(refs) - 1) if use[refs[i]] > 1] + [len(refs) - 1]
        for part, (i, j) in enumerate(itertools.pairwise(cut)):
            pts = np.array([[coords[r][1], coords[r][0]] for r in refs[i:j + 1]])
            rows.append({"link_id": f"osm:{wid}:{part}", "from_node": f"osm:{refs[i]}",
                         "to_node": f"osm:{refs[j]}", "mode": mode,
                         "length_km": _geodesic_km(pts),
                         "bidirectional": "false" if tags.get("oneway") == "yes" else "true",
                         "road_class": tags.get("highway", ""),
                         "corridor": tags.get("ref", tags.get("name", "")),
                         "rail_electrified": tags.get("electrified", ""),
                         "source": "OpenStreetMap contributors (ODbL)"})
    links = pd.DataFrame(rows, columns=list(LINK_COLUMNS))
    ends = sorted({r for row in rows for r in (row["from_node"], row["to_node"])})
    nodes = pd.DataFrame({"node_id": ends,
                          "lat": [coords[e[4:]][0] for e in ends],
                          "lon": [coords[e[4:]][1] for e in ends],
                          "kind": "junction", "modes": "",
                          "source": "OpenStreetMap contributors (ODbL)"})
    return network_from_frames(nodes, links, name=name or path.stem, file=str(path))


def _osm_mode(tags: dict[str, str]) -> str | None:
    if "highway" in tags:
        return "road"
    if tags.get("railway") in OSM_RAILWAY_VALUES:
        return "rail"
    if tags.get("waterway") in OSM_WATERWAY_VALUES:
        return "inland_waterway"
    return None


def _read_geodata(path: Path, layer: str | None) -> Any:
    """A GeoDataFrame; a file GDAL cannot read (empty, truncated, not geodata) is a
    ValidationError naming it."""
    import geopandas as gpd
    import pyogrio.errors

    try:
        return gpd.read_file(path, layer=layer, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError,
            ValueError) as exc:
        raise ValidationError([Problem(f"not a readable geodata file: {exc}", str(path))],
                              title="cannot import network") from None


def network_geojson(net: Network) -> dict[str, Any]:
    """The network as one GeoJSON FeatureCollection: node Points and link LineStrings."""
    xy = {nid: [float(lon), float(lat)] for nid, lat, lon in
          zip(net.nodes["node_id"], net.nodes["lat"], net.nodes["lon"], strict=True)}
    features = []
    for rec in records(net.nodes):
        features.append({"type": "Feature", "geometry": {"type": "Point",
                                                         "coordinates": xy[rec["node_id"]]},
                         "properties": {"feature_type": "node", **_clean(rec)}})
    for rec in records(net.links):
        line = [xy.get(rec["from_node"], [math.nan] * 2), xy.get(rec["to_node"], [math.nan] * 2)]
        features.append({"type": "Feature", "geometry": {"type": "LineString",
                                                         "coordinates": line},
                         "properties": {"feature_type": "link", **_clean(rec)}})
    return {"type": "FeatureCollection", "keten_network": net.name, "features": features}


def _clean(rec: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else
                (bool(v) if isinstance(v, np.bool_) else v)) for k, v in rec.items()}


def write_network(net: Network, path: str | Path, fmt: str | None = None) -> Path:
    """Write ``net`` as GeoJSON (one file), GeoPackage (layers nodes, links) or CSV (a
    directory with nodes.csv and links.csv). The format follows the suffix unless given."""
    path = Path(path)
    fmt = (fmt or {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg"}.get(
        path.suffix.lower(), "csv")).lower()
    if fmt == "geojson":
        write_text_atomic(path, json.dumps(network_geojson(net), allow_nan=False))
    elif fmt == "gpkg":
        import geopandas as gpd
        from shapely.geometry import LineString, Point

        xy = {nid: (lon, lat) for nid, lat, lon in
              zip(net.nodes["node_id"], net.nodes["lat"], net.nodes["lon"], strict=True)}
        nodes = gpd.GeoDataFrame(net.nodes.copy(), crs=4326,
                                 geometry=[Point(xy[n]) for n in net.nodes["node_id"]])
        links = gpd.GeoDataFrame(net.links.copy(), crs=4326, geometry=[
            LineString([xy[a], xy[b]]) for a, b in zip(net.links["from_node"],
                                                       net.links["to_node"], strict=True)])
        if path.exists():
            path.unlink()
        nodes.to_file(path, layer="nodes", driver="GPKG", engine="pyogrio")
        links.to_file(path, layer="links", driver="GPKG", engine="pyogrio")
    elif fmt == "csv":
        path.mkdir(parents=True, exist_ok=True)
        net.nodes.to_csv(path / "nodes.csv", index=False)
        net.links.to_csv(path / "links.csv", index=False)
    else:
        raise KetenError(f"unknown network format '{fmt}'; use geojson, gpkg or csv")
    return path


def read_network_file(path: str | Path) -> Network:
    """Read a network written by ``write_network`` (GeoJSON, GeoPackage or CSV directory)."""
    path = Path(path)
    if not path.exists():
        raise ValidationError([Problem("file not found", str(path))], title="cannot read network")
    if path.is_dir():
        nodes = pd.read_csv(path / "nodes.csv", dtype=str, keep_default_na=False)
        links = pd.read_csv(path / "links.csv", dtype=str, keep_default_na=False)
    elif path.suffix.lower() == ".gpkg":
        nodes = pd.DataFrame(_read_geodata(path, "nodes").drop(columns="geometry"))
        links = pd.DataFrame(_read_geodata(path, "links").drop(columns="geometry"))
    elif path.suffix.lower() in (".geojson", ".json"):
        data = read_json_file(path)
        try:
            feats = [f for f in data.get("features", []) if isinstance(f.get("properties"), dict)]
        except (AttributeError, TypeError) as exc:
            raise ValidationError([Problem(f"not a GeoJSON FeatureCollection: {exc}", str(path))],
                                  title="cannot read network") from exc
        nodes = pd.DataFrame([f["properties"] for f in feats
                              if f["properties"].get("feature_type") == "node"],
                             columns=list(NODE_COLUMNS))
        links = pd.DataFrame([f["properties"] for f in feats
                              if f["properties"].get("feature_type") == "link"],
                             columns=list(LINK_COLUMNS))
    else:
        raise KetenError(f"cannot read network '{path}': use a .geojson, .gpkg or a directory "
                         "with nodes.csv and links.csv")
    return network_from_frames(nodes.astype(object), links.astype(object), name=path.stem,
                               file=str(path))
