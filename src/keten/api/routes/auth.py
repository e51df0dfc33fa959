"""OAuth2 client-credentials token endpoint (RFC 6749 4.4) and OpenID discovery."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import parse_qs, unquote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from keten.api.deps import get_state
from keten.api.dto import TokenResponse
from keten.errors import AuthError, ForbiddenError
from keten.services import auth

router = APIRouter(tags=["auth"])


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Basic realm="keten"'} if status == 401 else None
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers=headers
    )


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        return None
    return unquote(client_id), unquote(secret)


@router.post(
    "/auth/token",
    response_model=TokenResponse,
    responses={400: {"description": "invalid request"}, 401: {"description": "invalid client"}},
    summary="OAuth2 client credentials grant (HTTP Basic or form client_id/client_secret)",
)
async def token(request: Request) -> Any:
    state = get_state(request)
    raw = (await request.body()).decode("utf-8", errors="replace")
    form = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
    if form.get("grant_type") != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "grant_type must be client_credentials")
    credentials = _basic_credentials(request.headers.get("authorization", ""))
    if credentials is None and form.get("client_id") and form.get("client_secret") is not None:
        credentials = (form["client_id"], form["client_secret"])
    if credentials is None:
        return _oauth_error(401, "invalid_client", "client authentication required")
    try:
        grant = auth.issue_token(
            state.store,
            state.signing_key,
            credentials[0],
            credentials[1],
            state.settings.token_ttl_s,
            form.get("scope") or None,
        )
    except ForbiddenError as exc:
        return _oauth_error(400, "invalid_scope", str(exc))
    except AuthError as exc:
        return _oauth_error(401, "invalid_client", str(exc))
    body = TokenResponse(
        access_token=grant.access_token, expires_in=grant.expires_in_s, scope=grant.scope
    )
    return JSONResponse(
        body.model_dump(), headers={"Cache-Control": "no-store", "Pragma": "no-cache"}
    )


@router.get("/.well-known/openid-configuration", summary="OpenID Connect discovery")
async def openid_configuration(request: Request) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/")
    return {
        "issuer": base,
        "token_endpoint": f"{base}/auth/token",
        "jwks_uri": f"{base}/jwks",
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "response_types_supported": ["token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["HS256"],
        "scopes_supported": list(auth.ALL_SCOPES),
    }


@router.get("/jwks", summary="JSON Web Key Set (empty: tokens are signed with a server secret)")
async def jwks() -> dict[str, Any]:
    return {"keys": []}
