"""One read path for /2 and /3: every document the host sends as stored bytes is, to the
byte, what the ORM path (``services.exchange`` plus FastAPI's ``JSONResponse``) makes of it, for
the demo data, PACT v2 and v3, listings (with and without ``$filter``) and single documents,
own and shared, on SQLite and PostgreSQL; stored JSON text is the text ``json.dumps`` gives."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import orjson
from fastapi.responses import JSONResponse
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from keten.errors import NotFoundError
from keten.exchange import pact
from keten.services import companies, exchange
from keten.services.footprint_pages import (
    footprint_json,
    list_footprints_json,
    list_footprints_v2_json,
)
from keten.services.pact_demo import DEMO_COMPANY, load_demo
from keten.store import Store
from keten.store import repository as repo
from keten.store.json_text import json_bytes
from keten.store.migrations import _v8_stored_json_and_revision

SHIPPER = "shipper"


def _demo(store: Store) -> list[str]:
    """The demo company's data, its shipments' footprints shared with a second company."""
    summary = load_demo(store)
    companies.add_company(store, "Shipper", SHIPPER, ["urn:example:company:shipper"])
    with store.transaction() as session:
        repo.share_footprints(session, DEMO_COMPANY, SHIPPER, list(summary.footprint_ids))
    page, _ = exchange.list_footprints(store, DEMO_COMPANY, pact.FootprintFilter(), 1000)
    return [str(doc["id"]) for doc in page]


def _rendered(content: Any) -> bytes:
    return bytes(JSONResponse(content).body)


def _new_page(store: Store, viewer: str, limit: int, version: int, cursor: str | None) -> Any:
    if version == 2:
        return list_footprints_v2_json(store, viewer, None, limit, cursor)
    return list_footprints_json(store, viewer, pact.FootprintFilter(), limit, cursor)


def _old_page(store: Store, viewer: str, limit: int, version: int, cursor: str | None) -> Any:
    if version == 2:
        page, after = exchange.list_footprints_v2(store, viewer, None, limit, cursor)
    else:
        page, after = exchange.list_footprints(store, viewer, pact.FootprintFilter(), limit, cursor)
    return _rendered({"data": page}), after


def _walk(read: Any) -> tuple[list[bytes], list[str | None]]:
    bodies, cursors, cursor = [], [], None
    while True:
        body, cursor = read(cursor)
        bodies.append(body)
        cursors.append(cursor)
        if cursor is None:
            return bodies, cursors


V2_FILTERS = [
    "created ge '2020-01-01T00:00:00Z'",
    "status eq 'active' and pcf/geographyCountry ne 'DE'",
    "productCategoryCpc eq '83117'",
    "companyName eq 'KETEN DEMO LOGISTICS' and pcf/declaredUnit eq 'ton kilometer'",
    "productIds/any(p:(p eq "
    "'urn:pathfinder:product:customcode:vendor-assigned:toc:rail-electric'))",
    "pcf/referencePeriodStart lt '2026-01-01T00:00:00Z' "
    "and validityPeriodEnd gt '2000-01-01T00:00:00+01:00'",
    "productNameCompany gt 'S'",
]


def test_every_demo_document_is_the_orm_paths_bytes(store: Store) -> None:
    ids = _demo(store)
    assert len(ids) >= 5  # shipments, TOCs and HOCs
    everything = pact.FootprintFilter()
    for viewer in (DEMO_COMPANY, SHIPPER):
        for limit in (1, 3, 1000):
            for version in (2, 3):
                new = _walk(partial(_new_page, store, viewer, limit, version))
                old = _walk(partial(_old_page, store, viewer, limit, version))
                assert new == old, (viewer, limit, version)
        for pf_id in ids:
            for version in (2, 3):
                try:
                    old_one = _rendered(
                        {"data": exchange.get_footprint(store, viewer, pf_id, version)}
                    )
                except NotFoundError:
                    old_one = b"404"
                try:
                    new_one = footprint_json(store, viewer, pf_id, version=version)
                except NotFoundError:
                    new_one = b"404"
                assert new_one == old_one, (viewer, pf_id, version)
    # the shipper sees the shared shipments, not the demo company's TOCs and HOCs
    shared = json.loads(list_footprints_json(store, SHIPPER, everything, 1000)[0])["data"]
    assert 0 < len(shared) < len(ids)


def test_v2_filter_pages_hold_the_orm_paths_documents(store: Store) -> None:
    """``$filter`` in SQL where a column holds the field, on the document otherwise: the
    documents (keyset cursors now, where the ORM path counted an offset) are the same bytes."""
    _demo(store)
    matched_any = False
    for expression in V2_FILTERS:
        old_docs, _ = exchange.list_footprints_v2(store, DEMO_COMPANY, expression, 1000)
        for limit in (1, 2, 1000):
            read = partial(list_footprints_v2_json, store, DEMO_COMPANY, expression, limit)
            bodies, _ = _walk(read)
            new_docs = [doc for body in bodies for doc in orjson.loads(body)["data"]]
            assert b"".join(bodies).count(b'"specVersion":"2.3.0"') == len(old_docs)
            assert [json_bytes(d) for d in new_docs] == [json_bytes(d) for d in old_docs]
            assert _rendered({"data": new_docs}) == _rendered({"data": old_docs})
        matched_any |= 0 < len(old_docs) < 20
    assert matched_any


def test_migration_8_rewrites_spaced_json_text(store: Store) -> None:
    """Rows stored with ``json.dumps``' spaced text (the ORM's default serializer before
    migration 8) are served as the ORM path renders them once migrated."""
    ids = _demo(store)
    as_json = "CAST(:t AS json)" if store.dialect == "postgresql" else ":t"
    with store.engine.begin() as conn:
        for pf_id in ids:
            stored = conn.execute(
                text("SELECT CAST(payload AS TEXT) FROM product_footprints WHERE id = :i"),
                {"i": pf_id},
            ).scalar_one()
            spaced = json.dumps(json.loads(stored))  # ", " and ": ", non-ASCII escaped
            conn.execute(
                text(f"UPDATE product_footprints SET payload = {as_json} WHERE id = :i"),
                {"t": spaced, "i": pf_id},
            )
        _v8_stored_json_and_revision(conn)
    for pf_id in ids:
        old = _rendered({"data": exchange.get_footprint(store, DEMO_COMPANY, pf_id)})
        assert footprint_json(store, DEMO_COMPANY, pf_id) == old


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(_JSON)
def test_stored_json_text_is_what_json_response_renders(value: Any) -> None:
    assert json_bytes(value) == _rendered(value)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(["a", "pcf", "dqr"]), st.floats(allow_nan=False,
       allow_infinity=False) | st.lists(st.floats(allow_nan=False, allow_infinity=False))))
def test_floats_are_written_as_json_response_writes_them(value: Any) -> None:
    assert json_bytes(value) == _rendered(value)
