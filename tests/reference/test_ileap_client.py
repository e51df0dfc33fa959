"""An iLEAP v1.0.0 client written from the specification alone exchanges data with keten's
``/2`` host.

A third-party client, way-platform/ileap-go, runs against keten too (its recorded run and
what it found are in ``test_ileap_go_run.py``); this one is an independent client written from
the iLEAP Technical Specifications v1.0.0 (SINE Foundation, TR 2025-05-27) and its JSON
schemas (``../shared/standards/ileap-schemas``) alone: plain HTTP (httpx) over TLS, the PACT v2
client-credentials flow, ``Link`` paging, and nothing from keten's own client
(``keten.services.partners``) or its schema checks. It runs the spec's "iLEAP Specific
Conformance Tests", Test Cases 001-008, against a keten host serving a carrier's demo
shipments, TOCs, HOCs and transport activity data:

- TC001-003: every ShipmentFootprint/TOC/HOC ProductFootprint validates against the iLEAP
  ``pcf-*.json`` schema, follows the PACT mapping tables of the spec's "PACT Integration"
  section, and every TOC and HOC a shipment's TCEs name is listed;
- TC004-006: TAD, all, per mode, ``limit=1`` with its pagination link;
- TC007: an invalid token gets 403 AccessDenied; TC008: an expired one 401 with the
  TadResponseBody code (``TokenExpired``; the test case's prose says "ExpiredToken").
"""

from __future__ import annotations

import json
import re
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import uvicorn
from tests.api.conftest import start_tls_server
from tests.conftest import SHARED

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = next(
    p / "standards" / "ileap-schemas"
    for p in (SHARED, ROOT.parent / "shared", Path("/work/shared"))
    if (p / "standards" / "ileap-schemas").is_dir()
)
URN = "urn:pathfinder:product:customcode:vendor-assigned:{kind}:{id}"
TAD_MODES = ("Road", "Rail", "Air", "Sea", "InlandWaterway")
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


# ---------------------------------------------------------------- the client


@dataclass
class ILeapClient:
    """A minimal iLEAP v1 / PACT v2.x data recipient: token, list with paging, TAD."""

    base_url: str
    client_id: str
    client_secret: str
    ca_file: Path

    def http(self) -> httpx.Client:
        tls = ssl.create_default_context(cafile=str(self.ca_file))
        return httpx.Client(base_url=self.base_url, verify=tls, timeout=30)

    def token(self) -> str:
        """PACT v2 Action Authenticate: client credentials in HTTP Basic, form body."""
        with self.http() as http:
            response = http.post(
                "/auth/token",
                auth=(self.client_id, self.client_secret),
                data={"grant_type": "client_credentials"},
                headers={"accept": "application/json"},
            )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["token_type"].lower() == "bearer"
        return str(body["access_token"])

    def pages(self, path: str, token: str, limit: int | None = None) -> list[dict[str, Any]]:
        """Every item of a listing, following ``Link: <...>; rel="next"`` to the end."""
        items: list[dict[str, Any]] = []
        url: str | None = path + (f"?limit={limit}" if limit else "")
        with self.http() as http:
            for _ in range(1000):
                assert url is not None
                response = http.get(url, headers={"authorization": f"Bearer {token}"})
                assert response.status_code == 200, response.text
                items += response.json()["data"]
                found = _NEXT.search(response.headers.get("link", ""))
                if not found:
                    return items
                url = found.group(1)
                assert url.startswith(self.base_url), url  # absolute, on the host called
        raise AssertionError("paging did not end")

    def get(self, path: str, token: str) -> httpx.Response:
        with self.http() as http:
            return http.get(path, headers={"authorization": f"Bearer {token}"})


def _schema(name: str) -> dict[str, Any]:
    schema = dict(json.loads((SCHEMAS / name).read_text()))
    # The published pcf-toc.json and pcf-hoc.json point their extension's data at
    # "#/definitions/Toc" / "Hoc" while defining "TOC" / "HOC": alias the case-mismatched
    # name (nothing else of the schema is changed).
    definitions = schema.get("definitions", {})
    for wanted in re.findall(r'"#/definitions/([^"]+)"', json.dumps(schema)):
        if wanted not in definitions:
            [same] = [d for d in definitions if d.lower() == wanted.lower()]
            definitions[wanted] = definitions[same]
    return schema


def _extension(pf: dict[str, Any], schema_name: str) -> dict[str, Any]:
    [ext] = [e for e in pf.get("extensions", []) if e["dataSchema"].endswith(schema_name)]
    # PACT Integration tables: DataModelExtension specVersion "2.0.0", the iLEAP schema URL.
    assert ext["specVersion"] == "2.0.0"
    assert ext["dataSchema"] == f"https://api.ileap.sine.dev/{schema_name}"
    return dict(ext["data"])


def _kind(pf: dict[str, Any]) -> str | None:
    for kind in ("shipment", "toc", "hoc"):
        prefix = URN.format(kind=kind, id="")
        if any(str(p).startswith(prefix) for p in pf.get("productIds", [])):
            return kind
    return None


# ---------------------------------------------------------------- the host under test


@dataclass
class Host:
    url: str
    cert: Path
    client: ILeapClient
    expiring: ILeapClient  # a client of a host whose tokens last one second
    tad_count: int
    server: uvicorn.Server


def _start(app: Any, cert: Path, key: Path) -> tuple[str, uvicorn.Server]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server, _ = start_tls_server(app, port, cert, key)
    return f"https://localhost:{port}", server


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory, demo_table: Any) -> Iterator[Host]:
    """A carrier's keten host: the demo shipments (computed with its own TOCs and HOCs), those
    TOCs and HOCs published (`keten partner publish`), and transport activity data."""
    from keten.api import create_app
    from keten.services import auth, companies, exchange
    from keten.services.pact_demo import demo_tads
    from keten.services.tls import ensure_self_signed
    from keten.settings import Settings
    from keten.store import Store

    root = tmp_path_factory.mktemp("ileap-host")
    store = Store(f"sqlite:///{root / 'carrier.sqlite'}")
    companies.add_company(store, "Carrier X BV", "carrierx", ["urn:example:company:carrierx"])
    auth.create_credentials(store, "carrierx", "ileap-client", "ileap-client-secret")
    # The carrier publishes its own TOCs and HOCs (from its fuel and energy logs); the import
    # of the TCE table serves the keten default TOCs (GLEC modelled values) some legs were
    # computed with, so that every TOC a shipment names is listed (iLEAP TC002).
    exchange.publish_intensity_files(store, "carrierx", demo_table.tocs, demo_table.hocs)
    tads = demo_tads()
    exchange.import_table(store, "carrierx", demo_table.table, tads=tads)
    cert, key = ensure_self_signed(root)
    url, server = _start(
        create_app(Settings(home=root), store=store, require_https=True), cert, key
    )
    short_url, short_server = _start(
        create_app(Settings(home=root, token_ttl_s=1), store=store, require_https=True), cert, key
    )
    try:
        yield Host(
            url,
            cert,
            ILeapClient(url, "ileap-client", "ileap-client-secret", cert),
            ILeapClient(short_url, "ileap-client", "ileap-client-secret", cert),
            len(tads),
            server,
        )
    finally:
        server.should_exit = short_server.should_exit = True
        time.sleep(0.3)
        store.close()


# ---------------------------------------------------------------- TC001-003


def test_tc001_shipment_footprints_follow_the_schema_and_the_pact_mapping(host: Host) -> None:
    footprints = host.client.pages("/2/footprints", host.client.token(), limit=2)
    shipments = [pf for pf in footprints if _kind(pf) == "shipment"]
    assert shipments, "no ProductFootprint with a ShipmentFootprint"
    schema = _schema("pcf-shipment-footprint.json")
    for pf in shipments:
        jsonschema.validate(pf, schema)
        sf = _extension(pf, "shipment-footprint.json")
        jsonschema.validate(sf, _schema("shipment-footprint.json"))
        pcf = pf["pcf"]
        # iLEAP v1.0.0, "PACT Integration", ShipmentFootprint mapping table.
        assert URN.format(kind="shipment", id=sf["shipmentId"]) in pf["productIds"]
        assert pf["productCategoryCpc"] == "83117"
        assert pcf["declaredUnit"] == "ton kilometer"
        tkm = sum(Decimal(t["transportActivity"]) for t in sf["tces"])
        wtw = sum(Decimal(t["co2eWTW"]) for t in sf["tces"])
        assert Decimal(pcf["unitaryProductAmount"]) == pytest.approx(tkm, rel=Decimal("1e-9"))
        assert Decimal(pcf["pCfExcludingBiogenic"]) == pytest.approx(wtw, rel=Decimal("1e-9"))
        assert Decimal(pcf["productMassPerDeclaredUnit"]) == Decimal(sf["mass"])
        assert pcf["packagingEmissionsIncluded"] is False


@pytest.mark.parametrize("kind", ["toc", "hoc"])
def test_tc002_tc003_every_toc_and_hoc_a_shipment_names_is_listed(host: Host, kind: str) -> None:
    footprints = host.client.pages("/2/footprints", host.client.token())
    named = {
        str(tce[f"{kind}Id"])
        for pf in footprints
        if _kind(pf) == "shipment"
        for tce in _extension(pf, "shipment-footprint.json")["tces"]
        if tce.get(f"{kind}Id")
    }
    assert named, f"the shipments name no {kind.upper()}"
    listed: dict[str, dict[str, Any]] = {}
    for pf in (p for p in footprints if _kind(p) == kind):
        jsonschema.validate(pf, _schema(f"pcf-{kind}.json"))
        data = _extension(pf, f"{kind}.json")
        jsonschema.validate(data, _schema(f"{kind}.json"))
        assert URN.format(kind=kind, id=data[f"{kind}Id"]) in pf["productIds"]
        assert pf["productCategoryCpc"] == "83117"
        pcf = pf["pcf"]
        assert Decimal(pcf["pCfExcludingBiogenic"]) == Decimal(data["co2eIntensityWTW"])
        assert pcf["packagingEmissionsIncluded"] is False
        # TOC: per ton kilometer, 1 / 1; HOC: per tonne leaving the hub, kilogram 1000 / 1000.
        unit, amount = ("ton kilometer", "1") if kind == "toc" else ("kilogram", "1000")
        assert pcf["declaredUnit"] == unit
        assert Decimal(pcf["unitaryProductAmount"]) == Decimal(amount)
        assert Decimal(pcf["productMassPerDeclaredUnit"]) == Decimal(amount)
        for carrier in data["energyCarriers"]:  # EnergyCarrier: kg CO2e per the unit named
            assert carrier["energyConsumptionUnit"] in ("l", "kg", "kWh", "MJ")
        listed[str(data[f"{kind}Id"])] = data
    assert named <= set(listed), named - set(listed)


# ---------------------------------------------------------------- TC004-008


def test_tc004_all_transport_activity_data(host: Host) -> None:
    tads = host.client.pages("/2/ileap/tad", host.client.token())
    assert len(tads) == host.tad_count
    schema = _schema("tad.json")
    for tad in tads:
        jsonschema.validate(tad, schema)


def test_tc005_filtered_by_every_mode(host: Host) -> None:
    token = host.client.token()
    matched = 0
    for mode in TAD_MODES:
        tads = host.client.pages(f"/2/ileap/tad?mode={mode}", token)
        assert all(t["mode"] == mode for t in tads), mode
        matched += len(tads)
    assert matched == host.tad_count  # every TAD has one of the five modes


def test_tc006_limit_one_and_its_pagination_link(host: Host) -> None:
    token = host.client.token()
    first = host.client.get("/2/ileap/tad?limit=1", token)
    assert first.status_code == 200
    assert len(first.json()["data"]) <= 1
    found = _NEXT.search(first.headers.get("link", ""))
    if found:
        with host.client.http() as http:
            nxt = http.get(found.group(1), headers={"authorization": f"Bearer {token}"})
        assert nxt.status_code == 200 and len(nxt.json()["data"]) >= 1
    else:
        assert len(host.client.pages("/2/ileap/tad", token)) == len(first.json()["data"])


def test_tc007_invalid_token_is_access_denied(host: Host) -> None:
    response = host.client.get("/2/ileap/tad", "not-a-token-this-host-issued")
    assert response.status_code == 403
    assert response.json()["code"] == "AccessDenied"


def test_tc008_expired_token(host: Host) -> None:
    token = host.expiring.token()
    time.sleep(1.5)
    response = host.expiring.get("/2/ileap/tad", token)
    assert response.status_code == 401
    assert response.json()["code"] == "TokenExpired"
