"""Data requests to partners: ``keten partner request NAME --filter ...`` sends a PACT
RequestCreated event (v3, or v2 with a ProductFootprint fragment, by the partner's version);
the partner answers asynchronously on this host's ``/3/events`` or ``/2/events``, and
:func:`receive_answer` stores the fulfilled footprints (validated like a fetch) or the
rejection with its reason."""

from __future__ import annotations

import ssl
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select

from keten.errors import ForbiddenError, NotFoundError, Problem, ValidationError
from keten.exchange import pact, pact_v2
from keten.services.partners import (
    client_for,
    stamp,
    store_received,
    target_of,
    validate_footprints,
)
from keten.settings import Settings
from keten.store import Store, utcnow
from keten.store import tables as t

#: ``keten partner request --filter`` names -> PACT v3 RequestCreated ``data`` names; the
#: v2 fragment (``data.pf``) gets the matching ProductFootprint property.
FILTER_KEYS = {
    "productid": "productId",
    "companyid": "companyId",
    "geography": "geography",
    "classification": "classification",
}


def parse_filter_options(options: Sequence[str]) -> dict[str, list[str]]:
    """``["productId=urn:..", "geography=NL"]`` -> ``{"productId": [...], ...}``."""
    problems = []
    out: dict[str, list[str]] = {}
    for option in options:
        key, sep, value = option.partition("=")
        name = FILTER_KEYS.get(key.strip().lower())
        if not sep or not value.strip() or name is None:
            problems.append(
                Problem(
                    f"'{option}': use NAME=VALUE with NAME one of productId, companyId, "
                    "geography, classification",
                    column="--filter",
                )
            )
            continue
        out.setdefault(name, []).append(value.strip())
    if not out and not problems:
        problems.append(Problem("give at least one --filter NAME=VALUE", column="--filter"))
    if problems:
        raise ValidationError(problems, "invalid request filter")
    return out


def _v2_fragment(criteria: Mapping[str, list[str]]) -> dict[str, Any]:
    fragment: dict[str, Any] = {}
    if "productId" in criteria:
        fragment["productIds"] = list(criteria["productId"])
    if "companyId" in criteria:
        fragment["companyIds"] = list(criteria["companyId"])
    if "geography" in criteria:
        fragment["pcf"] = {"geographyCountry": criteria["geography"][0]}
    if "classification" in criteria:
        cpc = criteria["classification"][0].rsplit(":", 1)[-1]
        fragment["productCategoryCpc"] = cpc
    return fragment


def request_event(
    criteria: Mapping[str, list[str]], version: int, source: str, event_id: str, comment: str
) -> dict[str, Any]:
    """The RequestCreated CloudEvent of ``criteria`` in PACT ``version``."""
    if version == 2:
        kind = pact_v2.REQUEST_CREATED_V2
        data: dict[str, Any] = {"pf": _v2_fragment(criteria), "comment": comment}
    else:
        kind = pact.REQUEST_CREATED
        data = {**{k: list(v) for k, v in criteria.items()}, "comment": comment}
    return {
        "type": kind,
        "specversion": "1.0",
        "id": event_id,
        "source": source,
        "time": pact.iso_utc(datetime.now(UTC)),
        "data": data,
    }


@dataclass(frozen=True)
class RequestInfo:
    event_id: str
    partner: str
    pact_version: int
    criteria: dict[str, Any]
    status: str
    detail: str | None
    footprint_count: int
    created_at: str | None
    answered_at: str | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _request_info(row: t.DataRequest, partner: str) -> RequestInfo:
    return RequestInfo(
        row.event_id,
        partner,
        row.pact_version,
        dict(row.criteria),
        row.status,
        row.detail,
        row.footprint_count,
        stamp(row.created_at),
        stamp(row.answered_at),
    )


def request(
    store: Store,
    settings: Settings,
    company_id: str,
    name: str,
    criteria: Mapping[str, list[str]],
    *,
    comment: str = "Please send the product footprints matching these criteria.",
    transport: httpx.BaseTransport | None = None,
    verify: bool | str | ssl.SSLContext = True,
) -> RequestInfo:
    """Send a RequestCreated event to the partner (its PACT version by discovery). The
    partner answers asynchronously on this host's events endpoint (``settings.public_url``)."""
    from keten.io.pact_client import PartnerError

    if not settings.public_url:
        raise ValidationError(
            [
                Problem(
                    "set KETEN_PUBLIC_URL to this host's https:// address: the partner sends "
                    "its answer there",
                    column="KETEN_PUBLIC_URL",
                )
            ],
            "cannot send a request",
        )
    target = target_of(store, settings, company_id, name)
    event_id = str(uuid.uuid4())
    with client_for(settings, target, transport, verify) as client:
        version = target.pact_version or client.discover_version()
        event = request_event(
            criteria, version, settings.public_url.rstrip("/"), event_id, comment
        )
        with store.transaction() as session:
            row = t.DataRequest(
                company_id=company_id,
                partner_row_id=target.row_id,
                event_id=event_id,
                pact_version=version,
                criteria=dict(criteria),
                status="sending",
                created_at=utcnow(),
            )
            session.add(row)
        try:
            client.send_event(version, event)
        except PartnerError as exc:
            _set_request(store, event_id, "failed", str(exc))
            raise
    _set_request(store, event_id, "sent", None, only_if="sending")
    return get_request(store, event_id)


def _set_request(
    store: Store,
    event_id: str,
    status: str,
    detail: str | None,
    count: int | None = None,
    only_if: str | None = None,
) -> None:
    with store.transaction() as session:
        row = session.scalar(select(t.DataRequest).where(t.DataRequest.event_id == event_id))
        if row is None or (only_if is not None and row.status != only_if):
            return
        row.status = status
        row.detail = detail
        if count is not None:
            row.footprint_count = count
        if status in ("fulfilled", "rejected", "invalid answer"):
            row.answered_at = utcnow()


def get_request(store: Store, event_id: str) -> RequestInfo:
    with store.transaction() as session:
        row = session.scalar(select(t.DataRequest).where(t.DataRequest.event_id == event_id))
        if row is None:
            raise NotFoundError(f"no request '{event_id}'")
        partner = session.get(t.Partner, row.partner_row_id)
        return _request_info(row, partner.name if partner else "?")


def list_requests(store: Store, company_id: str) -> list[RequestInfo]:
    with store.transaction() as session:
        rows = session.execute(
            select(t.DataRequest, t.Partner.name)
            .join(t.Partner, t.Partner.id == t.DataRequest.partner_row_id)
            .where(t.DataRequest.company_id == company_id)
            .order_by(t.DataRequest.id.desc())
        ).all()
        return [_request_info(r, n) for r, n in rows]


def receive_answer(store: Store, answering_company_id: str, event: Mapping[str, Any]) -> bool:
    """Handle a RequestFulfilled/RequestRejected event (v2 or v3, already schema-checked as an
    event) answering one of our requests; returns False when it answers none of ours.

    The answering client must be the partner's tenant when one was registered. Fulfilled
    footprints are validated like a fetch: any bad one rejects the answer (ValidationError,
    400 to the partner) and stores nothing."""
    data = event.get("data") or {}
    request_id = str(data.get("requestEventId", ""))
    with store.transaction() as session:
        row = session.scalar(select(t.DataRequest).where(t.DataRequest.event_id == request_id))
        if row is None:
            return False
        partner = session.get(t.Partner, row.partner_row_id)
        if partner is None:
            return False
        if partner.tenant_company_id and partner.tenant_company_id != answering_company_id:
            raise ForbiddenError("this client may not answer that request")
        company_id, partner_row_id, version = row.company_id, partner.id, row.pact_version
    kind = str(event.get("type", ""))
    if kind in (pact.REQUEST_REJECTED, pact_v2.REQUEST_REJECTED_V2):
        error = data.get("error") or {}
        _set_request(
            store, request_id, "rejected", f"{error.get('code')}: {error.get('message', '')}"
        )
        return True
    items = list(data.get("pfs") or [])
    try:
        found = validate_footprints(items, version, f"answer to {request_id}")
    except ValidationError as exc:
        _set_request(store, request_id, "invalid answer", exc.report(limit=5))
        raise
    store_received(store, company_id, partner_row_id, items, found, version, "request")
    _set_request(store, request_id, "fulfilled", None, count=len(items))
    return True
