"""Carbon Added chain statements and partner public keys in the store.

Verification is :func:`keten.exchange.chain_verify.verify_bundle` (the chain module's own);
this service only decides which keys to trust (the company's registered partner keys, if it
registered any) and keeps the statements of bundles that verify.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from keten.errors import NotFoundError, Problem, ValidationError
from keten.exchange.chain_model import (
    PublicKeyEntry,
    StatementSummary,
    b64encode,
    parse_key_entry,
    parse_statement_payload,
    statement_hash,
)
from keten.exchange.chain_verify import verify_bundle
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


def store_bundle(store: Store, company_id: str, bundle: Any) -> StoredBundle:
    """Verify a bundle (against the company's trust list if it has one) and keep its statements.

    Raises ``ValidationError`` naming the first broken link when verification fails."""
    keys = trusted_keys(store, company_id)
    report = verify_bundle(bundle, keys or None)
    if not report.ok:
        issues = [Problem(str(issue)) for issue in report.issues[:20]]
        raise ValidationError(issues, "chain verification failed")
    superseded = superseded_statements(store, company_id, report.statements)
    head_replayed = [s for s in superseded if s["statement_hash"] == report.head_hash]
    if head_replayed:
        raise ValidationError([Problem(
            f"superseded: the head statement {head_replayed[0]['statement_id']} (issued "
            f"{head_replayed[0]['issued_at']}) is older than {head_replayed[0]['superseded_by']} "
            f"(issued {head_replayed[0]['newer_issued_at']}) received from the same issuer for "
            "the same shipment; a corrected statement replaces it")], "chain verification failed")
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
    as_dict = report.as_dict()
    as_dict["superseded"] = superseded
    as_dict["warnings"] += [
        f"superseded: {s['statement_id']} of {s['company_id']} is older than "
        f"{s['superseded_by']} for the same shipment" for s in superseded
    ]
    return StoredBundle(report.head_hash, stored, report.trusted, as_dict)


def superseded_statements(
    store: Store, company_id: str, statements: Sequence[StatementSummary]
) -> list[dict[str, Any]]:
    """Statements of a bundle for which ``company_id`` already holds a newer statement by the
    same issuer for the same shipment (a later signed ``issued_at``): a replayed old version."""
    found: list[dict[str, Any]] = []
    with store.transaction() as session:
        for summary in statements:
            statement = summary.statement
            shipment = statement.subject.shipment_id
            if shipment is None:
                continue
            rows = session.scalars(
                select(t.ChainStatement).where(
                    t.ChainStatement.company_id == company_id,
                    t.ChainStatement.shipment_id == shipment,
                    t.ChainStatement.statement_hash != summary.statement_hash,
                )
            )
            for row in rows:
                newer, _ = parse_statement_payload(row.payload.get("statement"))
                if (
                    newer is not None
                    and newer.issuer.company_id == statement.issuer.company_id
                    and newer.issued_at > statement.issued_at
                ):
                    found.append({
                        "statement_hash": summary.statement_hash,
                        "statement_id": statement.statement_id,
                        "company_id": statement.issuer.company_id,
                        "issued_at": statement.issued_at,
                        "superseded_by": newer.statement_id,
                        "newer_issued_at": newer.issued_at,
                    })
                    break
    return found


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
