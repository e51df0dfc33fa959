"""Shared fixtures for the resilience tests: the demo model (prepared once) and tiny networks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from keten.network.build import network_from_frames, sketch_network
from keten.network.model import Network
from keten.resilience.flows import ImpactModel, demo_demand, prepare_model

SHARED = next((p for p in (Path(__file__).resolve().parents[3] / "shared",
                           Path("/work/shared")) if p.is_dir()),
              Path(__file__).resolve().parents[3] / "shared")


@pytest.fixture(scope="session")
def demo_model() -> ImpactModel:
    return prepare_model(demo_demand(), sketch_network())


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return SHARED


@pytest.fixture(scope="session")
def make_network() -> object:
    return tiny_network


def tiny_network(links: list[tuple[str, str, str, float, float | None]],
                 nodes: dict[str, tuple[float, float]] | None = None) -> Network:
    """Links (id, from, to, length_km, capacity t/day or None), all road, on made-up nodes."""
    names = sorted({x for _, a, b, _, _ in links for x in (a, b)})
    pos = nodes or {n: (52.0 + 0.1 * i, 5.0 + 0.1 * i) for i, n in enumerate(names)}
    node_frame = pd.DataFrame([{"node_id": n, "name": n, "lat": pos[n][0], "lon": pos[n][1],
                                "kind": "inland_terminal", "modes": "road"} for n in names])
    link_frame = pd.DataFrame([{"link_id": lid, "from_node": a, "to_node": b, "mode": "road",
                                "length_km": km, "speed_kmh": 60,
                                "capacity_t_per_day": "" if cap is None else cap,
                                "corridor": f"corridor {lid}"}
                               for lid, a, b, km, cap in links])
    return network_from_frames(node_frame.astype(object), link_frame.astype(object),
                               name="tiny")
