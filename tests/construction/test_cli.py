"""``keten construction`` on the demo project, as a user runs it."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from typer.testing import CliRunner

from keten.cli.main import app
from keten.construction.model import SCENARIOS

runner = CliRunner()


def test_demo_runs_through_all_scenarios(tmp_path: Path) -> None:
    out = tmp_path / "demo.gml"
    result = runner.invoke(app, ["construction", "--demo", "--imaer", str(out)],
                           env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    for label in ("planned", "hub", "water", "e-machines", "NOx on site kg", "kg N per year"):
        assert label in result.output
    assert out.read_text().startswith("<?xml")
    assert "year 2027" in result.output
    # numbers as numbers: the peak year on its own line, not a text row turning every figure
    # of the summary into six-decimal text (611.372964)
    summary = result.output.split("Sources in")[0]
    assert "peak year (AERIUS): 2027" in summary
    assert not re.search(r"\d\.\d{5,}", summary)
    nox = next(line for line in summary.splitlines() if "NOx on site kg" in line)
    assert nox.split("│")[2].startswith(" ")  # right-aligned under its header


def test_json_and_csv(tmp_path: Path) -> None:
    result = runner.invoke(app, ["construction", "--demo", "-f", "json",
                                 "-o", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "r.json").read_text())
    assert [s["scenario"] for s in doc["summary"]] == list(SCENARIOS)
    assert doc["factor_sources"] and all(r["source"] for r in doc["factor_sources"])
    electric = next(s for s in doc["summary"] if s["scenario"] == "electric_machinery")
    assert electric["nox_site_kg"] == 0 and electric["nh3_site_kg"] == 0
    result = runner.invoke(app, ["construction", "--demo", "-f", "csv", "-s", "by_water"])
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert rows and {r["scenario"] for r in rows} == {"by_water"}
    assert any(r["kind"] == "water" for r in rows)


def test_imaer_for_a_chosen_scenario_and_year(tmp_path: Path) -> None:
    out = tmp_path / "hub.gml"
    result = runner.invoke(app, ["construction", "--demo", "-s", "construction_hub",
                                 "--imaer", str(out), "--year", "2028"])
    assert result.exit_code == 0, result.output
    assert "construction_hub 2028" in out.read_text()
    bad = runner.invoke(app, ["construction", "--demo", "--imaer", str(tmp_path / "x.gml"),
                              "--year", "2031"])
    assert bad.exit_code == 2 and "no construction activity in 2031" in bad.output
    assert not (tmp_path / "x.gml").exists()
