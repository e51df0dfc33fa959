"""keten's own endpoints for Carbon Added chain statements and partner public keys:
``POST/GET /keten/v1/statements``, ``GET /keten/v1/statements/heads`` (the newest signed
statement per issuer and subject, for freshness checks) and
``POST/GET /keten/v1/companies/{id}/public-keys``."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from keten.api.deps import get_state, require_scope
from keten.api.dto import ERROR_RESPONSES
from keten.errors import ForbiddenError, Problem, ValidationError
from keten.services import chain_store
from keten.services.auth import Principal

router = APIRouter(prefix="/keten/v1", tags=["chain"])

_OBJECT_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError([Problem(f"body is not JSON: {exc}")]) from exc
    if not isinstance(body, dict):
        raise ValidationError([Problem("body must be a JSON object")])
    return body


def _own_company(principal: Principal, company_id: str) -> None:
    if principal.company_id != company_id:
        raise ForbiddenError("a company manages only its own trust list")


@router.post(
    "/statements",
    status_code=201,
    responses={**ERROR_RESPONSES, 201: {"description": "bundle verified and stored"}},
    openapi_extra=_OBJECT_BODY,
    summary="Receive a Carbon Added bundle: verified (signatures, links, sums) before storing",
)
async def post_statements(
    request: Request, principal: Annotated[Principal, Depends(require_scope("chain:write"))]
) -> Any:
    bundle = await _json_object(request)
    result = chain_store.store_bundle(get_state(request).store, principal.company_id, bundle)
    return JSONResponse(
        {
            "head": result.head,
            "stored": result.stored,
            "trusted": result.trusted,
            "report": result.report,
        },
        status_code=201,
    )


@router.get("/statements", responses={**ERROR_RESPONSES}, summary="Statements received")
def get_statements(
    request: Request,
    principal: Annotated[Principal, Depends(require_scope("chain:write"))],
    shipment_id: Annotated[str | None, Query(alias="shipmentId")] = None,
) -> Any:
    data = chain_store.list_statements(get_state(request).store, principal.company_id, shipment_id)
    return {"data": data}


@router.get(
    "/statements/heads",
    responses={**ERROR_RESPONSES},
    summary="Newest signed statement per issuer and subject for a shipment or consignment",
    description="What this host publishes for checking freshness: per (issuer, subject) the "
    "statement with the highest signed sequence, among those the caller's company holds and "
    "those held by companies that shared with it their footprint of the shipment. Each item "
    "carries its signed statement: check it with your own trust list.",
)
def get_statement_heads(
    request: Request,
    principal: Annotated[Principal, Depends(require_scope("chain:write"))],
    shipment_id: Annotated[str | None, Query(alias="shipmentId", max_length=300)] = None,
    consignment_id: Annotated[str | None, Query(alias="consignmentId", max_length=300)] = None,
) -> Any:
    data = chain_store.published_heads(
        get_state(request).store, principal.company_id, shipment_id, consignment_id
    )
    return {"data": data}


@router.post(
    "/companies/{company_id}/public-keys",
    status_code=201,
    responses={**ERROR_RESPONSES, 201: {"description": "key registered"}},
    openapi_extra=_OBJECT_BODY,
    summary="Register a partner's Ed25519 public key in the company's trust list",
)
async def post_public_key(
    request: Request,
    company_id: str,
    principal: Annotated[Principal, Depends(require_scope("chain:write"))],
) -> Any:
    _own_company(principal, company_id)
    entry = await _json_object(request)
    registered = chain_store.register_public_key(get_state(request).store, company_id, entry)
    return JSONResponse(registered, status_code=201)


@router.get(
    "/companies/{company_id}/public-keys",
    responses={**ERROR_RESPONSES},
    summary="The company's trust list",
)
def get_public_keys(
    request: Request,
    company_id: str,
    principal: Annotated[Principal, Depends(require_scope("chain:write"))],
) -> Any:
    _own_company(principal, company_id)
    keys = chain_store.trusted_keys(get_state(request).store, company_id)
    return {"keys": [k.as_json() for k in keys]}
