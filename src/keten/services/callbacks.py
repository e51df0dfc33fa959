"""Answer a PACT RequestCreated event asynchronously: get a token from the requester's
``/auth/token`` (HTTP Basic, its callback credentials) and POST a RequestFulfilled or
RequestRejected CloudEvent to its ``/3/events`` (PACT v3 "Action Events"), or to its
``/2/events`` with the v2 event types when the request came in on ``/2/events``.

Retries: ``attempts`` tries (default 3) with an exponential back-off of ``backoff_s`` x 2^n
between them (1 s, 2 s); each HTTP call times out after ``timeout_s`` (10 s)."""

from __future__ import annotations

import ssl
import time
import uuid
from datetime import UTC, datetime

import httpx

from keten.exchange import pact, pact_v2
from keten.services import exchange
from keten.store import Store


def requester_base_url(source: str) -> str:
    """Base URL of the requester's host from a CloudEvent ``source``.

    Accepts ``https://host``, ``https://host/3/events`` and the URI-reference form
    ``//host/3/events`` of the PACT examples (taken as HTTPS)."""
    base = source.strip()
    if base.startswith("//"):
        base = "https:" + base
    base = base.rstrip("/")
    for suffix in ("/3/events", "/2/events"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    return base


def answer_request(
    store: Store,
    row_id: int,
    own_source: str,
    *,
    transport: httpx.BaseTransport | None = None,
    verify: bool | str = True,
    attempts: int = 3,
    backoff_s: float = 1.0,
    timeout_s: float = 10.0,
) -> str:
    """Send the answer to event ``row_id``; returns the status recorded on the event."""
    data, kind = exchange.answer_for_request(store, row_id)
    events_path = f"/{exchange.event_version(store, row_id)}/events"
    target = exchange.callback_credentials(store, row_id)
    if target is None:
        exchange.event_status(
            store, row_id, "unanswered", "no callback credentials for this company"
        )
        return "unanswered"
    request_id, source, client_id, client_secret, allowed_base = target
    answer = {
        "type": kind,
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": own_source,
        "time": pact.iso_utc(datetime.now(UTC)),
        "data": {"requestEventId": request_id, **data},
    }
    base = requester_base_url(source)
    try:
        httpx.URL(f"{base}/auth/token")
    except httpx.InvalidURL as exc:  # e.g. a control character in the event's source
        exchange.event_status(store, row_id, "unanswered", f"event source is not a URL: {exc}")
        return "unanswered"
    if allowed_base is not None and base.rstrip("/") != allowed_base.rstrip("/"):
        exchange.event_status(
            store,
            row_id,
            "unanswered",
            f"event source {base} is not the company's registered callback URL {allowed_base}",
        )
        return "unanswered"
    rejected = kind in (pact.REQUEST_REJECTED, pact_v2.REQUEST_REJECTED_V2)
    status = "rejected" if rejected else "fulfilled"
    last_error = ""
    for attempt in range(max(1, attempts)):
        try:
            tls: bool | ssl.SSLContext = (
                ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify
            )
            with httpx.Client(transport=transport, verify=tls, timeout=timeout_s) as client:
                token_response = client.post(
                    f"{base}/auth/token",
                    auth=(client_id, client_secret),
                    data={"grant_type": "client_credentials"},
                    headers={"Accept": "application/json"},
                )
                token_response.raise_for_status()
                token = token_response.json()["access_token"]
                response = client.post(
                    f"{base}{events_path}",
                    json=answer,
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Content-Type": "application/cloudevents+json; charset=UTF-8",
                    },
                )
                response.raise_for_status()
            exchange.event_status(store, row_id, status)
            return status
        except (httpx.HTTPError, httpx.InvalidURL, KeyError, ValueError) as exc:
            last_error = f"{type(exc).__name__}: {exc}"
            if attempt + 1 < attempts:
                time.sleep(backoff_s * 2**attempt)
    exchange.event_status(store, row_id, "callback_failed", f"{status} not delivered: {last_error}")
    return "callback_failed"
