"""Planning inputs in JSON and Parquet read the same as CSV; times as hours work too."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from keten.factors import load_factor_set
from keten.io.planning_input import read_planning_inputs
from keten.services.planning import network_context

SHIPS = [{"shipment_id": "S1", "origin": "NLRTM-MV", "destination": "Nijmegen", "teu": "2",
          "release": "2026-03-02T06:00", "due": "2026-03-03T06:00"}]
SVCS = [{"service_id": "K1", "mode": "iww", "from": "NLRTM-MV", "to": "NLNIJ",
         "departure": "2026-03-02T18:00", "transit_h": "13", "capacity_teu": "4",
         "price_eur_per_teu": "95"}]


def test_json_and_parquet(tmp_path: Path) -> None:
    ships, svcs = tmp_path / "s.json", tmp_path / "k.parquet"
    ships.write_text(json.dumps({"shipments": SHIPS}))
    pq.write_table(pa.Table.from_pylist(SVCS), svcs)
    ctx = network_context(None)
    inputs = read_planning_inputs(ships, svcs, None, ctx.locate, load_factor_set())
    (s,) = inputs.shipments
    (k,) = inputs.services
    assert inputs.t0 is not None and inputs.t0.isoformat() == "2026-03-02T00:00:00"
    assert (s.destination, s.release_h, s.due_h, s.teu, s.mass_kg) == ("NLNIJ", 6.0, 30.0, 2.0,
                                                                       20_000.0)
    assert (k.mode, k.departure_h, k.arrival_h, k.capacity_teu) == ("inland_waterway", 18.0,
                                                                    31.0, 4.0)


def test_hours_instead_of_dates() -> None:
    ships = [{**SHIPS[0], "release": "6", "due": "30"}]
    svcs = [{**SVCS[0], "departure": "18"}]
    ctx = network_context(None)
    inputs = read_planning_inputs(ships, svcs, None, ctx.locate, load_factor_set())
    assert inputs.t0 is None
    assert inputs.services[0].arrival_h == 31.0
