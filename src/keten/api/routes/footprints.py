"""PACT v3 ``GET /3/footprints`` (filters, paging, ``Link`` header) and ``/3/footprints/{id}``."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from keten.api.deps import get_state, require_scope, store_read_kept
from keten.api.dto import ERROR_RESPONSES, FootprintList, FootprintOne
from keten.errors import NotFoundError, Problem, ValidationError
from keten.exchange import pact
from keten.services import exchange
from keten.services.auth import Principal
from keten.services.footprint_pages import footprint_json, list_footprints_json

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


def page_headers(request: Request, limit: int, **position: str) -> dict[str, str]:
    """The ``Link: rel="next"`` header when ``position`` says where the next page starts
    (PACT v2/v3 paging; none on the last page)."""
    return {"Link": next_link(request, limit, **position)} if position else {}


def page_response(
    request: Request, data: list[dict[str, Any]], limit: int, **position: str
) -> JSONResponse:
    """``{"data": [...]}`` with a ``Link: rel="next"`` header when ``position`` says where the
    next page starts (PACT v2/v3 paging; none on the last page)."""
    return JSONResponse({"data": data}, headers=page_headers(request, limit, **position))


def paging(limit: int | None, offset: int | None) -> tuple[int, int]:
    problems = []
    if limit is not None and limit < 0:
        problems.append(Problem("must be >= 0", column="limit"))
    if offset is not None and offset < 0:
        problems.append(Problem("must be >= 0", column="offset"))
    if problems:
        raise ValidationError(problems, "invalid paging")
    return (DEFAULT_PAGE if limit is None else min(limit, exchange.MAX_PAGE)), offset or 0


def query_parameter(
    name: str,
    schema: dict[str, Any],
    description: str | None = None,
    enum: list[str] | None = None,
) -> dict[str, Any]:
    """An OpenAPI query parameter (optional), as FastAPI would document it."""
    parameter: dict[str, Any] = {"name": name, "in": "query", "required": False}
    parameter["schema"] = {"anyOf": [schema, {"type": "null"}]}
    if enum:
        parameter["schema"]["enum"] = enum
    if description:
        parameter["description"] = parameter["schema"]["description"] = description
    return parameter


def int_parameter(request: Request, name: str, maximum: int | None = None) -> int | None:
    """An optional integer query parameter, 0 or more (``ValidationError`` naming it)."""
    text = request.query_params.get(name)
    if text is None:
        return None
    try:
        value = int(text.strip())
    except ValueError:
        raise ValidationError([Problem("must be an integer", column=name)], "bad request") from None
    if value < 0 or (maximum is not None and value > maximum):
        bound = ">= 0" if maximum is None else f"between 0 and {maximum}"
        raise ValidationError([Problem(f"must be {bound}", column=name)], "bad request")
    return value


#: Longest paging cursor accepted (keten's own are about 80 characters).
MAX_CURSOR = 200
CURSOR_PARAMETER = query_parameter(
    "after", {"type": "string", "maxLength": MAX_CURSOR}, "paging cursor"
)


def cursor_parameter(request: Request) -> str | None:
    after = request.query_params.get("after")
    if after is not None and len(after) > MAX_CURSOR:
        raise ValidationError(
            [Problem(f"at most {MAX_CURSOR} characters", column="after")], "bad request"
        )
    return after


_TEXTS = {"type": "array", "items": {"type": "string"}}
_MOMENT = {"type": "string", "format": "date-time"}
# Declared here rather than as function parameters: the route reads the raw query itself
# (names match case-insensitively, PACT v3 ListFootprints), and FastAPI's per-request
# validation of eleven declared parameters cost more than the store query.
LIST_PARAMETERS = [
    query_parameter(
        "limit",
        {"type": "integer", "minimum": 0},
        f"page size; above {exchange.MAX_PAGE} it is capped",
    ),
    CURSOR_PARAMETER,
    *(query_parameter(name, _TEXTS) for name in
      ("productId", "companyId", "geography", "classification")),
    *(query_parameter(name, _MOMENT) for name in ("validOn", "validAfter", "validBefore")),
    query_parameter(
        "status",
        {"type": "string"},
        "Active or Deprecated (any case)",
        enum=list(pact.FOOTPRINT_STATUSES),
    ),
]


@router.get(
    "/3/footprints",
    response_model=FootprintList,
    responses={**ERROR_RESPONSES},
    openapi_extra={"parameters": LIST_PARAMETERS},
    summary="Action ListFootprints (PACT v3): filters OR within a criterion, AND across",
)
async def list_footprints(
    request: Request,
    principal: Annotated[Principal, Depends(require_scope("footprint:list"))],
) -> Any:
    # Parse from the raw query so names match case-insensitively and repeat freely.
    raw: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        raw.setdefault(key, []).append(value)
    criteria = pact.parse_filter(raw, source="query")
    page_size, _ = paging(int_parameter(request, "limit"), None)
    after = cursor_parameter(request)
    store = get_state(request).store
    # The stored documents' JSON text, sent as it is (no parse and re-encode per request).
    body, next_cursor = await store_read_kept(
        store, list_footprints_json, store, principal.company_id, criteria, page_size, after
    )
    return json_page(request, body, page_size, next_cursor)


def json_page(request: Request, body: bytes, page_size: int, next_cursor: str | None) -> Response:
    """A page of stored JSON bytes, with its ``Link: rel="next"`` header when there is more."""
    position = {} if next_cursor is None else {"after": next_cursor}
    return Response(
        body, media_type="application/json", headers=page_headers(request, page_size, **position)
    )


@router.get(
    "/3/footprints/{footprint_id}",
    response_model=FootprintOne,
    responses={**ERROR_RESPONSES, 404: ERROR_RESPONSES[400] | {"description": "no such footprint"}},
    summary="Action GetFootprint (PACT v3)",
)
async def get_footprint(
    request: Request,
    footprint_id: str,
    principal: Annotated[Principal, Depends(require_scope("footprint:read"))],
) -> Any:
    try:
        uuid.UUID(footprint_id)
    except ValueError as exc:
        raise NotFoundError(f"no footprint '{footprint_id}'") from exc
    store = get_state(request).store
    body = await store_read_kept(store, footprint_json, store, principal.company_id, footprint_id)
    return Response(body, media_type="application/json")
