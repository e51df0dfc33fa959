"""The dashboard's Chain page verifies uploaded bundles: a signed subject mapping is shown
beside the statement, and a bundle built on a statement the company already holds a correction
of is reported superseded (checked against the store)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.sync_api import expect

from keten.exchange.chain import OwnEmissions, Party, Quantities, Subject, sign_bundle
from keten.services.dashboard import demo_chain_bundle

from .conftest import Server, Session, serve_demo


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """This module stores uploaded statements: a demo server of its own, so the shared one
    stays as the other browser tests expect it (whichever order they run in)."""
    with serve_demo(tmp_path_factory.mktemp("keten-home")) as own:
        yield own


def _demo_key(label: str) -> Ed25519PrivateKey:
    # the deterministic demo keys of keten.services.dashboard.demo_chain_bundle
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(label.encode()).digest())


def _upload(session: Session, path: Path) -> None:
    page = session.page
    page.set_input_files("#bundle-file", str(path))
    page.click("#verify-button")
    page.wait_for_selector("#verify-status", state="attached")


def test_verify_view_shows_mappings_and_superseded(session: Session, tmp_path: Path) -> None:
    session.goto("/chain")
    page = session.page
    page.wait_for_selector("#sent-table[data-ready]", state="attached")
    company = page.locator("main .lead strong").inner_text()
    demo = demo_chain_bundle(company)
    own = OwnEmissions(Quantities(*(Decimal(x) for x in ("150.1", "120", "1.5", "0.04",
                                                         "4800"))), "keten-2026.1")
    carrier_key = _demo_key("keten demo barge carrier")
    carrier = Party("demo-barge-carrier", "Demo Barge Carrier B.V.")
    carrier_statement = demo["statements"][1]  # the head first, then what it builds on
    corrected = sign_bundle(carrier_key, carrier, Subject("S001"), own,
                            supersedes=carrier_statement,
                            statement_id="urn:keten:demo:statement:carrier-S001-v2",
                            issued_at=datetime(2026, 1, 11, 8, 0, tzinfo=UTC))
    renumbered = sign_bundle(_demo_key(f"keten demo company {company}"),
                             Party(company, "keten demo logistics"), Subject("S999"),
                             OwnEmissions(Quantities(*(Decimal(1),) * 5), "keten-2026.1"),
                             [corrected], map_upstream=["S001"])
    for name, doc in (("corrected", corrected), ("renumbered", renumbered), ("stale", demo)):
        (tmp_path / f"{name}.json").write_text(json.dumps(doc))

    _upload(session, tmp_path / "corrected.json")  # the carrier's correction is now held
    expect(page.locator("#verify-status")).to_contain_text("verifies with trusted keys")
    received = page.locator("#received-table tbody")  # the first version is marked replaced
    expect(received).to_contain_text("superseded by urn:keten:demo:statement:carrier-S001-v2")

    _upload(session, tmp_path / "renumbered.json")
    expect(page.locator("#verify-status")).to_contain_text("verifies with trusted keys")
    expect(page.locator("#verify-result .mapping")).to_contain_text(
        "maps shipment S001")
    table = page.locator("#verify-statements tbody")
    expect(table).to_contain_text("shipment S999 ← shipment S001 (renumbering)")
    expect(table).to_contain_text("seq. 2 (correction)")
    session.shot("chain-verify-mapping")

    _upload(session, tmp_path / "stale.json")  # built on the carrier's first version
    expect(page.locator("#verify-status")).to_contain_text("Superseded")
    expect(table).to_contain_text("superseded by seq. 2")
    expect(page.locator("#verify-result")).to_contain_text(
        "is replaced by urn:keten:demo:statement:carrier-S001-v2")
    session.shot("chain-verify-superseded")
    session.watch.assert_clean()
