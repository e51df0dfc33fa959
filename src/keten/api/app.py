"""``create_app(settings)``: the FastAPI application of keten's PACT v3 / iLEAP host."""

from __future__ import annotations

import json
import os
from typing import Any

import httpx
from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from keten.api.deps import AppState
from keten.api.edge import EdgeMiddleware, declare_edge_constraints
from keten.api.errors import error_body, install_error_handlers
from keten.api.routes import auth, chain, events, footprints, ileap, v2
from keten.services.auth import signing_key
from keten.settings import Settings
from keten.store import Store, open_store
from keten.store.revision import request_arrived
from keten.web import mount_dashboard


class _TooLarge(Exception):
    pass


class GuardMiddleware:
    """Pure ASGI guard: refuses plain HTTP when HTTPS is required (403) and bodies larger than
    ``max_body_bytes`` (413), by Content-Length or while streaming."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, require_https: bool) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.require_https = require_https

    async def _reply(self, send: Send, status: int, code: str, message: str) -> None:
        body = json.dumps(error_body(code, message)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.require_https and scope.get("scheme") != "https":
            await self._reply(send, 403, "AccessDenied", "HTTPS is required")
            return
        with request_arrived():  # what the store keeps is checked against commits since now
            await self._guarded(scope, receive, send)

    async def _guarded(self, scope: Scope, receive: Receive, send: Send) -> None:
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_large = int(value) > self.max_body_bytes
                except ValueError:
                    await self._reply(send, 400, "BadRequest", "invalid Content-Length")
                    return
                if too_large:
                    await self._reply(send, 413, "BadRequest", "request body too large")
                    return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._reply(send, 413, "BadRequest", "request body too large")


def _declare_edge_constraints_in_openapi(app: FastAPI) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = declare_edge_constraints(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(
    settings: Settings,
    *,
    store: Store | None = None,
    require_https: bool = False,
    callback_transport: httpx.BaseTransport | None = None,
    callback_verify_tls: bool | str = True,
    callback_attempts: int = 3,
) -> FastAPI:
    """Build keten's API. ``store`` defaults to the one named by ``settings``;
    ``require_https`` refuses plain-HTTP requests (``keten serve`` sets it with TLS);
    ``callback_transport`` lets tests capture the asynchronous event answers."""
    store = store or open_store(settings)
    app = FastAPI(
        title="keten PACT v2.3 + v3.0 host with iLEAP extensions",
        version="0.1.0",
        description=(
            "PACT Data Exchange Protocol v3.0 (/3/) and v2.3 (/2/) side by side from one store "
            "(ListFootprints, GetFootprint, Events, OAuth2 client credentials) with iLEAP "
            "v1.0.0 ShipmentFootprint/TOC/HOC extensions and transport activity data."
        ),
    )
    app.state.keten = AppState(
        settings=settings,
        store=store,
        signing_key=signing_key(store, settings.secret_key),
        require_https=require_https,
        callback_transport=callback_transport,
        callback_verify_tls=callback_verify_tls,
        callback_attempts=callback_attempts,
    )
    install_error_handlers(app)
    _declare_edge_constraints_in_openapi(app)
    for module in (auth, footprints, events, v2, ileap, chain):
        app.include_router(module.router)
    mount_dashboard(app, app.state.keten)
    app.add_middleware(EdgeMiddleware)  # inside the guard: sizes are checked first
    app.add_middleware(
        GuardMiddleware,
        max_body_bytes=settings.max_body_bytes,
        require_https=require_https,
    )
    return app


#: Set by ``keten serve --workers N`` for its worker processes.
REQUIRE_HTTPS_ENV = "KETEN_SERVE_REQUIRE_HTTPS"


def app_from_environment() -> FastAPI:
    """App factory for ``keten serve --workers N``: each worker process builds its own app
    (and store connections) from the ``KETEN_`` settings of its environment."""
    return create_app(Settings(), require_https=os.environ.get(REQUIRE_HTTPS_ENV) == "1")
