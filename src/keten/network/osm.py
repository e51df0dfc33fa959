"""Road, rail and waterway links from an OpenStreetMap XML extract (.osm), in bulk.

One streaming pass (expat callbacks, no element tree) collects node coordinates and the
node lists of ways tagged ``highway``, ``railway`` (rail, light_rail, narrow_gauge) or
``waterway`` (river, canal, fairway). Ways are split at their ends and at nodes shared by
several ways, all on numpy arrays: node ids are OSM's own (``osm:<id>``), so a way drawn
either way round joins the same nodes, and the full line geometry is kept.
Tags kept per link: highway/railway/waterway class, ``maxspeed`` (km/h; ``mph`` converted),
``oneway`` (yes/-1), ``ref``/``name``, ``electrified``, ``bridge``, ``tunnel``, ``lanes``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from xml.parsers import expat

import numpy as np
import pandas as pd
import shapely

from keten.errors import Problem, ValidationError
from keten.network.build import network_from_frames
from keten.network.geofile import ImportProgress, no_progress
from keten.network.geometry import haversine_km
from keten.network.model import Network

OSM_RAILWAY_VALUES = frozenset({"rail", "light_rail", "narrow_gauge"})
OSM_WATERWAY_VALUES = frozenset({"river", "canal", "fairway"})
OSM_SOURCE = "OpenStreetMap contributors (ODbL 1.0)"
KEPT_TAGS = ("bridge", "tunnel", "lanes", "name", "ref")
_MPH_KM = 1.609344
_SPEED = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph)?\s*$")


def _osm_mode(tags: dict[str, str]) -> str | None:
    if "highway" in tags:
        return "road"
    if tags.get("railway") in OSM_RAILWAY_VALUES:
        return "rail"
    if tags.get("waterway") in OSM_WATERWAY_VALUES:
        return "inland_waterway"
    return None


def _speed_kmh(text: str) -> float:
    """OSM ``maxspeed`` in km/h ("100", "60 mph"); NaN for "none", "signals", ... ."""
    m = _SPEED.match(text)
    if not m:
        return float("nan")
    return float(m.group(1)) * (_MPH_KM if m.group(2) else 1.0)


_CHUNK_BYTES = 1 << 20


def _speeds_kmh(texts: list[str]) -> np.ndarray:
    """:func:`_speed_kmh` of each text, parsed once per distinct value."""
    distinct, inverse = np.unique(np.asarray(texts, dtype=object).astype(str),
                                  return_inverse=True)
    return np.array([_speed_kmh(str(t)) for t in distinct], dtype=float)[inverse.ravel()]


def _link_ids(way_ids: list[str], link_way: np.ndarray, part: np.ndarray) -> np.ndarray:
    """``osm:<way id>:<part>`` per link (plain lists: faster than numpy's char functions)."""
    way = np.asarray(way_ids, dtype=object)[link_way].tolist()
    return np.array([f"osm:{w}:{p}" for w, p in zip(way, part.tolist(), strict=True)],
                    dtype=object)


def _parse(path: Path, progress: ImportProgress = no_progress
           ) -> tuple[np.ndarray, np.ndarray, list[str], list[str], np.ndarray, list[int],
                      list[dict[str, str]]]:
    """Node ids and lon/lat, and per kept way: id, mode, node refs (flat) and tags.

    expat's start/end callbacks only (no element tree is built): one Python call per
    element, numbers converted as they are read.
    """
    node_id: list[int] = []
    node_lon: list[float] = []
    node_lat: list[float] = []
    way_ids: list[str] = []
    way_modes: list[str] = []
    refs: list[int] = []
    way_len: list[int] = []
    way_tags: list[dict[str, str]] = []
    add_ref, add_id = refs.append, node_id.append
    add_lon, add_lat = node_lon.append, node_lat.append
    current: list[Any] = [None, None, 0]  # way id, its tags, where its refs start

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == "nd":
            if current[0] is not None:
                add_ref(int(attrs["ref"]))
        elif name == "node":
            add_id(int(attrs["id"]))
            add_lon(float(attrs["lon"]))
            add_lat(float(attrs["lat"]))
        elif name == "tag":
            if current[1] is not None:
                current[1][attrs["k"]] = attrs["v"]
        elif name == "way":
            current[0], current[1], current[2] = attrs["id"], {}, len(refs)

    def end(name: str) -> None:
        if name != "way":
            return
        tags = current[1]
        mode = _osm_mode(tags)
        if mode:
            way_ids.append(current[0])
            way_modes.append(mode)
            way_len.append(len(refs) - current[2])
            way_tags.append(tags)
        else:
            del refs[current[2]:]
        current[0] = current[1] = None

    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        total = path.stat().st_size
        done = 0
        progress("read", 0, total)
        with path.open("rb") as fh:
            while chunk := fh.read(_CHUNK_BYTES):
                parser.Parse(chunk, False)
                done += len(chunk)
                progress("read", done, total)
            parser.Parse(b"", True)
    except (expat.ExpatError, OSError) as exc:
        raise ValidationError([Problem(f"not a readable OSM XML file: {exc}", str(path))],
                              title="cannot import network") from None
    except KeyError as exc:
        raise ValidationError([Problem(f"not a readable OSM XML file: an element lacks the "
                                       f"attribute {exc} (line {parser.CurrentLineNumber})",
                                       str(path))], title="cannot import network") from None
    except ValueError as exc:
        raise ValidationError([Problem(f"not a readable OSM XML file: {exc} (line "
                                       f"{parser.CurrentLineNumber})", str(path))],
                              title="cannot import network") from None
    xy = np.column_stack([np.asarray(node_lon, dtype=float), np.asarray(node_lat, dtype=float)])
    return (np.asarray(node_id, dtype=np.int64), xy.reshape(-1, 2), way_ids, way_modes,
            np.asarray(refs, dtype=np.int64), way_len, way_tags)


def read_osm(path: str | Path, name: str | None = None,
             progress: ImportProgress = no_progress) -> Network:
    """Road, rail and waterway links of an OpenStreetMap XML extract (see module doc);
    ``progress`` hears the bytes read, then the topology stage."""
    path = Path(path)
    ids, xy, way_ids, way_modes, refs, way_len, way_tags = _parse(path, progress)
    progress("topology", None, None)
    lengths = np.asarray(way_len, dtype=np.int64)
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    pos = np.searchsorted(sorted_ids, refs)
    pos_ok = np.minimum(pos, max(len(sorted_ids) - 1, 0))
    found = (pos < len(sorted_ids)) & (sorted_ids[pos_ok] == refs) if len(ids) else \
        np.zeros(len(refs), dtype=bool)
    if not found.all():
        way_of_ref = np.repeat(np.arange(len(way_ids)), lengths)
        problems = [Problem(f"way {way_ids[way_of_ref[i]]} refers to missing node {refs[i]}",
                            str(path), None, "nd") for i in np.flatnonzero(~found)]
        raise ValidationError(problems, title="cannot import network")
    short = np.flatnonzero(lengths < 2)
    if len(short):
        raise ValidationError([Problem(f"way {way_ids[i]} has fewer than 2 nodes", str(path),
                                       None, "nd") for i in short], title="cannot import network")
    vertex = order[pos_ok]  # row in the node table per way vertex
    n_ways = len(way_ids)
    way_of = np.repeat(np.arange(n_ways), lengths)
    stop = np.cumsum(lengths)
    begin = stop - lengths
    # a vertex cuts its way when it is an end of the way or shared with another way/vertex
    uses = np.bincount(vertex, minlength=len(ids))
    is_end = np.zeros(len(refs), dtype=bool)
    is_end[begin] = True
    is_end[stop - 1] = True
    cut = is_end | (uses[vertex] > 1)
    cut_pos = np.flatnonzero(cut)
    same_way = way_of[cut_pos[1:]] == way_of[cut_pos[:-1]]
    seg_from = cut_pos[:-1][same_way]  # each link runs from one cut vertex to the next
    seg_to = cut_pos[1:][same_way]
    link_way = way_of[seg_from]
    first_of_way = np.r_[True, link_way[1:] != link_way[:-1]]
    run = np.cumsum(first_of_way) - 1
    part = np.arange(len(link_way)) - np.flatnonzero(first_of_way)[run]
    # geometry and length: vertices seg_from..seg_to per link
    counts = seg_to - seg_from + 1
    vert_idx = np.repeat(seg_from, counts) + (np.arange(counts.sum())
                                              - np.repeat(np.cumsum(counts) - counts, counts))
    coords = xy[vertex[vert_idx]]
    owner = np.repeat(np.arange(len(seg_from)), counts)
    geoms = shapely.linestrings(coords, indices=owner)
    seg = haversine_km(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    inner = owner[1:] == owner[:-1]
    length_km = np.bincount(owner[:-1][inner], weights=seg[inner], minlength=len(seg_from))
    a, b = vertex[seg_from], vertex[seg_to]
    tags = [way_tags[w] for w in range(n_ways)]
    way_frame = pd.DataFrame({
        "mode": way_modes,
        "road_class": [t.get("highway", "") for t in tags],
        "rail_class": [t.get("railway", "") if m == "rail" else "" for t, m in
                       zip(tags, way_modes, strict=True)],
        "waterway": [t.get("waterway", "") if m == "inland_waterway" else "" for t, m in
                     zip(tags, way_modes, strict=True)],
        "speed_kmh": _speeds_kmh([t.get("maxspeed", "") for t in tags]),
        "oneway": [t.get("oneway", "") for t in tags],
        "corridor": [t.get("ref", t.get("name", "")) for t in tags],
        "rail_electrified": [t.get("electrified", "") for t in tags],
        **{f"osm_{k}": [t.get(k, "") for t in tags] for k in KEPT_TAGS},
        "osm_way": way_ids,
    })
    per_link = way_frame.iloc[link_way].reset_index(drop=True)
    backwards = (per_link["oneway"] == "-1").to_numpy()  # one-way against the drawing
    from_row = np.where(backwards, b, a)
    to_row = np.where(backwards, a, b)
    geoms[backwards] = shapely.reverse(geoms[backwards])
    node_names = np.char.add("osm:", ids.astype(str))
    links = pd.DataFrame({
        "link_id": _link_ids(way_ids, link_way, part),
        "from_node": node_names[from_row], "to_node": node_names[to_row],
        "length_km": length_km,
        "bidirectional": ~per_link["oneway"].isin(["yes", "true", "1", "-1"]).to_numpy(),
        "source": OSM_SOURCE,
    })
    links = pd.concat([links, per_link.drop(columns=["oneway"])], axis=1)
    used = np.unique(np.concatenate([from_row, to_row]))
    nodes = pd.DataFrame({"node_id": node_names[used], "lat": xy[used, 1], "lon": xy[used, 0],
                          "kind": "junction", "modes": "", "source": OSM_SOURCE})
    return network_from_frames(nodes, links, name=name or path.stem, file=str(path),
                               link_geometry=geoms)
