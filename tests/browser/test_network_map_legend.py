"""The network map as drawn: its title names the network, and the legend and the terminal
size key sit beside the map (on a phone: the legend under it), never over the lines."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser

from .conftest import ARTIFACTS, Server, Session

pytestmark = pytest.mark.browser

# boxes in page pixels: the plot area, the drawn legend, the size key's box and the title
BOXES = """gd => {
  const box = el => { const r = el.getBoundingClientRect();
                      return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
  const plot = box(gd.querySelector('.cartesianlayer .xy .bg') || gd.querySelector('.nsewdrag'));
  const shapes = gd._fullLayout.shapes;
  const keyIndex = shapes.findIndex(s => s.name === 'size-key box');
  const key = [...gd.querySelectorAll('.shapelayer path[data-index]')]
    .find(p => +p.dataset.index === keyIndex);
  return {plot: plot, legend: box(gd.querySelector('.legend')),
          key: key ? box(key) : null, figure: box(gd),
          title: gd.querySelector('.gtitle').textContent};
}"""


def _sized_map(page: Any) -> dict[str, Any]:
    page.wait_for_selector("#network-map[data-ready]", state="attached")
    page.wait_for_selector("#network-map[data-sized]", state="attached", timeout=120_000)
    page.wait_for_timeout(300)  # the sized figure's redraw
    boxes: dict[str, Any] = page.eval_on_selector("#network-map", BOXES)
    return boxes


def test_network_map_legend_and_key_beside_the_map(session: Session) -> None:
    session.goto("/network")
    boxes = _sized_map(session.page)
    plot, legend, key = boxes["plot"], boxes["legend"], boxes["key"]
    assert legend["left"] >= plot["right"] - 1, boxes  # not over the map
    assert key is not None and key["left"] >= plot["right"] - 1, boxes
    assert key["top"] >= legend["bottom"], boxes  # the key under the legend, apart
    assert max(legend["right"], key["right"]) <= boxes["figure"]["right"] + 1  # nothing cut
    assert boxes["title"] == "Freight network of the Netherlands and its hinterland"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    session.page.locator("#network-map").screenshot(path=str(ARTIFACTS / "network-map.png"))
    session.watch.assert_clean()


def test_network_map_on_a_phone_puts_the_legend_under_the_map(
        browser: Browser, login_state: dict[str, Any], server: Server) -> None:
    context = browser.new_context(storage_state=login_state,  # type: ignore[arg-type]
                                  viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(server.url + "/network", wait_until="load")
    boxes = _sized_map(page)
    plot, legend, figure = boxes["plot"], boxes["legend"], boxes["figure"]
    assert legend["top"] >= plot["bottom"] - 1, boxes
    assert plot["right"] - plot["left"] > 0.9 * (figure["right"] - figure["left"]) - 30
    title = page.eval_on_selector("#network-map", "gd => [...gd.querySelectorAll("
                                  "'.gtitle tspan.line')].map(t => t.getBBox().width)")
    assert len(title) == 2 and max(title) <= figure["right"] - figure["left"]  # on two lines
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("#network-map").screenshot(path=str(ARTIFACTS / "network-map-phone.png"))
    context.close()
