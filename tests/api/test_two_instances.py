"""Two keten instances exchange footprints both ways over TLS on loopback, in PACT v3 and v2:
each is a host (uvicorn, self-signed certificate) and a client of the other. The carrier's
host answers the shipper's RequestCreated by calling back the shipper's host over TLS.

Checked against what the *other* instance holds (its own store and its own /2|3 listing),
not against the client's output alone."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.api.conftest import start_tls_server

from keten.api import create_app
from keten.exchange.chain import (
    OwnEmissions,
    Party,
    Quantities,
    Subject,
    public_key_entry,
    sign_bundle,
)
from keten.services import (
    auth,
    chain_store,
    companies,
    exchange,
    partner_requests,
    partners,
    received,
)
from keten.services.pact_demo import demo_tocs
from keten.services.report import scope3_report
from keten.services.tls import ensure_self_signed
from keten.settings import Settings
from keten.store import Store


def shipment_footprint(
    shipment_id: str, legs: list[tuple[str, str, str, str]], origin_country: str = "NL"
) -> dict[str, Any]:
    """An iLEAP ShipmentFootprint of road legs (mass kg, km, WTW kg, TTW kg) in March 2025."""
    tces = []
    for i, (mass, km, wtw, ttw) in enumerate(legs):
        tces.append(
            {
                "tceId": f"{shipment_id}-T{i + 1}",
                "tocId": "road-truck-diesel",
                "shipmentId": shipment_id,
                "mass": mass,
                "distance": {"actual": km},
                "origin": {"city": "Rotterdam", "country": origin_country},
                "transportActivity": str(Decimal(mass) * Decimal(km) / 1000),
                "departureAt": "2025-03-03T06:00:00Z",
                "arrivalAt": "2025-03-03T14:00:00Z",
                "co2eWTW": wtw,
                "co2eTTW": ttw,
            }
        )
    return {"shipmentId": shipment_id, "mass": legs[0][0], "tces": tces}


CARRIER_KEY = Ed25519PrivateKey.from_private_bytes(b"\x11" * 32)
CARRIER_PARTY = Party("NL-RIJNVAART", "Rijnvaart BV")
CARRIER_BUNDLE = sign_bundle(
    CARRIER_KEY,
    CARRIER_PARTY,
    Subject("S1"),
    OwnEmissions(
        Quantities(Decimal("75.1"), Decimal("60.2"), Decimal(0), Decimal(0), Decimal(1000)),
        "keten-2026.1",
    ),
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Instance:
    name: str
    url: str
    store: Store
    settings: Settings
    server: uvicorn.Server
    thread: threading.Thread

    def listing(self, version: int, client: tuple[str, str], cert: Path) -> list[dict[str, Any]]:
        tls = ssl.create_default_context(cafile=str(cert))
        with httpx.Client(verify=tls, base_url=self.url) as http:
            token = http.post(
                "/auth/token", auth=client, data={"grant_type": "client_credentials"}
            ).json()["access_token"]
            response = http.get(
                f"/{version}/footprints", headers={"Authorization": f"Bearer {token}"}
            )
        assert response.status_code == 200
        data: list[dict[str, Any]] = response.json()["data"]
        return data


def _serve(name: str, home: Path, cert: Path, key: Path, store: Store) -> Instance:
    port = _free_port()
    url = f"https://localhost:{port}"
    settings = Settings(home=home, public_url=url, partner_deadline_s=30, partner_timeout_s=10)
    app = create_app(
        settings,
        store=store,
        require_https=True,
        callback_verify_tls=str(cert),
        callback_attempts=2,
    )
    server, thread = start_tls_server(app, port, cert, key, timeout_s=20)
    return Instance(name, url, store, settings, server, thread)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Instance, Instance, Path]]:
    root = tmp_path_factory.mktemp("pair")
    cert, key = ensure_self_signed(root)
    # Carrier B: serves its shipments and a TOC to the shipper's tenant on B.
    store_b = Store(f"sqlite:///{root / 'b.sqlite'}")
    store_a = Store(f"sqlite:///{root / 'a.sqlite'}")
    companies.add_company(store_b, "Rijnvaart BV", "rijnvaart", ["urn:keten:company:rijnvaart"])
    auth.create_credentials(store_b, "rijnvaart", "rijnvaart-own", "rijnvaart-own-secret")
    imported = exchange.import_footprints(
        store_b,
        "rijnvaart",
        [
            shipment_footprint("S1", [("10000", "100", "75.1", "60.2")]),
            shipment_footprint("S2", [("20000", "50", "30.5", "25")], origin_country="DE"),
        ],
        bundles=[CARRIER_BUNDLE],
    )
    road = [toc for toc in demo_tocs() if toc["tocId"] == "road-truck-diesel"]  # the one named
    exchange.import_intensities(store_b, "rijnvaart", road, reference_year=2025)
    # Shipper A: its own shipment, served to the carrier's tenant on A.
    companies.add_company(store_a, "Demo Shipper BV", "shipper", ["urn:keten:company:shipper"])
    exchange.import_footprints(
        store_a,
        "shipper",
        [shipment_footprint("OWN-1", [("5000", "40", "12.25", "10")])],
        scope3_category=4,
    )
    a = _serve("A", root / "a", cert, key, store_a)
    # On A: a tenant for the carrier (it answers A's requests and fetches from A).
    companies.add_company(store_a, "Rijnvaart BV (partner)", "rijnvaart-at-a")
    auth.create_credentials(store_a, "rijnvaart-at-a", "rijnvaart-client", "rijnvaart-secret")
    companies.share_footprints(store_a, "shipper", "rijnvaart-at-a")
    # On B: a tenant for the shipper, with the credentials B uses to call A back.
    companies.add_company(
        store_b,
        "Demo Shipper BV (customer)",
        "shipper-at-b",
        ["urn:keten:company:shipper"],
        "rijnvaart-client",
        "rijnvaart-secret",
        callback_base_url=a.url,
    )
    auth.create_credentials(store_b, "shipper-at-b", "shipper-client", "shipper-secret")
    companies.share_footprints(store_b, "rijnvaart", "shipper-at-b")
    b = _serve("B", root / "b", cert, key, store_b)
    # Each registers the other as a partner (secrets encrypted with its own key file).
    partners.add_partner(
        store_a, a.settings, "shipper", "rijnvaart", b.url, "shipper-client", "shipper-secret",
        tenant_company_id="rijnvaart-at-a",
    )
    chain_store.register_public_key(
        store_a, "shipper", public_key_entry(CARRIER_KEY, CARRIER_PARTY).as_json()
    )
    companies.add_company(store_b, "Rijnvaart BV (as client)", "rijnvaart-client-side")
    partners.add_partner(
        store_b, b.settings, "rijnvaart", "shipper", a.url, "rijnvaart-client", "rijnvaart-secret",
        scope3_category=9,
    )
    assert imported.footprint_ids
    yield a, b, cert
    for instance in (a, b):
        instance.server.should_exit = True
        instance.thread.join(timeout=10)
        instance.store.close()


@pytest.mark.parametrize("version", [3, 2])
def test_shipper_collects_the_carriers_footprints(
    pair: tuple[Instance, Instance, Path], version: int
) -> None:
    a, b, cert = pair
    summary = partners.fetch(
        a.store, a.settings, "shipper", "rijnvaart", verify=str(cert), pact_version=version
    )
    assert summary.pact_version == version and summary.received == 3  # S1, S2, one TOC
    got = {r.local_id: r for r in received.received_footprints(a.store, "shipper", "rijnvaart")}
    assert set(got) == {"S1", "S2", "road-truck-diesel"}
    # What B serves itself, in the same version:
    served = {f["id"]: f for f in b.listing(version, ("shipper-client", "shipper-secret"), cert)}
    for row in got.values():
        assert row.pact_version == version and row.sha256.startswith("sha256:")
        pcf = served[row.footprint_id]["pcf"]
        name = "pCfExcludingBiogenic" if version == 2 else "pcfExcludingBiogenicUptake"
        assert Decimal(str(row.co2e_kg)) == Decimal(pcf[name])
    assert got["S1"].co2e_kg == 75.1 and got["S1"].kind == "shipment"
    # S1 came with the carrier's signed statement, verified against A's trust list.
    assert got["S1"].statement_status == "verified"
    assert got["S2"].statement_status == "none"
    assert got["road-truck-diesel"].kind == "toc"
    [info] = partners.list_partners(a.store, "shipper")
    assert info.status == "ok" and info.pact_version == version


def test_carrier_collects_from_the_shipper_too(pair: tuple[Instance, Instance, Path]) -> None:
    _, b, cert = pair
    summary = partners.fetch(b.store, b.settings, "rijnvaart", "shipper", verify=str(cert))
    assert summary.pact_version == 3 and summary.received == 1
    [row] = received.received_footprints(b.store, "rijnvaart", "shipper")
    assert (row.local_id, row.co2e_kg) == ("OWN-1", 12.25)


@pytest.mark.parametrize("version", [3, 2])
def test_request_is_answered_by_callback_over_tls(
    pair: tuple[Instance, Instance, Path], version: int
) -> None:
    a, b, cert = pair
    partners.fetch(
        a.store, a.settings, "shipper", "rijnvaart", verify=str(cert), pact_version=version
    )
    urn = "urn:pathfinder:product:customcode:vendor-assigned:shipment:S2"
    info = partner_requests.request(
        a.store, a.settings, "shipper", "rijnvaart", {"productId": [urn]}, verify=str(cert)
    )
    assert info.pact_version == version
    deadline = time.monotonic() + 30
    while info.status in ("sent", "sending") and time.monotonic() < deadline:
        time.sleep(0.2)
        info = partner_requests.get_request(a.store, info.event_id)
    assert info.status == "fulfilled", info
    assert info.footprint_count == 1
    # B recorded the request as fulfilled (its own view of the exchange). B writes that only
    # once A has answered its callback, so A can already show "fulfilled" a moment before:
    # wait for B's record too, within the same kind of deadline.
    from sqlalchemy import select

    from keten.store import tables as t

    def b_status() -> str | None:
        with b.store.transaction() as session:
            return session.scalar(
                select(t.Event.status).where(t.Event.event_id == info.event_id)
            )

    deadline = time.monotonic() + 30
    while b_status() != "fulfilled" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert b_status() == "fulfilled"


def test_request_without_match_is_rejected(pair: tuple[Instance, Instance, Path]) -> None:
    a, _, cert = pair
    info = partner_requests.request(
        a.store, a.settings, "shipper", "rijnvaart", {"productId": ["urn:pact:null"]},
        verify=str(cert),
    )
    deadline = time.monotonic() + 30
    while info.status in ("sent", "sending") and time.monotonic() < deadline:
        time.sleep(0.2)
        info = partner_requests.get_request(a.store, info.event_id)
    assert info.status == "rejected" and info.detail and "NotFound" in info.detail


def test_scope3_says_which_is_own_and_which_received(
    pair: tuple[Instance, Instance, Path],
) -> None:
    a, _, cert = pair
    partners.fetch(a.store, a.settings, "shipper", "rijnvaart", verify=str(cert))
    rows = {r.source: r for r in scope3_report(a.store, 2025, "shipper")}
    assert set(rows) == {"own", "received: rijnvaart"}
    assert rows["own"].co2e_wtw_kg == pytest.approx(12.25)
    # S1 + S2 received (the TOC is an intensity and never added).
    assert rows["received: rijnvaart"].co2e_wtw_kg == pytest.approx(75.1 + 30.5)
    assert rows["received: rijnvaart"].shipments == 2

