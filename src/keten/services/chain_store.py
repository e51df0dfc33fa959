"""Carbon Added chain statements and partner public keys in the store.

Verification is :func:`keten.exchange.chain_verify.verify_bundle` (the chain module's own);
this service only decides which keys to trust (the company's registered partner keys, if it
registered any) and keeps the statements of bundles that verify.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from keten.errors import NotFoundError, Problem, ValidationError
from keten.exchange.chain_model import (
    PublicKeyEntry,
    VerificationReport,
    b64encode,
    parse_key_entry,
    statement_hash,
)
from keten.exchange.chain_parse import parse_statement_payload
from keten.exchange.chain_verify import verify_bundle
from keten.settings import Settings
from keten.store import Store, utcnow
from keten.store import repository as repo
from keten.store import tables as t


@dataclass(frozen=True)
class StoredBundle:
    head: str | None
    stored: int
    trusted: bool
    report: dict[str, Any]


def register_public_key(
    store: Store, company_id: str, entry_json: Mapping[str, Any]
) -> dict[str, Any]:
    """Add a key entry ``{company_id, company_name?, public_key, fingerprint}`` to the trust list
    of ``company_id``; registering the same key again is a no-op."""
    entry, problems = parse_key_entry(entry_json, "key")
    if entry is None:
        raise ValidationError([Problem(p) for p in problems], "invalid public key")
    with store.transaction() as session:
        if repo.get_company(session, company_id) is None:
            raise NotFoundError(f"no company '{company_id}'")
        existing = session.scalar(
            select(t.PartnerPublicKey).where(
                t.PartnerPublicKey.company_id == company_id,
                t.PartnerPublicKey.key_id == entry.fingerprint,
            )
        )
        if existing is not None and existing.partner_company_id != entry.company_id:
            raise ValidationError(
                [
                    Problem(
                        f"key {entry.fingerprint} is registered for {existing.partner_company_id}"
                    )
                ]
            )
        if existing is None:
            session.add(
                t.PartnerPublicKey(
                    company_id=company_id,
                    key_id=entry.fingerprint,
                    partner_company_id=entry.company_id,
                    partner_company_name=entry.company_name,
                    public_key=b64encode(entry.public_key),
                    created_at=utcnow(),
                )
            )
    return entry.as_json()


def trusted_keys(store: Store, company_id: str) -> list[PublicKeyEntry]:
    """The keys ``company_id`` registered (its trust list)."""
    import base64

    with store.transaction() as session:
        rows = session.scalars(
            select(t.PartnerPublicKey)
            .where(t.PartnerPublicKey.company_id == company_id)
            .order_by(t.PartnerPublicKey.id)
        )
        return [
            PublicKeyEntry(
                r.partner_company_id, base64.b64decode(r.public_key), r.partner_company_name
            )
            for r in rows
        ]


def bundle_subjects(bundle: Any) -> tuple[set[str], set[str]]:
    """The shipment ids the bundle's statements are about, and the consignment ids of those
    about a consignment only (loosely read: the bundle is verified afterwards)."""
    shipments: set[str] = set()
    consignments: set[str] = set()
    statements = bundle.get("statements") if isinstance(bundle, Mapping) else None
    for signed in statements if isinstance(statements, list) else []:
        payload = signed.get("statement") if isinstance(signed, Mapping) else None
        subject = payload.get("subject") if isinstance(payload, Mapping) else None
        if not isinstance(subject, Mapping):
            continue
        shipment = subject.get("shipment_id")
        if isinstance(shipment, str):
            shipments.add(shipment)
        elif isinstance(subject.get("consignment_id"), str):
            consignments.add(subject["consignment_id"])
    return shipments, consignments


def held_statements(store: Store, company_id: str, bundle: Any) -> list[dict[str, Any]]:
    """The signed statements ``company_id`` holds about the subjects of ``bundle``'s
    statements: what a newer version would be found among."""
    shipments, consignments = bundle_subjects(bundle)
    with store.transaction() as session:
        query = select(t.ChainStatement.payload).where(t.ChainStatement.company_id == company_id)
        wanted: Any = t.ChainStatement.shipment_id.in_(sorted(shipments))
        if consignments:
            wanted = wanted | t.ChainStatement.shipment_id.is_(None)
        return [dict(p) for p in session.scalars(query.where(wanted))]


def verify_received(
    store: Store, company_id: str, bundle: Any, published: Sequence[Any] = ()
) -> VerificationReport:
    """Verify a bundle as ``company_id``: against its trust list if it registered keys, and
    against the statements it holds (and ``published`` heads) for newer versions."""
    keys = trusted_keys(store, company_id)
    return verify_bundle(bundle, keys or None, held=held_statements(store, company_id, bundle),
                         published=published)


def store_bundle(store: Store, company_id: str, bundle: Any) -> StoredBundle:
    """Verify a bundle (against the company's trust list if it has one, and against the
    statements it holds: a superseded statement is refused) and keep its statements.

    Raises ``ValidationError`` naming the first broken link when verification fails."""
    report = verify_received(store, company_id, bundle)
    if not report.ok:
        issues = [Problem(str(issue)) for issue in report.issues[:20]]
        title = "chain verification failed" + (
            ": superseded" if report.superseded_only else "")
        raise ValidationError(issues, title)
    stored = 0
    with store.transaction() as session:
        for signed in bundle["statements"]:
            digest = statement_hash(signed)
            exists = session.scalar(
                select(t.ChainStatement.id).where(
                    t.ChainStatement.company_id == company_id,
                    t.ChainStatement.statement_hash == digest,
                )
            )
            if exists is not None:
                continue
            statement, _ = parse_statement_payload(signed.get("statement"))
            shipment = statement.subject.shipment_id if statement is not None else None
            session.add(
                t.ChainStatement(
                    company_id=company_id,
                    statement_hash=digest,
                    shipment_id=shipment,
                    verified=True,
                    trusted=report.trusted,
                    payload=dict(signed),
                    created_at=utcnow(),
                )
            )
            stored += 1
    return StoredBundle(report.head_hash, stored, report.trusted, report.as_dict())


def published_heads(
    store: Store,
    company_id: str,
    shipment_id: str | None = None,
    consignment_id: str | None = None,
) -> list[dict[str, Any]]:
    """The newest statement per (issuer, subject) about a shipment or consignment that
    ``company_id`` may see: those it holds, and those held by companies that shared with it
    their footprint of that shipment. Each carries its signed statement, so the reader checks
    it with its own trust list rather than trusting this host."""
    if shipment_id is None and consignment_id is None:
        raise ValidationError([Problem("give shipmentId or consignmentId", column="shipmentId")])
    with store.transaction() as session:
        holders = {company_id}
        if shipment_id is not None:
            holders |= set(session.scalars(
                select(t.ProductFootprintRow.company_id)
                .join(t.Share, t.Share.footprint_id == t.ProductFootprintRow.id)
                .join(t.Shipment, t.Shipment.id == t.ProductFootprintRow.shipment_row_id)
                .where(t.Share.recipient_company_id == company_id,
                       t.Shipment.shipment_id == shipment_id)
            ))
        query = select(t.ChainStatement).where(t.ChainStatement.company_id.in_(sorted(holders)))
        if shipment_id is not None:
            query = query.where(t.ChainStatement.shipment_id == shipment_id)
        rows = [(r.statement_hash, dict(r.payload)) for r in session.scalars(query)]
    newest: dict[tuple[str, str], tuple[tuple[int, str], dict[str, Any]]] = {}
    for digest, signed in rows:
        statement, _ = parse_statement_payload(signed.get("statement"))
        if statement is None:
            continue
        subject = statement.subject
        if consignment_id is not None and subject.consignment_id != consignment_id:
            continue
        key = (statement.issuer.company_id, json.dumps(subject.as_json(), sort_keys=True))
        rank = (statement.sequence or 0, statement.issued_at)
        item = {
            "statement_hash": digest,
            "company_id": statement.issuer.company_id,
            "subject": subject.as_json(),
            "sequence": statement.sequence,
            "issued_at": statement.issued_at,
            "signed_statement": signed,
        }
        if key not in newest or rank > newest[key][0]:
            newest[key] = (rank, item)
    return [item for _, item in sorted(newest.values(), key=lambda v: (
        v[1]["company_id"], v[1]["statement_hash"]))]


def list_statements(
    store: Store, company_id: str, shipment_id: str | None = None
) -> list[dict[str, Any]]:
    """Statements a company received (verified on arrival), oldest first."""
    with store.transaction() as session:
        query = select(t.ChainStatement).where(t.ChainStatement.company_id == company_id)
        if shipment_id is not None:
            query = query.where(t.ChainStatement.shipment_id == shipment_id)
        return [
            {
                "statement_hash": row.statement_hash,
                "shipment_id": row.shipment_id,
                "trusted": row.trusted,
                "received_at": row.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "signed_statement": row.payload,
            }
            for row in session.scalars(query.order_by(t.ChainStatement.id))
        ]


#: Path where a keten host publishes the newest statements per issuer and subject.
HEADS_PATH = "/keten/v1/statements/heads"


def fetch_published(
    store: Store,
    settings: Settings,
    company_id: str,
    partner: str,
    bundle: Any,
    *,
    transport: httpx.BaseTransport | None = None,
    verify: bool | str = True,
) -> list[Any]:
    """The signed statements a registered partner's keten host publishes for the subjects
    of ``bundle`` (``GET /keten/v1/statements/heads``), for :func:`verify_received`. They are
    checked there like any statement: only those signed by an accepted key count."""
    from keten.io.pact_client import PartnerError
    from keten.services.partners import client_for, target_of

    target = target_of(store, settings, company_id, partner)
    shipments, consignments = bundle_subjects(bundle)
    queries = [{"shipmentId": s} for s in sorted(shipments)]
    queries += [{"consignmentId": c} for c in sorted(consignments)]
    found: list[Any] = []
    with client_for(settings, target, transport, verify) as client:
        for params in queries:
            doc = client.get_json(HEADS_PATH, params)
            data = doc.get("data") if isinstance(doc, dict) else None
            if not isinstance(data, list):
                raise PartnerError(f"GET {HEADS_PATH}: the answer must be an object with a "
                                   "'data' list")
            found += [item.get("signed_statement") for item in data if isinstance(item, dict)]
    return found
