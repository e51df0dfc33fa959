"""The importer against truths it did not compute: the generator's own junction positions,
pyproj's ellipsoidal lengths, a plain geopandas read, and networkx shortest paths."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import LineString
from typer.testing import CliRunner

from keten.cli.main import app
from keten.errors import ValidationError
from keten.network.io import ImportNotes, read_links_file, read_network_file, read_osm
from keten.network.validate import validate_network

ROOT = Path(__file__).resolve().parents[2]
ENV = {"COLUMNS": "200", "NO_COLOR": "1"}
runner = CliRunner()


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_osm_style_network", ROOT / "scripts" / "make_osm_style_network.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> object:
    return _generator().make(tmp_path_factory.mktemp("osm"), side=14, seed=5)


def _misplaced(net: object, truth: dict[int, tuple[float, float]], prefix: str = "") -> int:
    nodes = net.nodes  # type: ignore[attr-defined]
    bad = 0
    for nid, lat, lon in zip(nodes["node_id"], nodes["lat"], nodes["lon"], strict=True):
        x, y = truth[int(str(nid)[len(prefix):])]
        bad += not (abs(x - lon) < 1e-6 and abs(y - lat) < 1e-6)
    return bad


def test_gpkg_with_reversed_geometries_places_every_node_right(synthetic: object) -> None:
    s = synthetic
    assert s.reversed_in_gpkg > 0.3 * s.links  # type: ignore[attr-defined]
    notes = ImportNotes()
    net = read_links_file(s.gpkg, mode="road", from_col="u", to_col="v",  # type: ignore[attr-defined]
                          speed_col="maxspeed_kmh", class_col="highway", notes=notes)
    assert len(net.links) == s.links  # type: ignore[attr-defined]
    assert _misplaced(net, s.node_lonlat) == 0  # type: ignore[attr-defined]
    # every link listed v->u was recognised (the multi-edge/self-loops are ties kept as drawn)
    assert abs(notes.reversed_links - s.reversed_in_gpkg) <= 13  # type: ignore[attr-defined]
    assert not notes.warnings  # all line ends meet their nodes
    # the naive reading (a node where a line starts) misplaces many nodes
    plain = gpd.read_file(s.gpkg, engine="pyogrio")  # type: ignore[attr-defined]
    naive = {str(u): g.coords[0] for u, g in zip(plain["u"], plain.geometry, strict=True)}
    truth = s.node_lonlat  # type: ignore[attr-defined]
    assert sum(np.hypot(*np.subtract(xy, truth[int(n)])) > 1e-6 for n, xy in naive.items()) > 10
    # geometry, attributes and extra columns survive
    assert (shapely.get_num_coordinates(net.link_geometry)
            == shapely.get_num_coordinates(plain.geometry.to_numpy())).all()
    assert net.links["speed_kmh"].tolist() == plain["maxspeed_kmh"].tolist()
    assert net.links["road_class"].tolist() == plain["highway"].tolist()
    assert net.links["flood_depth_m"].tolist() == plain["flood_depth_m"].tolist()
    # lengths against pyproj's ellipsoidal geodesic (a different formula, within 0.5 %)
    geod = Geod(ellps="WGS84")
    expected = np.array([geod.geometry_length(g) / 1000 for g in plain.geometry])
    assert net.links["length_km"].to_numpy() == pytest.approx(expected, rel=5e-3)
    # every geometry now runs from from_node to to_node
    start = shapely.get_coordinates(shapely.get_point(net.link_geometry, 0))
    index = net.node_index()
    rows = [index[a] for a in net.links["from_node"]]
    assert np.allclose(start, net.nodes[["lon", "lat"]].to_numpy()[rows], atol=1e-6)


def test_osm_split_at_junctions_and_self_loops_are_warnings(synthetic: object) -> None:
    s = synthetic
    net = read_osm(s.osm)  # type: ignore[attr-defined]
    assert len(net.links) == s.links  # type: ignore[attr-defined]
    assert _misplaced(net, s.node_lonlat, "osm:") == 0  # type: ignore[attr-defined]
    report = validate_network(net)
    assert report.ok
    assert report.self_loops == s.self_loops  # type: ignore[attr-defined]
    assert report.components == 1 + s.islands  # type: ignore[attr-defined]
    mph = net.links["speed_kmh"].dropna()
    assert (np.isclose(mph % 1, 0) | np.isclose(mph / 1.609344 % 1, 0)).all()
    # shortest paths equal networkx on a graph built from the generator's own gpkg rows
    gpkg = read_links_file(s.gpkg, mode="road", from_col="u", to_col="v")  # type: ignore[attr-defined]
    graph = nx.Graph()
    for a, b, km in zip(gpkg.links["from_node"], gpkg.links["to_node"],
                        gpkg.links["length_km"], strict=True):
        if not graph.has_edge(a, b) or graph[a][b]["weight"] > km:
            graph.add_edge(a, b, weight=km)
    from keten.factors import load_factor_set
    from keten.network.api import graph_for
    from keten.network.routing import best_path, edge_weights, graph_csr

    both_ways = net.links.assign(bidirectional=True)
    from keten.network.build import network_from_frames

    undirected = network_from_frames(net.nodes, both_ways, name="u")
    g = graph_for(undirected, load_factor_set())
    weight = edge_weights(g.fixed, {"distance_km": 1.0})
    csr = graph_csr(g, weight, frozenset({"road"}))
    idx = undirected.node_index()
    for a, b in (("1", "196"), ("15", "100"), ("3", "180")):
        path = best_path(g, csr, g.fixed, weight, idx[f"osm:{a}"], idx[f"osm:{b}"])
        assert path is not None
        assert path.totals["distance_km"] == pytest.approx(
            nx.dijkstra_path_length(graph, a, b), rel=1e-4)  # OSM coordinates have 7 decimals


def test_multi_edges_are_kept_and_the_shorter_one_routes(tmp_path: Path) -> None:
    lines = [LineString([(5.0, 52.0), (5.1, 52.0)]),
             LineString([(5.0, 52.0), (5.05, 52.05), (5.1, 52.0)]),  # parallel, longer
             LineString([(5.2, 52.0), (5.1, 52.0)])]  # drawn to -> from
    frame = gpd.GeoDataFrame({"u": ["A", "A", "B"], "v": ["B", "B", "C"]}, geometry=lines,
                             crs=4326)
    path = tmp_path / "multi.geojson"
    frame.to_file(path, driver="GeoJSON", engine="pyogrio")
    net = read_links_file(path, mode="road", from_col="u", to_col="v")
    assert len(net.links) == 3 and net.links["link_id"].is_unique
    xy = {n: (lon, lat) for n, lat, lon in zip(net.nodes["node_id"], net.nodes["lat"],
                                               net.nodes["lon"], strict=True)}
    assert xy == {"A": (5.0, 52.0), "B": (5.1, 52.0), "C": (5.2, 52.0)}
    from keten.network.api import shortest_feasible_distance_km

    assert shortest_feasible_distance_km("A", "C", "road", network=net) == pytest.approx(
        net.links["length_km"].iloc[[0, 2]].sum())


def test_projected_crs_and_missing_crs(tmp_path: Path) -> None:
    lines = [LineString([(4.0, 52.0), (4.1, 52.0)]), LineString([(4.1, 52.1), (4.1, 52.0)])]
    frame = gpd.GeoDataFrame({"a": ["P", "Q"], "b": ["Q", "R"], "depth_m": [0.2, 1.4]},
                             geometry=lines, crs=4326)
    path = tmp_path / "rd.gpkg"
    frame.to_crs(28992).to_file(path, driver="GPKG", engine="pyogrio")
    net = read_links_file(path, mode="road", from_col="a", to_col="b")
    pos = net.nodes.set_index("node_id")[["lon", "lat"]]
    assert pos.loc["Q"].tolist() == pytest.approx([4.1, 52.0], abs=1e-7)
    assert pos.loc["R"].tolist() == pytest.approx([4.1, 52.1], abs=1e-7)
    assert net.links["depth_m"].tolist() == [0.2, 1.4]
    bare = tmp_path / "bare.gpkg"
    gpd.GeoDataFrame({"a": ["P"]}, geometry=lines[:1]).to_file(bare, driver="GPKG",
                                                                engine="pyogrio")
    with pytest.raises(ValidationError, match="no coordinate reference system"):
        read_links_file(bare, mode="road")


@pytest.mark.parametrize("name", ["net.geojson", "net.gpkg", "net_csv"])
def test_round_trip_keeps_geometry_and_extra_columns(synthetic: object, tmp_path: Path,
                                                     name: str) -> None:
    from keten.network.io import write_network

    net = read_links_file(synthetic.gpkg, mode="road", from_col="u",  # type: ignore[attr-defined]
                          to_col="v", speed_col="maxspeed_kmh")
    back = read_network_file(write_network(net, tmp_path / name))
    assert shapely.equals_exact(back.link_geometry, net.link_geometry, tolerance=1e-6).all()
    assert back.links["flood_depth_m"].astype(float).tolist() == pytest.approx(
        net.links["flood_depth_m"].tolist())
    assert back.links["speed_kmh"].tolist() == net.links["speed_kmh"].tolist()


def test_cli_errors_write_nothing_and_bad_options_are_one_line(synthetic: object,
                                                               tmp_path: Path) -> None:
    out = tmp_path / "out.gpkg"
    res = runner.invoke(app, ["network", "import", str(synthetic.gpkg), str(out),  # type: ignore[attr-defined]
                              "--mode", "truck"], env=ENV)
    assert res.exit_code == 2 and not out.exists()
    assert res.output.count("is not one of") == 1 and len(res.output.splitlines()) == 2
    res = runner.invoke(app, ["network", "import", str(synthetic.gpkg), str(out),  # type: ignore[attr-defined]
                              "--mode", "road", "--speed-col", "vmax"], env=ENV)
    assert res.exit_code == 2 and "no column 'vmax'" in res.output and not out.exists()
    res = runner.invoke(app, ["network", "import", str(synthetic.gpkg), str(out),  # type: ignore[attr-defined]
                              "--mode", "road", "--from-col", "u", "--to-col", "v",
                              "--speed-col", "maxspeed_kmh", "--class-col", "highway",
                              "--keep", "flood_depth_m"], env=ENV)
    assert res.exit_code == 0, res.output
    assert "self-loop" in res.output and "disconnected part" in res.output
    back = read_network_file(out)
    assert "flood_depth_m" in back.links.columns and "bridge" not in back.links.columns
    res = runner.invoke(app, ["network", "validate", str(out), "--format", "json"], env=ENV)
    doc = json.loads(res.stdout)
    assert res.exit_code == 0 and doc["self_loops"] == synthetic.self_loops  # type: ignore[attr-defined]
