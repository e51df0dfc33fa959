"""TTS/TTR on a tiny supply network solved by hand, and the supply-network input format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from keten.errors import ValidationError
from keten.io.scenario_input import read_supply_network, supply_network_from_document
from keten.resilience.survival import stress_test

# Two suppliers of A (10 and 5 per day), a plant making B from one A (20/day, 30 B in stock),
# a DC with 20 B, and a customer wanting 10 B per day. Lead times 0.
HAND: dict[str, Any] = {
    "name": "hand", "products": ["A", "B"],
    "nodes": [
        {"id": "S1", "kind": "supplier", "capacity_per_day": {"A": 10},
         "time_to_recover_days": 10},
        {"id": "S2", "kind": "supplier", "capacity_per_day": {"A": 5},
         "time_to_recover_days": 3},
        {"id": "P", "kind": "plant", "capacity_per_day": {"B": 20}, "inventory": {"B": 30},
         "time_to_recover_days": 5},
        {"id": "DC", "kind": "dc", "inventory": {"B": 20}, "time_to_recover_days": 2},
        {"id": "C", "kind": "customer"}],
    "arcs": [{"from": "S1", "to": "P", "product": "A"}, {"from": "S2", "to": "P", "product": "A"},
             {"from": "P", "to": "DC", "product": "B"}, {"from": "DC", "to": "C", "product": "B"}],
    "bom": [{"product": "B", "component": "A", "quantity": 1}],
    "demand": [{"customer": "C", "product": "B", "units_per_day": 10}],
}


def test_tts_ttr_by_hand() -> None:
    table = stress_test(supply_network_from_document(HAND, "hand.yaml")).set_index("node_id")
    # S1 down: 5 A/day -> 5 B/day, plus 30 + 20 B in stock: 10 t = 5 t + 50 -> t = 10 days.
    assert table.loc["S1", "tts_days"] == pytest.approx(10)
    assert table.loc["S1", "lost_demand_units"] == pytest.approx(0)
    # S2 down: S1 alone covers demand: never runs out.
    assert table.loc["S2", "tts_unbounded"]
    # P down: only the DC's 20 B: 2 days; over TTR 5 days: 50 - 20 = 30 lost.
    assert table.loc["P", "tts_days"] == pytest.approx(2)
    assert table.loc["P", "lost_demand_units"] == pytest.approx(30)
    assert table.loc["P", "at_risk"] and table.loc["P", "gap_days"] == pytest.approx(3)
    # DC down: nothing reaches C.
    assert table.loc["DC", "tts_days"] == pytest.approx(0)
    assert table.loc["DC", "lost_demand_units"] == pytest.approx(20)
    assert next(iter(table.index)) == "P"  # largest gap first


def test_stock_in_transit_extends_survival() -> None:
    doc = {**HAND, "arcs": [dict(a) for a in HAND["arcs"]]}
    doc["arcs"][3]["lead_time_days"] = 1.5  # DC -> C: 1.5 days x 10/day in transit
    table = stress_test(supply_network_from_document(doc, "x.yaml")).set_index("node_id")
    assert table.loc["DC", "tts_days"] == pytest.approx(1.5)
    assert table.loc["P", "tts_days"] == pytest.approx(3.5)


def test_demo_supply_network_runs() -> None:
    from keten.services.resilience import load_supply_network

    table = stress_test(load_supply_network("demo"))
    assert table.iloc[0]["node_id"] == "chips-dresden"
    assert (table["tts_days"] >= 0).all()


def test_bad_supply_network_gathers_every_problem(tmp_path: Path) -> None:
    bad = {**HAND, "nodes": [*HAND["nodes"], {"id": "X", "kind": "warehouse",
                                              "time_to_recover_days": -4}],
           "arcs": [*HAND["arcs"], {"from": "S1", "to": "Q", "product": "Z"}]}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad))
    with pytest.raises(ValidationError) as exc:
        read_supply_network(path)
    fields = {p.column for p in exc.value.problems}
    assert {"nodes[5].kind", "nodes[5].time_to_recover_days", "arcs[4].to",
            "arcs[4].product"} <= fields
    assert all(p.file == str(path) for p in exc.value.problems)
