"""The Partners page's JSON routes (``/dashboard/api/partners...``): thin calls into
:mod:`keten.services.partner_pages`, :mod:`keten.services.partners` and friends. Reading needs
a session; changing needs the dashboard header too (see :mod:`keten.web.api`)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from keten.errors import KetenError, Problem, ValidationError
from keten.services import chain_store, partner_pages, partner_requests, partners
from keten.web.api import _json, problem_response, user, writer
from keten.web.app import dashboard
from keten.web.session import Session


class _ProblemRoute(APIRoute):
    """A route whose ``KetenError`` becomes the dashboard's ``{"error": ...}`` answer (the
    app's own handler answers in the PACT shape): 400 for the page's read, 422 for a change.
    One place for what each route here used to wrap itself in."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except KetenError as exc:
                return problem_response(exc, 400 if request.method == "GET" else 422)

        return answer


router = APIRouter(prefix="/dashboard/api/partners", include_in_schema=False,
                   route_class=_ProblemRoute)


def _company(session: Session) -> str:
    if session.company_id is None:
        raise ValidationError(
            [Problem("your dashboard user belongs to no company")], "no company"
        )
    return session.company_id


async def _body(request: Request) -> dict[str, Any]:
    doc = _json(request, await request.body())
    if not isinstance(doc, dict):
        raise ValidationError([Problem("the request must be a JSON object")])
    return doc


def _text(doc: dict[str, Any], name: str) -> str:
    value = doc.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ValidationError([Problem("required", column=name)], "missing field")
    return value.strip()


@router.get("")
def overview(request: Request, session: Session = Depends(user)) -> Any:
    return partner_pages.page(dashboard(request).api.store, _company(session))


@router.post("")
async def add(request: Request, session: Session = Depends(writer)) -> Any:
    state = dashboard(request).api
    doc = await _body(request)
    category = 9 if doc.get("direction") == "downstream" else 4
    info = partners.add_partner(
        state.store, state.settings, _company(session), _text(doc, "name"),
        _text(doc, "url"), _text(doc, "client_id"), _text(doc, "client_secret"),
        scope3_category=category,
    )
    return JSONResponse(info.as_dict(), status_code=201)


@router.post("/host/{name}/fetch")
async def fetch(name: str, request: Request, session: Session = Depends(writer)) -> Any:
    state = dashboard(request).api
    company_id = _company(session)
    summary = await run_in_threadpool(
        partners.fetch, state.store, state.settings, company_id, name
    )
    return summary.__dict__


@router.post("/host/{name}/request")
async def request_(name: str, request: Request, session: Session = Depends(writer)) -> Any:
    state = dashboard(request).api
    doc = await _body(request)
    criteria = partner_requests.parse_filter_options(
        [line for line in str(doc.get("filters", "")).splitlines() if line.strip()]
    )
    info = await run_in_threadpool(
        partner_requests.request, state.store, state.settings, _company(session), name,
        criteria,
    )
    return info.as_dict()


@router.post("/host/{name}/remove")
def remove(name: str, request: Request, session: Session = Depends(writer)) -> Any:
    removed = partners.remove_partner(dashboard(request).api.store, _company(session), name)
    return {"removed_footprints": removed}


@router.post("/credentials")
async def create_credentials(request: Request, session: Session = Depends(writer)) -> Any:
    doc = await _body(request)
    created = partner_pages.issue_credentials(
        dashboard(request).api.store, _company(session), _text(doc, "company_id")
    )
    return JSONResponse(created, status_code=201)


@router.post("/credentials/{client_id}/revoke")
def revoke_credentials(client_id: str, request: Request, session: Session = Depends(writer)) -> Any:
    partner_pages.revoke(dashboard(request).api.store, _company(session), client_id)
    return {"revoked": client_id}


@router.post("/share")
async def share(request: Request, session: Session = Depends(writer)) -> Any:
    from keten.services import companies

    doc = await _body(request)
    added = companies.share_footprints(
        dashboard(request).api.store, _company(session), _text(doc, "company_id")
    )
    return {"shared": added}


@router.post("/keys")
async def add_key(request: Request, session: Session = Depends(writer)) -> Any:
    """Trust a partner's key: ``{company_id, company_name?, public_key_pem}`` (the partner's
    ``<company>.pub.pem`` from ``keten keys generate``) or a trust-list entry as JSON."""
    doc = await _body(request)
    entry = partner_pages.key_entry(doc)
    registered = chain_store.register_public_key(
        dashboard(request).api.store, _company(session), entry
    )
    return JSONResponse(registered, status_code=201)


@router.post("/keys/remove")
async def remove_key(request: Request, session: Session = Depends(writer)) -> Any:
    doc = await _body(request)
    partner_pages.remove_public_key(
        dashboard(request).api.store, _company(session), _text(doc, "fingerprint")
    )
    return {"removed": doc["fingerprint"]}


@router.post("/verify")
async def verify(request: Request, session: Session = Depends(writer)) -> Any:
    """Verify a bundle against the trust list; the answer names the reason."""
    bundle = _json(request, await request.body())
    return partner_pages.verify(dashboard(request).api.store, session.company_id, bundle)
