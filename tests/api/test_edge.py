"""The hardening classes of #17 at the HTTP edge, on SQLite and on PostgreSQL (the ``host``
fixture runs on both): control characters, deep JSON, enums and bounds, 405 ``Allow``, the
existence oracle, the store's write lock."""

from __future__ import annotations

import json
import uuid

import pytest

from api.conftest import Host
from keten.api.edge import MAX_JSON_DEPTH, json_depth
from keten.exchange import pact

NESTED = "[" * 50_000 + "]" * 50_000


def _event(**overrides: object) -> dict[str, object]:
    event: dict[str, object] = {
        "type": pact.PUBLISHED,
        "specversion": "1.0",
        "id": "e-1",
        "source": "//partner.example/3/events",
        "time": "2025-06-01T12:00:00Z",
        "data": {"pfIds": []},
    }
    return {**event, **overrides}


def test_nul_and_control_characters_are_400_everywhere(host: Host) -> None:
    auth = host.headers()
    cases = [
        ("POST", "/auth/token", {"data": {"grant_type": "client_credentials",
                                          "client_id": "a\x00b", "client_secret": "x"}}),
        ("GET", "/3/footprints?productId=%00", {"headers": auth}),
        ("GET", "/3/footprints?status=%00", {"headers": auth}),
        ("GET", "/3/footprints?geography=a%01b", {"headers": auth}),
        ("GET", "/2/ileap/tad?mode=%00", {"headers": auth}),
        ("GET", "/keten/v1/statements?shipmentId=%00", {"headers": auth}),
        ("GET", "/3/footprints/%00", {"headers": auth}),
        ("GET", "/3/footprints?productId=%00", {}),  # unauthenticated too
        ("POST", "/3/events", {"headers": {**auth, "content-type": "application/json"},
                               "content": json.dumps(_event(id="x\u0000y"))}),
        ("POST", "/3/events", {"headers": {**auth, "content-type": "text/plain"},
                               "content": json.dumps(_event(id="x\u0000y"))}),
    ]
    for method, url, kwargs in cases:
        response = host.client.request(method, url, **kwargs)  # type: ignore[arg-type]
        assert response.status_code == 400, (url, response.text)
        assert response.json()["code"] == "BadRequest"
        assert "NUL" in response.json()["message"] or "control" in response.json()["message"]
    # an escaped backslash before "u0000" is text, not a NUL
    ok = host.client.post("/3/events", headers=auth, content=json.dumps(_event(id="x\\u0000y")))
    assert ok.status_code == 200, ok.text


@pytest.mark.parametrize(
    "path",
    ["/3/events", "/keten/v1/statements", "/dashboard/api/chain/verify",
     "/dashboard/api/resilience/sweep", "/keten/v1/companies/carrier/public-keys"],
)
def test_deeply_nested_json_is_400_not_500(host: Host, path: str) -> None:
    for content_type in ("application/json", "text/plain"):
        response = host.client.post(
            path, content=NESTED, headers={**host.headers(), "content-type": content_type,
                                           "x-keten-dashboard": "1"}
        )
        assert response.status_code == 400, response.text
        assert "nested" in response.json()["message"]


def test_json_depth_ignores_brackets_in_strings() -> None:
    assert json_depth(b'{"a": "[[[[{{{{", "b": [1, [2]]}') == 3
    assert json_depth(b'"\\"[[["') == 0
    assert json_depth(("[" * (MAX_JSON_DEPTH + 1)).encode()) == MAX_JSON_DEPTH + 1


def test_status_enum_and_limit_bounds(host: Host) -> None:
    headers = host.headers()
    # PACT conformance V3.0 test case 37: an unknown status matches nothing (200, empty).
    assert host.client.get("/3/footprints?status=AAA", headers=headers).json() == {"data": []}
    assert host.client.get("/3/footprints?status=Deprecated", headers=headers).json() == {
        "data": []
    }
    every = host.client.get("/3/footprints?limit=100", headers=headers).json()["data"]
    for limit in (2**31 + 1, 2**63, 10**30):
        response = host.client.get(f"/3/footprints?limit={limit}", headers=headers)
        assert response.status_code == 200, (limit, response.text)  # capped, not refused
        assert response.json()["data"] == every
    listed = host.client.get("/openapi.json").json()["paths"]["/3/footprints"]["get"]
    schemas = {p["name"]: p["schema"] for p in listed["parameters"]}
    assert schemas["status"]["enum"] == ["Active", "Deprecated"]
    assert "maximum" not in str(schemas["limit"])


def test_405_allow_lists_every_method_of_the_path(host: Host) -> None:
    for path, methods in (
        ("/keten/v1/statements", {"GET", "HEAD", "POST"}),
        ("/keten/v1/companies/carrier/public-keys", {"GET", "HEAD", "POST"}),
        ("/3/events", {"POST"}),
    ):
        response = host.client.delete(path, headers=host.headers())
        assert response.status_code == 405
        assert set(response.headers["allow"].replace(" ", "").split(",")) == methods, path


def test_other_company_id_and_unknown_id_answer_alike(host: Host) -> None:
    shipper = host.headers("shipper-client", "shipper-secret")
    theirs = host.client.get(f"/3/footprints/{host.footprint_ids[0]}", headers=shipper)
    unknown = host.client.get(f"/3/footprints/{uuid.uuid4()}", headers=shipper)
    assert theirs.status_code == unknown.status_code == 404
    assert set(theirs.headers) == set(unknown.headers)


def test_request_fulfilled_with_invalid_footprints_is_400(host: Host) -> None:
    headers = host.headers()
    bad = _event(type=pact.REQUEST_FULFILLED,
                 data={"requestEventId": "r1", "pfs": [{"id": "x", "pcf": {}}]})
    response = host.client.post("/3/events", json=bad, headers=headers)
    assert response.status_code == 400
    message = response.json()["message"]
    for field in ("data.pfs[0].id", "data.pfs[0].specVersion", "data.pfs[0].companyIds"):
        assert field in message
    garbage_version = _event(specversion="banana")
    assert host.client.post("/3/events", json=garbage_version, headers=headers).status_code == 400


def test_unknown_and_known_client_ids_take_the_same_work(
    host: Host, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No timing signal: the secret is hashed (scrypt) exactly once whether the client id is
    known or not (counted, not timed: timings are noisy on shared machines)."""
    from keten.services import auth

    calls: list[str] = []
    real = auth.hash_secret

    def counting(secret: str, salt: bytes | None = None) -> tuple[str, str]:
        calls.append(secret)
        return real(secret, salt)

    monkeypatch.setattr(auth, "hash_secret", counting)
    auth._dummy_hash()  # made once per process, before the first unknown id
    for client_id in ("carrier-client", "no-such-client"):
        calls.clear()
        response = host.client.post("/auth/token", auth=(client_id, "wrong"),
                                    data={"grant_type": "client_credentials"})
        assert response.status_code in (400, 401)
        assert calls == ["wrong"], client_id


def test_a_write_blocked_by_a_long_sqlite_write_is_503_with_retry_after(
    tmp_path: object, make_shipment_footprint: object
) -> None:
    """While another process holds SQLite's write lock (a long import), an API write waits
    ``busy_timeout_s`` and then answers 503 with Retry-After, never 500; reads still work."""
    import sqlite3
    from pathlib import Path

    from api.conftest import build_host
    from keten.store import Store

    host = build_host(Path(str(tmp_path)), make_shipment_footprint)  # type: ignore[arg-type]
    headers = host.headers()
    url = host.store.url
    host.client.app.state.keten.store = Store(url, busy_timeout_s=0.2)  # type: ignore[attr-defined]
    blocker = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0.1)
    blocker.execute("BEGIN IMMEDIATE")  # holds the write lock, as an import's transaction does
    try:
        response = host.client.post("/3/events", json=_event(id="blocked"), headers=headers)
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"].isdigit()
        assert host.client.get("/3/footprints", headers=headers).status_code == 200
    finally:
        blocker.rollback()
        blocker.close()
    retried = host.client.post("/3/events", json=_event(id="blocked"), headers=headers)
    assert retried.status_code == 200
