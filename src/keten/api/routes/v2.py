"""PACT v2.3 endpoints beside v3, from the same store: ``GET /2/footprints`` (``$filter``,
``limit``, ``Link`` paging), ``GET /2/footprints/{id}`` and ``POST /2/events``. Footprints are
the v2 documents the store keeps beside the v3 ones (mapped by
:func:`keten.exchange.pact_v2.to_v2` when stored), sent as stored bytes as ``/3`` sends its;
their iLEAP ShipmentFootprint/TOC/HOC extensions are carried unchanged, as iLEAP v1.0.0 binds
to v2."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response
from fastapi.responses import JSONResponse

from keten.api.deps import get_state, require_scope, store_read_kept
from keten.api.dto import ERROR_RESPONSES, FootprintList, FootprintOne
from keten.api.errors import error_body
from keten.api.routes.events import EVENT_REQUEST_BODY, accept_event
from keten.api.routes.footprints import (
    CURSOR_PARAMETER,
    cursor_parameter,
    int_parameter,
    json_page,
    paging,
    query_parameter,
)
from keten.errors import NotFoundError, Problem, ValidationError
from keten.services.auth import Principal
from keten.services.footprint_pages import footprint_json, list_footprints_v2_json

router = APIRouter(tags=["pact-v2"])


MAX_LIMIT = 2**31
MAX_FILTER = 2000
# Declared here and read from the raw query, as on /3: FastAPI's per-request validation of
# declared parameters costs about as much as answering from a kept page.
V2_LIST_PARAMETERS = [
    query_parameter("limit", {"type": "integer", "minimum": 0, "maximum": MAX_LIMIT}),
    CURSOR_PARAMETER,
    query_parameter("$filter", {"type": "string", "maxLength": MAX_FILTER}, "OData v4 subset"),
]


@router.get(
    "/2/footprints",
    response_model=FootprintList,
    responses={**ERROR_RESPONSES},
    openapi_extra={"parameters": V2_LIST_PARAMETERS},
    summary="Action ListFootprints (PACT v2.3, iLEAP v1.0.0)",
)
async def list_footprints_v2(
    request: Request,
    principal: Annotated[Principal, Depends(require_scope("footprint:list"))],
) -> Any:
    page_size, _ = paging(int_parameter(request, "limit", maximum=MAX_LIMIT), None)
    after = cursor_parameter(request)
    odata_filter = request.query_params.get("$filter")
    if odata_filter is not None and len(odata_filter) > MAX_FILTER:
        raise ValidationError(
            [Problem(f"at most {MAX_FILTER} characters", column="$filter")], "bad request"
        )
    store = get_state(request).store
    body, next_cursor = await store_read_kept(
        store, list_footprints_v2_json, store, principal.company_id, odata_filter, page_size,
        after,
    )  # fmt: skip
    return json_page(request, body, page_size, next_cursor)


@router.get(
    "/2/footprints/{footprint_id}",
    response_model=FootprintOne,
    responses={**ERROR_RESPONSES, 404: {"description": "NoSuchFootprint"}},
    summary="Action GetFootprint (PACT v2.3)",
)
async def get_footprint_v2(
    request: Request,
    footprint_id: str,
    principal: Annotated[Principal, Depends(require_scope("footprint:read"))],
) -> Any:
    # PACT v2 names the unknown-id error NoSuchFootprint (v3: NotFound).
    missing = JSONResponse(
        error_body("NoSuchFootprint", f"no footprint '{footprint_id}'"), status_code=404
    )
    try:
        uuid.UUID(footprint_id)
    except ValueError:
        return missing
    store = get_state(request).store
    try:
        body = await store_read_kept(
            store, _v2_document, store, principal.company_id, footprint_id
        )
    except NotFoundError:
        return missing
    return Response(body, media_type="application/json")


def _v2_document(store: Any, company_id: str, footprint_id: str, **kept: bool) -> Any:
    return footprint_json(store, company_id, footprint_id, version=2, **kept)


@router.post(
    "/2/events",
    status_code=200,
    responses={200: {"description": "event accepted (empty body)"}, **ERROR_RESPONSES},
    openapi_extra=EVENT_REQUEST_BODY,
    summary="Action Events (PACT v2.3): RequestCreated answered asynchronously on /2/events",
)
async def post_event_v2(
    request: Request,
    background: BackgroundTasks,
    principal: Annotated[Principal, Depends(require_scope("events:write"))],
) -> Response:
    return await accept_event(request, background, principal, version=2)
