"""Resolve a location text to a node: node id / UN/LOCODE, node name, a place name, or
"lat,lon".

Place names come from a gazetteer of the Netherlands, Belgium, Luxembourg and Germany
(``data/places.csv``, GeoNames, CC BY 4.0; made by ``scripts/make_places.py``), matched
without regard to case, accents or punctuation ("den bosch", "Köln", "Koeln", "Keulen").
Unknown texts raise ``UnknownLocationError`` with close matches from node ids, node names and
place names. Ports that are not network nodes resolve through searoute's UN/LOCODE list.
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from keten.emissions.distance import great_circle_km_array, parse_lat_lon
from keten.errors import UnknownLocationError
from keten.network.build import network_from_frames
from keten.network.model import Network
from keten.network.sea import sea_ports

# Circuity of the access stretch from a free point to the nearest nodes of a mode.
ACCESS_CIRCUITY = {"road": 1.25, "rail": 1.25, "inland_waterway": 1.2, "sea": 1.0,
                   "air": 1.0, "pipeline": 1.15}


# a place is taken to be a network node within this distance whose name starts with the
# place's name (Rotterdam -> NLRTM "Rotterdam (Waalhaven/Eemhaven)"); else a free point
PLACE_NODE_KM = 20.0
_LOCODE = re.compile(r"[A-Z]{2}[A-Z2-9]{3}")  # UNECE Recommendation 16: country + 3 characters
_GERMAN_VOWELS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe",
                                "Ü": "Ue"})


def fold(text: str) -> str:
    """``text`` for matching: no accents, case folded, punctuation as spaces
    ("'s-Hertogenbosch" -> "s hertogenbosch", "Düsseldorf" -> "dusseldorf")."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold()
    plain = re.sub(r"['’`]", "", plain)
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())


@dataclass(frozen=True)
class Place:
    """A named place of the gazetteer (GeoNames)."""

    name: str
    country: str
    lat: float
    lon: float
    population: int
    folded_names: tuple[str, ...] = ()  # the name and its aliases, folded


@cache
def gazetteer() -> dict[str, Place]:
    """Folded name or alias -> place; where two places share a name, the larger one."""
    out: dict[str, Place] = {}
    text = resources.files("keten.network.data").joinpath("places.csv").read_text("utf-8")
    for row in csv.DictReader(text.splitlines()):
        names = [row["name"], *(a for a in row["aliases"].split(";") if a)]
        place = Place(row["name"], row["country"], float(row["lat"]), float(row["lon"]),
                      int(row["population"]), tuple(dict.fromkeys(fold(n) for n in names)))
        for name in names:
            for variant in {fold(name), fold(name.translate(_GERMAN_VOWELS))}:
                held = out.get(variant)
                if variant and (held is None or held.population < place.population):
                    out[variant] = place
    return out


def find_place(text: str) -> Place | None:
    """The gazetteer place named ``text`` (any case, accents or punctuation), if any."""
    return gazetteer().get(fold(text))


def place_node(net: Network, place: Place) -> int | None:
    """Row of the node that stands for ``place``: among the nodes within ``PLACE_NODE_KM``
    whose name starts with one of the place's names (Cologne (Niehl) for Köln), the one with a
    UN/LOCODE id (the place's main hub) first, else the nearest; None: the place is a free
    point."""
    keys = place.folded_names or (fold(place.name),)
    hubs = np.flatnonzero((net.nodes["kind"].astype(str) != "junction").to_numpy())
    lats = net.nodes["lat"].to_numpy(dtype=float)[hubs]
    lons = net.nodes["lon"].to_numpy(dtype=float)[hubs]
    km = great_circle_km_array(np.full(len(hubs), place.lat), np.full(len(hubs), place.lon),
                               lats, lons)
    ids = net.nodes["node_id"].astype(str).to_numpy()[hubs]
    names = net.nodes["name"].astype(str).to_numpy()[hubs]
    best: tuple[int, float, int] | None = None
    for j in np.flatnonzero(km <= PLACE_NODE_KM):
        name = fold(str(names[j]))
        if not any(name == key or name.startswith(key + " ") for key in keys):
            continue
        rank = (0 if _LOCODE.fullmatch(str(ids[j])) else 1, float(km[j]), int(hubs[j]))
        if best is None or rank < best:
            best = rank
    return None if best is None else best[2]


def find_node(net: Network, text: str) -> int | None:
    """Row of the node named by ``text``: its id (case-insensitive), its exact name, or the
    start of exactly one name (``"Tilburg"`` finds ``"Tilburg (Loven)"``)."""
    key = text.strip().lower()
    if not key:
        return None
    ids = net.nodes["node_id"].astype(str).str.lower().to_numpy()
    names = net.nodes["name"].astype(str).str.lower()
    for hits in (np.flatnonzero(ids == key), np.flatnonzero((names == key).to_numpy())):
        if len(hits):
            return int(hits[0])
    hits = np.flatnonzero(names.str.startswith(key).to_numpy())
    if len(hits) == 1:
        return int(hits[0])
    return None


def close_places(text: str, n: int = 3, cutoff: float = 0.75) -> list[Place]:
    """Gazetteer places whose name is close to ``text`` ("Rotterdm" -> Rotterdam), closest
    first, the larger place first among equally close ones."""
    key = fold(text)
    if not key:
        return []
    places = gazetteer()
    scored: dict[Place, float] = {}
    for cand in difflib.get_close_matches(key, list(places), n=n * 4, cutoff=cutoff):
        ratio = difflib.SequenceMatcher(None, key, cand).ratio()
        place = places[cand]
        scored[place] = max(scored.get(place, 0.0), ratio)
    ranked = sorted(scored, key=lambda p: (-round(scored[p], 2), -p.population))
    return ranked[:n]


def close_matches(net: Network, text: str, n: int = 5) -> list[str]:
    """Node ids whose id or name is close to ``text``."""
    key = text.strip().lower()
    by_name: dict[str, str] = {}
    for i, nm in zip(net.nodes["node_id"], net.nodes["name"], strict=True):
        name = str(nm).lower()
        # the full name, and the place name before any qualifier: "Rotterdam (Maasvlakte)"
        for variant in (name, name.split(" (")[0].split(",")[0].strip()):
            by_name.setdefault(variant, str(i))
    by_id = {str(i).lower(): str(i) for i in net.nodes["node_id"]}
    out: list[str] = []
    for cand in difflib.get_close_matches(key, list(by_id) + list(by_name), n=n * 2,
                                          cutoff=0.5):
        nid = by_id.get(cand) or by_name[cand]
        if nid not in out:
            out.append(nid)
    contains = [str(i) for i, nm in zip(net.nodes["node_id"], net.nodes["name"], strict=True)
                if key and (key in str(nm).lower() or key in str(i).lower())]
    out += [c for c in contains if c not in out]
    return out[:n]


def nearest_nodes(net: Network, lat: float, lon: float, mode: str | None = None,
                  k: int = 1) -> list[tuple[int, float]]:
    """The ``k`` nearest nodes (row, great-circle km), only nodes handling ``mode`` if given."""
    lats = net.nodes["lat"].to_numpy(dtype=float)
    lons = net.nodes["lon"].to_numpy(dtype=float)
    dist = great_circle_km_array(np.full(len(lats), lat), np.full(len(lats), lon), lats, lons)
    if mode is not None:
        ok = np.array([mode in ms for ms in net.node_modes()])
        dist = np.where(ok, dist, np.inf)
    order = np.argsort(dist)[:k]
    return [(int(i), float(dist[i])) for i in order if np.isfinite(dist[i])]


def resolve_location(text: str, network: Network | None = None) -> tuple[str, float, float]:
    """``text`` -> (node_id, lat, lon).

    ``text`` is a node id or UN/LOCODE (case-insensitive), a node name, a port UN/LOCODE known
    to searoute (returned with its own position, even if not a network node), a place name
    (its node, or the nearest node's id with the place's coordinates), or ``"lat,lon"``
    (returns the nearest node's id with the given coordinates).
    """
    from keten.network.build import default_network

    net = network if network is not None else default_network()
    coords = parse_lat_lon(text)
    if coords is not None:
        near = nearest_nodes(net, *coords)
        if not near:
            raise UnknownLocationError(text)
        return net.node_ids[near[0][0]], coords[0], coords[1]
    row = find_node(net, text)
    if row is not None:
        return (net.node_ids[row], float(net.nodes["lat"].iloc[row]),
                float(net.nodes["lon"].iloc[row]))
    port = sea_ports().get(text.strip().upper())
    if port is not None:
        return text.strip().upper(), port[1], port[2]
    place = find_place(text)
    if place is not None:
        row = place_node(net, place)
        if row is not None:
            return (net.node_ids[row], float(net.nodes["lat"].iloc[row]),
                    float(net.nodes["lon"].iloc[row]))
        near = nearest_nodes(net, place.lat, place.lon)
        if near:
            return net.node_ids[near[0][0]], place.lat, place.lon
    raise unknown_location(net, text)


def unknown_location(net: Network, text: str) -> UnknownLocationError:
    """The error for an unknown ``text``, naming close places first, then close nodes."""
    names = dict(zip(net.nodes["node_id"].astype(str), net.nodes["name"].astype(str), strict=True))
    labels: list[str] = []
    ids: list[str] = []
    shown_nodes: set[str] = set()
    for place in close_places(text):
        row = place_node(net, place)
        where = f"node {net.node_ids[row]}" if row is not None else place.country
        labels.append(f"{place.name} ({where})")
        ids.append(net.node_ids[row] if row is not None else place.name)
        if row is not None:
            shown_nodes.add(net.node_ids[row])
    for c in close_matches(net, text):
        if len(labels) >= 5:
            break
        if c not in shown_nodes:
            labels.append(f"{c} ({names.get(c, c)})")
            ids.append(c)
    return UnknownLocationError(text, ids, labels)


def with_point(net: Network, point_id: str, lat: float, lon: float, mode: str,
               k: int = 3) -> Network:
    """A copy of ``net`` with a free point joined by ``mode`` links to its ``k`` nearest
    nodes handling that mode (great-circle x access circuity)."""
    near = nearest_nodes(net, lat, lon, mode, k)
    circuity = ACCESS_CIRCUITY.get(mode, 1.25)
    rows = [{"link_id": f"access:{point_id}:{net.node_ids[i]}", "from_node": point_id,
             "to_node": net.node_ids[i], "mode": mode, "length_km": max(d * circuity, 0.01),
             "corridor": "access", "bidirectional": "true",
             "source": f"great-circle x {circuity} access to the nearest {mode} nodes"}
            for i, d in near]
    node = {"node_id": point_id, "name": point_id, "lat": lat, "lon": lon, "kind": "city",
            "modes": mode, "hub_type": "", "handling_cost_eur_per_t": 0.0,
            "handling_time_h": 0.0, "country": "", "source": "given coordinates"}
    nodes = pd.concat([net.nodes, pd.DataFrame([node])], ignore_index=True)
    links = pd.concat([net.links, pd.DataFrame(rows)], ignore_index=True)
    return network_from_frames(nodes.astype(object), links.astype(object), name=net.name)
