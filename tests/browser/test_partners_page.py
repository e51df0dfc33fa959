"""The Partners page in Debian's chromium: a partner with fetched footprints (one carrying a
tampered Carbon Added bundle), the tables filled, the reason shown, no console errors."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from keten.exchange import pact, received
from keten.exchange.chain import OwnEmissions, Party, Quantities, Subject, sign_bundle
from keten.services import companies, partners
from keten.services.pact_demo import DEMO_COMPANY
from keten.settings import Settings

from .conftest import Server, Session, serve_demo


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """This module adds a partner and its footprints: a demo server of its own, so the shared
    one stays as the other browser tests expect it (whichever order they run in)."""
    with serve_demo(tmp_path_factory.mktemp("keten-home")) as own:
        yield own


def _footprint(shipment_id: str) -> dict[str, object]:
    from decimal import Decimal

    sf = {"shipmentId": shipment_id, "mass": "1000", "tces": [{
        "tceId": "T1", "shipmentId": shipment_id, "mass": "1000", "distance": {"actual": "100"},
        "transportActivity": "100", "co2eWTW": "7.5", "co2eTTW": "6",
        "departureAt": "2025-05-01T06:00:00Z", "arrivalAt": "2025-05-01T09:00:00Z"}]}
    ctx = pact.shipment_context("Rijnvaart BV", ["urn:keten:company:rijnvaart"], sf,
                                pact.parse_datetime_utc("2025-06-01T00:00:00Z"))
    pf = pact.shipment_product_footprint(sf, "rijnvaart", ctx)
    if shipment_id == "TAMPERED":
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        q = Quantities(Decimal("7.5"), Decimal("6"), Decimal(0), Decimal(0), Decimal(100))
        bundle = sign_bundle(Ed25519PrivateKey.from_private_bytes(b"\x09" * 32),
                             Party("NL-RV", "Rijnvaart BV"), Subject(shipment_id),
                             OwnEmissions(q, "keten-2026.1"))
        bundle = copy.deepcopy(bundle)
        bundle["statements"][0]["statement"]["own"]["co2e_wtw_kg"] = "1"
        pf["extensions"].append({"specVersion": "1.0.0",
                                 "dataSchema": received.CARBON_ADDED_BUNDLE_SCHEMA,
                                 "data": bundle})
    return pf


def test_partners_page_shows_status_received_data_and_reasons(
    session: Session, server: Server, tmp_path: Path
) -> None:
    settings = Settings(home=tmp_path)
    if not any(c.id == "rijnvaart" for c in companies.list_companies(server.store)):
        companies.add_company(server.store, "Rijnvaart BV", "rijnvaart")
    partners.add_partner(server.store, settings, DEMO_COMPANY, "rijnvaart",
                         "https://pact.rijnvaart.example", "me", "secret-secret")
    body = json.dumps({"data": [_footprint("S-100"), _footprint("TAMPERED")]})

    def host(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/token":
            return httpx.Response(200, json={"access_token": "t"})
        if request.url.path == "/3/footprints":
            return httpx.Response(200, content=body)
        return httpx.Response(404)

    partners.fetch(server.store, settings, DEMO_COMPANY, "rijnvaart",
                   transport=httpx.MockTransport(host))
    session.goto("/partners")
    page = session.page
    page.wait_for_selector("#partners-table[data-ready]", state="attached")
    expect(page.locator("#partners-table tbody")).to_contain_text("rijnvaart")
    expect(page.locator("#partners-table tbody")).to_contain_text("v3")
    expect(page.locator("#received-table tbody tr")).to_have_count(2)
    expect(page.locator("#received-table tbody")).to_contain_text("unknown key")
    expect(page.locator("#sharing-table tbody")).to_contain_text("Rijnvaart BV")
    # times as people read them, under a header that says UTC (not 2026-…T…+00:00)
    fetched = page.locator("#partners-table tbody td").nth(4).inner_text()
    received = page.locator("#received-table tbody tr").first.locator("td").nth(7).inner_text()
    for text in (fetched, received):
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", text), text
    expect(page.locator("#received-table thead")).to_contain_text("received (UTC)")
    session.shot("partners")
    session.watch.assert_clean()
