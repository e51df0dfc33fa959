"""The construction page in a real browser: map, bars, table, IMAER links, bad upload."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import Session

pytestmark = pytest.mark.browser


def test_construction_page_draws_map_and_scenario_bars(session: Session, tmp_path: Path) -> None:
    session.goto("/construction")
    page = session.page
    page.wait_for_selector("#results[data-ready]", state="attached")
    expect(page.locator("nav [aria-current=page]")).to_have_text("Construction")
    for chart in ("#chart-map", "#chart-nox", "#chart-nh3", "#chart-co2e"):
        expect(page.locator(f"{chart} .main-svg").first).to_be_visible()
    # the site among rivers and towns: the basemap under the access routes
    assert page.eval_on_selector("#chart-map", """gd => gd.data.some(t => t.meta
      && t.meta.role === 'basemap' && t.meta.layer === 'rivers')""")
    rows = page.locator("#construction-table tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(3).locator("th")).to_have_text("electric machinery")
    expect(page.locator("#construction-table a").first).to_have_attribute(
        "href", "/dashboard/api/construction/demo/imaer.gml?scenario=as_planned")
    page.wait_for_load_state("networkidle")
    session.shot("page-construction")
    session.watch.assert_clean()
    bad = tmp_path / "bad.yaml"
    bad.write_text("project: {name: x}\nsite: {name: s}\n")
    page.set_input_files("#project-file", str(bad))
    page.get_by_role("button", name="Calculate").click()
    expect(page.locator("#errors")).to_contain_text("no geometry")
    # the 422 of the bad upload is expected (the browser also logs it); nothing else
    assert all("422" in e for e in session.watch.http_errors + session.watch.console_errors)
    session.watch.http_errors.clear()
    session.watch.console_errors.clear()
    session.watch.assert_clean()
