"""Carbon Added chain: signed emission statements that anyone downstream can verify offline.

Like VAT, each party in a transport chain adds its own emissions to the totals it received from
upstream and passes on a statement signed with its Ed25519 key. Pure: no file I/O, no printing.

**Signed statement** (all quantities are decimal strings, exact; ``upstream`` sorted ascending)::

    {
      "statement": {
        "format": "keten.carbon-added.statement/1",
        "statement_id": "urn:uuid:…",                    # unique within a bundle
        "issued_at": "2026-11-27T22:00:00Z",              # UTC, seconds
        "issuer": {"company_id": "NL-LSP-1", "company_name": "…",      # name optional
                   "key_fingerprint": "sha256:<hex of SHA-256 of the raw 32-byte public key>"},
        "subject": {"shipment_id": "S1", "consignment_id": "C1"},      # at least one
        "own": {"co2e_wtw_kg": "120.5", "co2e_ttw_kg": "98.1", "nox_kg": "0.52",
                "pm_kg": "0.011", "transport_activity_tkm": "2400",
                "factor_set": "keten-2026.1", "method": "ISO 14083:2023"},
        "upstream": ["sha256:<hash of an upstream signed statement>", …],
        "cumulative": {"co2e_wtw_kg": …, "co2e_ttw_kg": …, "nox_kg": …, "pm_kg": …,
                       "transport_activity_tkm": …}   # = own + Σ upstream cumulative, exactly
      },
      "signature": {"algorithm": "Ed25519",
                    "value": "<base64 of the 64-byte signature over canonical(statement)>"}
    }

``canonical`` is RFC 8785-style JSON (:mod:`keten.exchange.canonical`). The **hash** of a
signed statement is ``"sha256:" + hex(SHA-256(canonical(signed statement)))``: it covers the
payload and the signature, and is what a downstream statement lists in ``upstream``.

**Bundle**: the newest statement (``head``) plus every statement it builds on, transitively,
and the public keys to check them::

    {"format": "keten.carbon-added.bundle/1", "head": "sha256:…",
     "statements": [<signed statement>, …],                      # head first
     "keys": [{"company_id": "…", "company_name": "…",
               "public_key": "<base64 raw 32-byte Ed25519 key>", "fingerprint": "sha256:…"}]}

A **trust list** has the same key entries: ``{"format": "keten.trusted-keys/1", "keys": […]}``.
Without one, keys come from the bundle, which proves integrity but not identity; with one,
each signer's key must be registered there for the company the statement names.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from keten.errors import Problem, ValidationError
from keten.exchange.canonical import canonical_json
from keten.exchange.chain_model import (
    BUNDLE_FORMAT,
    SIGNATURE_ALGORITHM,
    STATEMENT_FORMAT,
    BrokenChainError,
    OwnEmissions,
    Party,
    PublicKeyEntry,
    Quantities,
    Statement,
    StatementSummary,
    Subject,
    TrustedKey,
    VerificationIssue,
    VerificationReport,
    b64encode,
    key_fingerprint,
    parse_key_entry,
    parse_statement_payload,
    parse_trust_list,
    statement_hash,
    trust_list_document,
    utc_timestamp,
)
from keten.exchange.chain_verify import verify_bundle

__all__ = [
    "BUNDLE_FORMAT",
    "STATEMENT_FORMAT",
    "BrokenChainError",
    "OwnEmissions",
    "Party",
    "PublicKeyEntry",
    "Quantities",
    "Statement",
    "StatementSummary",
    "Subject",
    "TrustedKey",
    "VerificationIssue",
    "VerificationReport",
    "head_statement",
    "make_bundle",
    "parse_trust_list",
    "public_key_entry",
    "sign_bundle",
    "sign_payload",
    "sign_statement",
    "statement_hash",
    "trust_list_document",
    "verify_bundle",
]


# --- Keys and hashes -------------------------------------------------------------------------


def raw_public_key(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_entry(private_key: Ed25519PrivateKey, party: Party) -> PublicKeyEntry:
    """The public key entry a bundle or trust list carries for ``party``'s key."""
    return PublicKeyEntry(party.company_id, raw_public_key(private_key), party.company_name)


# --- Signing ---------------------------------------------------------------------------------


def sign_payload(private_key: Ed25519PrivateKey, payload: Mapping[str, Any]) -> dict[str, Any]:
    """Sign a statement payload as it is, without checking it. Use :func:`sign_statement`
    unless you need exactly these bytes signed (tests, re-signing)."""
    signature = private_key.sign(canonical_json(payload))
    return {
        "statement": dict(payload),
        "signature": {"algorithm": SIGNATURE_ALGORITHM, "value": b64encode(signature)},
    }


def _parsed(signed: Mapping[str, Any]) -> Statement:
    statement, problems = parse_statement_payload(signed.get("statement"))
    if statement is None:
        raise ValidationError(
            [Problem(reason=p, column="upstream") for p in problems],
            title="upstream statement is malformed",
        )
    return statement


def sign_statement(
    private_key: Ed25519PrivateKey,
    issuer: Party,
    subject: Subject,
    own: OwnEmissions,
    upstream: Sequence[Mapping[str, Any]] = (),
    *,
    statement_id: str | None = None,
    issued_at: datetime | None = None,
) -> dict[str, Any]:
    """A signed statement: ``own`` plus the cumulative totals of the ``upstream`` signed
    statements, exactly, linked by their hashes. Does not verify the upstream signatures;
    :func:`sign_bundle` does."""
    upstream_statements = [_parsed(u) for u in upstream]
    hashes = sorted({statement_hash(u) for u in upstream})
    if len(hashes) != len(upstream):
        raise ValidationError(
            [Problem(reason="the same upstream statement is given twice", column="upstream")],
            title="cannot sign",
        )
    cumulative = own.quantities.plus(*(s.cumulative for s in upstream_statements))
    issuer_json: dict[str, str] = {
        "company_id": issuer.company_id,
        "key_fingerprint": key_fingerprint(raw_public_key(private_key)),
    }
    if issuer.company_name is not None:
        issuer_json["company_name"] = issuer.company_name
    payload = {
        "format": STATEMENT_FORMAT,
        "statement_id": statement_id or f"urn:uuid:{uuid.uuid4()}",
        "issued_at": utc_timestamp(issued_at or datetime.now(UTC)),
        "issuer": issuer_json,
        "subject": subject.as_json(),
        "own": own.as_json(),
        "upstream": hashes,
        "cumulative": cumulative.as_strings(),
    }
    problems = parse_statement_payload(payload)[1]
    if problems:
        raise ValidationError([Problem(reason=p) for p in problems], title="cannot sign")
    return sign_payload(private_key, payload)


def make_bundle(
    head: Mapping[str, Any],
    upstream_statements: Iterable[Mapping[str, Any]],
    keys: Iterable[PublicKeyEntry],
) -> dict[str, Any]:
    """A bundle: ``head`` first, then the upstream statements (each once), then the keys."""
    statements: list[Mapping[str, Any]] = [head]
    seen = {statement_hash(head)}
    for signed in upstream_statements:
        digest = statement_hash(signed)
        if digest not in seen:
            seen.add(digest)
            statements.append(signed)
    key_entries: dict[str, dict[str, str]] = {}
    for entry in keys:
        key_entries.setdefault(entry.fingerprint, entry.as_json())
    return {
        "format": BUNDLE_FORMAT,
        "head": statement_hash(head),
        "statements": [dict(s) for s in statements],
        "keys": list(key_entries.values()),
    }


def head_statement(bundle: Mapping[str, Any]) -> Mapping[str, Any]:
    """The statement a bundle's ``head`` names (the bundle should be verified first)."""
    for signed in bundle.get("statements", []):
        if isinstance(signed, Mapping) and statement_hash(signed) == bundle.get("head"):
            return signed
    raise ValidationError([Problem(reason="the bundle's head is not among its statements")],
                          title="invalid bundle")


def _bundle_keys(bundle: Mapping[str, Any]) -> list[PublicKeyEntry]:
    entries = []
    for index, obj in enumerate(bundle.get("keys", [])):
        entry, _ = parse_key_entry(obj, f"keys[{index}]")
        if entry is not None:
            entries.append(entry)
    return entries


def sign_bundle(
    private_key: Ed25519PrivateKey,
    issuer: Party,
    subject: Subject,
    own: OwnEmissions,
    upstream_bundles: Sequence[Mapping[str, Any]] = (),
    *,
    trusted_keys: Iterable[TrustedKey] | None = None,
    statement_id: str | None = None,
    issued_at: datetime | None = None,
) -> dict[str, Any]:
    """Verify each upstream bundle, sign a statement on top of their heads, and bundle it all.

    Raises :class:`BrokenChainError` if an upstream bundle does not verify, or if the result
    would not (for example two upstream bundles sharing a statement, which counts it twice).
    """
    trusted = list(trusted_keys) if trusted_keys is not None else None
    for upstream in upstream_bundles:
        verify_bundle(upstream, trusted).raise_for_failure()
    heads = [head_statement(b) for b in upstream_bundles]
    signed = sign_statement(private_key, issuer, subject, own, heads,
                            statement_id=statement_id, issued_at=issued_at)
    own_key = public_key_entry(private_key, issuer)
    keys: list[PublicKeyEntry] = [own_key]
    statements: list[Mapping[str, Any]] = []
    for upstream in upstream_bundles:
        statements.extend(s for s in upstream["statements"] if isinstance(s, Mapping))
        keys.extend(_bundle_keys(upstream))
    bundle = make_bundle(signed, statements, keys)
    check_keys = None if trusted is None else [*trusted, own_key]
    verify_bundle(bundle, check_keys).raise_for_failure()
    return bundle
