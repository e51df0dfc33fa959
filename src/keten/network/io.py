"""Network files in and out: keten's own GeoJSON / GeoPackage / CSV (round trip, with the
full link geometry and every extra column), and the importers for foreign files
(:mod:`keten.network.geofile` for GeoJSON / GeoPackage / Shapefile in any CRS,
:mod:`keten.network.osm` for OpenStreetMap XML).

Writing is atomic: a file is replaced only once it is complete. (Do not load SpatiaLite in
this process: GeoPackage goes through pyogrio/GDAL only.)
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from keten.errors import KetenError, Problem, ValidationError
from keten.io.tables import atomic_path
from keten.network.build import network_from_frames
from keten.network.geofile import ImportNotes, ImportOptions, read_links_file
from keten.network.geometry import link_lines
from keten.network.model import LINK_COLUMNS, NODE_COLUMNS, Network
from keten.network.osm import read_osm

__all__ = ["ImportNotes", "ImportOptions", "is_keten_network_file", "network_geojson",
           "read_links_file", "read_network_file", "read_osm", "write_network"]


def is_keten_network_file(path: Path) -> bool:
    """Is ``path`` a network keten wrote (GeoJSON flagged ``keten_network``, a GeoPackage
    with layers nodes and links, or a folder with nodes.csv and links.csv)?"""
    if path.is_dir():
        return (path / "nodes.csv").exists() and (path / "links.csv").exists()
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        with path.open("rb") as fh:
            return b'"keten_network"' in fh.read(256)
    if suffix == ".gpkg":
        import pyogrio

        try:
            names = {str(x[0]) for x in pyogrio.list_layers(path)}
        except Exception:  # not a readable GeoPackage: the importer reports it
            return False
        return {"nodes", "links"} <= names
    return False


def _property_records(frame: pd.DataFrame, feature_type: str) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (NaN -> null), through pandas' C JSON writer."""
    rows: list[dict[str, Any]] = json.loads(frame.to_json(orient="records", double_precision=10))
    for row in rows:
        row["feature_type"] = feature_type
    return rows


def network_geojson(net: Network) -> dict[str, Any]:
    """The network as one GeoJSON FeatureCollection: node Points and link LineStrings."""
    import shapely

    lon = np.round(net.nodes["lon"].to_numpy(dtype=float), 7).tolist()
    lat = np.round(net.nodes["lat"].to_numpy(dtype=float), 7).tolist()
    features: list[dict[str, Any]] = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [x, y]},
         "properties": props}
        for x, y, props in zip(lon, lat, _property_records(net.nodes, "node"), strict=True)]
    lines = link_lines(net)
    coords, owner = shapely.get_coordinates(lines, return_index=True)
    bounds = np.r_[0, np.cumsum(np.bincount(owner, minlength=len(lines)))].tolist()
    rounded = np.round(coords, 7).tolist()
    for i, props in enumerate(_property_records(net.links, "link")):
        line = rounded[bounds[i]:bounds[i + 1]] or [[None, None], [None, None]]
        features.append({"type": "Feature", "geometry": {"type": "LineString",
                                                         "coordinates": line},
                         "properties": props})
    return {"keten_network": net.name, "type": "FeatureCollection", "features": features}


def write_network(net: Network, path: str | Path, fmt: str | None = None) -> Path:
    """Write ``net`` as GeoJSON (one file), GeoPackage (layers nodes, links) or CSV (a
    directory with nodes.csv and links.csv, geometry as WKT). The format follows the suffix
    unless given. The target is replaced only when the whole file is written."""
    import shapely

    path = Path(path)
    fmt = (fmt or {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg"}.get(
        path.suffix.lower(), "csv")).lower()
    if fmt not in ("geojson", "gpkg", "csv"):
        raise KetenError(f"unknown network format '{fmt}'; use geojson, gpkg or csv")
    if fmt == "geojson":
        text = json.dumps(network_geojson(net), allow_nan=False)
        with atomic_path(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
    elif fmt == "gpkg":
        import geopandas as gpd

        nodes = gpd.GeoDataFrame(net.nodes.copy(), crs=4326, geometry=shapely.points(
            np.column_stack([net.nodes["lon"].to_numpy(float), net.nodes["lat"].to_numpy(float)])))
        links = gpd.GeoDataFrame(net.links.copy(), crs=4326, geometry=link_lines(net))
        tmp = path.with_name(f".{path.stem}.tmp.gpkg")  # GDAL wants the .gpkg suffix
        tmp.unlink(missing_ok=True)
        try:
            nodes.to_file(tmp, layer="nodes", driver="GPKG", engine="pyogrio", use_arrow=True)
            links.to_file(tmp, layer="links", driver="GPKG", engine="pyogrio", use_arrow=True)
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
    else:
        links = net.links.copy()
        links["geometry_wkt"] = shapely.to_wkt(link_lines(net), rounding_precision=7)
        tmp_dir = path.with_name(f".{path.name}.tmp")
        shutil.rmtree(tmp_dir, ignore_errors=True)
        tmp_dir.mkdir(parents=True)
        try:
            net.nodes.to_csv(tmp_dir / "nodes.csv", index=False)
            links.to_csv(tmp_dir / "links.csv", index=False)
            path.mkdir(parents=True, exist_ok=True)
            for name in ("nodes.csv", "links.csv"):
                (tmp_dir / name).replace(path / name)
        finally:
            shutil.rmtree(tmp_dir, ignore_errors=True)
    return path


def read_network_file(path: str | Path) -> Network:
    """Read a network written by ``write_network`` (GeoJSON, GeoPackage or CSV directory),
    with its link geometry and extra columns; or a built-in one by name (``national``)."""
    import shapely

    from keten.network.build import NAMED_NETWORKS

    path = Path(path)
    if not path.exists() and str(path) in NAMED_NETWORKS:
        return NAMED_NETWORKS[str(path)]()
    if not path.exists():
        raise ValidationError([Problem("file not found (or a built-in network: "
                                       f"{', '.join(NAMED_NETWORKS)})", str(path))],
                              title="cannot read network")
    geometry: Any = None
    if path.is_dir():
        try:
            nodes = pd.read_csv(path / "nodes.csv", dtype=str, keep_default_na=False)
            links = pd.read_csv(path / "links.csv", dtype=str, keep_default_na=False)
        except FileNotFoundError as exc:
            raise ValidationError([Problem(f"no {Path(str(exc.filename)).name} in the folder",
                                           str(path))], title="cannot read network") from None
        if "geometry_wkt" in links.columns:
            wkt = links["geometry_wkt"].where(links["geometry_wkt"] != "", None).to_numpy()
            geometry = shapely.from_wkt(wkt)
    elif path.suffix.lower() == ".gpkg":
        import pyogrio

        _, node_table = pyogrio.read_arrow(path, layer="nodes")
        meta, link_table = pyogrio.read_arrow(path, layer="links")
        geom_col = meta.get("geometry_name") or "geom"
        nodes = node_table.drop_columns([c for c in node_table.column_names
                                         if c in (geom_col, "geom", "geometry")]).to_pandas()
        geometry = shapely.from_wkb(link_table.column(geom_col).to_numpy(zero_copy_only=False))
        links = link_table.drop_columns([geom_col]).to_pandas()
    elif path.suffix.lower() in (".geojson", ".json"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            feats = [f for f in data.get("features", []) if isinstance(f.get("properties"), dict)]
        except (json.JSONDecodeError, AttributeError) as exc:
            raise ValidationError([Problem(f"not a GeoJSON FeatureCollection: {exc}", str(path))],
                                  title="cannot read network") from exc
        node_feats = [f for f in feats if f["properties"].get("feature_type") == "node"]
        link_feats = [f for f in feats if f["properties"].get("feature_type") == "link"]
        nodes = pd.DataFrame([f["properties"] for f in node_feats], columns=None if node_feats
                             else list(NODE_COLUMNS))
        links = pd.DataFrame([f["properties"] for f in link_feats], columns=None if link_feats
                             else list(LINK_COLUMNS))
        if link_feats and all(isinstance(f.get("geometry"), dict) for f in link_feats):
            geometry = shapely.from_geojson([json.dumps(f["geometry"]) for f in link_feats])
    else:
        raise KetenError(f"cannot read network '{path}': use a .geojson, .gpkg or a directory "
                         "with nodes.csv and links.csv")
    return network_from_frames(nodes.astype(object), links.astype(object), name=path.stem,
                               file=str(path), link_geometry=geometry)
