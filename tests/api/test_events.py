"""POST /3/events: accepted events, asynchronous answers to RequestCreated by calling back the
requester, and malformed events (PACT v3 conformance test cases 12-17 and 40)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from sqlalchemy import select

from api.conftest import Host
from keten.exchange import pact
from keten.services.callbacks import requester_base_url
from keten.store import tables as t

S1_URN = "urn:pathfinder:product:customcode:vendor-assigned:shipment:S1"


def _event(kind: str, data: dict[str, Any], event_id: str = "run-1/12") -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": "https://partner.example",
        "time": "2025-06-01T12:00:00Z",
        "type": kind,
        "data": data,
    }


def _post(host: Host, event: Any, **headers: str) -> Any:
    body = event if isinstance(event, str | bytes) else json.dumps(event)
    return host.client.post(
        "/3/events",
        content=body,
        headers={
            "Content-Type": "application/cloudevents+json; charset=UTF-8",
            **host.headers(),
            **headers,
        },
    )


def _statuses(host: Host) -> dict[str, str]:
    with host.store.transaction() as session:
        return {e.event_id: e.status for e in session.scalars(select(t.Event))}


def test_request_created_is_fulfilled_by_callback(host: Host) -> None:
    response = _post(host, _event(pact.REQUEST_CREATED, {"productId": [S1_URN], "comment": "hi"}))
    assert response.status_code == 200 and response.content == b""
    token_call, event_call = host.callbacks.requests
    assert str(token_call.url) == "https://partner.example/auth/token"
    basic = base64.b64encode(b"partner-client:partner-secret").decode()
    assert token_call.headers["authorization"] == f"Basic {basic}"
    assert b"grant_type=client_credentials" in token_call.content
    assert str(event_call.url) == "https://partner.example/3/events"
    assert event_call.headers["authorization"] == "Bearer partner-token"
    assert event_call.headers["content-type"].startswith("application/cloudevents+json")
    answer = json.loads(event_call.content)
    assert answer["type"] == pact.REQUEST_FULFILLED
    assert answer["data"]["requestEventId"] == "run-1/12"
    assert [pf["id"] for pf in answer["data"]["pfs"]] == [host.footprint_ids[0]]
    assert answer["source"] == "http://testserver"
    assert _statuses(host)["run-1/12"] == "fulfilled"


def test_request_without_match_is_rejected_by_callback(host: Host) -> None:
    assert (
        _post(
            host, _event(pact.REQUEST_CREATED, {"productId": ["urn:pact:null"]}, "run-1/14.A")
        ).status_code
        == 200
    )
    answer = json.loads(host.callbacks.requests[-1].content)
    assert answer["type"] == pact.REQUEST_REJECTED
    assert answer["data"] == {
        "requestEventId": "run-1/14.A",
        "error": {"code": "NotFound", "message": "no product footprint matches the request"},
    }
    assert _statuses(host)["run-1/14.A"] == "rejected"


def test_resent_request_is_answered_once(host: Host) -> None:
    event = _event(pact.REQUEST_CREATED, {"productId": [S1_URN]})
    _post(host, event)
    _post(host, event)
    assert len(host.callbacks.requests) == 2  # one token call, one event


def test_failed_callback_is_recorded(host: Host) -> None:
    host.callbacks.token_status = 401
    assert _post(host, _event(pact.REQUEST_CREATED, {"productId": [S1_URN]})).status_code == 200
    assert _statuses(host)["run-1/12"] == "callback_failed"


def test_requester_without_callback_credentials(host: Host) -> None:
    shipper = host.headers("shipper-client", "shipper-secret")
    response = _post(host, _event(pact.REQUEST_CREATED, {"productId": [S1_URN]}), **shipper)
    assert response.status_code == 200
    assert host.callbacks.requests == []
    assert _statuses(host)["run-1/12"] == "unanswered"


def test_published_event_is_accepted(host: Host) -> None:
    event = _event(pact.PUBLISHED, {"pfIds": ["3a6c14a7-4deb-498a-b5ea-16ce2535b576"]}, "p-1")
    assert _post(host, event).status_code == 200
    plain_json = host.client.post(
        "/3/events", json=_event(pact.PUBLISHED, {"pfIds": []}, "p-2"), headers=host.headers()
    )
    assert plain_json.status_code == 200
    assert _statuses(host) == {"p-1": "received", "p-2": "received"}
    assert host.callbacks.requests == []


def test_fulfilled_and_rejected_events_are_accepted(host: Host) -> None:
    pf = host.client.get("/3/footprints?limit=1", headers=host.headers()).json()["data"][0]
    fulfilled = _event(pact.REQUEST_FULFILLED, {"requestEventId": "r1", "pfs": [pf]}, "f")
    rejected = _event(
        pact.REQUEST_REJECTED,
        {"requestEventId": "r1", "error": {"code": "NotFound", "message": "no"}},
        "r",
    )
    assert _post(host, fulfilled).status_code == 200
    assert _post(host, rejected).status_code == 200


@pytest.mark.parametrize(
    "event",
    [
        _event(pact.PUBLISHED, {"pfIds": ["urn:gtin:4712345060507"]}),  # conformance case 40
        _event("org.example.Unknown", {}),
        {"type": pact.PUBLISHED, "data": {"pfIds": []}},
        _event(pact.REQUEST_CREATED, {"validOn": "not-a-date"}),
        _event(pact.REQUEST_CREATED, {"productId": [1, 2]}),
        _event(pact.REQUEST_FULFILLED, {"requestEventId": "r1", "pfs": []}),
        # schema-invalid ProductFootprints (PACT v3 ProductFootprint required properties)
        _event(pact.REQUEST_FULFILLED, {"requestEventId": "r1", "pfs": [{"id": "x"}]}),
        _event(pact.REQUEST_FULFILLED, {"requestEventId": "r1", "pfs": [{}]}),
        {**_event(pact.PUBLISHED, {"pfIds": []}), "specversion": "banana"},
        _event(pact.REQUEST_REJECTED, {"requestEventId": "r1"}),
        {**_event(pact.PUBLISHED, {"pfIds": []}), "time": "noon"},
        {**_event(pact.PUBLISHED, {"pfIds": []}), "data": "text"},
        [1, 2, 3],
        "{not json",
        b"\xff\xfe",
    ],
)
def test_malformed_events_are_400(host: Host, event: Any) -> None:
    response = _post(host, event)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "BadRequest"
    assert host.callbacks.requests == []


def test_requester_base_url_forms() -> None:
    assert requester_base_url("https://a.example/") == "https://a.example"
    assert requester_base_url("//api.example.com/3/events") == "https://api.example.com"
    assert requester_base_url("http://127.0.0.1:8004") == "http://127.0.0.1:8004"


def test_answers_go_only_to_the_registered_callback_url(host: Host) -> None:
    """With a registered callback URL, a RequestCreated whose source names another host is
    recorded but never called back (no request to an address the caller chose)."""
    with host.store.transaction() as session:
        session.get(t.Company, "carrier").callback_base_url = "https://pact.carrier.example"
    event = _event(pact.REQUEST_CREATED, {"productId": [S1_URN]}, "run-9/1")
    assert _post(host, event).status_code == 200
    assert host.callbacks.requests == []
    assert _statuses(host)["run-9/1"] == "unanswered"
    event = {**_event(pact.REQUEST_CREATED, {"productId": [S1_URN]}, "run-9/2"),
             "source": "https://pact.carrier.example/3/events"}
    assert _post(host, event).status_code == 200
    assert str(host.callbacks.requests[0].url) == "https://pact.carrier.example/auth/token"
    assert _statuses(host)["run-9/2"] == "fulfilled"
