"""Build a :class:`Network` from node and link tables, checking every row once at the edge.

``network_from_frames`` turns any node/link tables (CSV, GeoJSON attributes, OSM ways, ...)
into the canonical shape, gathering every problem (file, row, column, reason) before raising
one ``ValidationError``. ``default_network`` loads the built-in Dutch network (package data).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from keten.errors import ProblemCollector
from keten.model.enums import HubType, Mode
from keten.network.model import (
    LINK_COLUMNS,
    NODE_COLUMNS,
    REQUIRED_LINK_COLUMNS,
    REQUIRED_NODE_COLUMNS,
    RESERVED_COLUMNS,
    ModeDefaults,
    Network,
    NodeKind,
    records,
)

DATA_PACKAGE = "keten.network.data"
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}


def _read_package_csv(name: str) -> pd.DataFrame:
    text = resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False)


def _coerce(frame: pd.DataFrame, columns: dict[str, str], required: tuple[str, ...],
            problems: ProblemCollector, what: str) -> pd.DataFrame:
    """Cast to the canonical columns (adding missing optional ones), noting bad cells."""
    for col in required:
        if col not in frame.columns:
            problems.add(f"{what} table has no '{col}' column", column=col)
    out = pd.DataFrame(index=range(len(frame)))
    for col, kind in columns.items():
        raw = (frame[col] if col in frame.columns else pd.Series([""] * len(frame)))
        raw = raw.reset_index(drop=True)
        if kind == "float" and pd.api.types.is_numeric_dtype(raw.dtype) \
                and not pd.api.types.is_bool_dtype(raw.dtype):
            out[col] = raw.astype(float)  # numbers already: nothing to parse
            continue
        if kind == "bool" and pd.api.types.is_bool_dtype(raw.dtype):
            out[col] = raw.astype(bool)
            continue
        text = raw.astype(str).str.strip().where(raw.notna(), "")
        text = text.where(~text.isin(["nan", "None", "NaN"]), "")
        if kind == "str":
            out[col] = text
        elif kind == "float":
            num = pd.to_numeric(text.where(text != "", None), errors="coerce")
            bad = (text != "") & num.isna()
            for i in np.flatnonzero(bad.to_numpy()):
                problems.add(f"'{text[i]}' is not a number", row=int(i) + 2, column=col)
            out[col] = num.astype(float)
        else:  # bool
            low = text.str.lower()
            for i in np.flatnonzero(~low.isin(_TRUE | _FALSE).to_numpy()):
                problems.add(f"'{text[i]}' is not true/false", row=int(i) + 2, column=col)
            out[col] = low.isin(_TRUE) | (low == "")  # links are two-way unless said otherwise
    return out


def _with_link_ids(links: pd.DataFrame) -> pd.DataFrame:
    """Fill missing link ids with ``mode:from:to`` (numbered when parallel links repeat it)."""
    if "link_id" in links.columns and not links["link_id"].isna().any() and \
            not links["link_id"].astype(str).isin(["", "nan", "None"]).any():
        return links
    def col(name: str) -> list[str]:
        if name not in links.columns:
            return [""] * len(links)
        return [str(x) if pd.notna(x) else "" for x in links[name]]

    seen: dict[str, int] = {}
    ids = []
    for given, a, b, m in zip(col("link_id"), col("from_node"), col("to_node"), col("mode"),
                              strict=True):
        if given and given not in ("nan", "None"):
            ids.append(given)
            continue
        auto = f"{m}:{a}:{b}"
        seen[auto] = seen.get(auto, 0) + 1
        ids.append(auto if seen[auto] == 1 else f"{auto}#{seen[auto]}")
    out = links.copy()
    out["link_id"] = ids
    return out


def _with_extra(out: pd.DataFrame, given: pd.DataFrame, canonical: dict[str, str]
                ) -> pd.DataFrame:
    """Append the columns of ``given`` that are not canonical, unchanged (hazard depth,
    capacity, lanes, ...), so attributes survive import and export."""
    extra = [c for c in given.columns if c not in canonical and c not in RESERVED_COLUMNS]
    if not extra:
        return out
    return pd.concat([out, given[extra].reset_index(drop=True)], axis=1)


def network_from_frames(nodes: pd.DataFrame, links: pd.DataFrame, name: str = "network",
                        file: str | None = None, link_geometry: Any = None) -> Network:
    """Validate and normalise node and link tables into a :class:`Network`.

    Columns beyond the canonical ones are kept as they are. ``link_geometry``: optional
    shapely lines (WGS84), one per link row. Row numbers in problems count the header as
    row 1 (as in a CSV file).
    """
    problems = ProblemCollector(file)
    n = _coerce(nodes, NODE_COLUMNS, REQUIRED_NODE_COLUMNS, problems, "node")
    links_in = _with_link_ids(links.reset_index(drop=True))
    lk = _coerce(links_in, LINK_COLUMNS, REQUIRED_LINK_COLUMNS, problems, "link")
    modes = {m.value for m in Mode}
    kinds = {k.value for k in NodeKind}
    hubs = {h.value for h in HubType}
    lat, lon = n["lat"].to_numpy(dtype=float), n["lon"].to_numpy(dtype=float)
    mode_sets = {ms for ms in n["modes"]}
    bad_modes = {ms for ms in mode_sets if not set(filter(None, ms.split("|"))) <= modes}
    suspects = ((n["node_id"] == "") | ~(np.abs(lat) <= 90) | ~(np.abs(lon) <= 180)
                | ~n["kind"].isin(kinds | {""}) | n["modes"].isin(bad_modes)
                | ~n["hub_type"].isin(hubs | {""}))
    for i in np.flatnonzero(suspects.to_numpy()):  # row-by-row only where something is wrong
        row = records(n.iloc[[int(i)]])[0]
        r = int(i) + 2
        if not row["node_id"]:
            problems.add("missing node id", row=r, column="node_id")
        if not (np.isfinite(row["lat"]) and -90 <= row["lat"] <= 90):
            problems.add(f"latitude {row['lat']} is not in -90..90", row=r, column="lat")
        if not (np.isfinite(row["lon"]) and -180 <= row["lon"] <= 180):
            problems.add(f"longitude {row['lon']} is not in -180..180", row=r, column="lon")
        if row["kind"] and row["kind"] not in kinds:
            problems.add(f"'{row['kind']}' is not one of {', '.join(sorted(kinds))}", r, "kind")
        for m in filter(None, row["modes"].split("|")):
            if m not in modes:
                problems.add(f"mode '{m}' is not one of {', '.join(sorted(modes))}", r, "modes")
        if row["hub_type"] and row["hub_type"] not in hubs:
            problems.add(f"'{row['hub_type']}' is not one of {', '.join(sorted(hubs))}", r,
                         "hub_type")
    for i in np.flatnonzero((~lk["mode"].isin(modes)).to_numpy()):
        problems.add(f"mode '{lk['mode'].iloc[i]}' is not one of {', '.join(sorted(modes))}",
                     int(i) + 2, "mode")
    problems.raise_if_any(f"invalid network '{name}'")
    n["kind"] = n["kind"].where(n["kind"] != "", NodeKind.JUNCTION.value)
    n["name"] = n["name"].where(n["name"] != "", n["node_id"])
    for col in ("handling_cost_eur_per_t", "handling_time_h"):
        n[col] = n[col].fillna(0.0)
    n = _with_extra(n, nodes.reset_index(drop=True), NODE_COLUMNS)
    lk = _with_extra(lk, links_in, LINK_COLUMNS)
    return Network(nodes=n, links=lk, name=name, link_geometry=link_geometry)


@lru_cache(maxsize=1)
def sketch_network() -> Network:
    """keten's 90-node sketch of the Dutch multimodal network (package data CSV, cached):
    the corridors between the main ports and terminals, for small examples, tests that need
    a graph small enough to reason about, and fast demos (``--network sketch``)."""
    nodes = _read_package_csv("nodes.csv")
    links = _read_package_csv("links.csv")
    return network_from_frames(nodes, links, name="keten-nl-sketch",
                               file="keten/network/data/{nodes,links}.csv")


def default_network() -> Network:
    """The built-in network every command uses unless told otherwise: the national network
    (:func:`national_network`, cached)."""
    return national_network()


NATIONAL_PACKAGE = "keten.network.data.national"


@lru_cache(maxsize=1)
def national_network() -> Network:
    """keten's national-scale network (package data, Parquet; built from open data by
    scripts/build_national_network.py): every RWS fairway section, the major roads and the
    railways of NL, BE and western DE, and the default network's ports, terminals, pipelines
    and freight corridors with access links. Every link names its source and licence."""
    import pyarrow.parquet as pq
    import shapely

    folder = resources.files(NATIONAL_PACKAGE)
    with folder.joinpath("nodes.parquet").open("rb") as fh:
        nodes = pq.read_table(fh).to_pandas()
    with folder.joinpath("links.parquet").open("rb") as fh:
        links = pq.read_table(fh).to_pandas()
    wkb = links.pop("geometry_wkb").to_numpy()
    geometry = shapely.from_wkb(wkb)
    if shapely.is_missing(geometry).any():  # straight lines where no shape is stored
        index = pd.Index(nodes["node_id"])
        a = index.get_indexer(links["from_node"])
        b = index.get_indexer(links["to_node"])
        xy = nodes[["lon", "lat"]].to_numpy(dtype=float)
        missing = shapely.is_missing(geometry)
        geometry[missing] = shapely.linestrings(
            np.stack([xy[a[missing]], xy[b[missing]]], axis=1))
    return network_from_frames(nodes, links, name="keten-nl-national",
                               file="keten/network/data/national/{nodes,links}.parquet",
                               link_geometry=geometry)


@lru_cache(maxsize=1)
def national_display() -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """The national network as a map draws it, without loading its 43,000 links: its
    non-junction nodes (terminals, ports, crossings) and the merged display lines of
    :func:`keten.network.display.display_chains`, precomputed by
    scripts/build_national_network.py into ``display.parquet``."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    folder = resources.files(NATIONAL_PACKAGE)
    with folder.joinpath("nodes.parquet").open("rb") as fh:
        table = pq.read_table(fh)
    hubs = table.filter(pc.not_equal(table["kind"], "junction")).to_pandas()
    with folder.joinpath("display.parquet").open("rb") as fh:
        lines = pq.read_table(fh).to_pylist()
    return hubs, lines


#: How a map or report titles keten's own networks (their ``name`` is an id).
NETWORK_TITLES = {
    "keten-nl-national": "Freight network of the Netherlands and its hinterland",
    "keten-nl-sketch": "Sketch of the Dutch freight corridors",
}


def network_title(name: str) -> str:
    """A network's title for people: keten's own networks by what they hold, a file's by
    its name."""
    return NETWORK_TITLES.get(name, f"Network {name}")


#: Networks shipped with keten, selectable by name wherever a network file is asked for.
NAMED_NETWORKS: dict[str, Callable[[], Network]] = {
    "default": default_network, "national": national_network,
    "sketch": sketch_network, "demo": sketch_network}


@lru_cache(maxsize=1)
def default_mode_defaults() -> ModeDefaults:
    """Per-mode default speed and transport cost (package data ``mode_defaults.csv``)."""
    frame = _read_package_csv("mode_defaults.csv")
    return ModeDefaults(
        speed_kmh={Mode(m): float(v) for m, v in zip(frame["mode"], frame["speed_kmh"],
                                                    strict=True)},
        cost_eur_per_tkm={Mode(m): float(v) for m, v in
                          zip(frame["mode"], frame["cost_eur_per_tkm"], strict=True)},
        source={Mode(m): s for m, s in zip(frame["mode"], frame["source"], strict=True)},
    )
