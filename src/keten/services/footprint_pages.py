"""The PACT listings and single footprints as bytes (``GET /3/footprints``, ``/2/footprints``
and their ``/{id}``): documents sent as the store holds them, without parsing and re-encoding
each one. The same pages, cursors and answers as :mod:`keten.services.exchange`'s
``list_footprints``, ``list_footprints_v2`` and ``get_footprint``, to the byte."""

from __future__ import annotations

from typing import Any

from keten.errors import NotFoundError
from keten.exchange import pact, pact_v2
from keten.services.exchange import MAX_PAGE, decode_cursor, encode_cursor
from keten.store import Store
from keten.store.footprint_pages import NOT_KEPT, footprint_json_document, footprint_json_page

__all__ = [
    "NOT_KEPT",
    "footprint_json",
    "list_footprints_json",
    "list_footprints_v2_json",
    "page_body",
]


def list_footprints_json(
    store: Store,
    company_id: str,
    criteria: pact.FootprintFilter,
    limit: int,
    after: str | None = None,
    *,
    version: int = 3,
    odata: list[pact_v2.Condition] | None = None,
    kept_only: bool = False,
) -> Any:
    """``{"data":[...]}`` of one page of the footprints a company may see, as JSON bytes, and
    the cursor of the next page (None on the last): the page
    :func:`keten.services.exchange.list_footprints` returns, unparsed (v2 documents with
    ``version`` 2, also matching the parsed ``$filter`` ``odata``). With ``kept_only``,
    :data:`NOT_KEPT` unless the page is kept in memory."""
    limit = max(0, min(limit, MAX_PAGE))
    position = decode_cursor(after) if after else None
    page = footprint_json_page(
        store, company_id, criteria, limit, position,
        version=version, odata=odata or (), kept_only=kept_only,
    )  # fmt: skip
    if page is NOT_KEPT:
        return NOT_KEPT
    body = page_body(page.documents)
    cursor = encode_cursor(page.next_position) if page.next_position is not None else None
    return body, cursor


def list_footprints_v2_json(
    store: Store,
    company_id: str,
    odata_filter: str | None,
    limit: int,
    after: str | None = None,
    *,
    kept_only: bool = False,
) -> Any:
    """One page of PACT v2.3 footprints (``GET /2/footprints``) as JSON bytes and the next
    cursor: the documents :func:`keten.services.exchange.list_footprints_v2` gives for the
    ``$filter`` expression ``odata_filter`` (:func:`keten.exchange.pact_v2.parse_odata_filter`),
    with keyset cursors as on ``/3``."""
    text = (odata_filter or "").strip()
    conditions = pact_v2.parse_odata_filter(text) if text else []
    return list_footprints_json(
        store, company_id, pact.FootprintFilter(), limit, after,
        version=2, odata=conditions, kept_only=kept_only,
    )  # fmt: skip


def footprint_json(
    store: Store, company_id: str, footprint_id: str, *, version: int = 3, kept_only: bool = False
) -> Any:
    """``{"data":<footprint>}`` as JSON bytes (v2 with ``version`` 2); ``NotFoundError`` if
    unknown or not visible to ``company_id``, the same answer for both."""
    document = footprint_json_document(
        store, company_id, footprint_id, version=version, kept_only=kept_only
    )
    if document is NOT_KEPT:
        return NOT_KEPT
    if document is None:
        raise NotFoundError(f"no footprint '{footprint_id}'")
    return b'{"data":' + document + b"}"


def page_body(documents: list[bytes]) -> bytes:
    """``{"data":[doc,doc,...]}`` from JSON documents, with a single join (each intermediate
    copy of a 200 kB page costs page faults and about as much CPU as the query)."""
    parts = [b'{"data":[']
    for document in documents:
        parts += (document, b",")
    if documents:
        parts.pop()
    parts.append(b"]}")
    return b"".join(parts)
