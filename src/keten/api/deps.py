"""Request dependencies: the app's state (settings, store, signing key) and the caller."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx
from fastapi import Request

from keten.errors import AuthError, ForbiddenError
from keten.services import auth
from keten.services.auth import Principal, TokenExpiredError
from keten.settings import Settings
from keten.store import Store


@dataclass
class AppState:
    """What every route needs; made once by ``create_app``."""

    settings: Settings
    store: Store
    signing_key: str
    require_https: bool = False
    callback_transport: httpx.BaseTransport | None = None
    callback_verify_tls: bool | str = True  # a path: CA file to trust
    callback_attempts: int = 3


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.keten
    return state


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("missing bearer access token")
    return token.strip()


def require_scope(scope: str, *, ileap: bool = False) -> Callable[[Request], Principal]:
    """Dependency: a valid token with ``scope``. ``ileap=True`` answers an invalid token with
    403 AccessDenied as the iLEAP TAD endpoint specifies (expired stays 401 TokenExpired)."""

    def dependency(request: Request) -> Principal:
        state = get_state(request)
        try:
            principal = auth.authenticate(state.store, state.signing_key, bearer_token(request))
        except TokenExpiredError:
            raise
        except AuthError as exc:
            if ileap:
                raise ForbiddenError(str(exc)) from exc
            raise
        if scope not in principal.scopes:
            raise ForbiddenError(f"the access token lacks the scope '{scope}'")
        return principal

    return dependency
