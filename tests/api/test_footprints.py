"""ListFootprints / GetFootprint: content, paging, filters, access control, errors
(PACT v3 conformance test cases 3, 4, 5, 8, 20-39), validated against the published schemas."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest

from api.conftest import Host
from api.schemas import ileap_errors, pact_errors
from keten.exchange import pact


def test_list_and_get_validate_against_pact_v3_and_ileap(host: Host) -> None:
    headers = host.headers()
    listed = host.client.get("/3/footprints", headers=headers)
    assert listed.status_code == 200
    data = listed.json()["data"]
    assert len(data) == 5  # 3 shipments + 1 TOC + 1 HOC
    schemas = {
        pact.SHIPMENT_FOOTPRINT_SCHEMA: "shipment-footprint.json",
        pact.TOC_SCHEMA: "toc.json",
        pact.HOC_SCHEMA: "hoc.json",
    }
    for footprint in data:
        assert pact_errors(footprint) == []
        [extension] = footprint["extensions"]
        assert extension["specVersion"] == "2.0.0"
        assert ileap_errors(extension["data"], schemas[extension["dataSchema"]]) == []
        one = host.client.get(f"/3/footprints/{footprint['id']}", headers=headers)
        assert one.status_code == 200 and one.json() == {"data": footprint}


def test_shipment_footprint_mapping(host: Host, make_shipment_footprint: object) -> None:
    got = host.client.get(f"/3/footprints/{host.footprint_ids[0]}", headers=host.headers()).json()
    pf = got["data"]
    assert pf["productIds"] == ["urn:pathfinder:product:customcode:vendor-assigned:shipment:S1"]
    assert pf["productClassifications"] == ["urn:pact:productclassification:un-cpc:83117"]
    pcf = pf["pcf"]
    assert (pcf["declaredUnitOfMeasurement"], pcf["declaredUnitAmount"]) == (
        "ton kilometer",
        "1000",
    )
    assert pcf["pcfExcludingBiogenicUptake"] == "75.1"
    assert pcf["geographyCountry"] == "NL"
    assert pf["extensions"][0]["data"]["shipmentId"] == "S1"


def test_paging_link_header(host: Host) -> None:
    headers = host.headers()
    seen: list[str] = []
    url = "/3/footprints?limit=2&status=Active"
    links: list[str] = []
    pages = 0
    while url:
        response = host.client.get(url, headers=headers)
        assert response.status_code == 200
        page = response.json()["data"]
        assert len(page) <= 2
        seen += [f["id"] for f in page]
        pages += 1
        link = response.headers.get("link")
        if not link:
            break
        target, rel = link.split(";")
        assert rel.strip() == 'rel="next"'
        target = target.strip().strip("<>")
        parts = urlsplit(target)
        assert parts.scheme == "http" and parts.netloc == "testserver"  # absolute, same host
        assert parse_qs(parts.query)["status"] == ["Active"]  # filters carried along
        url = target
        links.append(target)
    assert pages == 3 and len(seen) == 5 == len(set(seen))
    # a pagination link can be called again
    again = host.client.get(links[0], headers=headers)
    assert [f["id"] for f in again.json()["data"]] == seen[2:4]
    empty = host.client.get("/3/footprints?limit=0", headers=headers)
    assert empty.json() == {"data": []} and "link" not in empty.headers


def _ids(host: Host, query: str) -> set[str]:
    response = host.client.get(f"/3/footprints?{query}", headers=host.headers())
    assert response.status_code == 200, response.text
    return {f["id"] for f in response.json()["data"]}


S1_URN = "urn:pathfinder:product:customcode:vendor-assigned:shipment:S1"
S2_URN = "urn:pathfinder:product:customcode:vendor-assigned:shipment:S2"


def test_filters(host: Host) -> None:
    s1, s2, s3 = host.footprint_ids
    every = _ids(host, "")
    assert len(every) == 5
    assert _ids(host, f"productId={S1_URN}") == {s1}
    assert _ids(host, f"productid={S1_URN.upper()}&productId={S2_URN}") == {s1, s2}  # OR, any case
    assert _ids(host, "companyId=urn:example:company:carrier&companyId=urn:x:1") == every
    assert _ids(host, "geography=de&geography=BE") == {s2, s3}
    assert _ids(host, "geography=Western Europe") == every - {s1, s2, s3}
    assert _ids(host, f"classification={pact.CPC_CLASSIFICATION_URN}") == every
    assert _ids(host, "status=Active") == every
    assert _ids(host, f"status=active&productId={S1_URN}") == {s1}  # AND across
    assert _ids(host, "validOn=2025-03-04T00:00:00Z") == {s1, s2, s3}
    assert _ids(host, "validOn=2024-06-01T00:00:00Z") == {s2}
    assert _ids(host, "validAfter=2024-12-31T00:00:00Z") == every - {s2}
    assert _ids(host, "validBefore=2028-01-01T00:00:00Z") == {s2}
    for empty in (
        "productId=urn:bogus:product:x",
        "companyId=urn:bogus:company:x",
        "geography=XX",
        "classification=urn:bogus:c",
        "validOn=1900-01-01T00:00:00Z",
        "validAfter=2099-12-31T23:59:59Z",
        "validBefore=1900-01-01T00:00:00Z",
        f"companyId=urn:bogus:1&productId={S1_URN}",
        "companyId=urn:b:1&companyId=urn:b:2&companyId=urn:b:3",
    ):
        assert _ids(host, empty) == set(), empty


@pytest.mark.parametrize(
    "query",
    [
        "validOn=yesterday",
        "validAfter=2025-13-01",
        "limit=-1",
        "limit=abc",
        "after=bm90LWEtY3Vyc29y",
        "after=!!",
        "validOn=1&validOn=2",
    ],
)
def test_malformed_query_is_400(host: Host, query: str) -> None:
    response = host.client.get(f"/3/footprints?{query}", headers=host.headers())
    assert response.status_code == 400 and response.json()["code"] == "BadRequest"


@pytest.mark.parametrize("query", ["status=AAA", "Status=BogusStatusDnV5tS31"])
def test_unknown_status_matches_nothing(host: Host, query: str) -> None:
    # Official PACT conformance suite, V3.0 test case 37 ("status" negative test case):
    # a status other than Active/Deprecated answers 200 with an empty list.
    assert _ids(host, "status=Active"), "the fixture has active footprints"
    response = host.client.get(f"/3/footprints?{query}", headers=host.headers())
    assert response.status_code == 200, response.text
    assert response.json() == {"data": []}


def test_unknown_footprint_is_404(host: Host) -> None:
    headers = host.headers()
    for fid in ("00000000-0000-0000-0000-000000000000", "non-existent-id"):
        response = host.client.get(f"/3/footprints/{fid}", headers=headers)
        assert response.status_code == 404
        assert response.json()["code"] == "NotFound"
    assert host.client.get("/no/such/route").json()["code"] == "NotFound"


def test_other_company_sees_nothing_until_shared(host: Host) -> None:
    from keten.services import companies

    shipper = host.headers("shipper-client", "shipper-secret")
    assert host.client.get("/3/footprints", headers=shipper).json() == {"data": []}
    # another company's footprint answers exactly as an id that does not exist (no oracle)
    denied = host.client.get(f"/3/footprints/{host.footprint_ids[0]}", headers=shipper)
    unknown = host.client.get(f"/3/footprints/{uuid.uuid4()}", headers=shipper)
    assert denied.status_code == unknown.status_code == 404
    assert denied.json()["code"] == unknown.json()["code"] == "NotFound"
    assert denied.json()["message"].replace(host.footprint_ids[0], "?") == unknown.json()[
        "message"
    ].replace(unknown.url.path.rsplit("/", 1)[1], "?")
    companies.share_footprints(host.store, "carrier", "shipper", [host.footprint_ids[0]])
    listed = host.client.get("/3/footprints", headers=shipper).json()["data"]
    assert [f["id"] for f in listed] == [host.footprint_ids[0]]
    assert (
        host.client.get(f"/3/footprints/{host.footprint_ids[1]}", headers=shipper).status_code
        == 404
    )
    assert host.client.get("/2/ileap/tad", headers=shipper).json() == {"data": []}
