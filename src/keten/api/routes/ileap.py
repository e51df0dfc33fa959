"""iLEAP v1.0.0 transport activity data endpoint ``GET /2/ileap/tad`` (filter by TAD
properties as ``name=value`` query parameters; paging with ``limit`` and a ``Link`` header)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from keten.api.deps import get_state, require_scope
from keten.api.dto import ERROR_RESPONSES, TadList
from keten.api.routes.footprints import page_response, paging
from keten.services import exchange
from keten.services.auth import Principal

router = APIRouter(tags=["ileap"])


@router.get(
    "/2/ileap/tad",
    response_model=TadList,
    responses={**ERROR_RESPONSES},
    summary="iLEAP transport activity data (TAD)",
)
def list_tad(
    request: Request,
    principal: Annotated[Principal, Depends(require_scope("ileap:tad", ileap=True))],
    limit: Annotated[int | None, Query(ge=0, le=2**31)] = None,
    offset: Annotated[int | None, Query(ge=0, le=2**31)] = None,
    mode: Annotated[
        list[str] | None, Query(description="Road, Rail, Air, Sea, InlandWaterway")
    ] = None,
) -> Any:
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        if key not in ("limit", "offset", "after"):
            params.setdefault(key, []).append(value)
    page_size, start = paging(limit, offset)
    state = get_state(request)
    data, more = exchange.list_tads(state.store, principal.company_id, params, page_size, start)
    position = {"offset": str(start + page_size)} if more and page_size else {}
    return page_response(request, data, page_size, **position)
