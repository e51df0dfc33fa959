"""The resilience tables as a planner reads them at 80 columns: shares in percent with % in
the header, links and nodes by name; the JSON keeps the fractions and ids next to the names."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from keten.cli import render
from keten.cli.main import app
from keten.cli.resilience import _sweep_metric
from keten.network.build import national_network, sketch_network
from keten.network.labels import link_names, node_names

runner = CliRunner()
WAAL = "inland_waterway:wj-nijmegen:wj-pannerdensche-kop"


@pytest.fixture(autouse=True)
def eighty_columns(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(render.console, "width", 80)
    yield


def _table_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line[:1] in "┏┃┡│└"]


def test_link_names_name_the_waterway_and_its_ends() -> None:
    names = link_names(sketch_network(), [WAAL, "rail:NLTNZ:BEGNE", "tiel:nowhere"])
    assert names[WAAL] == "Waal: Nijmegen – Pannerdensche Kop"
    assert names["rail:NLTNZ:BEGNE"] == "Terneuzen-Gent: Terneuzen – Ghent"
    assert names["tiel:nowhere"] == "tiel:nowhere"  # an unknown id stays as it is
    # an access link between a terminal and the junction of the same name
    assert link_names(sketch_network(), ["inland_waterway:tiel:wj-tiel"])[
        "inland_waterway:tiel:wj-tiel"] == "Waal at Tiel"


def test_numbered_junctions_are_not_place_names() -> None:
    net = national_network()
    assert "vwj:2477" not in node_names(net)  # RWS junction "2477" is a number
    assert link_names(net, ["vwk:3970"])["vwk:3970"] == "Amer"
    # a railway section between two numbered junctions, on no named corridor
    assert link_names(net, ["rail:261081-261083"])["rail:261081-261083"] == \
        "rail:261081-261083"


def test_disrupt_table_shows_percent_and_names_within_80_columns() -> None:
    result = runner.invoke(app, ["disrupt", "lowwater:800", "--network", "sketch"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "baseline share %" in out and "payload %" in out
    assert "Waal: Nijmegen – Pannerdensche Kop" in out
    assert "Rotterdam Maasvlakte" in out and "Duisburg (rail)" in out
    assert "inland_waterway:" not in out and "terminal:DEDUI" not in out
    # the low-water payload on the Waal at Nijmegen: 22.6 %, not 0.226
    waal = next(line for line in out.splitlines() if "Nijmegen – Pannerdensche" in line)
    assert re.search(r"│\s+22\.6 │$", waal), waal
    assert all(len(line) <= 80 for line in _table_lines(out))


def test_disrupt_json_keeps_ids_and_fractions_next_to_names() -> None:
    result = runner.invoke(app, ["disrupt", "lowwater:800", "--network", "sketch",
                                 "--format", "json"])
    doc = json.loads(result.output)
    target = doc["targets"][0]
    assert target["payload_factors"][WAAL] == pytest.approx(0.226, abs=1e-3)
    assert target["link_names"][WAAL] == "Waal: Nijmegen – Pannerdensche Kop"
    flow = next(f for f in doc["flows"] if f["flow_id"] == "rtm-dui-cont")
    assert (flow["origin"], flow["origin_name"]) == ("NLRTM-MV", "Rotterdam Maasvlakte")
    assert 0 < doc["modal_split"][0]["baseline_share"] + 1e-9 <= 1


def test_criticality_names_links_and_json_keeps_the_id() -> None:
    result = runner.invoke(app, ["criticality", "--network", "sketch", "--top", "5"])
    assert result.exit_code == 0, result.output
    assert "Rhine (Niederrhein):" in result.output
    assert "inland_waterway:" not in result.output and "│ barge" in result.output
    assert all(len(line) <= 80 for line in _table_lines(result.output))
    doc = json.loads(runner.invoke(app, ["criticality", "--network", "sketch", "--top", "3",
                                         "--format", "json"]).output)
    row = doc["freight"][0]
    assert row["link_id"].startswith("inland_waterway:") and row["link_name"] != row["link_id"]


def test_risk_exposure_ranks_named_elements() -> None:
    result = runner.invoke(app, ["risk-exposure", "--network", "sketch", "--links", "2",
                                 "--terminals", "1"])
    assert result.exit_code == 0, result.output
    assert "Rotterdam Maasvlakte" in result.output and "NLRTM-MV" not in result.output
    assert "barge:" not in result.output and "inland_waterway:" not in result.output
    header = [line for line in result.output.splitlines() if line.startswith("┃")]
    assert "exposure" in "".join(header) and "index" in "".join(header)  # shown, not dropped
    assert all(len(line) <= 80 for line in _table_lines(result.output))
    doc = json.loads(runner.invoke(app, ["risk-exposure", "--network", "sketch", "--links", "2",
                                         "--terminals", "1", "--format", "json"]).output)
    terminal = next(e for e in doc["elements"] if e["kind"] == "terminal")
    assert terminal["element_id"] == "NLRTM-MV"
    assert terminal["element_name"] == "Rotterdam Maasvlakte"


def test_backtest_shows_changes_in_percent() -> None:
    result = runner.invoke(app, ["backtest", "--network", "sketch"])
    assert result.exit_code == 0, result.output
    first = next(line for line in result.output.splitlines() if "barge tkm change %" in line)
    assert "-27" in first and "-0.27" not in first  # published -27 %
    assert all(len(line) <= 80 for line in result.output.splitlines())
    doc = json.loads(runner.invoke(app, ["backtest", "--network", "sketch",
                                         "--format", "json"]).output)
    assert doc["comparison"][0]["published"] == -0.27 and doc["comparison"][0]["unit"] == "share"


def test_stress_test_lost_share_in_percent() -> None:
    result = runner.invoke(app, ["stress-test", "demo"])
    assert result.exit_code == 0, result.output
    header = [line for line in result.output.splitlines() if line.startswith("┃")]
    assert header[-1].rstrip("┃ ").endswith("%"), header  # "lost share %"
    plant = next(line for line in result.output.splitlines() if "plant-born" in line)
    assert "81.67" in plant  # 81.67 % of the demand over the TTR is lost, not 0.8167


def test_sweep_metrics_read_as_quantities() -> None:
    assert _sweep_metric("param:disruptions.0.discharge_m3s") == "discharge m3/s (sampled)"
    assert _sweep_metric("time_to_recover_days") == "time to recover days"
    assert _sweep_metric("shift_tkm_inland_waterway") == "shift tkm barge"


def test_hazard_overlay_names_the_removed_links() -> None:
    args = ["criticality", "--network", "sketch", "--hazard-col", "locks", "--threshold", "1",
            "--top", "5"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Noordzeekanaal: Amsterdam – IJmuiden" in result.output
    assert "inland_waterway:" not in result.output
    doc = json.loads(runner.invoke(app, [*args, "--format", "json"]).output)
    assert all(r["link_id"] and r["link_name"] for r in doc["removed_links"])


def test_disrupt_plan_kpis_read_as_quantities() -> None:
    result = runner.invoke(app, ["disrupt", "betuweroute:5", "--plan"])
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): line for line in result.output.splitlines()
            if line.startswith("│")}
    assert {"on time %", "cost EUR", "CO2e WTW kg", "barge tkm"} <= set(rows)
    assert "on_time_rate" not in result.output and "inland_waterway" not in result.output
    on_time = float(rows["on time %"].split("│")[2].replace(",", ""))
    assert 1 < on_time <= 100  # a percentage, not a fraction


def test_national_low_water_table_groups_sections_per_waterway() -> None:
    """On the national default the payload table has one row per waterway and factor, not one
    per RWS section, and stays within 80 columns."""
    result = runner.invoke(app, ["disrupt", "lowwater:800:3"])
    assert result.exit_code == 0, result.output
    assert re.search(r"Geldersche IJssel \(\d+ sections\)", result.output)
    assert "vwk:" not in result.output
    assert all(len(line) <= 80 for line in _table_lines(result.output))
