"""Request dependencies: the app's state (settings, store, signing key) and the caller."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

import httpx
from fastapi import Request
from starlette.concurrency import run_in_threadpool

from keten.errors import AuthError, ForbiddenError
from keten.services.auth import Principal, TokenExpiredError, TokenVerifier
from keten.settings import Settings
from keten.store import Store
from keten.store.footprint_pages import NOT_KEPT


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
    tokens: TokenVerifier = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = TokenVerifier(self.signing_key)


_P = ParamSpec("_P")
_R = TypeVar("_R")


def store_read(
    store: Store, read: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs
) -> Awaitable[_R]:
    """Run a short store read from an ``async`` route: on the event loop for SQLite (an
    in-process read of a few hundred microseconds costs less than a hop to the thread pool,
    and WAL readers never wait for a writer), in the thread pool for a database server."""
    if store.dialect == "sqlite":
        return _done(read(*args, **kwargs))
    return run_in_threadpool(read, *args, **kwargs)


async def _done(value: _R) -> _R:
    return value


async def store_read_kept(store: Store, read: Callable[..., Any], *args: Any) -> Any:
    """:func:`store_read` of a read that can answer from what the store keeps in memory
    (``read(..., kept_only=True)`` gives ``NOT_KEPT`` otherwise): on a database server, the
    kept answer is taken on the event loop (one read of the change counter, no thread-pool
    hop) and only a read of the database goes to the thread pool."""
    if store.dialect == "sqlite":
        return read(*args)
    kept = read(*args, kept_only=True)
    if kept is not NOT_KEPT:
        return kept
    return await run_in_threadpool(read, *args)


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.keten
    return state


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("missing bearer access token")
    return token.strip()


def require_scope(
    scope: str, *, ileap: bool = False
) -> Callable[[Request], Awaitable[Principal]]:
    """Dependency: a valid token with ``scope``. ``ileap=True`` answers an invalid token with
    403 AccessDenied as the iLEAP TAD endpoint specifies (expired stays 401 TokenExpired)."""

    async def dependency(request: Request) -> Principal:
        state = get_state(request)
        try:
            principal = await store_read_kept(
                state.store, state.tokens.authenticate, state.store, bearer_token(request)
            )
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
