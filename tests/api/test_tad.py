"""iLEAP ``GET /2/ileap/tad``: list, filter, limit/paging, token errors (iLEAP TC004-TC007)."""

from __future__ import annotations

from api.conftest import Host
from api.schemas import ileap_errors


def test_list_all_tad_validates(host: Host) -> None:
    response = host.client.get("/2/ileap/tad", headers=host.headers())
    assert response.status_code == 200
    data = response.json()["data"]
    assert len(data) == 4
    for tad in data:
        assert ileap_errors(tad, "tad.json") == []


def test_filter_by_mode_and_property(host: Host) -> None:
    headers = host.headers()
    road = host.client.get("/2/ileap/tad?mode=Road", headers=headers).json()["data"]
    assert {t["mode"] for t in road} == {"Road"} and len(road) == 2
    both = host.client.get("/2/ileap/tad?mode=road&mode=Rail", headers=headers).json()["data"]
    assert len(both) == 3
    one = host.client.get("/2/ileap/tad?activityId=TAD-TCE-002-1", headers=headers).json()["data"]
    assert [t["activityId"] for t in one] == ["TAD-TCE-002-1"]
    none = host.client.get("/2/ileap/tad?mode=Air", headers=headers).json()["data"]
    assert none == []


def test_limit_and_link(host: Host) -> None:
    headers = host.headers()
    first = host.client.get("/2/ileap/tad?limit=1", headers=headers)
    assert len(first.json()["data"]) == 1
    link = first.headers["link"]
    assert link.startswith("<http://testserver/2/ileap/tad?") and link.endswith('rel="next"')
    seen = [first.json()["data"][0]["activityId"]]
    url = link.split(";")[0].strip("<>")
    while url:
        page = host.client.get(url, headers=headers)
        seen += [t["activityId"] for t in page.json()["data"]]
        url = page.headers["link"].split(";")[0].strip("<>") if "link" in page.headers else ""
    assert len(seen) == 4 == len(set(seen))
    filtered = host.client.get(
        "/2/ileap/tad?mode=Road&activityId=TAD-TCE-003-1&limit=1", headers=headers
    )
    assert len(filtered.json()["data"]) == 1 and "link" not in filtered.headers


def test_invalid_token_is_403_access_denied(host: Host) -> None:
    for headers in ({}, {"Authorization": "Bearer nonsense"}):
        response = host.client.get("/2/ileap/tad", headers=headers)
        assert response.status_code == 403 and response.json()["code"] == "AccessDenied"
