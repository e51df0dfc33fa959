"""The PACT v3 listing as bytes: pages of stored footprint documents sent as the store holds
them (``GET /3/footprints``), without parsing and re-encoding each document."""

from __future__ import annotations

from keten.exchange import pact
from keten.services.exchange import MAX_PAGE, decode_cursor, encode_cursor
from keten.store import Store
from keten.store.footprint_pages import footprint_json_page


def list_footprints_json(
    store: Store,
    company_id: str,
    criteria: pact.FootprintFilter,
    limit: int,
    after: str | None = None,
) -> tuple[bytes, str | None]:
    """``{"data":[...]}`` of one page of the footprints a company may see, as JSON bytes, and
    the cursor of the next page (None on the last): the page
    :func:`keten.services.exchange.list_footprints` returns, unparsed."""
    limit = max(0, min(limit, MAX_PAGE))
    position = decode_cursor(after) if after else None
    page = footprint_json_page(store, company_id, criteria, limit, position)
    body = page_body(page.documents)
    cursor = encode_cursor(page.next_position) if page.next_position is not None else None
    return body, cursor


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
