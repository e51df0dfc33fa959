"""A first visit: the Footprint and Planning pages show the demo data from the start, the
header says who is signed in, and a run of one's own replaces the demo."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import Session

pytestmark = pytest.mark.browser


def test_footprint_shows_the_demo_portfolio_at_start(session: Session) -> None:
    session.goto("/footprint")
    page = session.page
    page.wait_for_selector("#results[data-demo-ready]", state="attached", timeout=60_000)
    expect(page.locator("#totals")).to_contain_text("CO2e well-to-wheel")
    assert page.locator("#shipments-table tbody tr").count() > 0
    expect(page.locator("header .who")).to_contain_text("signed in as")
    session.shot("first-visit-footprint")
    session.watch.assert_clean()


def test_planning_shows_the_demo_plan_and_the_nox_rise_at_start(session: Session) -> None:
    session.goto("/planning")
    page = session.page
    page.wait_for_selector("#results[data-demo-ready]", state="attached", timeout=120_000)
    # the demo's shift to barge and rail cuts CO2e but raises NOx, and the page says so
    expect(page.locator("#kpis")).to_contain_text("NOx before → after")
    expect(page.locator("#kpis")).to_contain_text("rises")
    session.shot("first-visit-planning")
    session.watch.assert_clean()
