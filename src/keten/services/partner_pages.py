"""What the dashboard's Partners page shows and does for a company: partners and their status,
credentials issued to partner companies (create, revoke), what is shared with whom, incoming
and outgoing data requests, received footprints, the trust list (add, remove), and chain
verification that names the reason of a failure."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select

from keten.errors import ForbiddenError, NotFoundError, Problem, ValidationError
from keten.exchange import pact, pact_v2, received
from keten.services import auth, chain_store, partner_requests, partners
from keten.services import received as received_data
from keten.store import Store
from keten.store import repository as repo
from keten.store import tables as t

INCOMING_REQUEST_TYPES = (pact.REQUEST_CREATED, pact_v2.REQUEST_CREATED_V2)


def _stamp(moment: Any) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def credentials(store: Store, company_id: str) -> list[dict[str, Any]]:
    """Client credentials of the other companies of this host (the partners that call us)."""
    with store.transaction() as session:
        rows = session.execute(
            select(t.ClientCredential, t.Company.name)
            .join(t.Company, t.Company.id == t.ClientCredential.company_id)
            .where(t.ClientCredential.company_id != company_id)
            .order_by(t.ClientCredential.company_id, t.ClientCredential.created_at)
        ).all()
        return [
            {
                "client_id": c.client_id,
                "company_id": c.company_id,
                "company_name": name,
                "scopes": c.scopes,
                "created_at": _stamp(c.created_at),
                "revoked_at": _stamp(c.revoked_at),
            }
            for c, name in rows
        ]


def _other_company(store: Store, company_id: str, other: str) -> None:
    if other == company_id:
        raise ForbiddenError("credentials for your own company are managed with the CLI")
    with store.transaction() as session:
        if repo.get_company(session, other) is None:
            raise NotFoundError(f"no company '{other}'")


def issue_credentials(store: Store, company_id: str, partner_company_id: str) -> dict[str, str]:
    """New credentials for a partner company; the secret is shown this once."""
    _other_company(store, company_id, partner_company_id)
    created = auth.create_credentials(store, partner_company_id)
    return {"client_id": created.client_id, "client_secret": created.client_secret or ""}


def revoke(store: Store, company_id: str, client_id: str) -> None:
    with store.transaction() as session:
        row = session.get(t.ClientCredential, client_id)
        if row is None:
            raise NotFoundError(f"no client '{client_id}'")
        owner = row.company_id
    _other_company(store, company_id, owner)
    auth.revoke_credentials(store, client_id)


def sharing(store: Store, company_id: str) -> list[dict[str, Any]]:
    """Per other company: how many of our footprints it may see."""
    with store.transaction() as session:
        counts = dict(
            session.execute(
                select(t.Share.recipient_company_id, func.count())
                .join(t.ProductFootprintRow, t.ProductFootprintRow.id == t.Share.footprint_id)
                .where(t.ProductFootprintRow.company_id == company_id)
                .group_by(t.Share.recipient_company_id)
            ).all()
        )
        own = session.scalar(
            select(func.count())
            .select_from(t.ProductFootprintRow)
            .where(t.ProductFootprintRow.company_id == company_id)
        )
        others = [c for c in repo.list_companies(session) if c.id != company_id]
        return [
            {
                "company_id": c.id,
                "company_name": c.name,
                "shared": int(counts.get(c.id, 0)),
                "own_footprints": int(own or 0),
            }
            for c in others
        ]


def incoming_requests(store: Store, company_id: str) -> list[dict[str, Any]]:
    """RequestCreated events partners sent to our footprints (v2 and v3) and their answer."""
    with store.transaction() as session:
        rows = session.execute(
            select(t.Event, t.Company.name)
            .join(t.Company, t.Company.id == t.Event.company_id)
            .where(t.Event.type.in_(INCOMING_REQUEST_TYPES), t.Event.company_id != company_id)
            .order_by(t.Event.id.desc())
            .limit(200)
        ).all()
        return [
            {
                "from_company": e.company_id,
                "from_name": name,
                "event_id": e.event_id,
                "pact_version": 2 if pact_v2.is_v2_event_type(e.type) else 3,
                "criteria": (e.payload.get("data") or {}),
                "status": e.status,
                "detail": e.detail,
                "received_at": _stamp(e.received_at),
            }
            for e, name in rows
        ]


def key_entry(doc: dict[str, Any]) -> dict[str, Any]:
    """A trust-list entry from ``{company_id, company_name?, public_key_pem}`` (an Ed25519
    public key in PEM), or ``doc`` itself when it already is an entry."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from keten.exchange.chain_model import PublicKeyEntry

    pem = doc.get("public_key_pem")
    if not isinstance(pem, str):
        return doc
    problems = []
    company = doc.get("company_id")
    if not isinstance(company, str) or not company.strip():
        problems.append(Problem("required", column="company_id"))
    try:
        key = serialization.load_pem_public_key(pem.strip().encode())
    except ValueError as exc:
        raise ValidationError([Problem(f"not a PEM public key: {exc}")], "invalid key") from exc
    if not isinstance(key, Ed25519PublicKey):
        problems.append(Problem("the key must be Ed25519", column="public_key_pem"))
    if problems:
        raise ValidationError(problems, "invalid key")
    assert isinstance(key, Ed25519PublicKey) and isinstance(company, str)
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    name = doc.get("company_name") if isinstance(doc.get("company_name"), str) else None
    return PublicKeyEntry(company.strip(), raw, name or None).as_json()


def remove_public_key(store: Store, company_id: str, fingerprint: str) -> None:
    with store.transaction() as session:
        done = session.execute(
            delete(t.PartnerPublicKey).where(
                t.PartnerPublicKey.company_id == company_id,
                t.PartnerPublicKey.key_id == fingerprint,
            )
        )
        if not getattr(done, "rowcount", 1):
            raise NotFoundError(f"no trusted key {fingerprint}")


def verify(store: Store, company_id: str | None, bundle: Any) -> dict[str, Any]:
    """Verify a bundle against the company's trust list and name the outcome: ``verified``
    or the first failure's reason (bad signature, unknown key, broken hash link,
    arithmetic) with every issue listed."""
    from keten.exchange.chain_verify import verify_bundle

    keys = chain_store.trusted_keys(store, company_id) if company_id else []
    report = verify_bundle(bundle, keys)
    issue = report.first_issue
    reason = (
        "verified" if issue is None else received.STATEMENT_REASONS.get(issue.check, issue.check)
    )
    return {
        "reason": reason,
        "ok": report.ok,
        "first_issue": None if issue is None else str(issue),
        "issues": [str(i) for i in report.issues[:20]],
        "head": report.head_hash,
        "checked_signatures": report.checked_signatures,
        "checked_links": report.checked_links,
        "checked_sums": report.checked_sums,
    }


def page(store: Store, company_id: str) -> dict[str, Any]:
    """Everything the Partners page shows, in one call."""
    keys = [
        {"company_id": k.company_id, "company_name": k.company_name, "fingerprint": k.fingerprint}
        for k in chain_store.trusted_keys(store, company_id)
    ]
    return {
        "company_id": company_id,
        "partners": [p.as_dict() for p in partners.list_partners(store, company_id)],
        "credentials": credentials(store, company_id),
        "sharing": sharing(store, company_id),
        "incoming_requests": incoming_requests(store, company_id),
        "outgoing_requests": [
            r.as_dict() for r in partner_requests.list_requests(store, company_id)
        ],
        "received": [
            r.as_dict()  # type: ignore[union-attr]
            for r in received_data.received_footprints(store, company_id)
        ],
        "trusted_keys": keys,
    }

