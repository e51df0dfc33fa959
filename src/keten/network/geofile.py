"""Links from GeoJSON, GeoPackage and Shapefile files, read in bulk (pyogrio + Arrow).

Every column is read as one Arrow array and every geometry as one shapely array; node
positions, lengths and attributes are computed on numpy arrays, so 50,000 links take about
a second. Node positions agree with the node ids whatever the drawing direction of a line
(see :func:`keten.network.geometry.orient_by_ids`); the full line geometry is kept, and so
is every attribute column. (Do not load SpatiaLite in this process: GeoPackage goes
through pyogrio/GDAL only.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from keten.errors import Problem, ValidationError
from keten.model.enums import Mode
from keten.network.build import network_from_frames
from keten.network.geometry import (
    end_points,
    geodesic_length_km,
    nodes_from_end_points,
    orient_by_ids,
)
from keten.network.model import RESERVED_COLUMNS, Network

# Line ends farther than this from the position of their id-given node are reported.
MISMATCH_WARN_M = 50.0
MODES = tuple(m.value for m in Mode)

#: ``progress(stage, done, total)``: an importer names the stage it starts ("read",
#: "topology") and, where it can, how far it is (bytes of the file read, of ``total``).
ImportProgress = Callable[[str, int | None, int | None], None]


def no_progress(stage: str, done: int | None = None, total: int | None = None) -> None:
    """The default :data:`ImportProgress`: report nothing."""


@dataclass(frozen=True)
class ImportOptions:
    """Which columns of the file mean what (None: not in the file)."""

    mode: str | None = None
    from_col: str | None = None
    to_col: str | None = None
    id_col: str | None = None
    length_col: str | None = None
    length_unit_km: float = 1.0
    speed_col: str | None = None
    class_col: str | None = None
    corridor_col: str | None = None
    oneway_col: str | None = None
    layer: str | None = None
    keep: tuple[str, ...] | None = None  # extra columns to keep; None: all of them
    name: str | None = None

    def problems(self) -> list[Problem]:
        """Bad option values, one line each (checked before the file is read)."""
        out = []
        if self.mode is not None and self.mode not in MODES:
            out.append(Problem(f"--mode '{self.mode}' is not one of {', '.join(MODES)}",
                               None, None, "mode"))
        if not (np.isfinite(self.length_unit_km) and self.length_unit_km > 0):
            out.append(Problem(f"--length-unit-km must be > 0, got {self.length_unit_km}",
                               None, None, "length_unit_km"))
        if (self.from_col is None) != (self.to_col is None):
            out.append(Problem("give both --from-col and --to-col, or neither", None, None,
                               "from_col"))
        return out


@dataclass
class ImportNotes:
    """Warnings found while reading (not errors: the network is still written)."""

    warnings: list[Problem] = field(default_factory=list)
    reversed_links: int = 0
    crs: str = ""


def _read(path: Path, layer: str | None) -> tuple[pd.DataFrame, np.ndarray, str | None]:
    """Attribute table, shapely geometries and CRS of a vector file, through Arrow."""
    import pyogrio

    try:
        meta, table = pyogrio.read_arrow(path, layer=layer)
    except Exception as exc:  # pyogrio raises its own DataSourceError family
        if path.suffix.lower() in (".geojson", ".json"):
            from keten.io.tables import read_json_file

            read_json_file(path)  # names the byte, line or syntax error where JSON is broken
        raise ValidationError([Problem(f"not a readable geodata file: {exc}", str(path))],
                              title="cannot import network") from None
    geom_col = meta.get("geometry_name") or "wkb_geometry"
    names = [c for c in table.column_names if c != geom_col]
    frame = table.select(names).to_pandas() if names else pd.DataFrame(index=range(len(table)))
    wkb = table.column(geom_col).to_numpy(zero_copy_only=False) if geom_col in \
        table.column_names else np.full(len(table), None)
    return frame, shapely.from_wkb(wkb), meta.get("crs")


def _to_wgs84(geoms: np.ndarray, crs: str) -> np.ndarray:
    from pyproj import CRS, Transformer

    source = CRS.from_user_input(crs)
    if source.equals(CRS.from_epsg(4326)) or source.to_epsg() == 4326:
        return geoms
    tr = Transformer.from_crs(source, 4326, always_xy=True)
    return shapely.transform(geoms, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def _lines(geoms: np.ndarray, path: Path, problems: list[Problem], notes: ImportNotes
           ) -> np.ndarray:
    """LineStrings: multilines merged where they join up, anything else an error per row."""
    kind = shapely.get_type_id(geoms)
    missing = np.flatnonzero(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    for i in missing:
        problems.append(Problem("the feature has no geometry", str(path), int(i) + 2, "geometry"))
    multi = np.flatnonzero(kind == 5)
    if len(multi):
        merged = shapely.line_merge(geoms[multi])
        geoms = geoms.copy()
        geoms[multi] = merged
        still = multi[shapely.get_type_id(merged) == 5]
        if len(still):
            notes.warnings.append(Problem(
                f"{len(still)} multi-part line(s) do not join into one line; their first and "
                f"last points are taken as ends (rows {(still[:5] + 2).tolist()}...)",
                str(path), int(still[0]) + 2, "geometry"))
    kind = shapely.get_type_id(geoms)
    bad = np.flatnonzero(~np.isin(kind, (1, 5)) & ~shapely.is_missing(geoms))
    for i in bad:
        problems.append(Problem(f"geometry is a {shapely.get_type_id(geoms[i])} "
                                "(need a LineString)", str(path), int(i) + 2, "geometry"))
    return geoms


def _column(frame: pd.DataFrame, col: str | None) -> pd.Series | None:
    return None if col is None else frame[col].reset_index(drop=True)


def read_links_file(path: str | Path, options: ImportOptions | None = None,
                    notes: ImportNotes | None = None, progress: ImportProgress = no_progress,
                    **kwargs: object) -> Network:
    """Links from a GeoJSON, GeoPackage or Shapefile (any CRS; reprojected to WGS84).

    Nodes come from ``from_col``/``to_col`` ids when given (e.g. ``VWJ_ID_BEG``/
    ``VWJ_ID_END`` in Rijkswaterstaat fairway data), placed where their links' ends agree;
    else from line end points. Lengths from ``length_col`` x ``length_unit_km``, else the
    geodesic length of the geometry. Warnings go to ``notes``; errors raise one
    ``ValidationError``; ``progress`` hears the stages. ``kwargs`` are
    :class:`ImportOptions` fields.
    """
    from keten.network.io import is_keten_network_file, read_network_file

    opts = options or ImportOptions(**kwargs)  # type: ignore[arg-type]
    notes = notes if notes is not None else ImportNotes()
    path = Path(path)
    problems = opts.problems()
    if not path.exists():
        problems.append(Problem("file not found", str(path)))
    if problems:
        raise ValidationError(problems, title="cannot import network")
    if is_keten_network_file(path):
        progress("read", None, None)
        return read_network_file(path)
    progress("read", None, None)
    frame, geoms, crs = _read(path, opts.layer)
    progress("topology", None, None)
    problems = []
    for flag, col in (("--from-col", opts.from_col), ("--to-col", opts.to_col),
                      ("--id-col", opts.id_col), ("--length-col", opts.length_col),
                      ("--speed-col", opts.speed_col), ("--class-col", opts.class_col),
                      ("--corridor-col", opts.corridor_col),
                      ("--oneway-col", opts.oneway_col), *(("--keep", c) for c in opts.keep or ())):
        if col and col not in frame.columns:
            problems.append(Problem(f"{flag}: no column '{col}' (columns: "
                                    f"{', '.join(map(str, frame.columns))})", str(path), None, col))
    if opts.mode is None and "mode" not in frame.columns:
        problems.append(Problem("give --mode (the file has no 'mode' column)", str(path)))
    if crs is None:
        problems.append(Problem("the file has no coordinate reference system", str(path)))
    if problems:
        raise ValidationError(problems, title="cannot import network")
    assert crs is not None
    notes.crs = str(crs)
    geoms = _lines(_to_wgs84(geoms, crs), path, problems, notes)
    if problems:
        raise ValidationError(problems, title="cannot import network")
    start, end = end_points(geoms)
    if opts.from_col and opts.to_col:
        a_ids = frame[opts.from_col].astype(str).to_numpy()
        b_ids = frame[opts.to_col].astype(str).to_numpy()
        ids, inverse = np.unique(np.concatenate([a_ids, b_ids]), return_inverse=True)
        m = len(a_ids)
        o = orient_by_ids(inverse[:m], inverse[m:], start, end, len(ids))
        notes.reversed_links = int(o.reversed.sum())
        far = np.flatnonzero(o.mismatch_m > MISMATCH_WARN_M)
        if len(far):
            notes.warnings.append(Problem(
                f"{len(far)} link(s) end more than {MISMATCH_WARN_M:g} m from where their node "
                f"ids place them (largest {o.mismatch_m[far].max():.0f} m; rows "
                f"{(far[:5] + 2).tolist()}...)", str(path), int(far[0]) + 2, opts.from_col))
        node_ids, lon, lat = ids, o.node_lon, o.node_lat
        geoms = geoms.copy()
        geoms[o.reversed] = shapely.reverse(geoms[o.reversed])  # drawn from -> to
    else:
        ia, ib, xy = nodes_from_end_points(start, end)
        node_ids = np.char.add("n", np.arange(len(xy)).astype(str))
        a_ids, b_ids, lon, lat = node_ids[ia], node_ids[ib], xy[:, 0], xy[:, 1]
    source = path.name
    nodes = pd.DataFrame({"node_id": node_ids, "lat": lat, "lon": lon, "kind": "junction",
                          "modes": "", "source": source})
    length = (pd.to_numeric(frame[opts.length_col], errors="coerce").to_numpy(dtype=float)
              * opts.length_unit_km if opts.length_col else geodesic_length_km(geoms))
    links = pd.DataFrame({
        "link_id": (frame[opts.id_col].astype(str).to_numpy() if opts.id_col
                    else np.char.add("l", np.arange(len(frame)).astype(str))),
        "from_node": a_ids, "to_node": b_ids,
        "mode": frame["mode"].astype(str).to_numpy() if opts.mode is None else opts.mode,
        "length_km": length, "source": source})
    if opts.speed_col:
        links["speed_kmh"] = pd.to_numeric(frame[opts.speed_col], errors="coerce").to_numpy()
    if opts.class_col:
        cls = frame[opts.class_col].astype(str).where(frame[opts.class_col].notna(), "")
        is_water = links["mode"].to_numpy() == "inland_waterway"
        links["road_class"] = np.where(is_water, "", cls.to_numpy())
        links["cemt_class"] = np.where(is_water, cls.to_numpy(), "")
    if opts.corridor_col:
        links["corridor"] = frame[opts.corridor_col].astype(str).to_numpy()
    if opts.oneway_col:
        oneway = frame[opts.oneway_col].astype(str).str.lower().str.strip()
        links["bidirectional"] = ~oneway.isin(["yes", "true", "1", "y", "t"]).to_numpy()
    used = {c for c in (opts.from_col, opts.to_col, opts.id_col, opts.length_col,
                        opts.speed_col, opts.class_col, opts.corridor_col, opts.oneway_col) if c}
    keep = [c for c in (opts.keep if opts.keep is not None else frame.columns)
            if c not in used and c not in links.columns]
    extras = frame[keep].reset_index(drop=True)
    # a column named like a canonical one (speed_kmh, cemt_class, ...) is used as that one
    clash = [c for c in extras.columns if c in RESERVED_COLUMNS]
    extras = extras.rename(columns={c: f"attr_{c}" for c in clash})
    links = pd.concat([links, extras], axis=1)
    return network_from_frames(nodes, links, name=opts.name or path.stem, file=str(path),
                               link_geometry=geoms)

