"""Format versions, corrections (sequence + supersedes) and signed subject mappings.

The format 1 bundles in ``data/format1/`` were written by keten before format 2 existed (see
its README), so they check compatibility against output this code did not produce."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from keten.errors import ValidationError
from keten.exchange.canonical import canonical_json, loads_strict
from keten.exchange.chain import (
    OwnEmissions,
    Party,
    Quantities,
    Subject,
    make_bundle,
    parse_trust_list,
    public_key_entry,
    sign_bundle,
    sign_payload,
    sign_statement,
    statement_hash,
    statement_payload,
    verify_bundle,
)
from keten.exchange.chain_parse import parse_statement_payload
from keten.exchange.chain_versions import statements_in

DATA = Path(__file__).parent / "data" / "format1"
V1_LSP = json.loads((DATA / "lsp_bundle.json").read_text())
V1_CARRIER = json.loads((DATA / "carrier_bundle.json").read_text())
V1_TRUST = parse_trust_list(json.loads((DATA / "trust.json").read_text()))
CARRIER = Party("carrier-x", "Carrier X")


def _key(name: str) -> Ed25519PrivateKey:
    key = load_pem_private_key((DATA / name).read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def _own(wtw: str) -> OwnEmissions:
    return OwnEmissions(Quantities(Decimal(wtw), Decimal(wtw), Decimal(0), Decimal(0),
                                   Decimal(100)), "keten-2026.1")


def test_a_format_1_bundle_of_earlier_keten_still_verifies_with_a_note() -> None:
    assert V1_LSP["format"] == "keten.carbon-added.bundle/1"
    report = verify_bundle(V1_LSP, V1_TRUST)
    assert report.ok and report.trusted and report.status == "verified"
    assert any("format 1" in note and "no signed sequence" in note for note in report.notes)
    shown = report.as_dict()["statements"]
    assert {(s["format"], s["sequence"], s["supersedes"]) for s in shown} == {
        ("keten.carbon-added.statement/1", None, None)}


def test_a_format_2_correction_supersedes_a_format_1_statement() -> None:
    old = V1_CARRIER["statements"][0]
    corrected = sign_bundle(_key("carrier-x.test-key.pem"), CARRIER, Subject("S001"),
                            _own("398.2"), supersedes=V1_CARRIER)
    new = corrected["statements"][0]["statement"]
    assert new["format"] == "keten.carbon-added.statement/2"
    assert (new["sequence"], new["supersedes"]) == (2, statement_hash(old))
    report = verify_bundle(V1_LSP, V1_TRUST, published=statements_in(corrected))
    assert report.status == "superseded"
    assert report.superseded[0]["statement_hash"] == statement_hash(old)
    assert "signed supersedes link" in report.issues[0].message
    # the correction itself verifies, and is current against what it replaces
    assert verify_bundle(corrected, V1_TRUST, published=[old]).status == "verified"


def test_between_format_1_statements_the_later_signed_issue_time_decides() -> None:
    old = V1_CARRIER["statements"][0]
    payload = dict(old["statement"])
    payload.update(statement_id="urn:example:carrier-v1-later", issued_at="2027-01-01T00:00:00Z")
    later = sign_payload(_key("carrier-x.test-key.pem"), payload)
    report = verify_bundle(V1_LSP, V1_TRUST, held=[later])
    assert report.status == "superseded"
    assert "issued_at (format 1)" in report.issues[0].message
    assert "among the statements held in the store" in report.issues[0].message


def test_corrections_count_up_and_only_the_issuer_may_correct() -> None:
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    v1 = sign_statement(key, CARRIER, Subject("S1"), _own("10"))
    v2 = sign_statement(key, CARRIER, Subject("S1"), _own("9"), supersedes=v1)
    v3 = sign_statement(key, CARRIER, Subject("S1"), _own("8"), supersedes=v2)
    assert [s["statement"]["sequence"] for s in (v1, v2, v3)] == [1, 2, 3]
    assert v3["statement"]["supersedes"] == statement_hash(v2)
    keys = [public_key_entry(key, CARRIER)]
    # v1 is superseded by v3 even though v3 links only to v2: the higher signed sequence
    report = verify_bundle(make_bundle(v1, [], keys), keys, published=[v3])
    assert report.status == "superseded" and "higher signed sequence" in report.issues[0].message
    with pytest.raises(ValidationError, match="only its issuer can correct it"):
        sign_statement(other, Party("someone-else"), Subject("S1"), _own("1"), supersedes=v1)
    with pytest.raises(ValidationError, match="a correction is about the same subject"):
        sign_statement(key, CARRIER, Subject("S2"), _own("1"), supersedes=v1)


def test_a_subject_mapping_must_be_asked_for_and_names_real_upstream_ids() -> None:
    key, lsp_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    lsp = Party("lsp-y")
    s1 = sign_bundle(key, CARRIER, Subject("S001"), _own("40"))
    s2 = sign_bundle(key, CARRIER, Subject("S002"), _own("25"))
    with pytest.raises(ValidationError, match=r"--map S001"):
        sign_bundle(lsp_key, lsp, Subject("S100"), _own("1"), [s1])
    with pytest.raises(ValidationError, match="--map S777: no upstream statement"):
        sign_bundle(lsp_key, lsp, Subject("S100"), _own("1"), [s1], map_upstream=["S001", "S777"])
    with pytest.raises(ValidationError, match="relation must be one of"):
        sign_bundle(lsp_key, lsp, Subject("S100"), _own("1"), [s1], map_upstream=["S001"],
                    relation="merger")
    # consolidation of two shipments into one: exact sums, one mapping entry per upstream
    merged = sign_bundle(lsp_key, lsp, Subject("S100"), _own("1"), [s1, s2],
                         map_upstream=["S001", "S002"])
    mapping = merged["statements"][0]["statement"]["subject_mapping"]
    assert mapping["relation"] == "consolidation"
    assert [u["subject"] for u in mapping["upstream"]] == sorted(
        [{"shipment_id": "S001"}, {"shipment_id": "S002"}],
        key=lambda s: statement_hash(s1["statements"][0] if s["shipment_id"] == "S001"
                                     else s2["statements"][0]))
    report = verify_bundle(merged)
    assert report.ok and report.warnings == () and len(report.subject_mappings) == 2
    assert report.head is not None
    assert report.head.statement.cumulative.co2e_wtw_kg == Decimal("66")


def test_a_consignment_on_a_shipment_is_warned_about_unless_mapped() -> None:
    key, lsp_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    s1 = sign_bundle(key, CARRIER, Subject("S001"), _own("40"))
    loose = sign_bundle(lsp_key, Party("lsp-y"), Subject(consignment_id="C1"), _own("1"), [s1])
    assert verify_bundle(loose).ok and "no shared id or signed subject mapping" in \
        verify_bundle(loose).warnings[0]
    mapped = sign_bundle(lsp_key, Party("lsp-y"), Subject(consignment_id="C1"), _own("1"), [s1],
                         map_upstream=["S001"], relation="consolidation")
    report = verify_bundle(mapped)
    assert report.ok and report.warnings == ()
    assert report.subject_mappings == (
        f"{report.head.statement.statement_id if report.head else ''} maps shipment S001 (of "
        f"{s1['statements'][0]['statement']['statement_id']}) to consignment C1: "
        "consolidation, signed",)


def _payload(**changes: Any) -> dict[str, Any]:
    key = Ed25519PrivateKey.generate()
    payload = statement_payload(key, CARRIER, Subject("S1"), _own("1"))
    payload.update(changes)
    return payload


@pytest.mark.parametrize(("changes", "reason"), [
    ({"sequence": True}, "statement.sequence"),
    ({"sequence": 0}, "statement.sequence"),
    ({"sequence": 2**53 + 1}, "statement.sequence"),
    ({"sequence": Decimal("1.0")}, "statement.sequence"),
    ({"sequence": 2}, "null exactly when sequence is 1"),
    ({"supersedes": "sha256:" + "0" * 64}, "null exactly when sequence is 1"),
    ({"supersedes": "S1"}, "statement.supersedes"),
    ({"subject_mapping": {"relation": "renumbering", "upstream": []}}, "non-empty list"),
    ({"subject_mapping": {"relation": "renumbering", "upstream": [
        {"statement": "sha256:" + "1" * 64, "subject": {"shipment_id": "S0"}}]}},
     "which is not in 'upstream'"),
    ({"format": "keten.carbon-added.statement/3"}, "statement.format"),
])
def test_the_format_2_fields_are_parsed_strictly(changes: dict[str, Any], reason: str) -> None:
    statement, problems = parse_statement_payload(_payload(**changes))
    assert statement is None and any(reason in p for p in problems), problems


def test_format_1_payloads_may_not_carry_format_2_fields() -> None:
    payload = dict(V1_CARRIER["statements"][0]["statement"], sequence=1, supersedes=None)
    _, problems = parse_statement_payload(payload)
    assert "statement: unknown member 'sequence'" in problems


def test_the_canonical_form_of_a_format_2_statement_is_deterministic() -> None:
    """Member order, whitespace and a JSON round trip do not change the signed bytes."""
    key, lsp_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    up = sign_statement(key, CARRIER, Subject("S001"), _own("40"))
    signed = sign_statement(lsp_key, Party("lsp-y", "LSP “Ÿ”"), Subject("S999", "C-ü"),
                            _own("2.5"), [up], map_upstream=["S001"],
                            issued_at=datetime(2026, 1, 1, tzinfo=UTC))
    reference = canonical_json(signed)
    rng = random.Random(17)

    def shuffled(value: Any) -> Any:
        if isinstance(value, dict):
            items = list(value.items())
            rng.shuffle(items)
            return {k: shuffled(v) for k, v in items}
        if isinstance(value, list):
            return [shuffled(v) for v in value]
        return value

    for _ in range(20):
        text = json.dumps(shuffled(signed), indent=rng.choice([None, 1, 4]), ensure_ascii=False)
        assert canonical_json(loads_strict(text)) == reference
    assert b'"sequence":1,' in reference and b'"supersedes":null,' in reference


def test_published_statements_are_read_from_every_shape() -> None:
    signed = V1_CARRIER["statements"][0]
    assert statements_in(V1_CARRIER) == [signed]
    assert statements_in(signed) == [signed]
    assert statements_in([signed]) == [signed]
    assert statements_in({"data": [{"statement_hash": "x", "signed_statement": signed}]}) == [
        signed]
    assert statements_in({"nothing": 1}) == [] and statements_in("text") == []
