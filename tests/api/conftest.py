"""API fixtures: an app on a SQLite store with two companies, their credentials and data."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from keten.api import create_app
from keten.services import auth, companies, exchange
from keten.services.pact_demo import demo_hocs, demo_tads, demo_tocs
from keten.settings import Settings
from keten.store import Store


@dataclass
class Callbacks:
    """Records the HTTP calls keten makes when answering events (an httpx mock transport)."""

    requests: list[httpx.Request] = field(default_factory=list)
    token_status: int = 200

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path.endswith("/auth/token"):
            if self.token_status != 200:
                return httpx.Response(self.token_status, json={"error": "invalid_client"})
            return httpx.Response(
                200, json={"access_token": "partner-token", "token_type": "bearer"}
            )
        return httpx.Response(200)


@dataclass
class Host:
    client: TestClient
    store: Store
    callbacks: Callbacks
    footprint_ids: tuple[str, ...]

    def token(self, client_id: str = "carrier-client", secret: str = "carrier-secret") -> str:
        response = self.client.post(
            "/auth/token", auth=(client_id, secret), data={"grant_type": "client_credentials"}
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def headers(
        self, client_id: str = "carrier-client", secret: str = "carrier-secret"
    ) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(client_id, secret)}"}


def build_host(
    tmp_path: Path,
    make: Callable[..., dict[str, Any]],
    store_url: str | None = None,
    **settings: Any,
) -> Host:
    """The host on ``store_url`` (default: a SQLite file in ``tmp_path``)."""
    store = Store(store_url or f"sqlite:///{tmp_path / 'api.sqlite'}")
    companies.add_company(
        store,
        "Carrier",
        "carrier",
        ["urn:example:company:carrier"],
        "partner-client",
        "partner-secret",
    )
    companies.add_company(store, "Shipper", "shipper", ["urn:example:company:shipper"])
    auth.create_credentials(store, "carrier", "carrier-client", "carrier-secret")
    auth.create_credentials(store, "shipper", "shipper-client", "shipper-secret")
    summary = exchange.import_footprints(
        store,
        "carrier",
        [
            make("S1", origin_country="NL"),
            make(
                "S2",
                origin_country="DE",
                departure="2024-02-01T00:00:00Z",
                arrival="2024-02-02T00:00:00Z",
            ),
            make("S3", origin_country="BE"),
        ],
        tads=demo_tads(),
    )
    # The one TOC these shipments name (road-truck-diesel) and the demo HOC.
    road = [toc for toc in demo_tocs() if toc["tocId"] == "road-truck-diesel"]
    exchange.import_intensities(store, "carrier", road, demo_hocs(), reference_year=2025)
    callbacks = Callbacks()
    app = create_app(
        Settings(home=tmp_path, **settings),
        store=store,
        callback_transport=httpx.MockTransport(callbacks.handler),
        callback_attempts=1,
    )
    return Host(TestClient(app), store, callbacks, summary.footprint_ids)


@pytest.fixture
def host(
    tmp_path: Path, make_shipment_footprint: Callable[..., dict[str, Any]], store_url: str
) -> Iterator[Host]:
    """The host on each backend: SQLite and PostgreSQL (``store_url`` is parametrized)."""
    built = build_host(tmp_path, make_shipment_footprint, store_url)
    yield built
    built.store.close()


def start_tls_server(
    app: Any, port: int, cert: Path, key: Path, timeout_s: float = 30
) -> tuple[uvicorn.Server, threading.Thread]:
    """Serve ``app`` over TLS on 127.0.0.1:``port`` in a daemon thread; returns once it
    listens (stop it with ``server.should_exit = True``)."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        ssl_certfile=str(cert),
        ssl_keyfile=str(key),
        log_level="warning",
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        assert time.monotonic() < deadline, f"the server on port {port} did not start"
        time.sleep(0.05)
    return server, thread
