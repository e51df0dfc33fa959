"""Terminals of the national default network (package data terminals.csv plus the sketch's):
enough of them, placed where independent sources put their towns and ports, each joined to
the layers it handles, and every new link sourced."""

from __future__ import annotations

import io
from importlib import resources

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from keten.emissions.distance import great_circle_km_array
from keten.network.build import national_network
from keten.network.sea import sea_ports

INLAND_KINDS = ("inland_terminal", "rail_terminal")


def _terminals() -> pd.DataFrame:
    text = resources.files("keten.network.data").joinpath("terminals.csv").read_text("utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def national() -> object:
    return national_network()


def test_at_least_sixty_inland_terminals_seaports_and_airports(national: object) -> None:
    nodes = national.nodes  # type: ignore[attr-defined]
    inland = nodes[nodes["kind"].isin(INLAND_KINDS)]
    assert len(inland) >= 60
    assert set(inland["country"]) >= {"NL", "BE", "DE"}
    assert (nodes["kind"] == "seaport").sum() >= 19
    assert (nodes["kind"] == "airport").sum() >= 10
    for wanted in ("term:meerhout", "term:duisburg-logport", "NLVEN", "NLNIJ", "NLBON",
                   "NLMOE", "BEZEE", "DEBRV", "EBLG", "EDDF"):
        assert wanted in set(nodes["node_id"]), wanted
    table = _terminals()
    assert (table["source"].str.len() > 0).all() and table["node_id"].is_unique


def test_positions_agree_with_geonames_towns_and_searoute_ports() -> None:
    """Each terminal within 15 km of the GeoNames position of the town it names (places.csv,
    GeoNames CC BY 4.0), and each seaport within 8 km of its UN/LOCODE in searoute's port list
    (sources keten did not write)."""
    table = _terminals()
    places = pd.read_csv(resources.files("keten.network.data").joinpath("places.csv").open())
    pos = places.drop_duplicates("name").set_index("name")
    town = pos.loc[table["place"]]
    km = great_circle_km_array(table["lat"].astype(float).to_numpy(),
                               table["lon"].astype(float).to_numpy(),
                               town["lat"].to_numpy(float), town["lon"].to_numpy(float))
    far = table.loc[km > 15.0, "node_id"].tolist()
    assert not far, far
    ports = sea_ports()
    seaports = table[table["kind"] == "seaport"]
    checked = 0
    for r in seaports.itertuples():
        if r.node_id in ports:
            _, lat, lon = ports[r.node_id]
            d = great_circle_km_array(np.array([float(r.lat)]), np.array([float(r.lon)]),
                                      np.array([lat]), np.array([lon]))[0]
            assert d < 8.0, (r.node_id, d)
            checked += 1
    assert checked >= 4


def test_each_terminal_reaches_rotterdam_by_every_land_mode_it_lists(national: object) -> None:
    """Transfer links join each terminal to its layers: every land mode a terminal lists is
    usable from it to Rotterdam (networkx on the mode's links alone)."""
    links = national.links  # type: ignore[attr-defined]
    table = _terminals()
    for mode in ("road", "rail", "inland_waterway"):
        layer = links[links["mode"] == mode]
        g = nx.Graph()
        g.add_edges_from(zip(layer["from_node"], layer["to_node"], strict=True))
        reach = nx.node_connected_component(g, "NLRTM")
        listed = table[table["modes"].str.split("|").apply(lambda m, mode=mode: mode in m)]
        missing = sorted(set(listed["node_id"]) - reach)
        assert not missing, (mode, missing)


def test_new_links_are_sourced_and_road_speed_follows_the_country(national: object) -> None:
    links = national.links  # type: ignore[attr-defined]
    extra = links[links["link_id"].str.contains("term:|EB|ED|EH|BEZEE|DEB|DEW|DEE|BEOST",
                                                regex=True)]
    assert len(extra) > 80 and (extra["source"].str.len() > 0).all()
    road = links[links["link_id"].str.startswith("road:")]
    be = road[road["country"] == "BE"]
    nl = road[road["country"] == "NL"]
    assert (be["speed_kmh"] == 90).all() and (nl["speed_kmh"] == 80).all()
    assert be["speed_source"].str.contains("Wegcode").all()
    motorway = road[road["road_class"] == "motorway"]
    assert motorway["length_km"].sum() > 1500  # keten's A-road corridors along the layer
    assert set(motorway["corridor"]) >= {"A15", "A16", "A2", "A12"}
    rail = links[(links["mode"] == "rail") & links["licence"].str.startswith("ODbL")]
    # electrification: from a named line or rule, else said to be unknown, not guessed
    assert len(rail) > 20_000
    known = rail["rail_electrified"] != "unknown"
    assert rail.loc[~known, "electrified_source"].str.startswith("unknown").all()
    # a known value cites a network statement or a row of rail_lines.csv (which names its page)
    assert rail.loc[known, "electrified_source"].str.contains(
        "ProRail|DB InfraGO|Infrabel|rail_lines.csv").all()


def test_rhine_distances_follow_the_kilometre_markers(national: object) -> None:
    """Duisburg-Ruhrort (Rhine km 780) to Mannheim (424) by water: 356 km along the markers;
    the route goes up the Rhine through keten's chain of harbours, so it is within 3 %."""
    from keten.network.api import shortest_feasible_distance_km

    km = shortest_feasible_distance_km("DEDUI", "term:mannheim", "inland_waterway",
                                       network=national)  # type: ignore[arg-type]
    assert km == pytest.approx(780 - 424, rel=0.03)
