"""keten as a PACT client: partners' hosts, fetching their footprints, data requests.

- ``add_partner`` registers a host with client credentials (the secret stored encrypted).
- ``fetch`` discovers v3 or v2, reads every page, validates every footprint against the
  PACT and iLEAP schemas and stores them as received data with provenance (partner, time,
  version, SHA-256), all in one transaction. One bad footprint rejects the whole fetch with
  every reason listed, and nothing is stored.
- Data requests (RequestCreated and the answers) are in :mod:`keten.services.partner_requests`,
  the received data and its totals in :mod:`keten.services.received`.
- Signed Carbon Added bundles attached to a footprint are verified against the company's
  trust list; the outcome (``verified`` or the reason) is stored with the footprint.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import delete, func, select

from keten.errors import ForbiddenError, NotFoundError, Problem, ValidationError
from keten.exchange import received
from keten.exchange.chain_verify import verify_bundle
from keten.io.pact_client import PactClient
from keten.services import chain_store, partner_secrets
from keten.settings import Settings
from keten.store import Store, utcnow
from keten.store import repository as repo
from keten.store import tables as t

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
MAX_FOOTPRINTS_PER_FETCH = 100_000


@dataclass(frozen=True)
class PartnerInfo:
    name: str
    company_id: str
    base_url: str
    client_id: str
    pact_version: int | None
    scope3_category: int
    status: str
    last_fetch_at: str | None
    last_error: str | None
    received_footprints: int
    tenant_company_id: str | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class FetchSummary:
    partner: str
    pact_version: int
    received: int
    created: int
    updated: int
    unchanged: int
    statements: dict[str, int]


def stamp(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _info(session: Any, row: t.Partner) -> PartnerInfo:
    count = session.scalar(
        select(func.count())
        .select_from(t.ReceivedFootprint)
        .where(t.ReceivedFootprint.partner_row_id == row.id)
    )
    return PartnerInfo(
        row.name,
        row.company_id,
        row.base_url,
        row.client_id,
        row.pact_version,
        row.scope3_category,
        row.status,
        stamp(row.last_fetch_at),
        row.last_error,
        int(count or 0),
        row.tenant_company_id,
    )


def find_partner(session: Any, company_id: str, name: str) -> t.Partner:
    row = session.scalar(
        select(t.Partner).where(t.Partner.company_id == company_id, t.Partner.name == name)
    )
    if row is None:
        raise NotFoundError(f"no partner '{name}' for company '{company_id}'")
    return row


def add_partner(
    store: Store,
    settings: Settings,
    company_id: str,
    name: str,
    base_url: str,
    client_id: str,
    client_secret: str,
    *,
    scope3_category: int = 4,
    tenant_company_id: str | None = None,
) -> PartnerInfo:
    """Register (or update) a partner host of ``company_id``; the secret is encrypted."""
    problems = []
    if not _NAME.match(name):
        problems.append(Problem("use a-z, 0-9, '.', '_' or '-' (max 100)", column="name"))
    if not base_url.startswith("https://"):
        problems.append(
            Problem("a partner host must be https:// (PACT requires TLS)", column="--url")
        )
    if not client_id or not client_secret:
        problems.append(Problem("give both --client-id and --client-secret", column="credentials"))
    if scope3_category not in (4, 9):
        problems.append(Problem("4 (upstream) or 9 (downstream)", column="scope3_category"))
    if problems:
        raise ValidationError(problems, "invalid partner")
    encrypted = partner_secrets.encrypt(settings, client_secret)
    with store.transaction() as session:
        if repo.get_company(session, company_id) is None:
            raise NotFoundError(f"no company '{company_id}'")
        if tenant_company_id is not None and repo.get_company(session, tenant_company_id) is None:
            raise NotFoundError(f"no company '{tenant_company_id}' (the partner's tenant)")
        row = session.scalar(
            select(t.Partner).where(t.Partner.company_id == company_id, t.Partner.name == name)
        )
        if row is None:
            row = t.Partner(company_id=company_id, name=name, created_at=utcnow(), status="new")
            session.add(row)
        row.base_url = base_url.rstrip("/")
        row.client_id = client_id
        row.client_secret_encrypted = encrypted
        row.scope3_category = scope3_category
        row.tenant_company_id = tenant_company_id
        row.pact_version = None
        session.flush()
        return _info(session, row)


def list_partners(store: Store, company_id: str | None = None) -> list[PartnerInfo]:
    with store.transaction() as session:
        query = select(t.Partner).order_by(t.Partner.company_id, t.Partner.name)
        if company_id is not None:
            query = query.where(t.Partner.company_id == company_id)
        return [_info(session, row) for row in session.scalars(query)]


def remove_partner(store: Store, company_id: str, name: str) -> int:
    """Remove a partner with its received footprints and requests; returns footprints removed."""
    with store.transaction() as session:
        row = find_partner(session, company_id, name)
        removed = session.scalar(
            select(func.count())
            .select_from(t.ReceivedFootprint)
            .where(t.ReceivedFootprint.partner_row_id == row.id)
        )
        session.execute(
            delete(t.ReceivedFootprint).where(t.ReceivedFootprint.partner_row_id == row.id)
        )
        session.execute(delete(t.DataRequest).where(t.DataRequest.partner_row_id == row.id))
        session.delete(row)
    return int(removed or 0)


@dataclass(frozen=True)
class Target:
    row_id: int
    name: str
    base_url: str
    client_id: str
    secret: str
    pact_version: int | None


def target_of(store: Store, settings: Settings, company_id: str, name: str) -> Target:
    with store.transaction() as session:
        row = find_partner(session, company_id, name)
        target = (row.id, row.name, row.base_url, row.client_id, row.client_secret_encrypted,
                  row.pact_version)
    secret = partner_secrets.decrypt(settings, target[4])
    return Target(target[0], target[1], target[2], target[3], secret, target[5])


def client_for(
    settings: Settings,
    target: Target,
    transport: httpx.BaseTransport | None,
    verify: bool | str | ssl.SSLContext,
) -> PactClient:
    return PactClient(
        target.base_url,
        target.client_id,
        target.secret,
        transport=transport,
        verify=verify,
        timeout_s=settings.partner_timeout_s,
        deadline_s=settings.partner_deadline_s,
        max_page_bytes=settings.partner_max_page_bytes,
        max_pages=settings.partner_max_pages,
    )


def set_status(store: Store, row_id: int, status: str, error: str | None, **extra: Any) -> None:
    with store.transaction() as session:
        row = session.get(t.Partner, row_id)
        if row is not None:
            row.status = status
            row.last_error = error
            for key, value in extra.items():
                setattr(row, key, value)


def validate_footprints(
    items: Sequence[Any], version: int, source: str
) -> list[received.Figures]:
    """Schema-check every item (PACT ``version`` + iLEAP) and read its figures; raise one
    ``ValidationError`` naming every bad footprint (index, id, reason)."""
    from keten.exchange.schemas import footprint_problems

    problems: list[Problem] = []
    out: list[received.Figures] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        label = item.get("id") if isinstance(item, dict) else None
        found = footprint_problems(item, version)
        for message in found:
            problems.append(Problem(message, file=source, row=index, column=str(label or "")))
        if found or not isinstance(item, dict):
            continue
        pf_id = str(item["id"])
        if pf_id in seen:
            problems.append(
                Problem(f"footprint id {pf_id} also at item {seen[pf_id]}", file=source, row=index)
            )
            continue
        seen[pf_id] = index
        out.append(received.figures(item, version))
    if problems:
        raise ValidationError(problems, f"rejected the partner's data ({len(problems)} problem(s))")
    return out


def _statement_status(
    store: Store, company_id: str, footprint: Mapping[str, Any]
) -> tuple[str, str | None]:
    bundle = received.carbon_added_bundle(footprint)
    if bundle is None:
        return "none", None
    keys = chain_store.trusted_keys(store, company_id)
    report = verify_bundle(bundle, keys)
    issue = report.first_issue
    if issue is None:
        return "verified", f"head {report.head_hash}; {report.checked_signatures} signature(s)"
    return received.STATEMENT_REASONS.get(issue.check, issue.check), str(issue)


def store_received(
    store: Store,
    company_id: str,
    partner_row_id: int,
    items: Sequence[Mapping[str, Any]],
    found: Sequence[received.Figures],
    version: int,
    via: str,
) -> tuple[int, int, int, dict[str, int]]:
    statuses = [_statement_status(store, company_id, item) for item in items]
    created = updated = unchanged = 0
    tally: dict[str, int] = {}
    now = utcnow()
    with store.transaction() as session:
        existing = {
            r.footprint_id: r
            for r in session.scalars(
                select(t.ReceivedFootprint).where(
                    t.ReceivedFootprint.partner_row_id == partner_row_id
                )
            )
        }
        for item, fig, (status, detail) in zip(items, found, statuses, strict=True):
            tally[status] = tally.get(status, 0) + 1
            digest = received.content_sha256(item)
            row = existing.get(fig.footprint_id)
            if row is not None and row.sha256 == digest and row.statement_status == status:
                unchanged += 1
                continue
            if row is None:
                row = t.ReceivedFootprint(
                    company_id=company_id,
                    partner_row_id=partner_row_id,
                    footprint_id=fig.footprint_id,
                )
                session.add(row)
                existing[fig.footprint_id] = row
                created += 1
            else:
                updated += 1
            row.pact_version = version
            row.spec_version = fig.spec_version[:20]
            row.kind = fig.kind
            row.local_id = fig.local_id
            row.declared_unit = fig.declared_unit[:50]
            row.declared_amount = float(fig.declared_amount)
            row.co2e_kg = float(fig.co2e_kg)
            row.co2e_ttw_kg = None if fig.co2e_ttw_kg is None else float(fig.co2e_ttw_kg)
            row.transport_activity_tkm = (
                None if fig.transport_activity_tkm is None else float(fig.transport_activity_tkm)
            )
            row.primary_data_share_pct = (
                None if fig.primary_data_share_pct is None else float(fig.primary_data_share_pct)
            )
            row.reference_year = fig.reference_year
            row.sha256 = digest
            row.received_at = now
            row.via = via[:30]
            row.statement_status = status
            row.statement_detail = detail
            row.payload = dict(item)
    return created, updated, unchanged, tally


def fetch(
    store: Store,
    settings: Settings,
    company_id: str,
    name: str,
    *,
    transport: httpx.BaseTransport | None = None,
    verify: bool | str | ssl.SSLContext = True,
    pact_version: int | None = None,
) -> FetchSummary:
    """Pull every footprint the partner shares with us (v3 or v2 by discovery, or the
    ``pact_version`` given), validate them all, then store them in one transaction. Any
    failure stores nothing but the partner's status (``unreachable`` or ``rejected``) and
    the reason."""
    from keten.io.pact_client import PartnerError

    target = target_of(store, settings, company_id, name)
    items: list[Any] = []
    try:
        with client_for(settings, target, transport, verify) as client:
            version = pact_version or client.discover_version()
            for page in client.pages(version):
                items.extend(page.items)
                if len(items) > MAX_FOOTPRINTS_PER_FETCH:
                    raise PartnerError(f"more than {MAX_FOOTPRINTS_PER_FETCH:,} footprints")
    except PartnerError as exc:
        set_status(store, target.row_id, "unreachable", str(exc))
        raise
    except ForbiddenError as exc:
        set_status(store, target.row_id, "access denied", str(exc))
        raise
    except Exception as exc:  # AuthError and the like: record, then let the caller see it
        set_status(store, target.row_id, "error", str(exc))
        raise
    try:
        found = validate_footprints(items, version, f"{name} /{version}/footprints")
    except ValidationError as exc:
        set_status(store, target.row_id, "rejected", exc.report(limit=5), pact_version=version)
        raise
    created, updated, unchanged, tally = store_received(
        store, company_id, target.row_id, items, found, version, "fetch"
    )
    set_status(
        store, target.row_id, "ok", None, pact_version=version, last_fetch_at=utcnow()
    )
    return FetchSummary(name, version, len(items), created, updated, unchanged, tally)
