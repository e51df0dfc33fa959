"""The national-scale network (package data built by scripts/build_national_network.py):
sourced links, the full RWS fairway set, stable demo ids, routes against networkx."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from keten.network.api import shortest_feasible_distance_km
from keten.network.build import default_network, national_network
from keten.network.io import read_network_file
from keten.network.validate import validate_network

DATA = Path(__file__).resolve().parents[2] / "src" / "keten" / "network" / "data" / "national"


@pytest.fixture(scope="module")
def national() -> object:
    return national_network()


def test_every_link_names_its_source_and_licence(national: object) -> None:
    links = national.links  # type: ignore[attr-defined]
    assert (links["source"].astype(str).str.len() > 0).all()
    assert (links["licence"].astype(str).str.len() > 0).all()
    assert links["link_id"].str.startswith("vwk:").sum() == 3721  # every RWS section
    assert links["source"].str.contains("OpenStreetMap|ODbL").sum() > 30_000
    assert sum(p.stat().st_size for p in DATA.glob("*.parquet")) < 5e6
    report = validate_network(national)  # type: ignore[arg-type]
    assert report.ok and report.component_sizes[0] > 0.99 * len(national.nodes)  # type: ignore[attr-defined]


def test_demo_ids_resolve_and_the_name_selects_it(national: object) -> None:
    ids = set(national.node_ids)  # type: ignore[attr-defined]
    assert set(default_network().node_ids) - ids <= {
        n for n, k in zip(default_network().nodes["node_id"], default_network().nodes["kind"],
                          strict=True) if k == "junction"}  # sketch road junctions only
    assert read_network_file("national") is national


@pytest.mark.parametrize(("mode", "low", "high"), [("road", 185, 215), ("rail", 195, 235)])
def test_rotterdam_duisburg_equals_networkx_on_the_layer(national: object, mode: str,
                                                         low: float, high: float) -> None:
    net = national
    km = shortest_feasible_distance_km("NLRTM", "DEDUI", mode, network=net)  # type: ignore[arg-type]
    layer = net.links[net.links["mode"] == mode]  # type: ignore[attr-defined]
    g = nx.Graph()
    for a, b, w in zip(layer["from_node"], layer["to_node"], layer["length_km"], strict=True):
        if not g.has_edge(a, b) or g[a][b]["weight"] > w:
            g.add_edge(a, b, weight=w)
    assert km == pytest.approx(nx.dijkstra_path_length(g, "NLRTM", "DEDUI"), rel=1e-6)
    assert low < km < high  # Rotterdam - Duisburg: about 200 km by road, 210 km by rail


def test_nearly_every_motorway_link_has_a_detour(national: object) -> None:
    """Single-link redundancy by networkx alone: a road link has a detour in its own mode iff
    it is not a bridge of the road layer (a parallel link is a detour). On the sketch 80 of
    212 links had none; on the national default at least 95 % of the motorway links have one
    (97 % when this was written), and a terminal's transfer link is the only dead end."""
    from collections import Counter

    links = national.links  # type: ignore[attr-defined]
    road = links[links["mode"] == "road"]
    pairs = [frozenset(p) for p in zip(road["from_node"], road["to_node"], strict=True)]
    times = Counter(pairs)
    bridges = {frozenset(e) for e in nx.bridges(nx.Graph(list(zip(
        road["from_node"], road["to_node"], strict=True)))) if times[frozenset(e)] == 1}
    is_bridge = pd.Series([p in bridges for p in pairs], index=road.index)
    motorway = road["road_class"] == "motorway"
    assert motorway.sum() > 1000
    assert 1 - is_bridge[motorway].mean() >= 0.95
    assert 1 - is_bridge.mean() >= 0.85
