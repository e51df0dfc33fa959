"""Hazard overlays and multi-link redundancy against independent references: a networkx
implementation of ra2ce's definition, and GDAL's rasterisation of the same lines."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from rasterio.features import geometry_mask
from rasterio.transform import Affine

from keten.io.hazard_raster import read_raster, write_raster
from keten.network.build import network_from_frames
from keten.network.model import Network
from keten.resilience.hazard import hazard_overlay, multi_link_redundancy, sample_raster_max


def _random_network(seed: int, n: int = 40, m: int = 90) -> tuple[Network, np.ndarray]:
    rng = np.random.default_rng(seed)
    u = rng.integers(0, n, m)
    v = rng.integers(0, n, m)
    modes = np.where(rng.random(m) < 0.7, "road", "rail")
    nodes = pd.DataFrame({"node_id": [f"n{i}" for i in range(n)], "lat": 52 + rng.random(n),
                          "lon": 5 + rng.random(n)})
    links = pd.DataFrame({"link_id": [f"e{k}" for k in range(m)],
                          "from_node": [f"n{a}" for a in u], "to_node": [f"n{b}" for b in v],
                          "mode": modes, "length_km": rng.integers(1, 9, m).astype(float),
                          "speed_kmh": 60.0,
                          "flood_depth_m": np.round(rng.random(m) * 2, 2)})
    net = network_from_frames(nodes, links, name=f"random{seed}")
    return net, links["flood_depth_m"].to_numpy()


def _oracle(net: Network, hit: np.ndarray) -> dict[str, float]:
    """ra2ce's multi-link redundancy in networkx: drop all hit links of the mode, then the
    shortest path between each hit link's ends (inf: cut off)."""
    out: dict[str, float] = {}
    links = net.links
    for mode in set(links["mode"]):
        g = nx.MultiGraph()
        g.add_nodes_from(net.node_ids)
        same = links[links["mode"] == mode]
        for row, keep in zip(same.itertuples(), ~hit[same.index.to_numpy()], strict=True):
            if keep:
                g.add_edge(row.from_node, row.to_node, key=row.link_id, length=row.length_km)
        for row in same[hit[same.index.to_numpy()]].itertuples():
            try:
                out[row.link_id] = nx.shortest_path_length(g, row.from_node, row.to_node,
                                                           weight="length")
            except nx.NetworkXNoPath:
                out[row.link_id] = float("inf")
    return out


@pytest.mark.parametrize("seed", range(6))
def test_multi_link_redundancy_equals_the_networkx_oracle(seed: int) -> None:
    net, depth = _random_network(seed)
    result = hazard_overlay(net, 1.2, attribute="flood_depth_m")
    table = result.table.set_index("link_id")
    hit = depth >= 1.2
    assert set(table.index) == set(net.links["link_id"][hit])
    oracle = _oracle(net, hit)
    assert oracle and set(oracle) == set(table.index)
    for lid, expected in oracle.items():
        row = table.loc[lid]
        assert row["connected"] == np.isfinite(expected)
        if np.isfinite(expected):
            assert row["detour_length_km"] == pytest.approx(expected)
            assert row["detour_time_h"] == pytest.approx(expected / 60)
            assert row["extra_length_km"] == pytest.approx(expected - row["length_km"])
        else:
            assert np.isnan(row["detour_length_km"])
    doc = result.as_dict()
    assert doc["removed"] == hit.sum()
    assert doc["disconnected"] == sum(not np.isfinite(x) for x in oracle.values())


def test_one_removed_link_is_single_link_redundancy() -> None:
    from keten.resilience.criticality import redundancy

    net, _ = _random_network(3)
    single = redundancy(net).set_index("link_id")
    for k in (0, 5, 17, 42):
        hit = np.zeros(len(net.links), dtype=bool)
        hit[k] = True
        row = multi_link_redundancy(net, hit).iloc[0]
        ref = single.loc[row["link_id"]]
        assert row["connected"] == ref["has_detour"]
        if row["connected"]:
            assert row["detour_length_km"] == pytest.approx(ref["detour_length_km"])


def test_unknown_attribute_is_one_clear_error() -> None:
    net, _ = _random_network(1)
    with pytest.raises(ValueError, match=r"no attribute 'depth'.*flood_depth_m"):
        hazard_overlay(net, 1.0, attribute="depth")


def _rd_network() -> Network:
    """Horizontal links along cell-centre rows of the test raster, in RD New (EPSG:28992)."""
    from pyproj import Transformer

    to_wgs = Transformer.from_crs(28992, 4326, always_xy=True)
    rng = np.random.default_rng(7)
    rows = []
    nodes = {}
    for k in range(40):
        y = 450_000 - (rng.integers(0, 20) + 0.5) * 100  # a cell-centre row
        x0, x1 = np.sort(rng.uniform(120_000, 122_000, 2))
        a, b = f"a{k}", f"b{k}"
        nodes[a] = to_wgs.transform(x0, y)
        nodes[b] = to_wgs.transform(x1, y)
        rows.append({"link_id": f"l{k}", "from_node": a, "to_node": b, "mode": "road",
                     "length_km": (x1 - x0) / 1000, "x0": x0, "x1": x1, "y": y})
    node_frame = pd.DataFrame([{"node_id": n, "lon": xy[0], "lat": xy[1]}
                               for n, xy in nodes.items()])
    return network_from_frames(node_frame, pd.DataFrame(rows), name="rd")


def test_raster_sampling_equals_gdal_rasterisation(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    values = np.round(rng.random((20, 20)) * 3, 2)
    values[4, 4] = -9999.0  # nodata
    transform = (100.0, 0.0, 120_000.0, 0.0, -100.0, 450_000.0)
    path = write_raster(tmp_path / "depth.tif", values, transform, "EPSG:28992", -9999.0)
    raster = read_raster(path)
    assert raster.values.shape == (20, 20) and raster.nodata == -9999.0
    net = _rd_network()
    got = sample_raster_max(net, raster)
    masked = np.where(values == -9999.0, np.nan, values)
    for k, row in enumerate(net.links.itertuples()):
        line = shapely.LineString([(row.x0, row.y), (row.x1, row.y)])
        cells = ~geometry_mask([line], out_shape=values.shape, transform=Affine(*transform),
                               all_touched=True)
        assert got[k] == pytest.approx(np.nanmax(masked[cells]), abs=1e-5), k
    result = hazard_overlay(net, 2.5, raster=raster)
    assert set(result.table["link_id"]) == set(net.links["link_id"][got >= 2.5])
    assert result.as_dict()["hazard"] == "raster depth.tif"


def test_zero_length_link_is_sampled_at_its_point(tmp_path: Path) -> None:
    # A terminal's access link can start and end at one point (the national network has one
    # at Charleroi); GEOS cannot segmentize it, yet it still gets the value of its cell.
    nodes = pd.DataFrame({"node_id": ["a", "b", "c"], "lat": [51.05, 51.05, 51.05],
                          "lon": [4.05, 4.05, 4.35]})
    links = pd.DataFrame({"link_id": ["dot", "line"], "from_node": ["a", "a"],
                          "to_node": ["b", "c"], "mode": ["rail", "rail"],
                          "length_km": [0.0, 21.0], "speed_kmh": 60.0})
    net = network_from_frames(nodes, links, name="dot")
    values = np.zeros((10, 10))
    values[4, 0] = 1.5  # the cell holding the shared point (lon 4.0-4.1, lat 51.0-51.1)
    values[4, 2] = 0.7  # a cell only the long line crosses
    path = write_raster(tmp_path / "d.tif", values, (0.1, 0, 4.0, 0, -0.1, 51.5), "EPSG:4326")
    got = sample_raster_max(net, read_raster(path))
    assert got.tolist() == [1.5, 1.5]
