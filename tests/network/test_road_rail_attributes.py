"""Road class and rail electrification of the national default network, against published
figures keten did not write, and the matching rules of scripts/network_spec/route_attributes.py
(and the class order of scripts/build_national_network.py) on small layers whose answer is
known."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from keten.network.build import national_network

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import build_national_network as build_script  # noqa: E402
from network_spec.route_attributes import (  # noqa: E402
    SNAP_KM,
    match_routes,
    parallel_links,
    read_spec,
    waypoints,
)

KM_LAT = 111.2
KM_LON = KM_LAT * np.cos(np.radians(51.5))


@pytest.fixture(scope="module")
def national() -> object:
    return national_network()


def _layer(links: pd.DataFrame, nodes: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    pos = nodes.set_index("node_id")[["lon", "lat"]].astype(float)
    a = pos.loc[links["from_node"]].to_numpy() * [KM_LON, KM_LAT]
    b = pos.loc[links["to_node"]].to_numpy() * [KM_LON, KM_LAT]
    return links, shapely.linestrings(np.stack([a, b], axis=1))


def _road_near(national: object, lat: float, lon: float) -> pd.DataFrame:
    """Road links within 3 km of a point."""
    links = national.links  # type: ignore[attr-defined]
    road = links[links["mode"] == "road"]
    _, segs = _layer(road, national.nodes)  # type: ignore[attr-defined]
    near = shapely.STRtree(segs).query(shapely.buffer(shapely.points(lon * KM_LON,
                                                                     lat * KM_LAT), 3.0))
    return road.iloc[near]


def test_dutch_motorway_km_is_near_the_cbs_figure(national: object) -> None:
    """CBS StatLine 70806ned "Lengte van wegen; wegkenmerken, regio", 2023: rijkswegen with
    separated main carriageways 2,793 km (all main carriageways 3,105 km; Wegenwiki gives
    2,474 km of autosnelweg). The layer's Dutch motorways, one carriageway counted (the other
    carriageway is marked in road_class_source), are within 15 % of 2,793 km."""
    links = national.links  # type: ignore[attr-defined]
    road = links[(links["mode"] == "road") & (links["country"] == "NL")]
    motorway = road[(road["road_class"] == "motorway")
                    & ~road["road_class_source"].str.startswith("other carriageway")]
    km = motorway["length_km"].sum()
    assert km == pytest.approx(2793, rel=0.15)
    assert 2474 * 0.95 < km < 3105


@pytest.mark.parametrize(("route", "lat", "lon"), [
    ("A15", 51.868, 4.292),  # Botlektunnel
    ("A16", 51.699, 4.627),  # Moerdijkbruggen over the Hollandsch Diep
    ("E19 / A1", 51.05, 4.45),  # Antwerp-Brussels at Mechelen-Noord
    ("E40 / A10", 50.95, 4.05),  # Brussels-Ghent at Aalst
    ("A3", 51.65, 6.66),  # Emmerich-Oberhausen at Wesel
    ("A3", 51.82, 6.27),  # Emmerich-Oberhausen at Emmerich
    ("A1", 51.91, 7.58),  # the German A1 at Muenster
])
def test_named_motorways_are_motorways(national: object, route: str, lat: float,
                                       lon: float) -> None:
    """Each named motorway has motorway links of its own name within 3 km of a point on it."""
    here = _road_near(national, lat, lon)
    named = here[(here["road_class"] == "motorway") & (here["corridor"] == route)]
    assert named["length_km"].sum() > 1.0, here.groupby(["road_class", "corridor"]).size()


def _route_links(road: pd.DataFrame, road_class: str, route: str) -> pd.DataFrame:
    """Links a route of road_routes.csv gave ``road_class`` (its path or its other
    carriageway), by the route number the class source names."""
    return road[(road["road_class"] == road_class)
                & road["road_class_source"].str.contains(f"{road_class} {route} (",
                                                         regex=False)]


@pytest.mark.parametrize(("route", "lat", "lon"), [
    ("N33", 53.05, 6.80),  # Assen-Zuidbroek between Gieten and Veendam
    ("N34", 52.93, 6.79),  # De Punt-Emmen at Borger
    ("N35", 52.37, 6.37),  # Zwolle-Wierden between Raalte and Nijverdal
    ("N49", 51.26, 3.37),  # Maldegem-Knokke
    ("N4", 50.10, 5.52),  # Marche-en-Famenne-Bastogne at Champlon
    ("N5", 50.12, 4.52),  # Philippeville-Couvin
    ("B402", 52.68, 7.40),  # Meppen-Haseluenne
    ("B58", 51.68, 6.75),  # Wesel-Schermbeck
])
def test_named_trunk_roads_are_trunk(national: object, route: str, lat: float,
                                     lon: float) -> None:
    """Each named trunk road (road authority pages and route articles, road_routes.csv) has
    trunk links of its own route number within 3 km of a point on it."""
    here = _road_near(national, lat, lon)
    named = _route_links(here, "trunk", route)
    assert named["length_km"].sum() > 1.0, here.groupby(["road_class", "corridor"]).size()


@pytest.mark.parametrize(("route", "published_km"), [
    ("N3", 9.7),  # A16 Dordrecht - A15 Papendrecht (nl.wikipedia Rijksweg 3)
    ("N11", 21.4),  # A4 Leiden - A12 Bodegraven (Wegenwiki N11)
    ("N18", 45.0),  # Varsseveld - Enschede (Rijkswaterstaat / evofenedex 2012)
    ("N33", 72.2),  # A28 Assen - Eemshaven (Wegenwiki N33)
    ("N34", 77.0),  # A28 De Punt - N36 near Ommen (Wegenwiki N34)
    ("N35", 41.0),  # Zwolle - Wierden (Wegenwiki Rijksweg 35)
    ("N36", 36.0),  # Almelo - N48 Ommen (De Gelderlander 2022)
    ("N61", 27.0),  # Terneuzen - Schoondijke (Rijkswaterstaat wegenoverzicht N61)
    ("N74", 39.0),  # Dutch border - Hasselt (nl.wikipedia N74 (Belgie))
])
def test_trunk_route_length_is_near_the_published_length(national: object, route: str,
                                                         published_km: float) -> None:
    """A trunk route laid over its whole length measures, one carriageway counted, within
    25 % of the length its road authority or route article gives."""
    links = national.links  # type: ignore[attr-defined]
    road = links[links["mode"] == "road"]
    own = _route_links(road, "trunk", route)
    own = own[~own["road_class_source"].str.startswith("other carriageway")]
    assert own["length_km"].sum() == pytest.approx(published_km, rel=0.25)


def test_dutch_motorway_and_trunk_rijkswegen_km_is_near_the_cbs_figure(national: object
                                                                       ) -> None:
    """CBS StatLine 70806ned "Lengte van wegen; wegkenmerken, regio", 2023: rijkswegen, all
    main carriageways ("totaal hoofdrijbanen") 3,105 km: the autosnelwegen and the N-rijkswegen
    (autowegen such as the N11, N33, N35, N36). The layer's Dutch motorways plus its trunk
    roads on rijkswegen (routes whose source is Rijkswaterstaat), one carriageway counted, are
    within 10 % of it, and nearer to it than the motorways alone; with the provincial trunk
    roads they stay under the 3,530 km of motorways and expressways that en.wikipedia "Road
    transport in the Netherlands" gives (2013)."""
    links = national.links  # type: ignore[attr-defined]
    road = links[(links["mode"] == "road") & (links["country"] == "NL")
                 & ~links["road_class_source"].str.startswith("other carriageway")]
    motorway_km = road.loc[road["road_class"] == "motorway", "length_km"].sum()
    trunk = road[road["road_class"] == "trunk"]
    rijksweg = trunk["road_class_source"].str.contains(r"^trunk [^(]+\([^)]*\) \(Rijkswaterstaat",
                                                        regex=True)
    rijksweg_km = motorway_km + trunk.loc[rijksweg, "length_km"].sum()
    assert rijksweg_km == pytest.approx(3105, rel=0.10)
    assert abs(rijksweg_km - 3105) < abs(motorway_km - 3105)
    assert motorway_km + trunk["length_km"].sum() < 3530


def test_every_road_link_has_a_class_and_its_source(national: object) -> None:
    links = national.links  # type: ignore[attr-defined]
    road = links[links["link_id"].str.startswith("road:")]
    assert set(road["road_class"]) <= {"motorway", "trunk", "major", "secondary"}
    assert (road["road_class_source"].str.len() > 20).all()
    named = road[road["road_class_source"].str.contains("road_routes.csv")]
    assert named["road_class_source"].str.contains("shortest path").all()
    assert named["length_km"].sum() > 5000  # motorways named by route in NL, BE and DE
    # lorry speed stays the country's rule, each row citing it
    assert road["speed_source"].str.contains("RVV|Wegcode|StVO|keten assumption").all()


def test_rail_electrification_on_every_link(national: object) -> None:
    """Every rail link says yes/no/unknown with its source; an electrified link of NL, BE or
    DE names its power system as the network statements give it."""
    links = national.links  # type: ignore[attr-defined]
    rail = links[links["mode"] == "rail"]
    assert set(rail["rail_electrified"]) <= {"yes", "no", "unknown"}
    assert (rail["electrified_source"].str.len() > 10).all()
    osm = rail[rail["link_id"].str.startswith("rail:") & rail["licence"].str.startswith("ODbL")]
    yes = osm[osm["rail_electrified"] == "yes"]
    assert set(yes["rail_power_system"]) <= {"1.5 kV DC", "25 kV 50 Hz AC", "15 kV 16.7 Hz AC",
                                             "3 kV DC"}
    # Belgian lines are 3 kV DC but for the Athus-Meuse line (25 kV AC) and the 15 kV stretch
    # of line 24 from Montzen to Aachen West, as rail_lines.csv gives them
    be = yes[yes["country"] == "BE"]
    other = be[be["rail_power_system"] != "3 kV DC"]
    assert len(other) < 0.2 * len(be)
    assert other["electrified_source"].str.contains("Athus-Meuse|Montzen-Gemmenich").all()
    betuwe = rail[rail["corridor"] == "Betuweroute"]
    assert len(betuwe) and (betuwe["rail_power_system"] == "25 kV 50 Hz AC").all()
    unknown = osm[osm["rail_electrified"] == "unknown"]
    assert unknown["electrified_source"].str.startswith("unknown").all()
    assert not (unknown["country"] == "NL").any()


def test_dutch_rail_layer_is_the_electrified_network(national: object) -> None:
    """CBS (Lengte van spoorwegen, via the Topsector Logistiek monitor, 2015): 3,031 km of
    railway in NL, 2,302 km electrified and 729 km without overhead wire. The OSM-derived layer
    holds none of the lines ProRail lists without overhead wire (every such line's waypoints
    lie more than SNAP_KM from the layer), and its Dutch km are within 15 % of CBS's
    electrified km: the ProRail standard (electrified) holds for the whole Dutch layer."""
    links = national.links  # type: ignore[attr-defined]
    nodes = national.nodes  # type: ignore[attr-defined]
    rail = links[(links["mode"] == "rail") & links["link_id"].str.startswith("rail:")
                 & links["licence"].str.startswith("ODbL")]
    nl = rail[rail["country"] == "NL"]
    assert (nl["rail_electrified"] == "yes").all()
    assert nl["length_km"].sum() == pytest.approx(2302, rel=0.15)
    spec = read_spec(ROOT / "scripts" / "network_spec" / "rail_lines.csv")
    places = pd.read_csv(ROOT / "src" / "keten" / "network" / "data" / "places.csv")
    on_layer = nodes[nodes["node_id"].isin(set(rail["from_node"]) | set(rail["to_node"]))]
    xy = np.column_stack([on_layer["lon"] * KM_LON, on_layer["lat"] * KM_LAT])
    from scipy.spatial import cKDTree

    tree = cKDTree(xy)
    for r in spec[(spec["country"] == "NL") & (spec["electrified"] == "no")].to_dict("records"):
        gaps = [tree.query([lon * KM_LON, lat * KM_LAT])[0]
                for _, lon, lat in waypoints(r["waypoints"], r["country"], places)]
        assert max(gaps) > SNAP_KM, r["line"]


def _toy() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A straight road A-B-C-D along 52 N (about 10 km legs), its other carriageway 60 m
    north (E-F-G-H), a crossing side road at B, and a long loop D-X-A."""
    lat0, dlat = 52.0, 0.06 / KM_LAT
    lons = [5.0, 5.15, 5.30, 5.45]
    nodes = pd.DataFrame({
        "node_id": list("ABCD") + list("EFGH") + ["S", "X"],
        "lon": lons + lons + [5.15, 5.2],
        "lat": [lat0] * 4 + [lat0 + dlat] * 4 + [51.9, 52.3]})
    links = pd.DataFrame({
        "from_node": list("ABC") + list("EFG") + ["B", "D", "X"],
        "to_node": list("BCD") + list("FGH") + ["S", "X", "A"]})
    pos = nodes.set_index("node_id")
    km = np.hypot((pos.loc[links["from_node"], "lon"].to_numpy()
                   - pos.loc[links["to_node"], "lon"].to_numpy()) * KM_LON,
                  (pos.loc[links["from_node"], "lat"].to_numpy()
                   - pos.loc[links["to_node"], "lat"].to_numpy()) * KM_LAT)
    links["length_km"] = km
    places = pd.DataFrame({"name": ["West", "East"], "country": ["NL", "NL"],
                           "lon": [5.0, 5.45], "lat": [52.0, 52.0], "population": [1, 1]})
    return links, nodes, places


def test_a_route_lies_on_its_path_and_its_other_carriageway_beside_it() -> None:
    links, nodes, places = _toy()
    spec = pd.DataFrame({"route": ["R1"], "country": ["NL"], "waypoints": ["West>East"]})
    found = match_routes(links, nodes, spec, places)
    assert sorted(found.link_route) == [0, 1, 2] and not found.skipped
    matched = np.zeros(len(links), dtype=bool)
    matched[[0, 1, 2]] = True
    assert sorted(parallel_links(links, nodes, matched)) == [3, 4, 5]  # not the side road


def test_a_motorway_route_wins_over_a_trunk_route_on_a_shared_link() -> None:
    """The build lays motorway routes first and trunk routes after: where both claim the main
    road, and its other carriageway, it stays motorway; a trunk route on the side road makes
    that road trunk."""
    links, nodes, _ = _toy()
    links = links.assign(road_class="major", road_class_source="major road", corridor="")
    along = "52.0/5.0>52.0/5.45"
    motorway = pd.DataFrame({"route": ["M1 (West-East)"], "country": ["NL"],
                             "road_class": ["motorway"], "waypoints": [along],
                             "source": ["authority"]})
    trunk = pd.DataFrame({"route": ["T1 (West-East)", "T2 (B-South)"], "country": ["NL", "NL"],
                          "road_class": ["trunk", "trunk"],
                          "waypoints": [along, "52.0/5.15>51.9/5.15"],
                          "source": ["authority", "authority"]})
    build_script._lay_road_class(links, nodes, motorway, {"motorway"})
    build_script._lay_road_class(links, nodes, trunk, {"motorway", "trunk"})
    assert links.loc[[0, 1, 2, 3, 4, 5], "road_class"].eq("motorway").all()
    assert links.loc[6, "road_class"] == "trunk"
    assert links.loc[6, "road_class_source"].startswith("trunk T2 (B-South)")
    assert links.loc[[7, 8], "road_class"].eq("major").all()
    assert build_script.ROUTE_CLASSES == ("motorway", "trunk")


def test_a_leg_the_layer_cannot_carry_is_reported_not_laid() -> None:
    links, nodes, places = _toy()
    links = links.drop(index=[1]).reset_index(drop=True)  # B-C gone: only the long loop is left
    spec = pd.DataFrame({"route": ["R1"], "country": ["NL"], "waypoints": ["West>East"]})
    found = match_routes(links, nodes, spec, places)
    assert not found.link_route and "path" in found.skipped[0]
    far = pd.DataFrame({"route": ["R2"], "country": ["NL"], "waypoints": ["53.0/5.0>East"]})
    assert "from the layer" in match_routes(links, nodes, far, places).skipped[0]
