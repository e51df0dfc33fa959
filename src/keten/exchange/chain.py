"""Carbon Added chain: signed emission statements that anyone downstream can verify offline.

Like VAT, each party in a transport chain adds its own emissions to the totals it received from
upstream and passes on a statement signed with its Ed25519 key. Pure: no file I/O, no printing.

**Signed statement** (all quantities are decimal strings, exact; ``upstream`` sorted ascending)::

    {
      "statement": {
        "format": "keten.carbon-added.statement/2",      # format 1: no sequence/supersedes
        "statement_id": "urn:uuid:…",                    # unique within a bundle
        "issued_at": "2026-11-27T22:00:00Z",              # UTC, seconds
        "issuer": {"company_id": "NL-LSP-1", "company_name": "…",      # name optional
                   "key_fingerprint": "sha256:<hex of SHA-256 of the raw 32-byte public key>"},
        "subject": {"shipment_id": "S1", "consignment_id": "C1"},      # at least one
        "sequence": 2,                           # per (issuer, subject): 1, 2, ... (corrections)
        "supersedes": "sha256:<hash of the statement this one corrects>",  # null for 1
        "subject_mapping": {"relation": "renumbering" | "consolidation",  # optional
                            "upstream": [{"statement": "sha256:…", "subject": {…}}, …]},
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

    {"format": "keten.carbon-added.bundle/2", "head": "sha256:…",
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
    MAPPING_RELATIONS,
    SIGNATURE_ALGORITHM,
    STATEMENT_FORMAT,
    BrokenChainError,
    MappedUpstream,
    OwnEmissions,
    Party,
    PublicKeyEntry,
    Quantities,
    Statement,
    StatementSummary,
    Subject,
    SubjectMapping,
    SupersededError,
    TrustedKey,
    VerificationIssue,
    VerificationReport,
    b64encode,
    key_fingerprint,
    parse_key_entry,
    parse_trust_list,
    statement_hash,
    trust_list_document,
    utc_timestamp,
)
from keten.exchange.chain_parse import parse_statement_payload
from keten.exchange.chain_verify import verify_bundle
from keten.exchange.chain_versions import same_subject, subject_relation

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
    "SubjectMapping",
    "SupersededError",
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
    "statement_payload",
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


def _parsed(signed: Mapping[str, Any], what: str = "upstream statement") -> Statement:
    statement, problems = parse_statement_payload(signed.get("statement"))
    if statement is None:
        raise ValidationError(
            [Problem(reason=p, column="upstream") for p in problems],
            title=f"{what} is malformed",
        )
    return statement


def statement_payload(
    private_key: Ed25519PrivateKey,
    issuer: Party,
    subject: Subject,
    own: OwnEmissions,
    upstream: Sequence[Mapping[str, Any]] = (),
    *,
    statement_id: str | None = None,
    issued_at: datetime | None = None,
    sequence: int = 1,
    supersedes: str | None = None,
    subject_mapping: SubjectMapping | None = None,
) -> dict[str, Any]:
    """The format 2 payload :func:`sign_statement` signs, as given (no subject or version
    checks; the schema is checked). For tests and tools that need exactly this payload."""
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
    payload: dict[str, Any] = {
        "format": STATEMENT_FORMAT,
        "statement_id": statement_id or f"urn:uuid:{uuid.uuid4()}",
        "issued_at": utc_timestamp(issued_at or datetime.now(UTC)),
        "issuer": issuer_json,
        "subject": subject.as_json(),
        "sequence": sequence,
        "supersedes": supersedes,
        "own": own.as_json(),
        "upstream": hashes,
        "cumulative": cumulative.as_strings(),
    }
    if subject_mapping is not None:
        payload["subject_mapping"] = subject_mapping.as_json()
    problems = parse_statement_payload(payload)[1]
    if problems:
        raise ValidationError([Problem(reason=p) for p in problems], title="cannot sign")
    return payload


def _version_after(
    previous: Mapping[str, Any] | None, issuer: Party, subject: Subject
) -> tuple[int, str | None]:
    """The sequence and ``supersedes`` link of a statement correcting ``previous``."""
    if previous is None:
        return 1, None
    old = _parsed(previous, "the statement to supersede")
    problems = []
    if old.issuer.company_id != issuer.company_id:
        problems.append(Problem(f"it was issued by {old.issuer.company_id}, not by "
                                f"{issuer.company_id}: only its issuer can correct it",
                                column="supersedes"))
    if not same_subject(old.subject, subject):
        problems.append(Problem(f"it is about {old.subject.label()}, not {subject.label()}: a "
                                "correction is about the same subject (give the same "
                                "--shipment-id/--consignment-id)", column="supersedes"))
    if problems:
        raise ValidationError(problems, title="cannot supersede")
    return (old.sequence or 1) + 1, statement_hash(previous)


def _mapping(
    subject: Subject,
    upstream: Sequence[Mapping[str, Any]],
    map_upstream: Sequence[str],
    relation: str | None,
) -> SubjectMapping | None:
    """The signed mapping for upstream statements about other subjects: each one whose
    subject names an id in ``map_upstream``. An upstream shipment with a different id must be
    mapped (otherwise signing is refused: the chain would not verify)."""
    problems = []
    entries: list[MappedUpstream] = []
    used: set[str] = set()
    for signed in upstream:
        up = _parsed(signed)
        kind = subject_relation(subject, up.subject)
        ids = {i for i in (up.subject.shipment_id, up.subject.consignment_id) if i is not None}
        wanted = ids & set(map_upstream)
        if kind != "same" and wanted:
            used |= wanted
            entries.append(MappedUpstream(statement_hash(signed), up.subject))
        elif kind == "conflict":
            first = sorted(ids)[0]
            problems.append(Problem(
                f"{up.statement_id} of {up.issuer.company_id} is about {up.subject.label()}, "
                f"this statement about {subject.label()}: if these are the same goods under "
                f"another id, or goods consolidated into it, map it (--map {first} "
                "[--relation renumbering|consolidation]); otherwise it is the wrong statement",
                column="upstream"))
    for name in sorted(set(map_upstream) - used):
        problems.append(Problem(f"--map {name}: no upstream statement about another subject "
                                f"has the id {name}", column="map"))
    if relation is not None and relation not in MAPPING_RELATIONS:
        problems.append(Problem(f"relation must be one of {', '.join(MAPPING_RELATIONS)}",
                                column="relation"))
    if problems:
        raise ValidationError(problems, title="cannot sign")
    if not entries:
        return None
    chosen = relation or ("renumbering" if len(entries) == 1 else "consolidation")
    return SubjectMapping(chosen, tuple(sorted(entries, key=lambda e: e.statement_hash)))


def sign_statement(
    private_key: Ed25519PrivateKey,
    issuer: Party,
    subject: Subject,
    own: OwnEmissions,
    upstream: Sequence[Mapping[str, Any]] = (),
    *,
    statement_id: str | None = None,
    issued_at: datetime | None = None,
    supersedes: Mapping[str, Any] | None = None,
    map_upstream: Sequence[str] = (),
    relation: str | None = None,
) -> dict[str, Any]:
    """A signed format 2 statement: ``own`` plus the cumulative totals of the ``upstream``
    signed statements, exactly, linked by their hashes. ``supersedes`` (a signed statement of
    the same issuer for the same subject) makes it a correction: sequence + 1 and a signed
    link to it. Upstream statements about another subject must be named in ``map_upstream``
    (their shipment or consignment ids): the statement then signs that mapping, as
    ``relation`` (``renumbering`` for one, ``consolidation`` for several, by default). Does
    not verify the upstream signatures; :func:`sign_bundle` does."""
    sequence, link = _version_after(supersedes, issuer, subject)
    mapping = _mapping(subject, upstream, map_upstream, relation)
    payload = statement_payload(
        private_key, issuer, subject, own, upstream, statement_id=statement_id,
        issued_at=issued_at, sequence=sequence, supersedes=link, subject_mapping=mapping)
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
    supersedes: Mapping[str, Any] | None = None,
    map_upstream: Sequence[str] = (),
    relation: str | None = None,
) -> dict[str, Any]:
    """Verify each upstream bundle, sign a statement on top of their heads, and bundle it all.
    ``supersedes`` is the bundle (or signed statement) whose head this statement corrects;
    ``map_upstream`` and ``relation`` as in :func:`sign_statement`.

    Raises :class:`BrokenChainError` if an upstream bundle does not verify, or if the result
    would not (for example two upstream bundles sharing a statement, which counts it twice).
    """
    trusted = list(trusted_keys) if trusted_keys is not None else None
    for upstream in upstream_bundles:
        verify_bundle(upstream, trusted).raise_for_failure()
    heads = [head_statement(b) for b in upstream_bundles]
    previous = supersedes
    if previous is not None and "statements" in previous:
        previous = head_statement(previous)
    signed = sign_statement(private_key, issuer, subject, own, heads,
                            statement_id=statement_id, issued_at=issued_at, supersedes=previous,
                            map_upstream=map_upstream, relation=relation)
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
