"""The host's fast listing path (stored JSON sent as it is, a kept page on SQLite) against the
ORM path it replaces on the read side (``services.exchange.list_footprints``), on SQLite and
PostgreSQL; a kept page never outlives a commit; memory stays flat over many requests."""

from __future__ import annotations

import asyncio
import gc
import json
import tracemalloc
from pathlib import Path
from typing import Any

from tests.conftest import shipment_footprint

from keten.api import create_app
from keten.exchange import pact
from keten.services import auth, companies, exchange
from keten.services.footprint_pages import list_footprints_json
from keten.settings import Settings
from keten.store import Store
from keten.store.footprint_pages import footprint_json_page


def _seed(store: Store, n: int = 25) -> None:
    companies.add_company(store, "Carrier", "carrier", ["urn:example:company:carrier"])
    companies.add_company(store, "Shipper", "shipper", ["urn:example:company:shipper"])
    docs = [
        shipment_footprint(f"S{i:03d}", origin_country="NL" if i % 3 else "DE") for i in range(n)
    ]
    exchange.import_footprints(store, "carrier", docs[: n - 5])
    # the shipper's own five, and the carrier's shared with it
    exchange.import_footprints(store, "shipper", docs[n - 5 :])
    exchange.import_footprints(store, "carrier", docs[:3], share_with=["shipper"])


def _all_pages(store: Store, viewer: str, criteria: Any, limit: int, fast: bool) -> list[Any]:
    pages, cursor = [], None
    while True:
        if fast:
            body, cursor = list_footprints_json(store, viewer, criteria, limit, cursor)
            page = json.loads(body)["data"]
        else:
            page, cursor = exchange.list_footprints(store, viewer, criteria, limit, cursor)
        pages.append(page)
        if cursor is None:
            return pages


QUERIES: list[dict[str, list[str]]] = [
    {},
    {"geography": ["de"]},
    {"status": ["active"], "geography": ["NL", "DE"]},
    {"validAfter": ["2020-01-01T00:00:00Z"], "validBefore": ["2100-01-01T00:00:00Z"]},
    {"productId": ["urn:pathfinder:product:customcode:vendor-assigned:shipment:s004"]},
]


def test_fast_pages_equal_the_orm_pages(store: Store) -> None:
    _seed(store)
    for query in QUERIES:
        criteria = pact.parse_filter(query)
        for viewer in ("carrier", "shipper"):
            for limit in (1, 4, 100):
                assert _all_pages(store, viewer, criteria, limit, True) == _all_pages(
                    store, viewer, criteria, limit, False
                ), (query, viewer, limit)


def test_a_kept_page_never_outlives_a_commit(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keten.sqlite'}"
    store = Store(url)
    _seed(store)
    criteria = pact.FootprintFilter()
    first, _ = list_footprints_json(store, "carrier", criteria, 1000)
    kept = footprint_json_page(store, "carrier", criteria, 1000)
    assert footprint_json_page(store, "carrier", criteria, 1000) is kept  # served from memory
    # a commit through the same store's connections
    exchange.import_footprints(store, "carrier", [shipment_footprint("NEW1")])
    second, _ = list_footprints_json(store, "carrier", criteria, 1000)
    assert len(json.loads(second)["data"]) == len(json.loads(first)["data"]) + 1
    # a commit by another connection (another Store: as another process would)
    other = Store(url)
    exchange.import_footprints(other, "carrier", [shipment_footprint("NEW2")])
    other.close()
    third, _ = list_footprints_json(store, "carrier", criteria, 1000)
    assert len(json.loads(third)["data"]) == len(json.loads(second)["data"]) + 1
    assert third == list_footprints_json(store, "carrier", criteria, 1000)[0]
    store.close()


async def _get(app: Any, query: bytes, token: str) -> bytes:
    """One GET /3/footprints straight through the ASGI app; the body."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": "/3/footprints", "raw_path": b"/3/footprints",
        "query_string": query, "root_path": "", "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 1), "headers": [(b"authorization", f"Bearer {token}".encode())],
    }  # fmt: skip
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            assert message["status"] == 200
        else:
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return b"".join(chunks)


def test_memory_is_flat_over_many_listing_requests(tmp_path: Path) -> None:
    """After a warm-up, 400 more listing requests (three pages, fresh tokens now and then)
    leave less than 1 MB of Python memory behind: pages, tokens and connections do not pile
    up (a retained page per request would be 10-75 MB)."""
    store = Store(f"sqlite:///{tmp_path / 'keten.sqlite'}")
    _seed(store, 60)
    auth.create_credentials(store, "carrier", "carrier-client", "carrier-secret")
    settings = Settings(home=tmp_path)
    app = create_app(settings, store=store)
    key = app.state.keten.signing_key

    def token() -> str:
        return auth.issue_token(store, key, "carrier-client", "carrier-secret", 600).access_token

    queries = [b"limit=20", b"limit=5&geography=DE", b"limit=100"]
    loop = asyncio.new_event_loop()

    def burst(n: int) -> None:
        async def many() -> None:
            current = token()
            for i in range(n):
                if i % 50 == 0:
                    current = token()
                assert await _get(app, queries[i % len(queries)], current)

        loop.run_until_complete(many())

    burst(200)  # warm-up: statement caches, pools, the page cache
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    burst(400)
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    growth = sum(s.size_diff for s in after.compare_to(before, "filename"))
    loop.close()
    store.close()
    assert growth < 1_000_000, f"{growth} bytes kept after 400 requests"
