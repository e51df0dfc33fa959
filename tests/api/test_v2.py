"""PACT v2.3 beside v3 from the same store: /2/footprints (validated against the published v2
OpenAPI and the iLEAP v1.0.0 ``pcf-*.json`` schemas), $filter, paging, NoSuchFootprint and
/2/events with asynchronous v2 answers on the requester's /2/events."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from typing import Any

import jsonschema
import pytest
import yaml

from api.conftest import Host
from api.schemas import STANDARDS, ileap_errors
from keten.exchange import pact, pact_v2

S1_URN = "urn:pathfinder:product:customcode:vendor-assigned:shipment:S1"
PCF_SCHEMAS = {
    pact.SHIPMENT_FOOTPRINT_SCHEMA: "pcf-shipment-footprint.json",
    pact.TOC_SCHEMA: "pcf-toc.json",
    pact.HOC_SCHEMA: "pcf-hoc.json",
}


@cache
def _v2_components() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((STANDARDS / "pact" / "openapi-v2.yaml").read_text())
    return doc["components"]


def v2_errors(instance: Any, component: str = "ProductFootprint") -> list[str]:
    schema = {"$ref": f"#/components/schemas/{component}", "components": _v2_components()}
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


def test_v2_list_validates_against_pact_v2_and_ileap_v1(host: Host) -> None:
    headers = host.headers()
    listed = host.client.get("/2/footprints", headers=headers)
    assert listed.status_code == 200
    data = listed.json()["data"]
    assert len(data) == 5
    for footprint in data:
        assert footprint["specVersion"] == "2.3.0"
        assert v2_errors(footprint) == []
        [extension] = footprint["extensions"]
        assert ileap_errors(footprint, PCF_SCHEMAS[extension["dataSchema"]]) == []
        one = host.client.get(f"/2/footprints/{footprint['id']}", headers=headers)
        assert one.status_code == 200 and one.json() == {"data": footprint}


def test_v2_and_v3_carry_the_same_numbers(host: Host) -> None:
    headers = host.headers()
    v3 = {f["id"]: f for f in host.client.get("/3/footprints", headers=headers).json()["data"]}
    v2 = {f["id"]: f for f in host.client.get("/2/footprints", headers=headers).json()["data"]}
    assert v2.keys() == v3.keys()
    for pf_id, new in v3.items():
        old = v2[pf_id]
        assert Decimal(old["pcf"]["pCfExcludingBiogenic"]) == Decimal(
            new["pcf"]["pcfExcludingBiogenicUptake"]
        )
        assert old["pcf"]["unitaryProductAmount"] == new["pcf"]["declaredUnitAmount"]
        assert old["pcf"]["declaredUnit"] == new["pcf"]["declaredUnitOfMeasurement"]
        assert old["extensions"] == new["extensions"]
        assert old["companyName"] == new["companyName"] == "Carrier"
        assert old["productCategoryCpc"] == "83117"


def test_v2_unknown_id_is_no_such_footprint(host: Host) -> None:
    for pf_id in ("00000000-0000-0000-0000-000000000000", "not-a-uuid"):
        response = host.client.get(f"/2/footprints/{pf_id}", headers=host.headers())
        assert response.status_code == 404
        assert response.json()["code"] == "NoSuchFootprint"


def test_v2_invalid_token_is_bad_request(host: Host) -> None:
    response = host.client.get("/2/footprints", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401 and response.json()["code"] == "BadRequest"


def test_v2_filter_created_ge_and_product_ids(host: Host) -> None:
    headers = host.headers()
    every = host.client.get("/2/footprints", headers=headers).json()["data"]
    latest = max(f["created"] for f in every)
    got = host.client.get(
        "/2/footprints", params={"$filter": f"created ge '{latest}'"}, headers=headers
    ).json()["data"]
    assert got and all(f["created"] >= latest for f in got)
    one = host.client.get(
        "/2/footprints",
        params={"$filter": f"productIds/any(productId:(productId eq '{S1_URN}'))"},
        headers=headers,
    ).json()["data"]
    assert [f["productIds"] for f in one] == [[S1_URN]]
    both = host.client.get(
        "/2/footprints",
        params={"$filter": "pcf/geographyCountry eq 'NL' and status eq 'Active'"},
        headers=headers,
    ).json()["data"]
    assert {f["pcf"]["geographyCountry"] for f in both} == {"NL"}


def test_v2_unsupported_filter_is_400_naming_it(host: Host) -> None:
    response = host.client.get(
        "/2/footprints", params={"$filter": "weight gt '3'"}, headers=host.headers()
    )
    assert response.status_code == 400
    assert "weight gt '3'" in response.json()["message"]


@pytest.mark.parametrize("odata", [None, "status eq 'Active'"])
def test_v2_paging_visits_every_footprint_once(host: Host, odata: str | None) -> None:
    headers = host.headers()
    url: str | None = "/2/footprints?limit=2" + (f"&$filter={odata}" if odata else "")
    seen: list[str] = []
    while url:
        response = host.client.get(url, headers=headers)
        assert response.status_code == 200
        seen += [f["id"] for f in response.json()["data"]]
        link = response.headers.get("link")
        url = link.split(";")[0].strip("<>") if link else None
    assert len(seen) == len(set(seen)) == 5


def _v2_event(kind: str, data: dict[str, Any], event_id: str) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": "https://partner.example/2/events",
        "time": "2025-06-01T12:00:00Z",
        "type": kind,
        "data": data,
    }


def _post(host: Host, event: Any) -> Any:
    return host.client.post(
        "/2/events",
        content=json.dumps(event),
        headers={"Content-Type": "application/cloudevents+json", **host.headers()},
    )


def test_v2_request_is_fulfilled_on_the_requesters_v2_events(host: Host) -> None:
    event = _v2_event(pact_v2.REQUEST_CREATED_V2, {"pf": {"productIds": [S1_URN]}}, "r/12")
    assert _post(host, event).status_code == 200
    token_call, answer_call = host.callbacks.requests
    assert str(token_call.url) == "https://partner.example/auth/token"
    assert str(answer_call.url) == "https://partner.example/2/events"
    answer = json.loads(answer_call.content)
    assert answer["type"] == pact_v2.REQUEST_FULFILLED_V2
    assert answer["data"]["requestEventId"] == "r/12"
    assert v2_errors(answer, "RequestFulfilledEvent") == []
    [pf] = answer["data"]["pfs"]
    assert pf["productIds"] == [S1_URN] and pf["specVersion"] == "2.3.0"


def test_v2_request_for_null_product_is_rejected(host: Host) -> None:
    event = _v2_event(pact_v2.REQUEST_CREATED_V2, {"pf": {"productIds": ["urn:pact:null"]}}, "r/14")
    assert _post(host, event).status_code == 200
    answer = json.loads(host.callbacks.requests[-1].content)
    assert answer["type"] == pact_v2.REQUEST_REJECTED_V2
    assert answer["data"]["error"]["code"] and answer["data"]["error"]["message"]
    assert v2_errors(answer, "RequestRejectedEvent") == []


@pytest.mark.parametrize(
    "event",
    [
        _v2_event(pact_v2.PUBLISHED_V2, {"pfIds": ["urn:gtin:4712345060507"]}, "bad/21"),
        _v2_event(pact.PUBLISHED, {"pfIds": []}, "v3-type"),
        _v2_event(pact_v2.REQUEST_CREATED_V2, {"comment": "no pf"}, "no-pf"),
    ],
)
def test_v2_malformed_events_are_400(host: Host, event: dict[str, Any]) -> None:
    response = _post(host, event)
    assert response.status_code == 400 and response.json()["code"] == "BadRequest"


def test_v2_published_event_is_accepted(host: Host) -> None:
    event = _v2_event(
        pact_v2.PUBLISHED_V2, {"pfIds": ["3a6c14a7-4deb-498a-b5ea-16ce2535b576"]}, "pub/15"
    )
    assert _post(host, event).status_code == 200
