"""The built-in networks: the national default and the 90-node sketch (``--network sketch``):
contents, sources, validity and reference corridor lengths."""

from __future__ import annotations

import pytest

from keten.network import default_network, shortest_feasible_distance_km, validate_network
from keten.network.build import national_network, sketch_network
from keten.network.io import read_network_file

# Reference distances (km) for the main corridors, each within +-10 %.
# - road Rotterdam-Duisburg: route planners give about 215-230 km via A15/A12/A3; scgraph_data's
#   OSM highway graph gives 198 km city to city (DESIGN.md); reference 215 km.
# - waterway Rotterdam-Duisburg via the Waal: Rhine-km ~1000 (Rotterdam) to 780 (Duisburg-
#   Ruhrort), i.e. about 220 km (Rijkswaterstaat / WSV kilometre markers).
# - rail Rotterdam-Duisburg via the Betuweroute: scgraph_data's OSM railway graph gives 208 km
#   (DESIGN.md); the Betuweroute itself is 160 km Maasvlakte-Zevenaar (Port of Rotterdam,
#   ProRail) plus about 45 km Zevenaar-Emmerich-Oberhausen-Duisburg; reference 210 km.
# - road Amsterdam-Rotterdam: 78 km (scgraph_data, DESIGN.md).
REFERENCE_KM = [
    ("NLRTM", "DEDUI", "road", 215.0),
    ("NLRTM", "DEDUI", "inland_waterway", 220.0),
    ("NLRTM", "DEDUI", "rail", 210.0),
    ("NLRTM-MV", "zevenaar-oost", "rail", 160.0),
    ("NLAMS", "NLRTM", "road", 78.0),
]


@pytest.mark.parametrize("network", ["default", "sketch"])
@pytest.mark.parametrize(("origin", "destination", "mode", "reference_km"), REFERENCE_KM)
def test_main_corridor_lengths_within_ten_percent(origin: str, destination: str, mode: str,
                                                  reference_km: float, network: str) -> None:
    net = read_network_file(network)
    km = shortest_feasible_distance_km(origin, destination, mode, network=net)
    assert abs(km - reference_km) <= 0.10 * reference_km, (origin, destination, mode, km)


def test_the_default_is_the_national_network_and_the_sketch_stays_by_name() -> None:
    assert default_network() is national_network()
    assert read_network_file("default") is national_network()
    assert read_network_file("sketch") is sketch_network() is read_network_file("demo")
    assert len(sketch_network().nodes) == 90 and len(national_network().links) > 40_000


def test_default_network_is_valid_and_connected() -> None:
    report = validate_network(default_network())
    assert report.problems == []
    # two RWS fairway fragments (7 junctions) touch no other section: warnings, not errors
    assert report.component_sizes[0] > 0.999 * len(default_network().nodes)
    assert all(w.reason.startswith("disconnected part") for w in report.warnings)
    sketch = validate_network(sketch_network())
    assert sketch.problems == [] and sketch.components == 1


@pytest.mark.parametrize("network", [national_network, sketch_network])
def test_required_ports_airports_and_terminals_are_present(network: object) -> None:
    net = network()  # type: ignore[operator]
    ids = set(net.node_ids)
    for locode in ("NLRTM", "NLAMS", "NLMOE", "NLVLI", "NLTNZ", "NLIJM", "NLEEM", "NLDZL",
                   "BEANR", "DEDUI", "NLNIJ", "NLVEN"):
        assert locode in ids
    nodes = net.nodes
    dutch_terminals = nodes[(nodes["country"] == "NL")
                            & nodes["kind"].isin(["inland_terminal", "rail_terminal"])]
    assert len(dutch_terminals) >= 25
    assert (nodes["kind"] == "airport").sum() >= 2
    assert (nodes["kind"] == "border_crossing").sum() >= 5


@pytest.mark.parametrize("network", [national_network, sketch_network])
def test_every_row_names_its_source_and_corridors_are_covered(network: object) -> None:
    net = network()  # type: ignore[operator]
    assert (net.nodes["source"].str.len() > 0).all()
    assert (net.links["source"].str.len() > 0).all()
    corridors = " ".join(net.links["corridor"])
    for name in ("Waal", "Nederrijn", "IJssel", "Maas", "Amsterdam-Rijnkanaal", "Noordzeekanaal",
                 "Schelde-Rijnverbinding", "Twentekanaal", "Julianakanaal", "Maas-Waalkanaal",
                 "Van Starkenborghkanaal", "Betuweroute", "Brabantroute", "A15", "A16", "A2",
                 "A12", "A1", "A67", "A73", "A4", "RRP", "RAPL"):
        assert name in corridors, name
    iww = net.links[(net.links["mode"] == "inland_waterway")
                    & ~net.links["link_id"].str.startswith(("vwk:", "access:"))]
    assert (iww["cemt_class"].str.len() > 0).all()  # RWS sections: see test_national.py
    assert set(net.links["mode"]) == {"road", "rail", "inland_waterway", "sea", "air", "pipeline"}
