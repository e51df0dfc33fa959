"""Import (fairway shapefile in EPSG:28992, OSM XML), export round trips, validation report."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from keten.errors import ValidationError
from keten.factors import load_factor_set
from keten.network import network_from_frames, validate_network
from keten.network.api import graph_for
from keten.network.io import read_links_file, read_network_file, read_osm, write_network
from keten.network.routing import best_path, edge_weights, graph_csr


def test_fairway_sections_import_and_route_between_junction_ids(fairways: Path) -> None:
    net = read_links_file(fairways, mode="inland_waterway", from_col="VWJ_ID_BEG",
                          to_col="VWJ_ID_END", id_col="VWK_ID", corridor_col="VWG_NAAM")
    assert len(net.links) == 3721
    assert net.nodes["lat"].min() > 50.5 and net.nodes["lat"].max() < 54.5  # reprojected
    report = validate_network(net)
    assert report.component_sizes[0] > 3000
    # Route between the junctions nearest Rotterdam (Waalhaven) and Nijmegen, and compare with
    # networkx on the same links (lengths from the geometry, in km).
    index = net.node_index()
    lat, lon = net.nodes["lat"].to_numpy(), net.nodes["lon"].to_numpy()
    a = int(np.argmin((lat - 51.897) ** 2 + (lon - 4.44) ** 2))
    b = int(np.argmin((lat - 51.853) ** 2 + (lon - 5.85) ** 2))
    g = graph_for(net, load_factor_set())
    weight = edge_weights(g.fixed, {"distance_km": 1.0})
    path = best_path(g, graph_csr(g, weight, None), g.fixed, weight, a, b)
    assert path is not None
    oracle = nx.Graph()
    for row in net.links.itertuples(index=False):
        w = row.length_km
        if not oracle.has_edge(row.from_node, row.to_node) or \
                oracle[row.from_node][row.to_node]["weight"] > w:
            oracle.add_edge(row.from_node, row.to_node, weight=w)
    expected = nx.dijkstra_path_length(oracle, net.node_ids[a], net.node_ids[b])
    assert path.totals["distance_km"] == pytest.approx(expected, rel=1e-9)
    assert 90 < expected < 130  # Waalhaven to Nijmegen along the Waal is about 110 km
    assert index[net.node_ids[a]] == a


def test_osm_fixture(osm_fixture: Path) -> None:
    net = read_osm(osm_fixture)
    modes = net.links.groupby("mode").size().to_dict()
    # the motorway and the primary road split at shared node 2; rail; canal; no building
    assert modes == {"road": 4, "rail": 1, "inland_waterway": 1}
    assert "osm:2" in net.node_ids and "osm:9" not in net.node_ids
    one_way = net.links[net.links["road_class"] == "primary"]
    assert not one_way["bidirectional"].any()
    a15 = net.links[net.links["corridor"] == "A15"]
    assert a15["length_km"].sum() == pytest.approx(2 * 1.372, rel=0.01)  # 0.04 deg lon at 51.88
    assert validate_network(net).component_sizes == [6, 2]  # the rail way stands alone


def test_osm_with_missing_node_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.osm"
    bad.write_text('<osm><node id="1" lat="52" lon="5"/><way id="9"><nd ref="1"/><nd ref="2"/>'
                   '<tag k="highway" v="primary"/></way></osm>', encoding="utf-8")
    with pytest.raises(ValidationError, match="missing node 2"):
        read_osm(bad)


@pytest.mark.parametrize(("name", "which"), [("net.geojson", "sketch"), ("net.gpkg", "default"),
                                           ("net_csv", "sketch")])
def test_export_round_trip(tmp_path: Path, name: str, which: str) -> None:
    """Every format on the sketch; the national default (43,000 links) through GeoPackage."""
    net = read_network_file(which)
    back = read_network_file(write_network(net, tmp_path / name))
    assert back.node_ids == net.node_ids
    assert list(back.links["link_id"]) == list(net.links["link_id"])
    assert np.allclose(back.links["length_km"], net.links["length_km"])
    assert (back.links["cemt_class"] == net.links["cemt_class"]).all()
    assert np.allclose(back.nodes["lat"], net.nodes["lat"])


def test_geojson_import_in_another_crs(tmp_path: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import LineString

    frame = gpd.GeoDataFrame({"id": ["x", "y"]}, crs=4326, geometry=[
        LineString([(4.0, 52.0), (4.1, 52.0)]), LineString([(4.1, 52.0), (4.1, 52.1)])])
    path = tmp_path / "links.gpkg"
    frame.to_crs(28992).to_file(path, driver="GPKG", engine="pyogrio")
    net = read_links_file(path, mode="road", id_col="id")
    assert len(net.nodes) == 3  # the shared end point is one node
    assert net.links["length_km"].tolist() == pytest.approx([6.86, 11.12], rel=0.01)


def test_validation_report_lists_every_problem() -> None:
    nodes = pd.DataFrame({"node_id": ["A", "B", "B", "C", "D", "E"], "lat": 52.0,
                          "lon": [4, 5, 5, 6, 7, 8], "modes": "road"})
    links = pd.DataFrame([
        {"link_id": "l1", "from_node": "A", "to_node": "B", "mode": "road", "length_km": 10},
        {"link_id": "l1", "from_node": "B", "to_node": "C", "mode": "road", "length_km": 0},
        {"link_id": "l3", "from_node": "C", "to_node": "Z", "mode": "road", "length_km": -2},
        {"link_id": "l4", "from_node": "D", "to_node": "E", "mode": "rail", "length_km": 5},
    ])
    report = validate_network(network_from_frames(nodes, links))
    text = "\n".join(str(p) for p in report.problems)
    assert "duplicate node id 'B'" in text
    assert "duplicate link id 'l1'" in text
    assert "unknown node 'Z'" in text
    assert "length 0.0 km" in text and "length -2.0 km" in text
    assert "does not list mode 'rail'" in text
    assert "disconnected part of 2 node(s)" in str(report.warnings[0])
    assert report.components == 2


def test_bad_cells_are_gathered_before_failing() -> None:
    nodes = pd.DataFrame({"node_id": ["A", "B"], "lat": ["52", "north"], "lon": [4, 500],
                          "kind": ["port", "city"]})
    links = pd.DataFrame({"from_node": ["A"], "to_node": ["B"], "mode": ["truck"],
                          "length_km": ["ten"]})
    with pytest.raises(ValidationError) as err:
        network_from_frames(nodes, links, file="x.csv")
    columns = {p.column for p in err.value.problems}
    assert {"lat", "lon", "kind", "mode", "length_km"} <= columns


def test_missing_or_empty_network_files_are_explained(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="file not found"):
        read_network_file(tmp_path / "nope.geojson")
    bad = tmp_path / "bad.geojson"
    bad.write_text("[1, 2]")
    with pytest.raises(ValidationError, match="not a GeoJSON"):
        read_network_file(bad)
    empty = tmp_path / "empty.geojson"
    empty.write_text('{"type": "FeatureCollection", "features": []}')
    report = validate_network(read_network_file(empty), str(empty))
    assert any("no links" in p.reason for p in report.problems)
