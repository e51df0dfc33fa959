"""PACT v3 ``POST /3/events``: CloudEvents in structured mode. A RequestCreated event is
accepted (200) and answered later by calling back the requester (see services.callbacks)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response

from keten.api.deps import get_state, require_scope
from keten.api.dto import ERROR_RESPONSES
from keten.errors import Problem, ValidationError
from keten.exchange import pact
from keten.exchange.pact_checks import CLOUDEVENTS_VERSION
from keten.services import callbacks, exchange
from keten.services.auth import Principal

router = APIRouter(tags=["event"])

_EVENT_BODY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "specversion", "id", "source", "time", "data"],
    "properties": {
        "type": {"type": "string", "enum": list(pact.EVENT_TYPES)},
        "specversion": {"type": "string", "enum": [CLOUDEVENTS_VERSION]},
        "id": {"type": "string", "minLength": 1},
        "source": {"type": "string", "minLength": 1},
        "time": {"type": "string", "format": "date-time"},
        "data": {"type": "object"},
    },
}


#: The request body both ``/2/events`` and ``/3/events`` document.
EVENT_REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/cloudevents+json": {"schema": _EVENT_BODY_SCHEMA},
            "application/json": {"schema": _EVENT_BODY_SCHEMA},
        },
    }
}


@router.post(
    "/3/events",
    status_code=200,
    responses={200: {"description": "event accepted (empty body)"}, **ERROR_RESPONSES},
    openapi_extra=EVENT_REQUEST_BODY,
    summary="Action Events (PACT v3)",
)
async def post_event(
    request: Request,
    background: BackgroundTasks,
    principal: Annotated[Principal, Depends(require_scope("events:write"))],
) -> Response:
    return await accept_event(request, background, principal, version=3)


async def accept_event(
    request: Request, background: BackgroundTasks, principal: Principal, *, version: int
) -> Response:
    """Validate and record an event for ``/{version}/events``; a new RequestCreated event is
    answered in the background (on the requester's ``/{version}/events``)."""
    try:
        event = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError([Problem(f"body is not JSON: {exc}")], "invalid event") from exc
    state = get_state(request)
    receipt = exchange.receive_event(state.store, principal.company_id, event, version=version)
    if receipt.needs_answer:
        background.add_task(
            callbacks.answer_request,
            state.store,
            receipt.row_id,
            str(request.base_url).rstrip("/"),
            transport=state.callback_transport,
            verify=state.callback_verify_tls,
            attempts=state.callback_attempts,
        )
    return Response(status_code=200)
