"""Plans are integral by default (whole shipments and TEU, within a time limit, with the gap
reported); the LP relaxation stays available and bounds the integral plan from below."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from keten.cli.main import app
from keten.planning.results import PlanResult
from keten.services.planning import plan


@pytest.fixture(scope="module")
def integral() -> PlanResult:
    return plan(sweep=())


@pytest.fixture(scope="module")
def relaxed() -> PlanResult:
    return plan(sweep=(), integer=False)


def test_the_default_plan_moves_whole_units(integral: PlanResult) -> None:
    sc = integral.plan
    assert sc.mip_gap is not None and sc.mip_gap <= 1e-4  # solved as a MIP, to optimality
    assert all(float(a.units).is_integer() for a in sc.assignments)
    assert all(float(n).is_integer() for n in sc.kpis.shipments_by_mode.values())


def test_the_lp_is_a_lower_bound_of_the_integral_plan(integral: PlanResult,
                                                      relaxed: PlanResult) -> None:
    assert relaxed.plan.mip_gap is None
    assert relaxed.plan.objective_eur is not None and integral.plan.objective_eur is not None
    assert relaxed.plan.objective_eur <= integral.plan.objective_eur + 1e-6


def test_cli_reports_how_the_plan_was_solved() -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["plan", "--demo", "--sweep", "", "--time-limit", "30"],
                        env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    assert "whole shipments (MIP" in res.output
    assert "NOx rises by" in res.output  # the demo's shift to barge and rail raises NOx
    table_lines = [ln for ln in res.output.splitlines() if ln[:1] in "┏┃┡│└"]
    assert table_lines and max(len(ln) for ln in table_lines) <= 80
    # a planner's reading: whole shipments as whole numbers, shares in %, terminals and
    # service lines by name (ids in --format csv), no ISO "T" in times
    cells = [[c.strip() for c in ln.split("│")[1:-1]] for ln in table_lines if ln[:1] == "│"]
    shipments = [c for c in cells if c and c[0].endswith(" shipments") and len(c) == 4]
    assert shipments and all("." not in v for c in shipments for v in c[1:])
    assert any(c[0] == "CO2e WTW saved %" for c in cells)
    text = res.output
    assert "barge Rotterdam Maasvlakte → " in text and "NLRTM-MV" not in text
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d", text)
    res = runner.invoke(app, ["plan", "--demo", "--sweep", "", "--lp"], env={"COLUMNS": "80"})
    assert res.exit_code == 0 and "LP relaxation" in res.output
