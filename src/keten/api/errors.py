"""Every error the API returns, mapped in one place to an HTTP status and a PACT v3 Error body
(``{"code": ..., "message": ...}``; codes from the v3 ``Error`` schema)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from keten.errors import (
    AuthError,
    ChainVerificationError,
    ForbiddenError,
    KetenError,
    NotFoundError,
    ValidationError,
)
from keten.services.auth import TokenExpiredError

log = logging.getLogger("keten.api")

#: KetenError subclass -> (HTTP status, PACT error code); the first match in MRO order wins.
ERROR_MAP: list[tuple[type[KetenError], int, str]] = [
    (TokenExpiredError, 401, "TokenExpired"),
    # PACT v3 conformance: an invalid token is answered 400/401 with code BadRequest.
    (AuthError, 401, "BadRequest"),
    (ForbiddenError, 403, "AccessDenied"),
    (NotFoundError, 404, "NotFound"),
    (ChainVerificationError, 400, "BadRequest"),
    (ValidationError, 400, "BadRequest"),
    (KetenError, 400, "BadRequest"),
]

_HTTP_CODES = {
    400: "BadRequest",
    401: "BadRequest",
    403: "AccessDenied",
    404: "NotFound",
    501: "NotImplemented",
}


#: Seconds a client is asked to wait when the store is busy (HTTP 503 ``Retry-After``).
RETRY_AFTER_S = 2


def store_busy(exc: sa_exc.OperationalError) -> bool:
    """SQLite's "database is locked" / "busy" or PostgreSQL's lock timeout and serialization
    failures: the write may succeed when retried."""
    text = str(getattr(exc, "orig", exc)).lower()
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return (
        "database is locked" in text
        or "database table is locked" in text
        or "busy" in text
        or code in ("40001", "40P01", "55P03")
    )


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """Methods that some route (of any router, also ones included later) serves on this
    request's path: each is tried against the app's routes as routing itself would."""
    methods: set[str] = set()
    for method in _METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            methods.add(method)
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def error_body(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


def status_for(exc: KetenError) -> tuple[int, str]:
    for cls, status, code in ERROR_MAP:
        if isinstance(exc, cls):
            return status, code
    return 400, "BadRequest"


def keten_error_response(exc: KetenError) -> JSONResponse:
    status, code = status_for(exc)
    message = exc.report(limit=20) if isinstance(exc, ValidationError) else str(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers: KetenError family, request validation, HTTP errors, and a last
    resort that turns anything unexpected into a PACT ``InternalError`` body (and logs it)."""

    @app.exception_handler(KetenError)
    async def _keten(_request: Request, exc: KetenError) -> JSONResponse:
        return keten_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for err in exc.errors()[:20]:
            where = ".".join(str(p) for p in err.get("loc", ()))
            parts.append(f"{where}: {err.get('msg', 'invalid')}")
        return JSONResponse(
            error_body("BadRequest", "; ".join(parts) or "bad request"), status_code=400
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(
            exc.status_code, "InternalError" if exc.status_code >= 500 else "BadRequest"
        )
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # every method of every route on this path, not one route's
            headers["Allow"] = ", ".join(allowed_methods(request))
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=headers
        )

    @app.exception_handler(RecursionError)
    async def _too_deep(_request: Request, _exc: RecursionError) -> JSONResponse:
        # A document nested too deeply for any parser (the edge middleware catches most).
        return JSONResponse(
            error_body("BadRequest", "the request body is nested too deeply"), status_code=400
        )

    @app.exception_handler(sa_exc.OperationalError)
    async def _store_busy(_request: Request, exc: sa_exc.OperationalError) -> JSONResponse:
        if not store_busy(exc):
            log.exception("store error", exc_info=exc)
            return JSONResponse(error_body("InternalError", "internal error"), status_code=500)
        # SQLite allows one writer: while a long write holds the lock, say when to retry.
        return JSONResponse(
            error_body("InternalError", "the store is busy with another write; retry shortly"),
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )

    @app.exception_handler(sa_exc.DataError)
    async def _store_refused(_request: Request, exc: sa_exc.DataError) -> JSONResponse:
        # The edge refuses what PostgreSQL cannot store; this is the backstop.
        log.warning("store refused a value: %s", exc.orig)
        return JSONResponse(
            error_body("BadRequest", "a value cannot be stored (e.g. a control character)"),
            status_code=400,
        )

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return JSONResponse(error_body("InternalError", "internal error"), status_code=500)
