"""The resilience commands through typer's CliRunner: happy paths and bad input (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from keten.cli.main import app

runner = CliRunner()


def test_disrupt_template_json() -> None:
    result = runner.invoke(app, ["disrupt", "lowwater", "--discharge", "700", "--days", "5",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["scenario"]["disruptions"][0]["discharge_m3s"] == 700
    assert doc["totals"]["extra_cost_eur"] > 0
    assert doc["targets"][0]["payload_factors"]["inland_waterway:emmerich:DEDUI"] < 0.5
    assert len(doc["days"]) == doc["scenario"]["horizon_days"]


def test_disrupt_template_option_and_table() -> None:
    result = runner.invoke(app, ["disrupt", "--template", "betuweroute:5", "--per-day"])
    assert result.exit_code == 0, result.output
    assert "Betuweroute outage" in result.output and "per day" in result.output


def test_disrupt_scenario_file_with_demand(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump({"name": "Waal closed", "horizon_days": 6,
                                        "disruptions": [{"type": "closure",
                                                         "target": {"corridor": "Waal"},
                                                         "start_day": 1, "duration_days": 2}]}))
    demand = tmp_path / "d.csv"
    demand.write_text("origin,destination,tonnes_per_day,modes\n"
                      "NLRTM,NLNIJ,1000,inland_waterway|road\n")
    result = runner.invoke(app, ["disrupt", str(scenario), "--demand", str(demand), "-f",
                                 "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["totals"]["shift_tkm_road"] > 0 and doc["totals"]["unserved_t"] == 0


def test_disrupt_bad_scenario_exits_2(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.json"
    scenario.write_text(json.dumps({"disruptions": [
        {"type": "closure", "target": {"links": ["rail:nope"]}, "duration_days": 3},
        {"type": "closure", "target": {"node": "ZZZZZ"}, "duration_days": -1}]}))
    result = runner.invoke(app, ["disrupt", str(scenario)])
    assert result.exit_code == 2
    # Shape problems and unknown names come together.
    assert "bad.json" in result.output and "disruptions[1].duration_days" in result.output
    assert "unknown link 'rail:nope'" in result.output
    result = runner.invoke(app, ["disrupt", "lowwater", "--discharge", "3000"])
    assert result.exit_code == 2 and "outside" in result.output
    result = runner.invoke(app, ["disrupt", "nothing-like-this"])
    assert result.exit_code == 2


def test_disrupt_unknown_link_exits_2(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump({"disruptions": [
        {"type": "closure", "target": {"links": ["rail:kijfhoek:meterenX"]},
         "duration_days": 3}]}))
    result = runner.invoke(app, ["disrupt", str(scenario)])
    assert result.exit_code == 2
    assert "unknown link" in result.output and "rail:kijfhoek:meteren" in result.output


def test_criticality_json_top() -> None:
    # freight-weighted with the demo demand: on the sketch (the default, national, gives
    # single-link redundancy without demand: tests/network/test_national.py checks it)
    result = runner.invoke(app, ["criticality", "--top", "3", "--format", "json", "--network",
                                 "sketch"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert len(doc["redundancy"]) == 3 and len(doc["freight"]) == 3
    assert doc["bridges"] == doc["without_detour"]
    assert doc["freight"][0]["extra_cost_eur_per_day"] > 0


def test_stress_test_demo_and_bad_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["stress-test", "demo", "-f", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["nodes"][0]["at_risk"] is True
    bad = tmp_path / "net.yaml"
    bad.write_text("products: [a]\nnodes: [{id: x, kind: shop}]\ndemand: []\n")
    result = runner.invoke(app, ["stress-test", str(bad)])
    assert result.exit_code == 2 and "nodes[0].kind" in result.output


def test_sweep_command_on_threads(tmp_path: Path) -> None:
    dist = tmp_path / "d.yaml"
    dist.write_text(yaml.safe_dump({"scenario": {"template": "betuweroute:3"}, "seed": 1,
                                    "parameters": [{"field": "disruptions.0.duration_days",
                                                    "distribution": {"kind": "choice",
                                                                     "values": [2, 4]}}]}))
    demand = tmp_path / "demand.csv"
    demand.write_text("origin,destination,tonnes_per_day,modes\nNLRTM-MV,valburg,3000,"
                      "rail|road\n")
    out = tmp_path / "r.parquet"
    result = runner.invoke(app, ["sweep", str(dist), "--runs", "3", "--threads", "--demand",
                                 str(demand), "-o", str(out), "-f", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["runs"] == 3 and out.exists()
    assert {r["metric"] for r in doc["summary"]} >= {"extra_cost_eur", "unserved_t"}
    result = runner.invoke(app, ["sweep", str(dist), "--runs", "0"])
    assert result.exit_code == 2
