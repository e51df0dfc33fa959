"""``keten criticality --network FILE`` without demand, hazard overlays from an attribute and
from a GeoTIFF, and the same overlay as a ``keten disrupt`` scenario target."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from keten.cli.main import app
from keten.io.hazard_raster import write_raster
from keten.network.build import network_from_frames
from keten.network.io import write_network

runner = CliRunner()
ENV = {"COLUMNS": "200", "NO_COLOR": "1"}


@pytest.fixture(scope="module")
def grid(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    """A 5 x 5 road grid near Utrecht (0.02 deg apart) with a dead end (a bridge); links on
    column lon=5.04 are flooded 1.5 m deep, the others 0.1 m."""
    nodes = [{"node_id": f"g{i}{j}", "lat": 52.0 + 0.02 * i, "lon": 5.0 + 0.02 * j,
              "modes": "road"} for i in range(5) for j in range(5)]
    nodes.append({"node_id": "spur", "lat": 52.1, "lon": 5.2, "modes": "road"})
    rows = []
    for i in range(5):
        for j in range(5):
            if j < 4:
                rows.append((f"g{i}{j}", f"g{i}{j + 1}", 1.5 if j + 1 == 2 else 0.1))
            if i < 4:
                rows.append((f"g{i}{j}", f"g{i + 1}{j}", 1.5 if j == 2 else 0.1))
    rows.append(("g44", "spur", 0.0))
    links = pd.DataFrame([{"link_id": f"r{k}", "from_node": a, "to_node": b, "mode": "road",
                           "length_km": 1.5, "speed_kmh": 60, "flood_depth_m": d}
                          for k, (a, b, d) in enumerate(rows)])
    net = network_from_frames(pd.DataFrame(nodes), links, name="grid")
    path = tmp_path_factory.mktemp("grid") / "grid.gpkg"
    write_network(net, path)
    return path, links


def test_criticality_without_demand_is_redundancy_only(grid: tuple[Path, pd.DataFrame]
                                                       ) -> None:
    path, links = grid
    res = runner.invoke(app, ["criticality", "--network", str(path), "--top", "0", "-f",
                              "json"], env=ENV)
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["freight"] is None and doc["links"] == len(links)
    g = nx.Graph([(a, b) for a, b in zip(links["from_node"], links["to_node"], strict=True)])
    bridge_ids = {r["link_id"] for r in doc["redundancy"] if r["is_bridge"]}
    expected = {lid for lid, a, b in zip(links["link_id"], links["from_node"],
                                         links["to_node"], strict=True)
                if frozenset((a, b)) in {frozenset(e) for e in nx.bridges(g)}}
    assert bridge_ids == expected == {"r40"}
    res = runner.invoke(app, ["criticality", "--network", str(path)], env=ENV)
    assert res.exit_code == 0 and "freight-weighted criticality skipped" in res.stdout


def test_hazard_overlay_from_attribute_and_raster(grid: tuple[Path, pd.DataFrame],
                                                  tmp_path: Path) -> None:
    path, links = grid
    res = runner.invoke(app, ["criticality", "--network", str(path), "--hazard-col",
                              "flood_depth_m", "--threshold", "1.0", "--top", "0", "-f",
                              "json"], env=ENV)
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    flooded = set(links["link_id"][links["flood_depth_m"] >= 1.0])
    assert {r["link_id"] for r in doc["removed_links"]} == flooded
    # the flooded column cuts the grid in two: no removed link keeps its ends connected
    assert doc["disconnected"] == len(flooded) - 4 and doc["detoured"] == 4
    detoured = [r for r in doc["removed_links"] if r["connected"]]
    assert all(r["extra_length_km"] == pytest.approx(3.0) for r in detoured)  # vertical links
    # a raster 1.0 m deep over the east half (lon > 5.05), 0 elsewhere, in WGS84
    values = np.zeros((40, 60))
    values[:, 30:] = 1.0
    tif = write_raster(tmp_path / "flood.tif", values, (0.005, 0, 4.9, 0, -0.005, 52.15),
                       "EPSG:4326")
    res = runner.invoke(app, ["criticality", "--network", str(path), "--hazard-raster",
                              str(tif), "--threshold", "0.5", "--top", "0", "-f", "json"],
                        env=ENV)
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    nodes_lon = {f"g{i}{j}": 5.0 + 0.02 * j for i in range(5) for j in range(5)} | {
        "spur": 5.2}
    east = {lid for lid, a, b in zip(links["link_id"], links["from_node"], links["to_node"],
                                     strict=True) if max(nodes_lon[a], nodes_lon[b]) > 5.05}
    assert {r["link_id"] for r in doc["removed_links"]} == east
    res = runner.invoke(app, ["criticality", "--network", str(path), "--hazard-col", "depth",
                              "--threshold", "1"], env=ENV)
    assert res.exit_code == 2 and "no attribute 'depth'" in res.output
    res = runner.invoke(app, ["criticality", "--network", str(path), "--hazard-col",
                              "flood_depth_m"], env=ENV)
    assert res.exit_code == 2 and "--threshold" in res.output


def test_hazard_as_a_disrupt_scenario(grid: tuple[Path, pd.DataFrame], tmp_path: Path
                                      ) -> None:
    path, links = grid
    demand = tmp_path / "demand.csv"
    demand.write_text("origin,destination,tonnes_per_day,modes\ng00,g04,100,road\n"
                      "g00,g10,50,road\n")
    scenario = tmp_path / "flood.yaml"
    scenario.write_text(yaml.safe_dump({"name": "flood", "disruptions": [
        {"type": "closure", "duration_days": 3,
         "target": {"hazard": {"attribute": "flood_depth_m", "at_least": 1.0}}}]}))
    res = runner.invoke(app, ["disrupt", str(scenario), "--network", str(path), "--demand",
                              str(demand), "-f", "json"], env=ENV)
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    flooded = int((links["flood_depth_m"] >= 1.0).sum())
    assert doc["targets"][0]["link_count"] == flooded
    assert doc["totals"]["late_t"] == pytest.approx(300.0)  # g00 -> g04 cut for 3 days
    values = np.zeros((40, 60))
    values[:, 30:] = 1.0
    write_raster(tmp_path / "flood.tif", values, (0.005, 0, 4.9, 0, -0.005, 52.15),
                 "EPSG:4326")
    scenario.write_text(yaml.safe_dump({"name": "flood raster", "disruptions": [
        {"type": "closure", "duration_days": 3,
         "target": {"hazard": {"raster": "flood.tif", "at_least": 0.5}}}]}))
    res = runner.invoke(app, ["disrupt", str(scenario), "--network", str(path), "--demand",
                              str(demand), "-f", "json"], env=ENV)
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["targets"][0]["link_count"] > 0
    assert doc["totals"]["late_t"] == pytest.approx(300.0)
