"""Response models for the OpenAPI document (request bodies are parsed and validated by hand,
so malformed input is answered with PACT error bodies, never a 500)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="seconds until the token expires")
    scope: str


class ErrorBody(BaseModel):
    code: str = Field(
        description="PACT v3 error code: BadRequest, AccessDenied, TokenExpired, NotFound, ..."
    )
    message: str


class FootprintList(BaseModel):
    data: list[dict[str, Any]]


class FootprintOne(BaseModel):
    data: dict[str, Any]


class TadList(BaseModel):
    data: list[dict[str, Any]]


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "bad request"},
    401: {"model": ErrorBody, "description": "missing, invalid or expired token"},
    403: {"model": ErrorBody, "description": "access denied"},
}
