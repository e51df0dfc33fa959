"""The resilience page's background jobs in a real browser: risk exposure and the Monte Carlo
sweep, each a minute or two on the national network (a file of their own, so pytest-xdist can
run it beside the other dashboard tests)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import Session
from .test_dashboard import plot_data

pytestmark = pytest.mark.browser


def test_risk_exposure_ranks_elements_on_the_map(session: Session) -> None:
    session.goto("/resilience")
    page = session.page
    page.get_by_role("button", name="Compute risk exposure").click()
    page.wait_for_selector("#exposure-results[data-ready]", state="attached", timeout=240_000)
    assert page.locator("#exposure-table tbody tr").count() == 10
    first = page.locator("#exposure-table tbody tr").first.locator("td").nth(6)
    expect(first).to_have_text(re.compile(r"^\s*1(\.0+)?\s*$"))  # the one that matters most: 1
    # elements by their names, as a planner knows them, not by keten's ids
    table = page.locator("#exposure-table tbody")
    expect(table).to_contain_text("Rotterdam Maasvlakte")
    expect(table).to_contain_text("waterway")
    expect(table).not_to_contain_text("vwk:")
    expect(table).not_to_contain_text("inland_waterway")
    points = next(t for t in plot_data(session, "#exposure-map")
                  if (t["meta"] or {}).get("role") == "exposure-points")
    assert points["n"] == 10
    page.locator("#exposure-map").scroll_into_view_if_needed()
    session.shot("resilience-exposure")
    session.watch.assert_clean()


def test_monte_carlo_sweep_shows_progress_and_histograms(session: Session) -> None:
    session.goto("/resilience")
    page = session.page
    page.fill("#sweep-runs", "4")
    page.get_by_role("button", name="Run sweep").click()
    page.wait_for_selector("#sweep-results[data-ready]", state="attached", timeout=60_000)
    expect(page.locator("#job-message")).to_contain_text("done")
    cost = plot_data(session, "#chart-sweep-cost")
    assert cost[0]["type"] == "histogram" and cost[0]["n"] == 4
    assert page.locator("#sweep-table tbody tr").count() >= 5
    expect(page.locator("#sweep-table")).to_contain_text("Lobith discharge (m³/s), sampled")
    expect(page.locator("#sweep-table")).not_to_contain_text("param:")
    session.shot("resilience-sweep")
    session.watch.assert_clean()
