"""The dashboard over HTTP (FastAPI TestClient): sessions, access rules, jobs, bad input, and that
it stays out of the PACT OpenAPI document."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from keten.demo import demo_file
from keten.services.dashboard import DEMO_PASSWORD, DEMO_USER
from keten.web.session import COOKIE_NAME, decode_session, encode_session, session_key

HEADERS = {"X-Keten-Dashboard": "1"}


@pytest.fixture(scope="module")
def client(demo_dashboard_client: TestClient) -> TestClient:
    return demo_dashboard_client


def logged_in(client: TestClient) -> TestClient:
    client.cookies.clear()
    response = client.post("/login", data={"username": DEMO_USER, "password": DEMO_PASSWORD,
                                           "next": "/chain"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/chain"
    return client


def wait_for(client: TestClient, job: dict[str, Any]) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while job["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
        job = client.get(f"/dashboard/api/jobs/{job['id']}").json()
    return job


def test_session_cookie_is_signed_and_expires() -> None:
    key = session_key("secret")
    token = encode_session(key, "ann", "acme", ttl_s=60, now=1000.0)
    session = decode_session(key, token, now=1010.0)
    assert session is not None and session.username == "ann" and session.company_id == "acme"
    assert decode_session(key, token, now=1061.0) is None
    assert decode_session(session_key("other"), token, now=1010.0) is None
    body, mac = token.split(".")
    assert decode_session(key, body[:-2] + "xx." + mac, now=1010.0) is None
    assert decode_session(key, "garbage", now=1010.0) is None


def test_pages_need_a_login_and_the_api_answers_401(client: TestClient) -> None:
    client.cookies.clear()
    response = client.get("/network", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/network"
    assert client.get("/dashboard/api/network").status_code == 401
    assert client.get("/").url.path == "/login"
    wrong = client.post("/login", data={"username": DEMO_USER, "password": "nope-nope"})
    assert wrong.status_code == 401
    assert "wrong password" in wrong.text


def test_login_redirect_stays_on_this_site(client: TestClient) -> None:
    client.cookies.clear()
    response = client.post("/login", data={"username": DEMO_USER, "password": DEMO_PASSWORD,
                                           "next": "//evil.example/x"}, follow_redirects=False)
    assert response.headers["location"] == "/network"
    cookie = response.headers["set-cookie"]
    assert COOKIE_NAME in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()


def test_every_page_renders_for_a_logged_in_user(client: TestClient) -> None:
    logged_in(client)
    for path in ("/network", "/footprint", "/planning", "/resilience", "/chain"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert 'aria-current="page"' in response.text
        assert "cdn" not in response.text.lower()
    assert client.get("/dashboard/static/plotly.min.js").status_code == 200
    assert client.get("/dashboard/static/keten.js").status_code == 200


def test_dashboard_is_not_in_the_pact_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/dashboard") or p in ("/", "/login")]


def test_writes_need_the_dashboard_header(client: TestClient) -> None:
    logged_in(client)
    assert client.post("/dashboard/api/footprint/demo").status_code == 401
    assert client.post("/dashboard/api/footprint/demo", headers=HEADERS).status_code == 202


def test_upload_runs_in_the_background_and_downloads(client: TestClient) -> None:
    logged_in(client)
    response = client.post("/dashboard/api/footprint", content=demo_file("tces.csv").read_bytes(),
                           headers={**HEADERS, "X-Filename": "../../etc/tces.csv"})
    assert response.status_code == 202
    job = wait_for(client, response.json())
    assert job["status"] == "done", job
    view = job["result"]["view"]
    assert job["result"]["file"] == "tces.csv"
    assert view["totals"]["shipment_count"] == 42
    assert {r["group"] for r in view["by_mode"]} >= {"road", "rail", "inland_waterway"}
    assert view["by_lane"][0]["lane"] == "Rotterdam → Duisburg"  # NLRTM → DEDUI, by name
    assert {"mode", "month", "lane", "shipment"} <= set(job["result"]["figures"])
    months = {r["month"] for r in view["by_month"]}
    assert "2026-01" in months and "undated" not in months
    csv = client.get(f"/dashboard/api/footprint/{job['id']}/tces.csv")
    assert csv.status_code == 200 and csv.text.count("\n") == 103
    ileap = client.get(f"/dashboard/api/footprint/{job['id']}/ileap.json")
    assert ileap.status_code == 200 and len(ileap.json()) == 42


def test_bad_uploads_are_explained_never_500(client: TestClient, tmp_path: Path) -> None:
    logged_in(client)
    bad = b"shipment_id,tce_id,toc_id,mass_kg,distance_km\nS1,T1,nope,abc,12\n"
    job = wait_for(client, client.post("/dashboard/api/footprint", content=bad,
                                       headers={**HEADERS, "X-Filename": "bad.csv"}).json())
    assert job["status"] == "failed"
    assert job["error"]["title"].startswith("bad.csv")
    assert any("nope" in p for p in job["error"]["problems"])
    assert all("keten-dashboard-" not in p for p in job["error"]["problems"])
    for name, body in (("x.txt", b"hello"), ("empty.csv", b"")):
        response = client.post("/dashboard/api/footprint", content=body,
                               headers={**HEADERS, "X-Filename": name})
        assert response.status_code == 422, name
        assert response.json()["error"]["title"]
    garbage = wait_for(client, client.post(
        "/dashboard/api/footprint", content=b"\x00\x01 not parquet",
        headers={**HEADERS, "X-Filename": "x.parquet"}).json())
    assert garbage["status"] == "failed" and garbage["error"]["title"]
    assert client.get("/dashboard/api/jobs/nope").status_code == 404


def test_lowwater_and_criticality(client: TestClient) -> None:
    logged_in(client)
    low = client.get("/dashboard/api/resilience/lowwater?discharge_m3s=700").json()
    high = client.get("/dashboard/api/resilience/lowwater?discharge_m3s=1800").json()
    f_low = {a["link_id"]: a["payload_factor"] for a in low["view"]["affected"]}
    f_high = {a["link_id"]: a["payload_factor"] for a in high["view"]["affected"]}
    assert f_low.keys() == f_high.keys() and f_low
    assert all(f_low[k] < f_high[k] for k in f_low)
    assert low["view"]["totals"]["extra_cost_eur"] > high["view"]["totals"]["extra_cost_eur"]
    for bad in ("300", "abc", "5000"):
        response = client.get(f"/dashboard/api/resilience/lowwater?discharge_m3s={bad}")
        assert response.status_code == 422
        assert "500 to 2000" in response.json()["error"]["problems"][0]
    crit = client.get("/dashboard/api/resilience/criticality").json()
    assert crit["top"][0]["extra_cost_eur_per_day"] >= crit["top"][-1]["extra_cost_eur_per_day"]


def test_planning_job_and_bad_parameters(client: TestClient) -> None:
    logged_in(client)
    bad = client.post("/dashboard/api/planning", headers=HEADERS,
                      data={"carbon_price_eur_per_t": "-1", "sweep": "0, x"})
    assert bad.status_code == 422
    assert len(bad.json()["error"]["problems"]) == 2
    only_one = client.post("/dashboard/api/planning", headers=HEADERS, data={"sweep": "0"},
                           files={"shipments": ("s.csv", b"shipment_id\nS1\n")})
    assert only_one.status_code == 422
    assert "both" in only_one.json()["error"]["problems"][0]
    broken = wait_for(client, client.post(
        "/dashboard/api/planning", headers=HEADERS, data={"sweep": "0"},
        files={"shipments": ("mine.csv", b"shipment_id,origin\nS1,Nowhere Town\n"),
               "services": ("timetable.csv", b"service_id\nX\n")}).json())
    assert broken["status"] == "failed"
    problems = " ".join(broken["error"]["problems"])
    assert "mine.csv" in problems and "keten-dashboard-" not in problems
    job = wait_for(client, client.post("/dashboard/api/planning", headers=HEADERS,
                                       data={"carbon_price_eur_per_t": "100",
                                             "sweep": "0, 200"}).json())
    assert job["status"] == "done", job
    view = job["result"]["view"]
    assert view["input"] == "the demo portfolio"
    assert [s["name"] for s in view["scenarios"]] == ["all_road", "plan", "uncapacitated"]
    assert view["scenarios"][0]["road_tkm_share"] == pytest.approx(1.0)
    assert [p["carbon_price_eur_per_t"] for p in view["sweep"]] == [0.0, 200.0]


def test_chain_view_and_verification(client: TestClient) -> None:
    from keten.services.dashboard import demo_chain_bundle

    logged_in(client)
    view = client.get("/dashboard/api/chain").json()
    assert sorted(s["direction"] for s in view["statements"]) == ["received", "sent"]
    bundle = demo_chain_bundle("keten-demo")
    ok = client.post("/dashboard/api/chain/verify", headers=HEADERS, json=bundle).json()
    assert ok["ok"] and ok["trusted"] and ok["stored"] == 0
    bundle["statements"][0]["statement"]["own"]["co2e_wtw_kg"] = "1.00"
    broken = client.post("/dashboard/api/chain/verify", headers=HEADERS, json=bundle).json()
    assert broken["ok"] is False and broken["report"]["issues"]
    not_json = client.post("/dashboard/api/chain/verify", headers=HEADERS, content=b"{oops")
    assert not_json.status_code == 422


def test_monte_carlo_sweep_runs_as_a_job_and_bad_runs_are_explained(client: TestClient) -> None:
    logged_in(client)
    for bad in ({"runs": 0}, {"runs": "many"}, {"runs": 10_000}, ["x"]):
        response = client.post("/dashboard/api/resilience/sweep", json=bad, headers=HEADERS)
        assert response.status_code == 422, bad
        assert "runs" in str(response.json())
    response = client.post("/dashboard/api/resilience/sweep", json={"runs": 3}, headers=HEADERS)
    assert response.status_code == 202
    job = wait_for(client, response.json())
    assert job["status"] == "done", job
    result = job["result"]
    assert result["runs"] == 3 and "LocalCluster" in result["scheduler"]
    metrics = {row["metric"]: row for row in result["summary"]}
    cost = metrics["extra_cost_eur"]
    assert cost["runs"] == 3 and cost["p5"] <= cost["p50"] <= cost["p95"]
    histogram = result["figures"]["extra_cost_eur"]["data"][0]
    assert histogram["type"] == "histogram" and len(histogram["x"]) == 3


def test_the_resilience_page_shows_keten_s_default_capacity(client: TestClient) -> None:
    """The capacity fields carry the defaults of alternative_capacity.csv (so a page left as
    it is asks for the default run), not figures of the template's own."""
    from keten.resilience.capacity import default_capacity

    logged_in(client)
    html = client.get("/resilience").text
    a = default_capacity()
    assert f'id="cap-rail" min="0" step="1" value="{round(a.border_paths("NL", "DE"))}"' in html
    assert f'id="cap-trucks" min="0" step="50" value="{round(a.trucks("NL"))}"' in html
    assert f'id="cap-fleet" min="0.05" max="1" step="0.05" value="{a.barge_normal_utilisation}"' \
        in html
    # the slider starts where `keten dashboard` warms the low-water view
    from keten.services.dashboard import FIRST_DISCHARGE_M3S

    assert f'step="50" value="{int(FIRST_DISCHARGE_M3S)}"' in html
