"""PACT v3 ``GET /3/footprints`` (filters, paging, ``Link`` header) and ``/3/footprints/{id}``."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from keten.api.deps import get_state, require_scope
from keten.api.dto import ERROR_RESPONSES, FootprintList, FootprintOne
from keten.errors import NotFoundError, Problem, ValidationError
from keten.exchange import pact
from keten.services import exchange
from keten.services.auth import Principal

router = APIRouter(tags=["footprint"])
DEFAULT_PAGE = 100


def next_link(request: Request, limit: int, **position: str) -> str:
    """Absolute pagination link on the host the client called, keeping every filter;
    ``position`` is ``after=<cursor>`` (footprints) or ``offset=<n>`` (TAD)."""
    params = [
        (k, v)
        for k, v in request.query_params.multi_items()
        if k not in ("offset", "after", "limit")
    ]
    params += [("limit", str(limit)), *position.items()]
    return f'<{request.url.replace(query=urlencode(params))}>; rel="next"'


def page_response(
    request: Request, data: list[dict[str, Any]], limit: int, **position: str
) -> JSONResponse:
    """``{"data": [...]}`` with a ``Link: rel="next"`` header when ``position`` says where the
    next page starts (PACT v2/v3 paging; none on the last page)."""
    headers = {"Link": next_link(request, limit, **position)} if position else {}
    return JSONResponse({"data": data}, headers=headers)


def paging(limit: int | None, offset: int | None) -> tuple[int, int]:
    problems = []
    if limit is not None and limit < 0:
        problems.append(Problem("must be >= 0", column="limit"))
    if offset is not None and offset < 0:
        problems.append(Problem("must be >= 0", column="offset"))
    if problems:
        raise ValidationError(problems, "invalid paging")
    return (DEFAULT_PAGE if limit is None else min(limit, exchange.MAX_PAGE)), offset or 0


@router.get(
    "/3/footprints",
    response_model=FootprintList,
    responses={**ERROR_RESPONSES},
    summary="Action ListFootprints (PACT v3): filters OR within a criterion, AND across",
)
def list_footprints(
    request: Request,
    principal: Annotated[Principal, Depends(require_scope("footprint:list"))],
    limit: Annotated[
        int | None, Query(ge=0, description=f"page size; above {exchange.MAX_PAGE} it is capped")
    ] = None,
    after: Annotated[str | None, Query(max_length=200, description="paging cursor")] = None,
    productId: Annotated[list[str] | None, Query()] = None,
    companyId: Annotated[list[str] | None, Query()] = None,
    geography: Annotated[list[str] | None, Query()] = None,
    classification: Annotated[list[str] | None, Query()] = None,
    validOn: Annotated[str | None, Query(json_schema_extra={"format": "date-time"})] = None,
    validAfter: Annotated[str | None, Query(json_schema_extra={"format": "date-time"})] = None,
    validBefore: Annotated[str | None, Query(json_schema_extra={"format": "date-time"})] = None,
    status: Annotated[
        str | None,
        Query(
            json_schema_extra={"enum": list(pact.FOOTPRINT_STATUSES)},
            description="Active or Deprecated (any case)",
        ),
    ] = None,
) -> Any:
    # Parse from the raw query so names match case-insensitively and repeat freely.
    raw: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        raw.setdefault(key, []).append(value)
    criteria = pact.parse_filter(raw, source="query")
    page_size, _ = paging(limit, None)
    state = get_state(request)
    data, next_cursor = exchange.list_footprints(
        state.store, principal.company_id, criteria, page_size, after
    )
    position = {} if next_cursor is None else {"after": next_cursor}
    return page_response(request, data, page_size, **position)


@router.get(
    "/3/footprints/{footprint_id}",
    response_model=FootprintOne,
    responses={**ERROR_RESPONSES, 404: ERROR_RESPONSES[400] | {"description": "no such footprint"}},
    summary="Action GetFootprint (PACT v3)",
)
def get_footprint(
    request: Request,
    footprint_id: str,
    principal: Annotated[Principal, Depends(require_scope("footprint:read"))],
) -> Any:
    try:
        uuid.UUID(footprint_id)
    except ValueError as exc:
        raise NotFoundError(f"no footprint '{footprint_id}'") from exc
    state = get_state(request)
    return JSONResponse(
        {"data": exchange.get_footprint(state.store, principal.company_id, footprint_id)}
    )
