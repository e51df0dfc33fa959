"""Carbon Added chain: a three-party chain signs and verifies; every kind of tampering is
detected and the first broken link is named."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from keten.errors import ChainVerificationError, ValidationError
from keten.exchange.chain import (
    BrokenChainError,
    OwnEmissions,
    Party,
    PublicKeyEntry,
    Quantities,
    Subject,
    head_statement,
    make_bundle,
    public_key_entry,
    sign_bundle,
    sign_payload,
    sign_statement,
    statement_hash,
    verify_bundle,
)
from keten.exchange.chain_verify import _topological_order

ISSUED = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def key(seed: int) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)


BARGE, HUB, TRUCK, MALLORY = key(1), key(2), key(3), key(4)
BARGE_P = Party("NL-BARGE-01", "Rijnvaart BV")
HUB_P = Party("DE-DUI-HUB", "Duisburg Hub GmbH")
TRUCK_P = Party("DE-TRUCK-07", None)


def own(wtw: str, ttw: str, nox: str, pm: str, tkm: str) -> OwnEmissions:
    q = Quantities(Decimal(wtw), Decimal(ttw), Decimal(nox), Decimal(pm), Decimal(tkm))
    return OwnEmissions(q, "keten-2026.1")


def trust_all() -> list[PublicKeyEntry]:
    return [public_key_entry(BARGE, BARGE_P), public_key_entry(HUB, HUB_P),
            public_key_entry(TRUCK, TRUCK_P)]


def chain() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Barge Rotterdam → Duisburg, transshipment at the hub, truck to the consignee."""
    b1 = sign_bundle(BARGE, BARGE_P, Subject("SHP-1"),
                     own("412.35", "330.1", "3.2", "0.081", "21000"),
                     statement_id="st-barge", issued_at=ISSUED)
    b2 = sign_bundle(HUB, HUB_P, Subject(consignment_id="CON-9"),
                     own("24", "4", "0", "0", "0"), [b1],
                     statement_id="st-hub", issued_at=ISSUED)
    b3 = sign_bundle(TRUCK, TRUCK_P, Subject("SHP-1", "CON-9"),
                     own("18.5", "15.25", "0.0183", "0.00046", "250"), [b2],
                     statement_id="st-truck", issued_at=ISSUED)
    return b1, b2, b3


def stmt(bundle: dict[str, Any], statement_id: str) -> dict[str, Any]:
    for signed in bundle["statements"]:
        if signed["statement"]["statement_id"] == statement_id:
            return signed
    raise KeyError(statement_id)


def first(bundle: dict[str, Any], trusted: list[PublicKeyEntry] | None = None) -> Any:
    report = verify_bundle(bundle, trusted)
    assert not report.ok
    return report.first_issue


# --- the honest chain ------------------------------------------------------------------------


def test_three_party_chain_verifies_with_exact_cumulative_totals() -> None:
    _, _, b3 = chain()
    report = verify_bundle(b3, trust_all())
    assert report.ok, report.issues
    assert report.trusted
    assert (report.checked_signatures, report.checked_links, report.checked_sums) == (3, 2, 3)
    head = report.head
    assert head is not None and head.statement.statement_id == "st-truck"
    assert head.statement.cumulative.as_strings() == {
        "co2e_wtw_kg": "454.85", "co2e_ttw_kg": "349.35", "nox_kg": "3.2183",
        "pm_kg": "0.08146", "transport_activity_tkm": "21250",
    }
    # upstream first, head last; depth counts from the head
    assert [s.statement.statement_id for s in report.statements] == [
        "st-barge", "st-hub", "st-truck"]
    assert [s.depth for s in report.statements] == [2, 1, 0]
    assert b3["statements"][0]["statement"]["statement_id"] == "st-truck"
    assert b3["head"] == statement_hash(b3["statements"][0])
    assert len(b3["keys"]) == 3


def test_without_trust_list_the_report_says_identity_is_unchecked() -> None:
    report = verify_bundle(chain()[2])
    assert report.ok and not report.trusted
    assert report.notes and "trust list" in report.notes[0]


def test_consolidation_of_two_carriers_sums_both() -> None:
    a = sign_bundle(BARGE, BARGE_P, Subject("S-A"), own("0.1", "0.1", "0", "0", "1"))
    b = sign_bundle(TRUCK, TRUCK_P, Subject("S-B"), own("0.2", "0.2", "0", "0", "2"))
    hub = sign_bundle(HUB, HUB_P, Subject(consignment_id="C"), own("0", "0", "0", "0", "0"),
                      [a, b])
    report = verify_bundle(hub, trust_all())
    assert report.ok
    assert report.head is not None
    assert report.head.statement.cumulative.co2e_wtw_kg == Decimal("0.3")  # exact, not 0.30000…4
    assert len(report.head.statement.upstream) == 2
    assert list(report.head.statement.upstream) == sorted(report.head.statement.upstream)


def test_report_raise_for_failure_is_a_chain_verification_error() -> None:
    _, _, b3 = chain()
    stmt(b3, "st-hub")["statement"]["own"]["co2e_wtw_kg"] = "2.4"
    report = verify_bundle(b3)
    with pytest.raises(ChainVerificationError) as caught:
        report.raise_for_failure()
    assert isinstance(caught.value, BrokenChainError)
    assert caught.value.exit_code == 6
    assert "st-hub" in str(caught.value) and "DE-DUI-HUB" in str(caught.value)


# --- tampering: each is detected and named ---------------------------------------------------


@pytest.mark.parametrize("statement_id", ["st-barge", "st-hub", "st-truck"])
def test_changed_own_figure_breaks_that_statements_signature(statement_id: str) -> None:
    _, _, b3 = chain()
    stmt(b3, statement_id)["statement"]["own"]["nox_kg"] = "0.001"
    issue = first(b3, trust_all())
    assert (issue.check, issue.statement_id) == ("signature", statement_id)


def test_changed_cumulative_is_named() -> None:
    _, _, b3 = chain()
    stmt(b3, "st-truck")["statement"]["cumulative"]["co2e_wtw_kg"] = "54.85"
    issue = first(b3)
    assert (issue.check, issue.statement_id, issue.company_id) == (
        "signature", "st-truck", "DE-TRUCK-07")


def test_wrong_cumulative_signed_by_its_own_party_fails_the_arithmetic() -> None:
    _, _, b3 = chain()
    head = stmt(b3, "st-truck")
    payload = copy.deepcopy(head["statement"])
    payload["cumulative"]["co2e_wtw_kg"] = "54.85"  # the truck "forgets" the upstream 436.35
    b3["statements"][0] = sign_payload(TRUCK, payload)
    b3["head"] = statement_hash(b3["statements"][0])
    issue = first(b3, trust_all())
    assert (issue.check, issue.statement_id) == ("arithmetic", "st-truck")
    assert "CO2e WTW (kg) is 54.85, but own + upstream is 18.5 + 436.35 = 454.85" in issue.message


def test_lowered_upstream_figure_resigned_breaks_arithmetic_and_the_hash_link() -> None:
    _, _, b3 = chain()
    hub = stmt(b3, "st-hub")
    payload = copy.deepcopy(hub["statement"])
    payload["own"]["co2e_wtw_kg"] = "2.4"  # hub re-signs a lower own figure, same cumulative
    index = b3["statements"].index(hub)
    b3["statements"][index] = sign_payload(HUB, payload)
    report = verify_bundle(b3, trust_all())
    checks = [(i.check, i.statement_id) for i in report.issues]
    assert checks[0] == ("arithmetic", "st-hub")
    assert ("link", "st-truck") in checks  # the truck signed the original hub statement
    assert ("unreachable", "st-hub") in checks


def test_removed_upstream_statement_is_a_broken_link() -> None:
    _, _, b3 = chain()
    barge = stmt(b3, "st-barge")
    b3["statements"].remove(barge)
    issue = first(b3)
    assert (issue.check, issue.statement_id, issue.company_id) == (
        "link", "st-hub", "DE-DUI-HUB")
    assert statement_hash(barge) in issue.message


def test_swapped_signatures_are_detected() -> None:
    _, _, b3 = chain()
    hub, barge = stmt(b3, "st-hub"), stmt(b3, "st-barge")
    hub["signature"], barge["signature"] = barge["signature"], hub["signature"]
    report = verify_bundle(b3)
    assert report.first_issue is not None
    assert report.first_issue.check == "signature"
    assert {i.statement_id for i in report.issues if i.check == "signature"} == {
        "st-hub", "st-barge"}


def test_statement_signed_with_a_key_other_than_its_fingerprint_says() -> None:
    _, _, b3 = chain()
    head = stmt(b3, "st-truck")
    b3["statements"][0] = sign_payload(MALLORY, head["statement"])  # fingerprint still TRUCK's
    b3["head"] = statement_hash(b3["statements"][0])
    issue = first(b3)
    assert (issue.check, issue.statement_id) == ("signature", "st-truck")


def test_replaced_public_key_in_the_bundle_is_detected() -> None:
    _, _, b3 = chain()
    fake = public_key_entry(MALLORY, HUB_P).as_json()
    b3["keys"] = [k if k["company_id"] != "DE-DUI-HUB" else fake for k in b3["keys"]]
    issue = first(b3)
    assert (issue.check, issue.statement_id) == ("key", "st-hub")
    assert "no public key with fingerprint" in issue.message


def test_key_listed_for_another_company_is_detected() -> None:
    _, _, b3 = chain()
    for entry in b3["keys"]:
        if entry["company_id"] == "DE-DUI-HUB":
            entry["company_id"] = "DE-TRUCK-07"
    issue = first(b3)
    assert (issue.check, issue.statement_id) == ("key", "st-hub")
    assert "listed for company DE-TRUCK-07" in issue.message


def test_reordered_upstream_hashes_are_detected() -> None:
    a = sign_bundle(BARGE, BARGE_P, Subject("S-A"), own("1", "1", "0", "0", "1"))
    b = sign_bundle(TRUCK, TRUCK_P, Subject("S-B"), own("2", "2", "0", "0", "2"))
    hub = sign_bundle(HUB, HUB_P, Subject(consignment_id="C"), own("0", "0", "0", "0", "0"),
                      [a, b], statement_id="st-hub")
    hub["statements"][0]["statement"]["upstream"].reverse()
    issue = first(hub)
    assert (issue.check, issue.statement_id) == ("schema", "st-hub")
    assert "ascending order" in issue.message
    # even re-signed by the hub itself, an unsorted list is refused
    payload = hub["statements"][0]["statement"]
    hub["statements"][0] = sign_payload(HUB, payload)
    hub["head"] = statement_hash(hub["statements"][0])
    assert first(hub).check == "schema"


def test_statement_signed_by_a_key_not_in_the_trust_list() -> None:
    # Mallory forges the whole head statement as DE-TRUCK-07 with her own key
    _, b2, _ = chain()
    forged = sign_bundle(MALLORY, TRUCK_P, Subject("SHP-1"), own("0", "0", "0", "0", "0"), [b2],
                         statement_id="st-forged")
    assert verify_bundle(forged).ok  # without a trust list, integrity only
    issue = first(forged, trust_all())
    assert (issue.check, issue.statement_id, issue.company_id) == (
        "trust", "st-forged", "DE-TRUCK-07")
    assert "not registered for company DE-TRUCK-07" in issue.message


def test_company_missing_from_the_trust_list() -> None:
    _, _, b3 = chain()
    trusted = [public_key_entry(HUB, HUB_P), public_key_entry(TRUCK, TRUCK_P)]
    issue = first(b3, trusted)
    assert (issue.check, issue.statement_id) == ("trust", "st-barge")
    assert "has no key in the trust list" in issue.message


def test_duplicate_statement_id_is_detected() -> None:
    _, _, b3 = chain()
    barge = stmt(b3, "st-barge")
    twin = sign_payload(BARGE, {**copy.deepcopy(barge["statement"]), "issued_at":
                                "2026-11-28T00:00:00Z"})
    b3["statements"].append(twin)
    checks = [(i.check, i.statement_id) for i in verify_bundle(b3).issues]
    assert ("duplicate", "st-barge") in checks


def test_same_statement_twice_is_detected() -> None:
    _, _, b3 = chain()
    b3["statements"].append(copy.deepcopy(stmt(b3, "st-barge")))
    report = verify_bundle(b3)
    assert [(i.check, i.statement_id) for i in report.issues] == [("duplicate", "st-barge")]


def test_double_counting_through_two_paths_is_refused() -> None:
    b1 = sign_bundle(BARGE, BARGE_P, Subject("S"), own("100", "90", "1", "0.1", "1000"))
    left = sign_bundle(HUB, HUB_P, Subject("S"), own("1", "1", "0", "0", "0"), [b1])
    right = sign_bundle(TRUCK, TRUCK_P, Subject("S"), own("2", "2", "0", "0", "10"), [b1])
    with pytest.raises(BrokenChainError) as caught:
        sign_bundle(MALLORY, Party("X"), Subject("S"), own("0", "0", "0", "0", "0"),
                    [left, right])
    assert caught.value.report.first_issue is not None
    assert caught.value.report.first_issue.check == "double_count"


def test_cycle_detection_in_the_upstream_graph() -> None:
    # Hash links cannot form a real cycle (it would need a SHA-256 preimage), so the graph
    # step is tested on its own.
    order, cyclic = _topological_order(
        ["a", "b", "c", "d"], {"a": ["b"], "b": ["c"], "c": ["b"], "d": []}
    )
    assert order == ["d"]
    assert cyclic == ["a", "b", "c"]
    order, cyclic = _topological_order(["h", "x", "y"], {"h": ["x", "y"], "x": ["y"]})
    assert (order, cyclic) == (["y", "x", "h"], [])


def test_extra_statement_not_built_on_is_detected() -> None:
    _, _, b3 = chain()
    other = sign_bundle(BARGE, BARGE_P, Subject("S-other"), own("1", "1", "0", "0", "1"),
                        statement_id="st-other")
    b3["statements"].append(other["statements"][0])
    issue = first(b3)
    assert (issue.check, issue.statement_id) == ("unreachable", "st-other")


def test_head_that_is_not_in_the_bundle() -> None:
    _, _, b3 = chain()
    b3["head"] = "sha256:" + "0" * 64
    issue = first(b3)
    assert issue.check == "bundle" and "head" in issue.message


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda s: s["statement"]["own"].__setitem__("pm_kg", "1e-3"), "not a decimal string"),
        (lambda s: s["statement"]["own"].__setitem__("pm_kg", Decimal("0.001")),
         "cannot be canonicalised"),
        (lambda s: s["statement"]["own"].__setitem__("pm_kg", "-0.5"), "negative"),
        (lambda s: s["statement"].__setitem__("note", "x"), "unknown member 'note'"),
        (lambda s: s.__setitem__("comment", "x"), "unknown member(s) comment"),
        (lambda s: s["signature"].__setitem__("algorithm", "RS256"), "signature.algorithm"),
        (lambda s: s["statement"]["subject"].clear(), "needs a shipment_id"),
        (lambda s: s["statement"].__setitem__("format", "v2"), "statement.format"),
        (lambda s: s["statement"].__setitem__("issued_at", "yesterday"), "issued_at"),
    ],
)
def test_malformed_statements_are_named(mutate: Any, expected: str) -> None:
    _, _, b3 = chain()
    mutate(stmt(b3, "st-hub"))
    report = verify_bundle(b3)
    assert not report.ok
    hub_issues = [i for i in report.issues if i.statement_id == "st-hub"]
    assert hub_issues and hub_issues[0].check == "schema"
    assert expected in hub_issues[0].message


def test_non_canonical_base64_signature_is_refused() -> None:
    # 64 bytes -> 88 base64 chars ending in '=='; the last data char carries 4 unused bits, so
    # a lenient decoder maps several spellings to one signature. Only the canonical one counts.
    _, _, b3 = chain()
    signature = stmt(b3, "st-barge")["signature"]
    value = signature["value"]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = alphabet.index(value[-3])
    signature["value"] = value[:-3] + alphabet[last ^ 1] + "=="
    report = verify_bundle(b3)
    barge = [i for i in report.issues if i.statement_id == "st-barge"]
    assert barge[0].check == "schema" and "signature.value" in barge[0].message


def test_bundle_level_problems() -> None:
    assert verify_bundle([]).first_issue is not None
    assert verify_bundle({"format": "x", "statements": []}).issues[0].check == "bundle"
    _, _, b3 = chain()
    b3["keys"][0]["fingerprint"] = "sha256:" + "1" * 64
    assert first(b3).check == "key"


# --- signing ---------------------------------------------------------------------------------


def test_sign_bundle_refuses_a_tampered_upstream_bundle() -> None:
    b1, _, _ = chain()
    b1["statements"][0]["statement"]["own"]["co2e_wtw_kg"] = "1"
    with pytest.raises(BrokenChainError):
        sign_bundle(HUB, HUB_P, Subject("S"), own("1", "1", "0", "0", "0"), [b1])


def test_sign_bundle_checks_upstream_against_the_trust_list() -> None:
    b1, _, _ = chain()
    with pytest.raises(BrokenChainError) as caught:
        sign_bundle(HUB, HUB_P, Subject("S"), own("1", "1", "0", "0", "0"), [b1],
                    trusted_keys=[public_key_entry(HUB, HUB_P)])
    assert caught.value.report.first_issue is not None
    assert caught.value.report.first_issue.check == "trust"


def test_sign_statement_refuses_the_same_upstream_twice() -> None:
    b1, _, _ = chain()
    head = head_statement(b1)
    with pytest.raises(ValidationError):
        sign_statement(HUB, HUB_P, Subject("S"), own("1", "1", "0", "0", "0"), [head, head])


def test_make_bundle_lists_each_statement_and_key_once() -> None:
    b1, b2, _ = chain()
    head = head_statement(b2)
    bundle = make_bundle(head, b2["statements"] + b1["statements"],
                         [public_key_entry(HUB, HUB_P), public_key_entry(HUB, HUB_P),
                          public_key_entry(BARGE, BARGE_P)])
    assert len(bundle["statements"]) == 2 and len(bundle["keys"]) == 2
    assert verify_bundle(bundle).ok


def test_statement_json_shape() -> None:
    b1, _, _ = chain()
    signed = b1["statements"][0]
    assert set(signed) == {"statement", "signature"}
    assert signed["signature"]["algorithm"] == "Ed25519"
    s = signed["statement"]
    assert s["format"] == "keten.carbon-added.statement/2"
    assert s["sequence"] == 1 and s["supersedes"] is None and "subject_mapping" not in s
    assert b1["format"] == "keten.carbon-added.bundle/2"
    assert s["issued_at"] == "2026-11-27T12:00:00Z"
    assert s["issuer"]["company_name"] == "Rijnvaart BV"
    assert s["issuer"]["key_fingerprint"].startswith("sha256:")
    assert s["own"] == {"co2e_wtw_kg": "412.35", "co2e_ttw_kg": "330.1", "nox_kg": "3.2",
                        "pm_kg": "0.081", "transport_activity_tkm": "21000",
                        "factor_set": "keten-2026.1", "method": "ISO 14083:2023"}
    assert s["upstream"] == [] and s["cumulative"]["co2e_wtw_kg"] == "412.35"
