"""A first visit: the Footprint and Planning pages show the demo data from the start, the
header says who is signed in, and a run of one's own replaces the demo."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from .conftest import ARTIFACTS, Session

pytestmark = pytest.mark.browser


def test_footprint_shows_the_demo_portfolio_at_start(session: Session) -> None:
    session.goto("/footprint")
    page = session.page
    page.wait_for_selector("#results[data-demo-ready]", state="attached", timeout=60_000)
    expect(page.locator("#totals")).to_contain_text("CO2e well-to-wheel")
    assert page.locator("#shipments-table tbody tr").count() > 0
    expect(page.locator("header .who")).to_contain_text("signed in as")
    # the chosen shipment's TCEs, with distance type, primary data, PM and SOx
    rows = page.locator("#shipments-table tbody tr")
    rows.nth(1).click()
    shipment = rows.nth(1).locator("td").first.inner_text()
    expect(page.locator("#tce-shipment")).to_have_text(shipment)
    tces = page.locator("#tce-table tbody tr")
    assert tces.count() >= 1
    assert page.locator("#tce-table tbody").inner_text().count("actual") + page.locator(
        "#tce-table tbody").inner_text().count("shortest feasible") >= 1
    headers = page.locator("#shipments-table thead").inner_text()
    assert "SOx kg" in headers and "primary data" in headers and "kg CO2e WTW/tkm" in headers
    # lanes are origin -> destination of legs, never a hub stop or an unknown end
    lanes = page.eval_on_selector("#chart-lane", "gd => gd.data[0].y")
    assert lanes and all("?" not in lane and lane.split(" → ")[0] != lane.split(" → ")[1]
                         for lane in lanes)
    # a network node by its place name, not its id (a code the network does not know, such
    # as NLTLB, stays as given) nor coordinates
    assert "Rotterdam → Duisburg" in lanes
    assert not [lane for lane in lanes if re.search(r"NLRTM|DEDUI|NLVEN|\d+\.\d+", lane)]
    # a lane end given as coordinates is the nearest town, never a network junction
    assert not [lane for lane in lanes if re.search(r"near (?:road:|rail:)?\d", lane)]
    assert any(lane.startswith("near ") or " → near " in lane for lane in lanes)
    # a hub moves nothing over a distance: no km and no tkm ("—"), and the key says so
    for i in range(rows.count()):
        rows.nth(i).click()
        hubs = page.locator("#tce-table tbody tr", has_text="hub: ")
        if hubs.count():
            break
    assert hubs.count() >= 1
    hub = hubs.first.locator("td").all_inner_texts()
    assert hub[3] == "—" and hub[5] == "—"  # km, tkm
    expect(page.locator("#tce-key")).to_contain_text("does not apply")
    session.shot("first-visit-footprint")
    session.watch.assert_clean()


def test_planning_shows_the_demo_plan_and_the_nox_rise_at_start(session: Session) -> None:
    session.goto("/planning")
    page = session.page
    page.wait_for_selector("#results[data-demo-ready]", state="attached", timeout=120_000)
    # the demo's shift to barge and rail cuts CO2e but raises NOx, and the page says so
    expect(page.locator("#kpis")).to_contain_text("NOx before → after")
    expect(page.locator("#kpis")).to_contain_text("rises")
    # the plan per shipment, and all of it as CSV
    assert page.locator("#plan-table tbody tr").count() > 0
    # the route by terminal names; ids and coordinates stay in the CSV
    routes = page.locator("#plan-table tbody tr td:last-child").all_inner_texts()
    assert any("Rotterdam Maasvlakte" in r for r in routes) and any("truck" in r for r in routes)
    assert not [r for r in routes if re.search(r"NLRTM|\d+\.\d+,", r)]
    # service utilisation per line, named by mode and terminals (ids like B-NLRTM-MV-DEDUI
    # stay in the CSV), every label drawn whole on the chart
    lines = page.eval_on_selector("#chart-utilisation", "gd => gd.data[0].y")
    assert "barge Rotterdam Maasvlakte → Duisburg" in lines
    assert all(re.fullmatch(r"(barge|rail) [A-Z][\w' -]+ → [A-Z][\w' -]+", x) for x in lines)
    ticks = page.eval_on_selector_all("#chart-utilisation .ytick text",
                                      "els => els.map(e => e.textContent)")
    assert set(ticks) == set(lines)
    box = page.locator("#chart-utilisation").bounding_box()
    axis = page.locator("#chart-utilisation .xtitle").bounding_box()
    assert box and axis and axis["y"] + axis["height"] <= box["y"] + box["height"] + 2  # whole
    href = page.get_attribute("#download-plan", "href")
    assert href and href.endswith("/plan.csv")
    answer = page.request.get(session.url + href)
    assert answer.status == 200
    lines = answer.text().splitlines()
    assert lines[0].startswith("shipment_id,") and len(lines) > 150  # every assignment
    # the map of the plan: one line per distinct leg of the CSV, coloured by its mode
    legs = [leg for rec in csv.DictReader(io.StringIO(answer.text()))
            for leg in rec["legs"].split(" > ")]
    coords = r"-?\d+\.\d+,-?\d+\.\d+"
    terminals = set()  # ids seen opposite a customer's lat,lon (ids may hold a '-')
    for leg in legs:
        ends = leg.split(" ", 1)[1]
        if m := re.fullmatch(f"({coords})-(.+)", ends):
            terminals.add(m.group(2))
        elif m := re.fullmatch(f"(.+)-({coords})", ends):
            terminals.add(m.group(1))
    expected = set()
    for leg in legs:
        mode, ends = leg.split(" ", 1)
        splits = [(ends[:i], ends[i + 1:]) for i, c in enumerate(ends) if c == "-"]
        (start, end), = [(a, b) for a, b in splits
                         if all(x in terminals or re.fullmatch(coords, x) for x in (a, b))]
        expected.add((mode.split("[")[0], start, end))
    drawn = page.eval_on_selector("#chart-plan-map", """gd => gd._fullData
      .filter(t => t.meta && t.meta.role === 'plan-legs')
      .map(t => [t.meta.mode, t.meta.from, t.meta.to, t.line.color])""")
    assert {(m, a, b) for m, a, b, _ in drawn} == expected
    assert {m for m, *_ in drawn} >= {"road", "rail", "inland_waterway"}
    colours = {m: c for m, _, _, c in drawn}
    assert len(set(colours.values())) == len(colours)  # one colour per mode
    assert page.eval_on_selector("#chart-plan-map", """gd => gd._fullData.some(
      t => t.meta && t.meta.role === 'basemap' && t.meta.layer === 'land')""")
    # drawn, not just configured: an SVG path per leg and the terminals' labels
    assert page.locator("#chart-plan-map .scatterlayer .js-line").count() >= len(expected)
    expect(page.locator("#chart-plan-map")).to_contain_text("Venlo")
    page.locator("#chart-plan-map").scroll_into_view_if_needed()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("#chart-plan-map").screenshot(path=str(ARTIFACTS / "planning-map.png"))
    session.shot("first-visit-planning")
    session.watch.assert_clean()


def test_network_paints_first_then_sizes_terminals_and_finds_by_name(session: Session) -> None:
    session.goto("/network")
    page = session.page
    page.wait_for_selector("#network-map[data-ready]", state="attached")
    page.wait_for_selector("#network-map[data-sized]", state="attached", timeout=120_000)
    # the size key: circles drawn at the terminals' own sizes (plotly's legend would draw
    # them all at 16 px or less), measured in the page against the drawn terminal markers
    key = page.eval_on_selector("#network-map", """gd => {
      const shapes = gd._fullLayout.shapes;
      const drawn = [...gd.querySelectorAll('.shapelayer path[data-index]')];
      return shapes.map((s, i) => [s.name, s.type, drawn.find(p => +p.dataset.index === i)])
        .filter(([name, type]) => name && name.startsWith('size-key') && type === 'circle')
        .map(([name, , p]) => [name, p.getBoundingClientRect().width,
                               p.getBoundingClientRect().height]);
    }""")
    markers = page.eval_on_selector("#network-map", """gd => {
      const g = [...gd.querySelectorAll('.scatterlayer g.trace')].find(g =>
        g.__data__[0].trace.meta && g.__data__[0].trace.meta.role === 'nodes'
        && g.__data__[0].trace.name === 'terminals and ports');
      return [...g.querySelectorAll('path.point')].map(p => p.getBoundingClientRect().width);
    }""")
    labels = page.eval_on_selector("#network-map", """gd => gd._fullLayout.annotations
      .filter(a => a.name && a.name.startsWith('size-key ') && a.name !== 'size-key title')
      .map(a => a.text)""")
    widths = [w for _, w, _ in key]
    assert len(key) >= 3 and all(abs(w - h) < 0.5 for _, w, h in key)  # circles, not ovals
    assert len({round(w) for w in widths}) == len(widths)  # every class its own size
    assert widths == sorted(widths, reverse=True)  # drawn largest first, at the bottom
    assert abs(max(widths) - max(markers)) < 1.0  # the largest class is the largest terminal
    assert max(widths) > 17  # beyond the 16 px a legend entry is clamped to
    assert all(text.endswith("t/day") or text.endswith("(largest)") for text in labels)
    assert any(text.endswith("t/day (largest)") for text in labels)
    # the basemap's place names do not sit under the terminals' labels
    places = page.eval_on_selector("#network-map", """gd => gd.data.find(t =>
      t.meta && t.meta.layer === 'places').text""")
    named = page.eval_on_selector("#network-map", """gd => gd.data.find(t =>
      t.meta && t.meta.role === 'labels').text""")
    assert "Amsterdam" in named and "Amsterdam" not in places and "Leeuwarden" in places
    page.fill("#feature-search", "venlo")
    page.dispatch_event("#feature-search", "change")
    expect(page.locator("#details h3")).to_contain_text("NLVEN")
    labels = page.eval_on_selector(
        "#network-map", "gd => gd.data.filter(t => t.meta && t.meta.role === 'labels')"
        ".map(t => t.text)[0] || []")
    assert labels and all(" (" not in label for label in labels)
    # the network's open data is credited on the map (ODbL asks for it), with the basemap
    credit = page.eval_on_selector("#network-map", "gd => gd._fullLayout.annotations"
                                   ".map(a => a.text).join(' | ')")
    assert "© OpenStreetMap contributors (ODbL)" in credit and "Natural Earth" in credit
    expect(page.locator("#network-summary")).to_contain_text("lines drawn")
    session.shot("first-visit-network")
    session.watch.assert_clean()
