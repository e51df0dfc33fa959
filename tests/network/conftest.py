"""Fixtures for the network tests: the shared fairway data and small hand-made networks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from keten.network.build import network_from_frames
from keten.network.model import Network

HERE = Path(__file__).resolve().parent
_SHARED = next((p for p in (HERE.parents[2] / "shared", HERE.parents[3] / "shared",
                            Path("/work/shared")) if p.exists()), Path("/work/shared"))
FAIRWAYS = _SHARED / "data" / "rws-vaarwegvakken" / "Vaarwegvakken.shp"


@pytest.fixture
def osm_fixture() -> Path:
    return HERE / "data" / "small.osm"


@pytest.fixture
def fairways() -> Path:
    assert FAIRWAYS.exists(), f"shared fairway data missing at {FAIRWAYS}"
    return FAIRWAYS


def line_network() -> Network:
    """A - B by road and by barge, B a terminal, B - C by road; D off on its own."""
    nodes = pd.DataFrame([
        {"node_id": "A", "lat": 51.9, "lon": 4.4, "kind": "seaport",
         "modes": "road|inland_waterway",
         "hub_type": "maritime_container_terminal", "handling_cost_eur_per_t": 4,
         "handling_time_h": 10},
        {"node_id": "B", "lat": 51.9, "lon": 5.4, "kind": "inland_terminal",
         "modes": "road|inland_waterway", "hub_type": "transshipment",
         "handling_cost_eur_per_t": 3, "handling_time_h": 5},
        {"node_id": "C", "lat": 51.9, "lon": 5.6, "kind": "city", "modes": "road"},
        {"node_id": "D", "lat": 52.5, "lon": 6.0, "kind": "city", "modes": "road"},
    ])
    links = pd.DataFrame([
        {"from_node": "A", "to_node": "B", "mode": "road", "length_km": 100},
        {"from_node": "A", "to_node": "B", "mode": "inland_waterway", "length_km": 110},
        {"from_node": "B", "to_node": "C", "mode": "road", "length_km": 20},
    ])
    return network_from_frames(nodes, links, name="line")
