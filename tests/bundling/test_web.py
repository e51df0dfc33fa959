"""The Bundling dashboard page and its data route (logged-in only)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from keten.services.dashboard import DEMO_PASSWORD, DEMO_USER


@pytest.fixture(scope="module")
def client(demo_dashboard_client: TestClient) -> TestClient:
    return demo_dashboard_client


def test_bundling_page_and_data(client: TestClient) -> None:
    assert client.get("/dashboard/api/bundling").status_code == 401
    r = client.post("/login", data={"username": DEMO_USER, "password": DEMO_PASSWORD,
                                    "next": "/bundling"}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/bundling")
    assert page.status_code == 200 and 'href="/bundling"' in page.text
    data = client.get("/dashboard/api/bundling").json()
    assert [s["scenario"] for s in data["summary"]] == ["per-shipper (sum)", "together"]
    together = data["maps"]["together"]
    lines = [t for t in together["data"] if t.get("mode") == "lines" and "fill" not in t
             and "meta" not in t]
    assert lines and all(len(t["x"]) >= 3 for t in lines)  # depot, stops, depot
    # the routes lie on the basemap (coast, rivers, towns), credited on the map
    layers = {t["meta"]["layer"] for t in together["data"] if "meta" in t}
    assert {"land", "places"} <= layers
    assert "Natural Earth" in together["layout"]["annotations"][0]["text"]
    assert len(data["allocation"]) == 3
    lf = client.get("/dashboard/api/bundling/load-factor").json()
    assert lf["lanes"] and lf["totals"]["km_saved"] > 0
    ze = client.get("/dashboard/api/bundling/ze-zones").json()
    assert ze["in_zone"] > 0 and ze["zero_emission_vehicles_needed"] > 0
    # NDW's zones are multipolygons: every part is drawn (Rotterdam has eight)
    drawn = [t["name"] for t in ze["map"]["data"] if t.get("fill") == "toself"
             and "meta" not in t]
    assert any(t.get("meta", {}).get("layer") == "land" for t in ze["map"]["data"])
    assert drawn.count("ZE zone Rotterdam") == 8 and "ZE zone Tilburg" in drawn
    assert ze["zones_in_force_on"] and len(ze["zones"]) >= 20
    st = client.get("/dashboard/api/bundling/street-turns").json()
    assert len(st["scenarios"]) == 3 and st["street_turns"]
