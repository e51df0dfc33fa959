"""Companies (tenants) and what they share with each other."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from keten.errors import NotFoundError, Problem, ValidationError
from keten.store import Store, utcnow
from keten.store import repository as repo
from keten.store import tables as t
from keten.store.migrations import new_footprint_id_key

_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")


@dataclass(frozen=True)
class CompanyInfo:
    id: str
    name: str
    company_urns: tuple[str, ...]
    active_credentials: int = 0
    has_callback_credentials: bool = False


def slug(name: str) -> str:
    """A company id from its name: lower case, ``-`` between words."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:100] or "company"


def add_company(
    store: Store,
    name: str,
    company_id: str | None = None,
    company_urns: Sequence[str] = (),
    callback_client_id: str | None = None,
    callback_client_secret: str | None = None,
    callback_base_url: str | None = None,
) -> CompanyInfo:
    """Register a company. ``company_urns`` are its PACT companyIds (URNs); a default
    ``urn:keten:company:<id>`` is used when none is given. ``callback_base_url`` (e.g.
    ``https://pact.partner.example``) restricts where answers to its requests are sent."""
    company_id = company_id or slug(name)
    problems: list[Problem] = []
    if not name.strip():
        problems.append(Problem("must not be empty", column="name"))
    if not _ID_PATTERN.match(company_id):
        problems.append(Problem("use a-z, 0-9, '.', '_' or '-' (max 100)", column="id"))
    urns = list(company_urns) or [f"urn:keten:company:{company_id}"]
    for urn in urns:
        if not urn.lower().startswith("urn:"):
            problems.append(Problem(f"'{urn}' is not a URN", column="company_urns"))
    if (callback_client_id is None) != (callback_client_secret is None):
        problems.append(Problem("give both callback client id and secret", column="callback"))
    if callback_base_url is not None and not callback_base_url.startswith(("https://", "http://")):
        problems.append(
            Problem(f"'{callback_base_url}' is not an http(s) URL", column="callback_base_url")
        )
    if problems:
        raise ValidationError(problems, "invalid company")
    with store.transaction() as session:
        if repo.get_company(session, company_id) is not None:
            raise ValidationError([Problem(f"company '{company_id}' exists already", column="id")])
        session.add(
            t.Company(
                id=company_id,
                name=name,
                company_urns=urns,
                callback_client_id=callback_client_id,
                callback_client_secret=callback_client_secret,
                callback_base_url=callback_base_url.rstrip("/") if callback_base_url else None,
                created_at=utcnow(),
                footprint_id_key=new_footprint_id_key(),
            )
        )
    return CompanyInfo(company_id, name, tuple(urns), 0, callback_client_id is not None)


def list_companies(store: Store) -> list[CompanyInfo]:
    with store.transaction() as session:
        return [
            CompanyInfo(
                c.id,
                c.name,
                tuple(c.company_urns),
                repo.active_credentials_count(session, c.id),
                c.callback_client_id is not None,
            )
            for c in repo.list_companies(session)
        ]


def require_company(store: Store, company_id: str) -> t.Company:
    with store.transaction() as session:
        company = repo.get_company(session, company_id)
        if company is None:
            raise NotFoundError(f"no company '{company_id}'")
        return company


def share_footprints(
    store: Store, owner_id: str, recipient_id: str, footprint_ids: Sequence[str] | None = None
) -> int:
    """Let ``recipient_id`` see the owner's footprints (all of them, or those listed)."""
    with store.transaction() as session:
        for cid in (owner_id, recipient_id):
            if repo.get_company(session, cid) is None:
                raise NotFoundError(f"no company '{cid}'")
        return repo.share_footprints(session, owner_id, recipient_id, footprint_ids)
