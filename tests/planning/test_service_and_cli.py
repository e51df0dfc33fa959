"""The use case on the real network and the ``keten plan`` command (demo data, user files,
bad input)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import keten
from keten.cli.main import app
from keten.errors import ValidationError
from keten.planning.results import PlanResult

RUNNER = CliRunner()

SHIPMENTS = [
    {"shipment_id": "N1", "origin": "NLRTM-MV", "destination": "51.82,5.77", "teu": 2,
     "mass_kg": 24000, "release_at": "2026-03-02T00:00", "due_at": "2026-03-04T00:00"},
    {"shipment_id": "N2", "origin": "NLRTM-MV", "destination": "NLNIJ", "teu": 1,
     "mass_kg": 12000, "release_at": "2026-03-02T02:00", "due_at": "2026-03-03T12:00"},
    {"shipment_id": "V1", "origin": "NLVEN", "destination": "NLRTM-MV", "mass_kg": 9000,
     "release_at": "2026-03-02T06:00", "due_at": "2026-03-05T00:00"},
]
SERVICES = [
    {"service_id": "B1", "mode": "barge", "from": "NLRTM-MV", "to": "NLNIJ",
     "departure_at": "2026-03-02T18:00", "transit_h": 13, "capacity_teu": 2,
     "price_eur_per_teu": 95},
    {"service_id": "R1", "mode": "rail", "from_terminal": "NLVEN", "to_terminal": "NLRTM-MV",
     "departure_at": "2026-03-02T20:00", "arrival_at": "2026-03-03T01:00",
     "capacity_teu": 10, "price_eur_per_teu": 150},
]


@pytest.fixture(scope="module")
def small() -> PlanResult:
    return keten.plan(SHIPMENTS, SERVICES, carbon_price_eur_per_t=100.0, sweep=(0.0, 1000.0))


def test_plan_on_the_network_serves_everything_and_agrees_with_footprint(
        small: PlanResult) -> None:
    k = small.plan.kpis
    assert k.served_shipments == pytest.approx(3.0) and k.unserved_shipments == 0
    planner_co2e = sum(a.co2e_wtw_kg for a in small.plan.assignments)
    assert k.co2e_wtw_kg == pytest.approx(planner_co2e, rel=1e-9)
    assert small.all_road.kpis.shipments_by_mode == {"road": pytest.approx(3.0)}
    used = {u.resource_id: u.used_teu for u in small.plan.utilisation if u.kind == "service"}
    assert used["B1"] <= 2.0 + 1e-9
    assert small.plan.kpis.co2e_wtw_kg <= small.all_road.kpis.co2e_wtw_kg


def test_high_carbon_price_plan_emits_no_more_than_all_road(small: PlanResult) -> None:
    """At 1000 EUR/t the sweep's plan may not emit more than trucking everything."""
    top = small.sweep[-1]
    assert top.carbon_price_eur_per_t == 1000.0
    assert top.co2e_wtw_kg <= small.all_road.kpis.co2e_wtw_kg
    assert small.sweep[0].co2e_wtw_kg >= top.co2e_wtw_kg - 1e-6


def test_as_dict_is_json(small: PlanResult) -> None:
    doc = json.loads(json.dumps(small.as_dict(), default=str))
    assert [s["name"] for s in doc["scenarios"]] == ["plan", "all_road", "uncapacitated"]
    assert {"plan", "uncapacitated"} == set(doc["modal_shift"])
    assert doc["assignments"][0]["delivery_at"].startswith("2026-03-")


def test_cli_demo_table_and_json(tmp_path: Path) -> None:
    res = RUNNER.invoke(app, ["plan", "--demo", "--sweep", "0,200"])
    assert res.exit_code == 0, res.output
    assert "Modal-shift potential" in res.output and "Carbon-price sweep" in res.output
    out = tmp_path / "plan.json"
    res = RUNNER.invoke(app, ["plan", "--demo", "--sweep", "", "--format", "json", "-o",
                              str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    assert doc["scenarios"][0]["kpis"]["shipments"] == 150
    assert doc["sweep"] == []


def test_cli_user_files_csv(tmp_path: Path) -> None:
    ships, svcs = tmp_path / "s.csv", tmp_path / "k.csv"
    for path, rows in ((ships, SHIPMENTS), (svcs, SERVICES)):
        keys = list(dict.fromkeys(k for r in rows for k in r))
        with path.open("w", newline="") as f:
            w = csv.DictWriter(f, keys)
            w.writeheader()
            w.writerows(rows)
    res = RUNNER.invoke(app, ["plan", str(ships), "--services", str(svcs), "--integer",
                              "--carbon-price", "50", "--sweep", "", "--format", "csv"])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(res.output.splitlines()))
    assert {r["shipment_id"] for r in rows} == {"N1", "N2", "V1"}
    assert all(float(r["units"]).is_integer() for r in rows if r["option"] != "road")


def test_bad_input_lists_every_problem(tmp_path: Path) -> None:
    ships, svcs, terms = tmp_path / "s.csv", tmp_path / "k.csv", tmp_path / "t.csv"
    ships.write_text(
        "shipment_id,origin,destination,teu,release_at,due_at\n"
        "A1,NLRTM-MV,NLNIJ,1,2026-03-02T10:00,2026-03-02T08:00\n"  # due before release
        "A2,Atlantis,NLNIJ,-1,2026-03-02T10:00,tomorrow\n"  # unknown, negative, bad time
        "A1,NLRTM-MV,NLVEN,1,2026-03-02T10:00,2026-03-03T10:00\n")  # duplicate id
    svcs.write_text(
        "service_id,mode,from_terminal,to_terminal,departure_at,arrival_at,capacity_teu\n"
        "K1,barge,NLRTM-MV,NOWHERE,2026-03-02T10:00,2026-03-02T20:00,10\n"  # unknown terminal
        "K2,rail,NLRTM-MV,NLVEN,2026-03-02T10:00,2026-03-02T09:00,10\n"  # arrives before dep
        "K3,rail,NLRTM-MV,NLVEN,2026-03-02T10:00,2026-03-02T15:00,-5\n"  # negative capacity
        "K4,rail,NLRTM-MV,NLNIJ,2026-03-02T10:00,2026-03-02T15:00,5\n"  # NLNIJ has no rail
        "K5,truck,NLRTM-MV,NLVEN,2026-03-02T10:00,2026-03-02T15:00,5\n")  # not scheduled
    terms.write_text("terminal_id,capacity_teu_per_day,hoc_id\nNLVEN,-3,no_such_hoc\n")
    res = RUNNER.invoke(app, ["plan", str(ships), "--services", str(svcs), "--terminals",
                              str(terms)])
    assert res.exit_code == 2, res.output
    text = res.output
    expected = [
        ("s.csv, row 2, column 'due_at'", "not after the release"),
        ("s.csv, row 3, column 'origin'", "unknown location 'Atlantis'"),
        ("s.csv, row 3, column 'teu'", "must be above zero"),
        ("s.csv, row 3, column 'due_at'", "neither an ISO 8601"),
        ("s.csv, row 4, column 'shipment_id'", "duplicate"),
        ("k.csv, row 2, column 'to_terminal'", "unknown location 'NOWHERE'"),
        ("k.csv, row 3, column 'arrival_at'", "not after the departure"),
        ("k.csv, row 4, column 'capacity_teu'", "zero or more"),
        ("k.csv, row 5, column 'to_terminal'", "does not handle rail"),
        ("k.csv, row 6, column 'mode'", "not a scheduled mode"),
        ("t.csv, row 2, column 'capacity_teu_per_day'", "zero or more"),
        ("t.csv, row 2, column 'hoc_id'", "no_such_hoc"),
    ]
    flat = " ".join(text.split())
    for where, why in expected:
        assert any(where in line and why in line for line in flat.split(" - ")), (where, text)


def test_missing_columns_and_file_reported_together(tmp_path: Path) -> None:
    ships = tmp_path / "s.json"
    ships.write_text(json.dumps({"shipments": [{"shipment_id": "X", "origin": "NLRTM"}]}))
    with pytest.raises(ValidationError) as err:
        keten.plan(ships, tmp_path / "missing.csv", sweep=())
    reasons = [(p.column, p.reason) for p in err.value.problems]
    assert ("destination", "missing required column") in reasons
    assert (None, "file not found") in reasons
