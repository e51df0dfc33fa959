"""Semantic attacks on signed bundles (#17): every signature is valid, yet the bundle claims
something else. Each generated mutation must be rejected or visibly flagged."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from keten.exchange.chain import (
    OwnEmissions,
    Party,
    Quantities,
    Subject,
    make_bundle,
    public_key_entry,
    sign_bundle,
    sign_statement,
    verify_bundle,
)
from keten.exchange.chain_model import BrokenChainError, statement_hash

KEYS = [Ed25519PrivateKey.from_private_bytes(bytes([90 + i]) * 32) for i in range(3)]
CARRIER, LSP = Party("NL-CARRIER", "Carrier BV"), Party("NL-LSP", "LSP BV")
TRUSTED = [public_key_entry(KEYS[0], CARRIER), public_key_entry(KEYS[1], LSP)]
MALLORY = KEYS[2]
ISSUED = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def _own(wtw: str, factor_set: str = "keten-2026.1") -> OwnEmissions:
    return OwnEmissions(Quantities(Decimal(wtw), Decimal(wtw), Decimal(0), Decimal(0),
                                   Decimal(100)), factor_set)


CARRIER_BUNDLE = sign_bundle(KEYS[0], CARRIER, Subject("S001"), _own("40"),
                             issued_at=ISSUED, statement_id="st-carrier")
GOOD = sign_bundle(KEYS[1], LSP, Subject("S001"), _own("2.5"), [CARRIER_BUNDLE],
                   issued_at=ISSUED, statement_id="st-lsp")
GOOD_HEAD = str(GOOD["head"])
EXPECT = {"expected_head": GOOD_HEAD, "expected_subject": "S001", "expected_issuer": "NL-LSP"}


def _resign_head(
    key: Ed25519PrivateKey, issuer: Party, subject: Subject, own: OwnEmissions
) -> dict[str, Any]:
    """A new head over the carrier's statement, signed (validly) by ``key``."""
    carrier_statement = CARRIER_BUNDLE["statements"][0]
    head = sign_statement(key, issuer, subject, own, [carrier_statement],
                          statement_id="st-lsp", issued_at=ISSUED)
    keys = [public_key_entry(key, issuer), public_key_entry(KEYS[0], CARRIER)]
    return make_bundle(head, [carrier_statement], keys)


ATTACKS = st.sampled_from(
    ["wrong_shipment", "truncate", "reorder_and_rehead", "mallory_resigns", "name_edit",
     "mixed_factor_set"]
)


def _attack(kind: str, shipment: str, name: str) -> dict[str, Any]:
    if kind == "wrong_shipment":  # the LSP claims shipment S999 on the carrier's S001
        return _resign_head(KEYS[1], LSP, Subject(shipment), _own("2.5"))
    if kind == "truncate":  # only the upstream part, presented as the whole claim
        return copy.deepcopy(CARRIER_BUNDLE)
    if kind == "reorder_and_rehead":
        bundle = copy.deepcopy(GOOD)
        bundle["statements"].reverse()
        bundle["head"] = statement_hash(bundle["statements"][0])  # now the carrier's
        return bundle
    if kind == "mallory_resigns":  # valid signatures, an attacker's key
        return _resign_head(MALLORY, LSP, Subject("S001"), _own("0.1"))
    if kind == "name_edit":  # unsigned bundle-level names edited
        bundle = copy.deepcopy(GOOD)
        for entry in bundle["keys"]:
            entry["company_name"] = name
        return bundle
    return _resign_head(KEYS[1], LSP, Subject("S001"), _own("2.5", "other-2025.4"))


@settings(max_examples=30, deadline=None)
@given(ATTACKS, st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=8)
       .filter(lambda s: s != "S001"), st.text(min_size=1, max_size=20))
def test_every_semantic_mutation_is_rejected_or_flagged(kind: str, shipment: str,
                                                        name: str) -> None:
    bundle = _attack(kind, shipment, name)
    without_trust = verify_bundle(bundle, **EXPECT)  # type: ignore[arg-type]
    with_trust = verify_bundle(bundle, TRUSTED, **EXPECT)  # type: ignore[arg-type]
    if kind == "name_edit":
        # the claim itself is untouched; what is shown comes from signed data only
        assert with_trust.ok
        shown = with_trust.as_dict()["statements"]
        assert {s["company_name"] for s in shown} == {"Carrier BV", "LSP BV"}
        assert not without_trust.trusted  # and without a trust list, it says so
        return
    if kind == "mixed_factor_set":
        # a new head (so not the announced one); on its own, valid but visibly warned about
        report = verify_bundle(bundle, TRUSTED, expected_subject="S001", expected_issuer="NL-LSP")
        assert report.ok and any("mixed factor sets" in w for w in report.warnings)
        return
    if kind == "mallory_resigns":
        assert not with_trust.ok  # key not registered for NL-LSP
        assert not without_trust.ok  # not the announced head
        unpinned = verify_bundle(bundle, expected_subject="S001", expected_issuer="NL-LSP")
        assert unpinned.ok and not unpinned.trusted  # flagged: exit 8 in the CLI
        with pytest.raises(Exception, match="signers not trusted"):
            unpinned.raise_unless_trusted()
        return
    assert not with_trust.ok and not without_trust.ok, (kind, with_trust.issues)
    checks = {issue.check for issue in with_trust.issues}
    assert checks & {"subject", "expectation"}, checks


def test_the_good_bundle_passes_with_its_expectations() -> None:
    report = verify_bundle(GOOD, TRUSTED, **EXPECT)  # type: ignore[arg-type]
    assert report.ok and report.trusted and report.warnings == ()


def test_wrong_shipment_is_refused_even_without_expectations() -> None:
    report = verify_bundle(_attack("wrong_shipment", "S999", ""), TRUSTED)
    assert [i.check for i in report.issues] == ["subject"]
    assert "shipment S999" in str(report.issues[0]) and "shipment S001" in str(report.issues[0])
    with pytest.raises(BrokenChainError):  # and keten itself refuses to sign it
        sign_bundle(KEYS[1], LSP, Subject("S999"), _own("1"), [CARRIER_BUNDLE])
