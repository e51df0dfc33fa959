"""The construction page and its JSON routes over HTTP (FastAPI TestClient)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from keten.services.construction import DEMO_PROJECT
from keten.services.dashboard import DEMO_PASSWORD, DEMO_USER

HEADERS = {"X-Keten-Dashboard": "1"}


@pytest.fixture(scope="module")
def client(demo_dashboard_client: TestClient) -> TestClient:
    response = demo_dashboard_client.post("/login", data={"username": DEMO_USER,
                                                          "password": DEMO_PASSWORD},
                                          follow_redirects=False)
    assert response.status_code == 303
    return demo_dashboard_client


def test_page_and_nav_link(client: TestClient) -> None:
    html = client.get("/construction").text
    assert 'href="/construction" aria-current="page"' in html
    assert "/dashboard/static/construction.js" in html
    assert client.get("/dashboard/static/construction.js").status_code == 200


def test_demo_payload_has_map_and_bars(client: TestClient) -> None:
    payload = client.get("/dashboard/api/construction/demo").json()
    assert [s["scenario"] for s in payload["summary"]] == [
        "as_planned", "construction_hub", "by_water", "electric_machinery"]
    figures = payload["figures"]
    assert set(figures) == {"map", "nox", "nh3", "co2e"}
    names = [t["name"] for t in figures["map"]["data"]]
    assert any(n.startswith("site:") for n in names)
    assert any(n.startswith("road: ") for n in names)
    assert any(n.startswith("water: ") for n in names)
    assert any(n.startswith("hub:") for n in names)
    nox = figures["nox"]["data"]
    assert len(nox) == 2 and len(nox[0]["x"]) == 4
    assert nox[0]["y"][3] == 0  # electric machinery: nothing on site


def test_demo_imaer_download(client: TestClient) -> None:
    response = client.get("/dashboard/api/construction/demo/imaer.gml?scenario=by_water")
    assert response.status_code == 200
    assert "InlandShippingEmissionSource" in response.text
    assert "construction_by_water_2027.gml" in response.headers["content-disposition"]
    bad = client.get("/dashboard/api/construction/demo/imaer.gml?scenario=by_air")
    assert bad.status_code == 422


def test_upload_runs_a_project_and_explains_problems(client: TestClient, tmp_path: Path) -> None:
    ok = client.post("/dashboard/api/construction", headers=HEADERS,
                     files={"project": ("demo.yaml", DEMO_PROJECT.read_bytes())})
    assert ok.status_code == 200 and ok.json()["summary"]
    bad = client.post("/dashboard/api/construction", headers=HEADERS,
                      files={"project": ("mine.yaml", b"project: {name: x}\nsite: {}\n")})
    assert bad.status_code == 422
    error = bad.json()["error"]
    assert any("mine.yaml" in p and "no geometry" in p for p in error["problems"])
    assert not any("/tmp" in p for p in error["problems"])
    no_header = client.post("/dashboard/api/construction",
                            files={"project": ("demo.yaml", DEMO_PROJECT.read_bytes())})
    assert no_header.status_code in (401, 403)
