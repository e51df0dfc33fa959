"""Bad project files: every problem with file, line and field; nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from keten.cli.main import app
from keten.errors import ValidationError
from keten.io.construction_input import read_project
from keten.services.construction import DEMO_PROJECT, construction

runner = CliRunner()

BAD = """\
project: {name: Bad}
site: {name: nowhere}
phases:
  - {id: p1, start: 2027-01-01, end: 2027-12-01}
deliveries:
  - {id: D1, phase: p1, tonnes: 100, distance_km: 20, vehicle: lorry, route: a1}
machinery:
  - {id: M1, phase: p1, type: excavatr, power_kw: 100, stage: stage_v, hours: 10}
  - {id: M2, phase: p1, type: excavator, power_kw: 100, stage: stage_vi, hours: 10}
  - {id: M3, phase: p1, type: excavator, power_kw: 100, stage: stage_v, hours: -5}
  - {id: M4, phase: p1, type: generator, power_kw: 40, stage: stage_v, hours: 10, adblue_l: 5}
  - {id: M5, phase: p1, type: excavator, power_kw: 20, stage: stage_iv, fuel_l: 100}
  - {id: M1, phase: p1, type: excavator, power_kw: 100, stage: stage_v, hours: 10}
  - {id: M7, phase: p1, type: dumper, power_kw: 100, stage: stage_iiia, hours: 9, nox_g_per_kwh: -1}
  - {id: M8, phase: p1, type: excavator, power_kw: 100, stage: electric, hours: 9, nox_g_per_kwh: 2}
"""


def _problems(path: Path) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(ValidationError) as err:
        read_project(path)
    return [(p.row, p.column, p.reason) for p in err.value.problems]


def test_every_problem_is_reported_with_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD)
    found = _problems(path)
    where = {(row, col) for row, col, _ in found}
    assert (2, "site") in where  # site without geometry
    assert (6, "deliveries[0].vehicle") in where  # unknown vehicle
    assert (6, "deliveries[0].route") in where  # unknown route
    assert (8, "machinery[0].type") in where  # unknown machine type
    assert (9, "machinery[1].stage") in where  # unknown Stage class
    assert (10, "machinery[2].hours") in where  # negative hours
    assert (11, "machinery[3].adblue_l") in where  # AdBlue without SCR
    assert (12, "machinery[4].power_kw") in where  # no Stage IV class below 56 kW
    assert (13, "machinery[5].id") in where  # duplicate id
    assert (14, "machinery[6].nox_g_per_kwh") in where  # negative measured NOx
    assert (15, "machinery[7].nox_g_per_kwh") in where  # measured NOx on an electric machine
    reasons = " | ".join(r for _, _, r in found)
    assert "no geometry" in reasons and "unknown Stage class 'stage_vi'" in reasons
    assert "-5 is negative" in reasons and "unknown machine type 'excavatr'" in reasons


def test_cli_writes_nothing_for_a_bad_project(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD)
    out = tmp_path / "out.gml"
    result = runner.invoke(app, ["construction", str(path), "--imaer", str(out),
                                 "-o", str(tmp_path / "r.json"), "-f", "json"])
    assert result.exit_code == 2
    assert "machinery[2].hours" in result.output and "row 10" in result.output
    assert not out.exists() and not (tmp_path / "r.json").exists()
    assert list(tmp_path.iterdir()) == [path]


def test_json_project_gives_the_same_result(tmp_path: Path) -> None:
    doc = yaml.safe_load(DEMO_PROJECT.read_text())
    path = tmp_path / "demo.json"
    path.write_text(json.dumps(doc, default=str))
    a = construction(path, ["as_planned"]).summary()
    b = construction(DEMO_PROJECT, ["as_planned"]).summary()
    assert a == b


def test_unknown_scenario_is_bad_input() -> None:
    result = runner.invoke(app, ["construction", "--demo", "--scenario", "by_air"])
    assert result.exit_code == 2
    assert "unknown scenario 'by_air'" in result.output


def test_file_not_found() -> None:
    result = runner.invoke(app, ["construction", "no-such-project.yaml"])
    assert result.exit_code == 2
    assert "no-such-project.yaml" in result.output


def test_aliases_do_not_blow_up(tmp_path: Path) -> None:
    """A 'billion laughs' document: aliased nodes are walked once, the problems reported."""
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 10) + "]")
    lines += ["deliveries: *i", "machinery: *i"]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    found = _problems(path)
    assert any(col == "a" and "unknown field" in reason for _, col, reason in found)
