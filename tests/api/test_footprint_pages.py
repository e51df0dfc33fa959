"""The host's fast listing path (stored JSON sent as it is, a kept page on SQLite) against the
ORM path it replaces on the read side (``services.exchange.list_footprints``), on SQLite and
PostgreSQL; a kept page never outlives a commit; memory stays flat over many requests."""

from __future__ import annotations

import asyncio
import gc
import json
import re
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import shipment_footprint

from keten.api import create_app
from keten.errors import AuthError
from keten.exchange import pact
from keten.services import auth, companies, exchange
from keten.services.footprint_pages import list_footprints_json
from keten.settings import Settings
from keten.store import Store
from keten.store.footprint_pages import (
    NOT_KEPT,
    _credential_statement,
    _document_statement,
    _page_statement,
    _shape,
    footprint_json_document,
    footprint_json_page,
)
from keten.store.revision import TRACKED_TABLES, Revision, request_arrived
from keten.store.tables import Base


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


def test_a_kept_page_never_outlives_a_commit(store_url: str) -> None:
    """On SQLite (``PRAGMA data_version``) and PostgreSQL (the ``keten_revision`` row)."""
    url = store_url
    store = Store(url)
    _seed(store)
    criteria = pact.FootprintFilter()
    first, _ = list_footprints_json(store, "carrier", criteria, 1000)
    kept = footprint_json_page(store, "carrier", criteria, 1000)
    assert footprint_json_page(store, "carrier", criteria, 1000) is kept  # served from memory
    assert footprint_json_page(store, "carrier", criteria, 1000, kept_only=True) is kept
    # never across companies: the shipper's page is its own, not the carrier's kept one
    theirs = footprint_json_page(store, "shipper", criteria, 1000)
    assert theirs is not kept and len(theirs.documents) == 8
    v2 = footprint_json_page(store, "carrier", criteria, 1000, version=2)
    assert v2.documents != kept.documents and len(v2.documents) == len(kept.documents)
    one = footprint_json_document(store, "carrier", exchange.import_footprints(
        store, "carrier", [shipment_footprint("NEW0")]).footprint_ids[0])
    assert one is not None and b"NEW0" in one
    assert footprint_json_page(store, "carrier", criteria, 1000, kept_only=True) is NOT_KEPT
    first, _ = list_footprints_json(store, "carrier", criteria, 1000)
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


def test_revoking_a_client_refuses_its_kept_token_at_once(store_url: str) -> None:
    """A credential check kept in memory goes with the commit of a revocation, made through
    the same store or another one (as another process would)."""
    store = Store(store_url)
    _seed(store, 5)
    verifier = auth.TokenVerifier("k" * 32)
    for n, revoke_through in enumerate(("same", "other")):
        client = f"client-{n}"
        auth.create_credentials(store, "carrier", client, "secret-123")
        token = auth.issue_token(store, "k" * 32, client, "secret-123", 600).access_token
        assert verifier.authenticate(store, token).company_id == "carrier"
        assert verifier.authenticate(store, token, kept_only=True).company_id == "carrier"
        other = Store(store_url) if revoke_through == "other" else store
        auth.revoke_credentials(other, client)
        with pytest.raises(AuthError):
            verifier.authenticate(store, token)
        if other is not store:
            other.close()
    store.close()


def test_kept_reads_name_only_tracked_tables() -> None:
    """Every table a kept page, document or credential check reads moves the change counter
    (``keten.store.revision.TRACKED_TABLES``)."""
    odata = [("productIds/any", "eq", "x"), ("companyIds/any", "eq", "y"),
             ("productClassifications/any", "eq", "z"), ("id", "eq", "w")]
    queries = [*QUERIES, {"companyId": ["a"], "classification": ["b"],
                          "validOn": ["2025-01-01T00:00:00Z"]}]
    statements = [
        _page_statement(_shape(pact.parse_filter(q), odata, None, version), shared, "postgresql")
        for q in queries for version in (2, 3) for shared in (False, True)
    ]  # fmt: skip
    statements += [_document_statement(version, "postgresql") for version in (2, 3)]
    statements.append(_credential_statement())
    every_table = set(Base.metadata.tables)
    for statement in statements:
        sql = str(statement.compile())
        used = {name for name in every_table if re.search(rf"\b{name}\b", sql)}
        assert used and used <= set(TRACKED_TABLES), sql


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
    # one thread of its own runs the loop: an earlier test in the same worker (Playwright's
    # sync API) can leave a running loop in the main thread
    runner = ThreadPoolExecutor(max_workers=1)

    def burst(n: int) -> None:
        async def many() -> None:
            current = token()
            for i in range(n):
                if i % 50 == 0:
                    current = token()
                assert await _get(app, queries[i % len(queries)], current)

        runner.submit(loop.run_until_complete, many()).result()

    burst(200)  # warm-up: statement caches, pools, the page cache
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    burst(400)
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    growth = sum(s.size_diff for s in after.compare_to(before, "filename"))
    runner.shutdown()
    loop.close()
    store.close()
    assert growth < 1_000_000, f"{growth} bytes kept after 400 requests"


def test_one_counter_read_serves_only_requests_that_arrived_before_it(store_url: str) -> None:
    """Under load one read of the change counter answers many requests, but only those that
    arrived before it began; a commit through the store forgets it at once."""
    store = Store(store_url)
    _seed(store, 3)
    revision = Revision(store)
    reads: list[int] = []
    source = revision._source
    assert source is not None
    real = source.read
    source.read = lambda: reads.append(1) or real()  # type: ignore[method-assign]
    with request_arrived():
        first = revision.read()
        assert revision.read() == first and len(reads) == 1  # the same request: one read
    with request_arrived():
        assert revision.read() == first and len(reads) == 2  # arrived after it: reads again
        other = Store(store_url)  # another process's commit
        exchange.import_footprints(other, "carrier", [shipment_footprint("LATE")])
        other.close()
    with request_arrived():
        moved = revision.read()
        assert moved != first and len(reads) == 3
        exchange.import_footprints(store, "carrier", [shipment_footprint("OWN")])
        assert revision.read() != moved and len(reads) == 4  # its own commit: read again
    assert revision.read() is not None and len(reads) == 5  # outside a request: always read
    revision.close()
    store.close()
