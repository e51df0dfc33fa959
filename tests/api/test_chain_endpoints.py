"""``/keten/v1/statements`` and ``/keten/v1/companies/{id}/public-keys``: bundles are verified by
the chain module before they are stored; tampering is refused naming the broken link."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.conftest import Host
from keten.exchange.chain import make_bundle, public_key_entry, sign_statement
from keten.exchange.chain_model import OwnEmissions, Party, Quantities, Subject


def _bundle() -> tuple[dict[str, Any], list[dict[str, str]]]:
    carrier_key, lsp_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    carrier, lsp = Party("carrier-x", "Carrier X"), Party("lsp-y", "LSP Y")
    own = OwnEmissions(
        Quantities(
            Decimal("120.5"), Decimal("98.1"), Decimal("0.52"), Decimal("0.011"), Decimal("2400")
        ),
        "keten-test",
    )
    first = sign_statement(carrier_key, carrier, Subject(shipment_id="S1"), own)
    second = sign_statement(lsp_key, lsp, Subject(shipment_id="S1"), own, [first])
    keys = [public_key_entry(carrier_key, carrier), public_key_entry(lsp_key, lsp)]
    return make_bundle(second, [first], keys), [k.as_json() for k in keys]


def test_statements_verified_stored_and_listed(host: Host) -> None:
    headers = host.headers()
    bundle, _ = _bundle()
    posted = host.client.post("/keten/v1/statements", json=bundle, headers=headers)
    assert posted.status_code == 201, posted.text
    assert posted.json()["stored"] == 2 and posted.json()["trusted"] is False
    again = host.client.post("/keten/v1/statements", json=bundle, headers=headers)
    assert again.json()["stored"] == 0  # idempotent
    listed = host.client.get("/keten/v1/statements?shipmentId=S1", headers=headers).json()["data"]
    assert len(listed) == 2
    assert host.client.get("/keten/v1/statements?shipmentId=S9", headers=headers).json() == {
        "data": []
    }
    other = host.headers("shipper-client", "shipper-secret")
    assert host.client.get("/keten/v1/statements", headers=other).json() == {"data": []}


def test_tampered_bundle_is_refused(host: Host) -> None:
    bundle, _ = _bundle()
    tampered = copy.deepcopy(bundle)
    tampered["statements"][1]["statement"]["own"]["co2e_wtw_kg"] = "1.0"
    response = host.client.post("/keten/v1/statements", json=tampered, headers=host.headers())
    assert response.status_code == 400 and response.json()["code"] == "BadRequest"
    assert "chain verification failed" in response.json()["message"]
    assert host.client.get("/keten/v1/statements", headers=host.headers()).json() == {"data": []}


def test_trust_list_is_used_once_registered(host: Host) -> None:
    headers = host.headers()
    bundle, keys = _bundle()
    for key in keys:
        response = host.client.post(
            "/keten/v1/companies/carrier/public-keys", json=key, headers=headers
        )
        assert response.status_code == 201, response.text
    listed = host.client.get("/keten/v1/companies/carrier/public-keys", headers=headers).json()
    assert {k["company_id"] for k in listed["keys"]} == {"carrier-x", "lsp-y"}
    assert (
        host.client.post("/keten/v1/statements", json=bundle, headers=headers).json()["trusted"]
        is True
    )
    stranger_bundle, _ = _bundle()  # signed by keys the carrier never registered
    refused = host.client.post("/keten/v1/statements", json=stranger_bundle, headers=headers)
    assert refused.status_code == 400


def test_key_registration_checks(host: Host) -> None:
    headers = host.headers()
    _, keys = _bundle()
    forbidden = host.client.post(
        "/keten/v1/companies/shipper/public-keys", json=keys[0], headers=headers
    )
    assert forbidden.status_code == 403
    bad = dict(keys[0], fingerprint="sha256:00")
    response = host.client.post(
        "/keten/v1/companies/carrier/public-keys", json=bad, headers=headers
    )
    assert response.status_code == 400
    for body in (b"[]", b"{nope"):
        response = host.client.post("/keten/v1/statements", content=body, headers=headers)
        assert response.status_code == 400


def test_a_replayed_superseded_statement_is_refused(host: Host) -> None:
    """The carrier corrects its statement for S1 (sequence 2, a signed supersedes link);
    replaying the old one afterwards is refused as superseded, and so is a downstream
    statement built on the old one. Two different first versions contradict each other."""
    key = Ed25519PrivateKey.generate()
    carrier = Party("carrier-x", "Carrier X")
    keys = [public_key_entry(key, carrier)]

    def own(wtw: str) -> OwnEmissions:
        return OwnEmissions(Quantities(Decimal(wtw), Decimal(wtw), Decimal(0), Decimal(0),
                                       Decimal(10)), "keten-test")

    old = sign_statement(key, carrier, Subject(shipment_id="S1"), own("100"))
    corrected = sign_statement(key, carrier, Subject(shipment_id="S1"), own("90"), supersedes=old)
    headers = host.headers()
    first = host.client.post("/keten/v1/statements", json=make_bundle(old, [], keys),
                             headers=headers)
    assert first.status_code == 201 and first.json()["report"]["superseded"] == []
    newer = host.client.post("/keten/v1/statements", json=make_bundle(corrected, [], keys),
                             headers=headers)
    assert newer.status_code == 201
    replay = host.client.post("/keten/v1/statements", json=make_bundle(old, [], keys),
                              headers=headers)
    assert replay.status_code == 400 and "superseded" in replay.json()["message"]
    lsp_key = Ed25519PrivateKey.generate()
    lsp = Party("lsp-y", "LSP Y")
    on_old = sign_statement(lsp_key, lsp, Subject(shipment_id="S1"), own("1"), [old])
    bundle = make_bundle(on_old, [old], [*keys, public_key_entry(lsp_key, lsp)])
    built_on_old = host.client.post("/keten/v1/statements", json=bundle, headers=headers)
    assert built_on_old.status_code == 400
    assert "superseded" in built_on_old.json()["message"]
    second_first = sign_statement(key, carrier, Subject(shipment_id="S1"), own("95"))
    contradiction = host.client.post("/keten/v1/statements",
                                     json=make_bundle(second_first, [], keys), headers=headers)
    assert contradiction.status_code == 400
    assert "two different statements with sequence 1" in contradiction.json()["message"]
    heads = host.client.get("/keten/v1/statements/heads?shipmentId=S1", headers=headers)
    assert heads.status_code == 200
    assert [(h["company_id"], h["sequence"]) for h in heads.json()["data"]] == [("carrier-x", 2)]
    assert host.client.get("/keten/v1/statements/heads", headers=headers).status_code == 400
