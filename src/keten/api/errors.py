"""Every error the API returns, mapped in one place to an HTTP status and a PACT v3 Error body
(``{"code": ..., "message": ...}``; codes from the v3 ``Error`` schema)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

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
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(
            exc.status_code, "InternalError" if exc.status_code >= 500 else "BadRequest"
        )
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return JSONResponse(error_body("InternalError", "internal error"), status_code=500)
