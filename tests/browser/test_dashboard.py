"""The dashboard in a real browser (Debian chromium through Playwright) against a real server."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from keten.demo import demo_file

from .conftest import ARTIFACTS, Server, Session

pytestmark = pytest.mark.browser

READY = {
    "/network": "#network-map[data-ready]",
    "/footprint": "#upload-form",
    "/planning": "#plan-form",
    "/resilience": "#criticality-map[data-ready]",
    "/chain": "#sent-table[data-ready]",
}


def plot_data(session: Session, selector: str) -> list[dict[str, Any]]:
    """The traces plotly drew in an element (``gd.data``), without the heavy arrays."""
    data: list[dict[str, Any]] = session.page.eval_on_selector(selector, """
      gd => gd.data.map(t => ({
        type: t.type, name: t.name, meta: t.meta || null,
        n: (t.x || t.lon || []).length,
        colors: (t.marker && Array.isArray(t.marker.color)) ? t.marker.color : null}))""")
    return data


def affected_factors(session: Session) -> list[float]:
    """Payload factors of the affected waterways as drawn on the low-water map."""
    trace = next(t for t in plot_data(session, "#lowwater-map")
                 if (t["meta"] or {}).get("role") == "affected-points")
    return list(trace["colors"])


@pytest.mark.parametrize("path", list(READY))
def test_every_page_loads_without_errors(session: Session, path: str) -> None:
    session.goto(path)
    session.page.wait_for_selector(READY[path], state="attached")
    if path == "/resilience":
        session.page.wait_for_selector("#lowwater-map[data-discharge]", state="attached")
        # the "re-routing…" row said what the empty table waited for; the links replace it
        table = session.page.locator("#criticality-table tbody tr")
        pending = session.page.locator("#criticality-table .pending")
        assert table.count() > 0 and pending.count() == 0
    page = session.page
    expect(page.locator("nav [aria-current=page]")).to_have_count(1)
    # at 1366 px the user and "Log out" share the nav's line (they used to drop under it)
    nav, who = page.locator("header nav").bounding_box(), page.locator(".logout").bounding_box()
    assert nav and who and who["y"] < nav["y"] + nav["height"]
    assert page.locator("h1").count() == 1
    unlabeled = page.evaluate("""() => [...document.querySelectorAll(
        'input:not([type=hidden]), select, textarea')].filter(e =>
        !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.id)""")
    assert unlabeled == []
    page.wait_for_load_state("networkidle")
    session.shot(f"page{path.replace('/', '-')}")
    session.watch.assert_clean()


def test_login_is_required_and_bad_password_is_explained(browser: Browser,
                                                         server: Server) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.url + "/footprint")
    assert "/login" in page.url
    page.get_by_label("User name").fill("demo")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#login-error")).to_contain_text("wrong password")
    response = page.request.get(server.url + "/dashboard/api/network")
    assert response.status == 401
    context.close()


def test_network_map_draws_every_feature_and_shows_details(session: Session,
                                                           server: Server) -> None:
    session.goto("/network")
    session.page.wait_for_selector("#network-map[data-ready]", state="attached")
    payload = session.page.request.get(server.url + "/dashboard/api/network").json()
    traces = plot_data(session, "#network-map")
    link_traces = [t for t in traces if (t["meta"] or {}).get("role") == "links"]
    node_traces = [t for t in traces if (t["meta"] or {}).get("role") == "nodes"]
    # each drawn line is its points plus a gap: 2 + 1 for a link of a small network, more for
    # a merged chain of the national default (keten.network.display)
    assert sum(t["n"] for t in link_traces) == sum(
        link.get("points", 2) + 1 for link in payload["links"].values())
    assert payload["summary"]["links"] < 10_000  # not 43,000 raw links
    assert sum(t["n"] for t in node_traces) == len(payload["nodes"])
    assert {t["meta"]["mode"] for t in link_traces} >= {"road", "rail", "inland_waterway"}
    # SVG: one path per drawn line trace, one point per node
    assert session.page.locator("#network-map .scatterlayer .js-line").count() >= 3
    assert session.page.locator("#network-map .scatterlayer .point").count() >= len(
        payload["nodes"])
    # click the largest terminal on the map: its details appear
    xy = session.page.eval_on_selector("#network-map", """gd => {
        const t = gd.data.find(d => d.meta && d.meta.role === 'nodes'
                                    && d.name.startsWith('terminals'));
        let best = 0;
        t.marker.size.forEach((s, i) => { if (s > t.marker.size[best]) best = i; });
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
        const box = gd.getBoundingClientRect();
        return {x: box.left + xa._offset + xa.l2p(t.x[best]),
                y: box.top + ya._offset + ya.l2p(t.y[best]), id: t.customdata[best][1]};
    }""")
    session.page.mouse.move(xy["x"], xy["y"])
    session.page.mouse.click(xy["x"], xy["y"])
    expect(session.page.locator("#details h3")).to_have_text(f"Node {xy['id']}")
    session.shot("network-clicked-node")
    session.watch.assert_clean()


def test_keyboard_navigation_and_labels(session: Session) -> None:
    session.goto("/network")
    session.page.wait_for_selector("#network-map[data-ready]", state="attached")
    page = session.page
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "/network"
    # pick a link from the list with the keyboard only
    page.focus("#feature-select")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    chosen = page.eval_on_selector("#feature-select", "s => s.value")
    assert chosen.startswith("node:")
    expect(page.locator("#details h3")).to_have_text(f"Node {chosen[5:]}")
    # Enter on the log-out button (reached by Tab) submits the form
    page.focus(".logout button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/login")
    session.watch.assert_clean()


def test_uploaded_file_produces_charts_and_downloads(session: Session, tmp_path: Path) -> None:
    session.goto("/footprint")
    page = session.page
    page.set_input_files("#tce-file", str(demo_file("tces.csv")))
    page.get_by_role("button", name="Compute footprint").click()
    expect(page.locator("#job-status")).to_be_visible()
    page.wait_for_selector("#results[data-ready]", state="attached")
    expect(page.locator("#result-file")).to_have_text("tces.csv")
    assert page.locator("#chart-mode .bars path").count() >= 3
    month = plot_data(session, "#chart-month")
    assert {t["name"] for t in month} >= {"rail", "road"}
    assert page.locator("#shipments-table tbody tr").count() == 25
    expect(page.locator("#totals")).to_contain_text("kg")
    with page.expect_download() as download:
        page.locator("#download-csv").click()
    csv_path = tmp_path / "tces.csv"
    download.value.save_as(csv_path)
    assert csv_path.read_text().splitlines()[0].startswith('"shipment_id"')
    with page.expect_download() as download:
        page.locator("#download-ileap").click()
    assert download.value.suggested_filename == "footprint_ileap.json"
    session.shot("footprint-uploaded")
    session.watch.assert_clean()


def test_bad_uploads_show_a_clear_message(session: Session, tmp_path: Path) -> None:
    bad = tmp_path / "broken.csv"
    bad.write_text("shipment_id,tce_id,toc_id,mass_kg,distance_km\n"
                   "S1,T1,no_such_toc,abc,12\n"
                   "S1,T2,road_artic_40t_diesel,1000,-5\n")
    session.goto("/footprint")
    page = session.page
    page.set_input_files("#tce-file", str(bad))
    page.get_by_role("button", name="Compute footprint").click()
    errors = page.locator("#errors")
    expect(errors).to_be_visible()
    expect(errors).to_contain_text("broken.csv")
    expect(errors).to_contain_text("no_such_toc")
    assert errors.locator("li").count() >= 2
    session.shot("footprint-bad-upload")
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    page.set_input_files("#tce-file", str(text))
    page.get_by_role("button", name="Compute footprint").click()
    expect(errors).to_contain_text("upload a CSV, Parquet or JSON")
    # the API answered 422 for the unsupported file; nothing failed on the server side
    assert all(not e.startswith("5") for e in session.watch.http_errors)
    assert [e.split()[0] for e in session.watch.http_errors] == ["422"]
    assert session.watch.console_errors == [
        "Failed to load resource: the server responded with a status of 422 "
        "(Unprocessable Content)"] or all("422" in e for e in session.watch.console_errors)


def test_discharge_slider_changes_the_map(session: Session) -> None:
    session.goto("/resilience")
    page = session.page
    page.wait_for_selector("#lowwater-map[data-discharge='800']", state="attached")
    before = affected_factors(session)
    assert before and min(before) < 0.5
    page.focus("#discharge")
    page.keyboard.press("End")  # 2,000 m3/s
    page.wait_for_selector("#lowwater-map[data-discharge='2000']", state="attached")
    expect(page.locator("#discharge-value")).to_have_text("2000")
    after = affected_factors(session)
    assert len(after) == len(before)
    assert min(after) > min(before)
    assert all(a >= b for a, b in zip(after, before, strict=True))
    session.shot("resilience-2000")
    session.watch.assert_clean()


def _peak_backlog(session: Session) -> float:
    """The largest value of the backlog line on the day-by-day chart (0 if not drawn)."""
    return float(session.page.eval_on_selector("#chart-days", """
      gd => Math.max(0, ...gd.data.filter(t => t.name === "backlog (t)")
                               .flatMap(t => Array.from(t.y)))"""))


def _extra_cost(session: Session) -> float:
    """The sum of the extra-cost bars on the day-by-day chart."""
    return float(session.page.eval_on_selector("#chart-days", """
      gd => gd.data.filter(t => t.name === "extra cost (EUR)")
                   .flatMap(t => Array.from(t.y)).reduce((a, b) => a + b, 0)"""))


def test_capacity_settings_change_the_cost(session: Session) -> None:
    """On the national network the alternatives take the freight at 800 m3/s (no backlog) at
    a cost; more trucks and rail paths across the border make it cheaper."""
    session.goto("/resilience")
    page = session.page
    page.wait_for_selector("#lowwater-map[data-discharge='800']", state="attached",
                           timeout=120_000)
    assert page.locator("#capacity-table tbody tr").count() >= 10  # each with its source
    expect(page.locator("#capacity-table")).to_contain_text("Regulation (EC) No 561/2006")
    expect(page.locator("#capacity-table")).to_contain_text("NL-DE")
    page.wait_for_function("document.getElementById('chart-days').data !== undefined")
    before = _extra_cost(session)
    assert before > 0 and _peak_backlog(session) == 0
    page.fill("#cap-trucks", "5000")
    page.fill("#cap-rail", "120")
    page.get_by_role("button", name="Apply capacity").click()
    expect(page.locator("#capacity-table")).to_contain_text("scenario file", timeout=120_000)
    page.wait_for_selector("#lowwater-status:has-text('waterways lose payload')")
    after = _extra_cost(session)
    assert after < before
    page.locator("#capacity-details").evaluate("d => d.open = true")
    session.shot("resilience-capacity")
    session.watch.assert_clean()


def test_planning_shows_modal_split_tradeoff_and_utilisation(session: Session) -> None:
    session.goto("/planning")
    page = session.page
    page.fill("#sweep", "0, 100, 400")
    page.get_by_role("button", name="Plan").click()
    page.wait_for_selector("#results[data-ready]", state="attached", timeout=60_000)
    split = plot_data(session, "#chart-modal-split")
    assert {t["name"] for t in split} >= {"road", "rail"}
    tradeoff = plot_data(session, "#chart-tradeoff")
    assert tradeoff[0]["n"] == 3
    assert page.locator("#chart-utilisation .bars path").count() > 0
    session.shot("planning-results")
    session.watch.assert_clean()


def test_planning_bad_parameters_and_files_are_explained(session: Session,
                                                        tmp_path: Path) -> None:
    session.goto("/planning")
    page = session.page
    page.fill("#sweep", "0, lots")
    page.get_by_role("button", name="Plan").click()
    expect(page.locator("#errors")).to_contain_text("'lots' is not a price")
    shipments = tmp_path / "my_shipments.csv"
    shipments.write_text("shipment_id,origin\nS1,Nowhere Town\n")
    services = tmp_path / "my_services.csv"
    services.write_text("service_id\nX\n")
    page.fill("#sweep", "0")
    page.set_input_files("#shipments-file", str(shipments))
    page.set_input_files("#services-file", str(services))
    page.get_by_role("button", name="Plan").click()
    expect(page.locator("#errors")).to_contain_text("my_shipments.csv, column 'destination'")
    expect(page.locator("#errors")).to_contain_text("my_services.csv")
    session.shot("planning-bad-files")


def test_chain_lists_sent_and_received_statements(session: Session) -> None:
    session.goto("/chain")
    page = session.page
    page.wait_for_selector("#sent-table[data-ready]", state="attached")
    expect(page.locator("#sent-table tbody tr")).to_have_count(1)
    expect(page.locator("#received-table tbody")).to_contain_text("Demo Barge Carrier")
    expect(page.locator("#received-table .badge.ok")).to_have_count(1)
    # the figures say which CO2e they are; the time is read as a time, in UTC
    expect(page.locator("#sent-table thead")).to_contain_text("own kg CO2e WTW")
    expect(page.locator("#sent-table thead")).to_contain_text("issued (UTC)")
    issued = page.locator("#sent-table tbody td").nth(1).inner_text()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", issued), issued
    session.watch.assert_clean()


def test_narrow_window_layout(browser: Browser, login_state: dict[str, Any],
                              server: Server) -> None:
    context = browser.new_context(storage_state=login_state,  # type: ignore[arg-type]
                                  viewport={"width": 390, "height": 844})
    page = context.new_page()
    for path, name in (("/network", "narrow-network"), ("/footprint", "narrow-footprint")):
        page.goto(server.url + path, wait_until="load")
        page.wait_for_selector(READY[path], state="attached")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, path
        if path == "/footprint":  # the demo portfolio is computed at start: its progress shows
            page.wait_for_selector("#results[data-demo-ready]", state="attached",
                                   timeout=60_000)
            expect(page.locator("#job-message")).not_to_be_empty()
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, "footprint results"
        else:
            assert not page.is_visible("#job-status")  # nothing running: no empty progress bar
        assert not page.is_visible("#errors")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    width = page.evaluate("document.querySelector('.map-grid, main').getBoundingClientRect().width")
    assert width <= 390
    context.close()
