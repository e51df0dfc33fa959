"""Key files, trust lists, own-emissions documents and atomic writes for the chain."""

from __future__ import annotations

import os
import stat
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from keten.errors import ValidationError
from keten.exchange.chain import public_key_entry
from keten.exchange.chain_model import Party, PublicKeyEntry
from keten.exchange.chain_own import own_from_document
from keten.io import keys as keyfiles


def test_key_pair_files_are_pem_and_the_private_key_is_0600(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.from_private_bytes(b"\x05" * 32)
    private_path, public_path = keyfiles.write_key_pair(tmp_path, "NL/LSP 1", key)
    assert private_path.name == "NL_LSP_1.key.pem" and public_path.name == "NL_LSP_1.pub.pem"
    assert stat.S_IMODE(private_path.stat().st_mode) == 0o600
    assert private_path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert public_path.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    loaded = keyfiles.read_private_key(private_path)
    assert loaded.sign(b"x") == key.sign(b"x")
    assert keyfiles.read_public_key(public_path).public_bytes_raw() == \
        key.public_key().public_bytes_raw()
    with pytest.raises(ValidationError, match="already exists"):
        keyfiles.write_key_pair(tmp_path, "NL/LSP 1", Ed25519PrivateKey.generate())
    assert keyfiles.read_private_key(private_path).sign(b"x") == key.sign(b"x")


def test_reading_bad_key_files(tmp_path: Path) -> None:
    (tmp_path / "junk.pem").write_text("not a key")
    for reader in (keyfiles.read_private_key, keyfiles.read_public_key):
        with pytest.raises(ValidationError):
            reader(tmp_path / "junk.pem")
        with pytest.raises(ValidationError, match="not found"):
            reader(tmp_path / "missing.pem")


def test_atomic_write_leaves_nothing_behind_on_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "bundle.json"
    target.write_text("old")

    def failing_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        keyfiles.atomic_write_bytes(target, b"new content")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle.json"]
    with pytest.raises(OSError):
        keyfiles.atomic_write_bytes(tmp_path / "fresh.json", b"x")
    assert not (tmp_path / "fresh.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle.json"]


def test_atomic_write_of_an_unserialisable_document_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        keyfiles.write_json(tmp_path / "x.json", {"a": object()})
    assert list(tmp_path.iterdir()) == []


def test_trust_list_add_and_read(tmp_path: Path) -> None:
    trust = tmp_path / "trust.json"
    a = public_key_entry(Ed25519PrivateKey.from_private_bytes(b"\x01" * 32), Party("A", "Å BV"))
    b = public_key_entry(Ed25519PrivateKey.from_private_bytes(b"\x02" * 32), Party("B"))
    keyfiles.add_to_trust_list(trust, a)
    keyfiles.add_to_trust_list(trust, b)
    keyfiles.add_to_trust_list(trust, a)  # idempotent
    assert keyfiles.read_trust_list(trust) == [b, a]
    with pytest.raises(ValidationError, match="already registered for A"):
        keyfiles.add_to_trust_list(trust, PublicKeyEntry("C", a.public_key))


def test_trust_list_problems_are_all_listed(tmp_path: Path) -> None:
    doc = {"format": "nope", "keys": [{"company_id": "A", "public_key": "AAAA",
                                       "fingerprint": "x"}, {"extra": 1}]}
    with pytest.raises(ValidationError) as caught:
        keyfiles.parse_trust_list(doc, "trust.json")
    reasons = " | ".join(p.reason for p in caught.value.problems)
    assert "format must be" in reasons
    assert "32-byte Ed25519 key" in reasons
    assert "unknown member 'extra'" in reasons


def test_read_json_refuses_duplicate_keys(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text('{"a": "1", "a": "2"}')
    with pytest.raises(ValidationError, match="duplicate"):
        keyfiles.read_json(path)


# --- own-emissions documents -----------------------------------------------------------------


def test_minimal_own_document() -> None:
    subject, own = own_from_document(
        {"shipment_id": "S1", "co2e_wtw_kg": "12.5", "co2e_ttw_kg": 10, "nox_kg": "0.1",
         "pm_kg": Decimal("0.002"), "transport_activity_tkm": "100", "factor_set": "f-1"}
    )
    assert (subject.shipment_id, subject.consignment_id) == ("S1", None)
    assert own.quantities.co2e_ttw_kg == Decimal(10)
    assert (own.factor_set, own.method) == ("f-1", "ISO 14083:2023")


def test_footprint_document_one_shipment_and_a_summed_consignment() -> None:
    doc = {
        "factor_set": {"version": "keten-2026.1"},
        "shipments": [
            {"shipment_id": "S1", "co2e_wtw_kg": Decimal("0.1"), "co2e_ttw_kg": "0.1",
             "nox_kg": "0", "pm_kg": "0", "transport_activity_tkm": "1", "mass_t": "3"},
            {"shipment_id": "S2", "co2e_wtw_kg": Decimal("0.2"), "co2e_ttw_kg": "0.2",
             "nox_kg": "0", "pm_kg": "0", "transport_activity_tkm": "2"},
        ],
    }
    subject, own = own_from_document(doc, shipment_ids=["S2"])
    assert subject.shipment_id == "S2" and own.quantities.co2e_wtw_kg == Decimal("0.2")
    assert own.factor_set == "keten-2026.1"
    subject, own = own_from_document(doc, consignment_id="C9")
    assert (subject.shipment_id, subject.consignment_id) == (None, "C9")
    assert own.quantities.co2e_wtw_kg == Decimal("0.3")
    assert own.quantities.transport_activity_tkm == Decimal(3)
    with pytest.raises(ValidationError, match="consignment id"):
        own_from_document(doc)


def test_own_document_problems_are_gathered() -> None:
    with pytest.raises(ValidationError) as caught:
        own_from_document({"co2e_wtw_kg": "1e3", "co2e_ttw_kg": "-1", "nox_kg": True},
                          source="own.json")
    problems = caught.value.problems
    columns = {p.column for p in problems}
    assert {"co2e_wtw_kg", "co2e_ttw_kg", "nox_kg", "pm_kg", "transport_activity_tkm",
            "factor_set", "shipment_id"} <= columns
    assert all(p.file == "own.json" for p in problems)
    with pytest.raises(ValidationError, match="not in the document"):
        own_from_document({"factor_set": "f", "shipments": [
            {"shipment_id": "S1", "co2e_wtw_kg": "1", "co2e_ttw_kg": "1", "nox_kg": "0",
             "pm_kg": "0", "transport_activity_tkm": "1"}]}, shipment_ids=["S9"])


def test_private_key_encrypted_with_a_passphrase(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.from_private_bytes(b"\x09" * 32)
    private_path, _ = keyfiles.write_key_pair(tmp_path, "A", key, passphrase=b"geheim")
    assert private_path.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert keyfiles.read_private_key(private_path, b"geheim").sign(b"x") == key.sign(b"x")
    for wrong in (None, b"fout"):
        with pytest.raises(ValidationError):
            keyfiles.read_private_key(private_path, wrong)
