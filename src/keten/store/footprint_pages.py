"""The PACT host's hot read path: pages and single footprints (PACT v3 and v2.3) as the JSON
text the store holds, and the credential check behind every bearer token.

Same rows, order and keyset paging as :func:`keten.store.repository.query_footprints` and the
same answers as :func:`keten.services.exchange.get_footprint`, but without the ORM: each
statement is built with SQLAlchemy once per dialect and *shape* (which filters are set, how
many values each has), compiled, and run on a pooled DBAPI connection; documents come back as
the JSON text the store holds (``CAST(payload AS TEXT)``, ``payload_v2`` for v2; bytes with
SQLite's ``CAST(... AS BLOB)``), which is the text FastAPI would render for them
(:mod:`keten.store.json_text`), so the host sends them without parsing and re-encoding. PACT
v2's ``$filter`` runs in SQL where a column holds the field (:func:`split_odata`).

What was read is kept in memory until the store's change counter moves
(:mod:`keten.store.revision`: SQLite's ``PRAGMA data_version``, PostgreSQL's
``keten_revision`` row), under keys that name the viewing company.
"""

from __future__ import annotations

import operator
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple, TypeVar

import orjson
from sqlalchemy import (
    DateTime,
    Dialect,
    LargeBinary,
    Text,
    and_,
    bindparam,
    cast,
    exists,
    or_,
    select,
    tuple_,
)

from keten.exchange.pact import FootprintFilter, parse_datetime_utc
from keten.exchange.pact_v2 import Condition, matches_odata, to_v2
from keten.store import tables as t
from keten.store.json_text import json_bytes
from keten.store.repository import Cursor, Store
from keten.store.revision import Revision

_T = TypeVar("_T")
_pf = t.ProductFootprintRow


@dataclass(frozen=True)
class JsonPage:
    """One page: each document's JSON text (UTF-8 bytes) in (created, id) order, and where the
    next page starts (None on the last page)."""

    documents: list[bytes]
    next_position: Cursor | None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...] | None  # bind names in order (positional paramstyles), or None
    defaults: Mapping[str, Any]

    def parameters(self, values: Mapping[str, Any]) -> Any:
        merged = {**self.defaults, **values}
        return merged if self.names is None else tuple(merged[n] for n in self.names)


def _compile(statement: Any, dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    names = tuple(compiled.positiontup) if compiled.positional else None
    defaults = {name: bind.value for name, bind in compiled.binds.items() if bind.value is not None}
    return _Compiled(compiled.string, names, defaults)


def _run(store: Store, compiled: _Compiled, values: Mapping[str, Any]) -> list[Any]:
    dialect = store.engine.dialect
    to_db = _datetime_to_db(dialect)
    if to_db is not None:
        values = {k: to_db(v) if isinstance(v, datetime) else v for k, v in values.items()}
    connection = store.engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(compiled.sql, compiled.parameters(values))
            return list(cursor.fetchall())
        finally:
            cursor.close()
    finally:
        connection.close()  # back to the pool (which rolls back the read transaction)


@lru_cache(maxsize=16)
def _datetime_to_db(dialect: Dialect) -> Any:
    return DateTime().dialect_impl(dialect).bind_processor(dialect)


@lru_cache(maxsize=16)
def _datetime_from_db(dialect: Dialect) -> Any:
    return DateTime().dialect_impl(dialect).result_processor(dialect, None)


#: ``$filter`` fields (PACT v2) compared in SQL on a column of the footprint row: dates with any
#: operator, lower-cased texts with ``eq``/``ne`` (other operators on texts, and fields without a
#: column, are checked on the parsed document: :func:`keten.exchange.pact_v2.matches_odata`).
_ODATA_DATES = {
    "created": _pf.created,
    "validityPeriodStart": _pf.validity_start,
    "validityPeriodEnd": _pf.validity_end,
}
_ODATA_TEXTS = {
    "id": _pf.id,
    "status": _pf.status_lower,
    "pcf/geographyCountry": _pf.geography_country,
    "pcf/geographyRegionOrSubregion": _pf.geography_region,
    "pcf/geographyCountrySubdivision": _pf.geography_subdivision,
}
_ODATA_LISTS: dict[str, Any] = {
    "productIds/any": t.FootprintProductId,
    "companyIds/any": t.FootprintCompanyId,
    "productClassifications/any": t.FootprintClassification,
}
_OPERATORS = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}


def split_odata(conditions: Sequence[Condition]) -> tuple[list[Condition], list[Condition]]:
    """Parsed ``$filter`` conditions as (run in SQL, checked on the parsed v2 document)."""
    in_sql: list[Condition] = []
    on_document: list[Condition] = []
    for condition in conditions:
        name, op, _ = condition
        sql = (
            name in _ODATA_DATES
            or (name in _ODATA_TEXTS and op in ("eq", "ne"))
            or (name in _ODATA_LISTS and op == "eq")
        )
        (in_sql if sql else on_document).append(condition)
    return in_sql, on_document


class _Shape(NamedTuple):
    """What a statement depends on: how many values each list criterion has, which dates
    are set, the ``$filter`` (field, operator) pairs run in SQL, a cursor, the PACT version."""

    products: int
    companies: int
    classifications: int
    statuses: int
    geographies: int
    valid_on: bool
    valid_after: bool
    valid_before: bool
    odata: tuple[tuple[str, str], ...]
    paged: bool
    version: int


def _shape(
    criteria: FootprintFilter, odata: Sequence[Condition], after: Cursor | None, version: int
) -> _Shape:
    return _Shape(
        len(criteria.product_ids),
        len(criteria.company_ids),
        len(criteria.classifications),
        len(criteria.statuses),
        len(criteria.geographies),
        criteria.valid_on is not None,
        criteria.valid_after is not None,
        criteria.valid_before is not None,
        tuple((name, op) for name, op, _ in odata),
        after is not None,
        version,
    )


def _values(
    criteria: FootprintFilter, odata: Sequence[Condition], after: Cursor | None
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for prefix, items in (
        ("product", criteria.product_ids),
        ("company", criteria.company_ids),
        ("classification", criteria.classifications),
        ("status", criteria.statuses),
        ("geography", criteria.geographies),
    ):
        values.update({f"{prefix}{i}": v for i, v in enumerate(items)})
    for name in ("valid_on", "valid_after", "valid_before"):
        if getattr(criteria, name) is not None:
            values[name] = getattr(criteria, name)
    for i, (name, _, value) in enumerate(odata):
        values[f"odata{i}"] = parse_datetime_utc(value) if name in _ODATA_DATES else value.lower()
    if after is not None:
        values["after_created"], values["after_id"] = after
    return values


def _binds(prefix: str, count: int) -> list[Any]:
    return [bindparam(f"{prefix}{i}") for i in range(count)]


def _any_value(table: Any, prefix: str, count: int) -> Any:
    return exists().where(table.footprint_id == _pf.id, table.value.in_(_binds(prefix, count)))


def _document_bytes(dialect_name: str, version: int) -> Any:
    """The stored document (v3, or v2 with ``version`` 2) as UTF-8 bytes straight from the
    database (a page is then one ``bytes.join``: no decoding, no re-encoding, no large
    intermediate copies)."""
    column = _pf.payload_v2 if version == 2 else _pf.payload
    if dialect_name == "sqlite":
        return cast(column, LargeBinary)  # CAST(payload AS BLOB): the stored text's bytes
    # PostgreSQL: as text (a bytea would travel hex-encoded, twice the size, and cost more to
    # decode than the UTF-8 text costs to encode here).
    return cast(column, Text)


def _odata_condition(index: int, name: str, op: str) -> Any:
    if name in _ODATA_LISTS:
        table = _ODATA_LISTS[name]
        value: Any = bindparam(f"odata{index}")
        return exists().where(table.footprint_id == _pf.id, table.value == value)
    dates = name in _ODATA_DATES
    column = _ODATA_DATES[name] if dates else _ODATA_TEXTS[name]
    value = bindparam(f"odata{index}", type_=DateTime()) if dates else bindparam(f"odata{index}")
    condition = _OPERATORS[op](column, value)
    # pact_v2.matches_odata: a missing property is "ne" anything and matches no other operator
    return or_(column.is_(None), condition) if op == "ne" else condition


def _page_statement(shape: _Shape, shared: bool, dialect_name: str) -> Any:
    """The (created, id, document bytes) rows of one page: the viewer's own footprints, or
    those others shared with it; the filters of :func:`keten.store.repository._filtered`."""
    query = select(_pf.created, _pf.id, _document_bytes(dialect_name, shape.version))
    if shared:
        query = query.join(t.Share, t.Share.footprint_id == _pf.id).where(
            t.Share.recipient_company_id == bindparam("viewer"),
            _pf.company_id != bindparam("viewer"),
        )
    else:
        query = query.where(_pf.company_id == bindparam("viewer"))
    conditions: list[Any] = []
    if shape.products:
        conditions.append(_any_value(t.FootprintProductId, "product", shape.products))
    if shape.companies:
        conditions.append(_any_value(t.FootprintCompanyId, "company", shape.companies))
    if shape.classifications:
        conditions.append(
            _any_value(t.FootprintClassification, "classification", shape.classifications)
        )
    if shape.statuses:
        conditions.append(_pf.status_lower.in_(_binds("status", shape.statuses)))
    if shape.geographies:
        conditions.append(
            or_(
                _pf.geography_country.in_(_binds("geography", shape.geographies)),
                _pf.geography_region.in_(_binds("geography", shape.geographies)),
                _pf.geography_subdivision.in_(_binds("geography", shape.geographies)),
            )
        )
    if shape.valid_on:
        conditions.append(
            and_(
                _pf.validity_start <= bindparam("valid_on", type_=DateTime()),
                _pf.validity_end >= bindparam("valid_on", type_=DateTime()),
            )
        )
    if shape.valid_after:
        conditions.append(_pf.validity_start > bindparam("valid_after", type_=DateTime()))
    if shape.valid_before:
        conditions.append(_pf.validity_end < bindparam("valid_before", type_=DateTime()))
    conditions += [_odata_condition(i, name, op) for i, (name, op) in enumerate(shape.odata)]
    if shape.paged:
        conditions.append(
            tuple_(_pf.created, _pf.id)
            > tuple_(bindparam("after_created", type_=DateTime()), bindparam("after_id"))
        )
    if conditions:
        query = query.where(*conditions)
    return query.order_by(_pf.created, _pf.id).limit(bindparam("rows"))


@lru_cache(maxsize=512)
def _page_sql(dialect: Dialect, shape: _Shape, shared: bool) -> _Compiled:
    return _compile(_page_statement(shape, shared, dialect.name), dialect)


def _document_statement(version: int, dialect_name: str) -> Any:
    """One footprint's stored document if ``viewer`` may see it (its own, or shared with it:
    :func:`keten.store.repository.can_see`)."""
    shared = exists().where(
        t.Share.footprint_id == _pf.id, t.Share.recipient_company_id == bindparam("viewer")
    )
    return select(_document_bytes(dialect_name, version)).where(
        _pf.id == bindparam("id"), or_(_pf.company_id == bindparam("viewer"), shared)
    )


@lru_cache(maxsize=16)
def _document_sql(dialect: Dialect, version: int) -> _Compiled:
    return _compile(_document_statement(version, dialect.name), dialect)


class _Kept:
    """What was read from one store, kept while its :class:`~keten.store.revision.Revision`
    is unchanged: pages, single documents, credential checks, each under a key that names the
    viewing company. At most ``MAX_BYTES`` of documents are kept, the least recently used
    dropped first; everything goes at once when the counter moves."""

    MAX_BYTES = 32 * 2**20

    def __init__(self, revision: Revision) -> None:
        self.revision = revision
        self._lock = threading.Lock()
        self._items: OrderedDict[Any, tuple[int, Any, int]] = OrderedDict()
        self._bytes = 0
        self._seen: int | None = None

    def current(self) -> int | None:
        """The counter now (read from the database); what was kept under another is dropped."""
        version = self.revision.read()
        with self._lock:
            if version is None or version != self._seen:
                self._items.clear()
                self._bytes, self._seen = 0, version
        return version

    def get(self, key: Any, version: int) -> Any:
        with self._lock:
            kept = self._items.get(key)
            if kept is None or kept[0] != version:
                return None
            self._items.move_to_end(key)
            return kept[1]

    def put(self, key: Any, version: int, value: Any, size: int) -> None:
        with self._lock:
            if version != self._seen or size > self.MAX_BYTES // 4:
                return
            old = self._items.pop(key, None)
            self._bytes -= old[2] if old else 0
            self._items[key] = (version, value, size)
            self._bytes += size
            while self._bytes > self.MAX_BYTES:
                _, (_, _, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped

    def close(self) -> None:
        self.revision.close()


_kept: weakref.WeakKeyDictionary[Store, _Kept | None] = weakref.WeakKeyDictionary()
_kept_lock = threading.Lock()


def _kept_of(store: Store) -> _Kept | None:
    """What is kept for a store with a change counter (None for SQLite ``:memory:``)."""
    with _kept_lock:
        if store in _kept:
            return _kept[store]
        revision = Revision(store)
        kept = _Kept(revision) if revision.read() is not None else None
        if kept is None:
            revision.close()
        else:
            weakref.finalize(store, kept.close)
        _kept[store] = kept
        return kept


class _NotKept:
    """:func:`_kept_or_read` with ``kept_only``: nothing kept for this key."""


NOT_KEPT: Any = _NotKept()


def _kept_or_read(
    store: Store, key: Any, read: Callable[[], _T], size: Callable[[_T], int], kept_only: bool
) -> _T:
    """``read()``'s answer, kept until the store's change counter moves. With ``kept_only``
    nothing is read from the database but the counter: :data:`NOT_KEPT` if nothing is kept."""
    kept = _kept_of(store)
    version = kept.current() if kept is not None else None
    if kept is None or version is None:
        return NOT_KEPT if kept_only else read()
    found = kept.get(key, version)
    if found is not None:
        return found[0]
    if kept_only:
        return NOT_KEPT
    value = read()
    kept.put(key, version, (value,), size(value))
    return value


def _page_size(page: JsonPage) -> int:
    return sum(len(d) for d in page.documents)


def footprint_json_page(
    store: Store,
    viewer_company_id: str,
    criteria: FootprintFilter,
    limit: int,
    after: Cursor | None = None,
    *,
    version: int = 3,
    odata: Sequence[Condition] = (),
    kept_only: bool = False,
) -> JsonPage:
    """Footprints visible to ``viewer_company_id`` (its own and those shared with it) matching
    ``criteria`` and the parsed PACT v2 ``$filter`` ``odata``, ordered by (created, id) after
    ``after``, at most ``limit``: the rows and cursor
    :func:`keten.store.repository.query_footprints` gives, as stored JSON text (the v2
    documents with ``version`` 2).

    A page asked for again before anything it is made of changed is served from memory
    (:class:`_Kept`); ``kept_only`` answers :data:`NOT_KEPT` rather than read the database."""
    key = (
        "page", viewer_company_id, _shape(criteria, odata, after, version),
        tuple(sorted(_values(criteria, odata, after).items())), limit,
    )  # fmt: skip
    return _kept_or_read(
        store,
        key,
        lambda: read_json_page(
            store, viewer_company_id, criteria, limit, after, version=version, odata=odata
        ),
        _page_size,
        kept_only,
    )


_Row = tuple[Any, Any, Any]  # (created as the database gives it, id, document)


def _read_rows(
    store: Store,
    viewer_company_id: str,
    criteria: FootprintFilter,
    odata: Sequence[Condition],
    rows: int,
    after: Cursor | None,
    version: int,
) -> list[_Row]:
    """At most ``rows + 1`` rows in (created, id) order: own and shared merged."""
    dialect = store.engine.dialect
    shape = _shape(criteria, odata, after, version)
    values = {**_values(criteria, odata, after), "viewer": viewer_company_id, "rows": rows + 1}
    found = _run(store, _page_sql(dialect, shape, False), values)
    found += _run(store, _page_sql(dialect, shape, True), values)
    found.sort(key=lambda row: (row[0], row[1]))
    del found[rows + 1 :]
    return found


def _as_bytes(document: Any) -> bytes:
    return document if isinstance(document, bytes) else str(document).encode()


def _cursor(store: Store, row: _Row) -> Cursor:
    from_db = _datetime_from_db(store.engine.dialect)
    return (from_db(row[0]) if from_db else row[0], str(row[1]))


def read_json_page(
    store: Store,
    viewer_company_id: str,
    criteria: FootprintFilter,
    limit: int,
    after: Cursor | None,
    *,
    version: int = 3,
    odata: Sequence[Condition] = (),
) -> JsonPage:
    """:func:`footprint_json_page` read from the database every time (nothing kept).

    ``$filter`` conditions without a column (:func:`split_odata`) are checked on each
    candidate's parsed v2 document, reading candidates in keyset order until the page is full,
    so the cursor is a (created, id) position as on every other page."""
    in_sql, on_document = split_odata(odata)
    if not on_document:
        rows = _read_rows(store, viewer_company_id, criteria, in_sql, limit, after, version)
        documents = [_document_v2_or_stored(store, row[1], row[2], version)
                     for row in rows[:limit]]
        if len(rows) <= limit or limit == 0:
            return JsonPage(documents, None)
        return JsonPage(documents, _cursor(store, rows[limit - 1]))
    batch = max(limit + 1, 200)
    matched: list[tuple[_Row, bytes]] = []  # each row with its document, read once
    position = after
    while True:
        rows = _read_rows(store, viewer_company_id, criteria, in_sql, batch, position, version)
        for row in rows[:batch]:
            document = _document_v2_or_stored(store, row[1], row[2], version)
            if matches_odata(orjson.loads(document), on_document):
                matched.append((row, document))
                if len(matched) > limit:
                    break
        if len(matched) > limit or len(rows) <= batch:
            break
        position = _cursor(store, rows[batch - 1])
    documents = [document for _, document in matched[:limit]]
    if len(matched) <= limit or limit == 0:
        return JsonPage(documents, None)
    return JsonPage(documents, _cursor(store, matched[limit - 1][0]))


def _document_v2_or_stored(store: Store, footprint_id: Any, document: Any, version: int) -> bytes:
    """A stored document's bytes; a v2 row stored without its v2 document (none are since
    migration 7) gets it mapped from the v3 one, as the ORM path does."""
    if document is not None or version != 2:
        return _as_bytes(document)
    return _v2_from_v3(store, str(footprint_id))


def _v2_from_v3(store: Store, footprint_id: str) -> bytes:
    rows = _run(store, _v3_document_sql(store.engine.dialect), {"id": footprint_id})
    return json_bytes(to_v2(orjson.loads(_as_bytes(rows[0][0]))))


@lru_cache(maxsize=16)
def _v3_document_sql(dialect: Dialect) -> _Compiled:
    statement = select(_document_bytes(dialect.name, 3)).where(_pf.id == bindparam("id"))
    return _compile(statement, dialect)


def footprint_json_document(
    store: Store,
    viewer_company_id: str,
    footprint_id: str,
    *,
    version: int = 3,
    kept_only: bool = False,
) -> bytes | None:
    """One footprint's stored JSON text (v2 with ``version`` 2) if ``viewer_company_id`` may
    see it, else None (unknown and not visible give the same answer); kept as pages are."""

    def read() -> bytes | None:
        rows = _run(
            store,
            _document_sql(store.engine.dialect, version),
            {"id": footprint_id, "viewer": viewer_company_id},
        )
        if not rows:
            return None
        return _document_v2_or_stored(store, footprint_id, rows[0][0], version)

    key = ("document", viewer_company_id, footprint_id, version)
    return _kept_or_read(store, key, read, lambda d: len(d or b""), kept_only)


def _credential_statement() -> Any:
    credential = t.ClientCredential
    return select(credential.company_id).where(
        credential.client_id == bindparam("client_id"), credential.revoked_at.is_(None)
    )


@lru_cache(maxsize=16)
def _credential_sql(dialect: Dialect) -> _Compiled:
    return _compile(_credential_statement(), dialect)


def active_client_company(store: Store, client_id: str, *, kept_only: bool = False) -> Any:
    """The company of an active (not revoked) client credential, or None; kept until the
    store's change counter moves (a revocation moves it), :data:`NOT_KEPT` with
    ``kept_only`` when nothing is kept."""

    def read() -> str | None:
        rows = _run(store, _credential_sql(store.engine.dialect), {"client_id": client_id})
        return str(rows[0][0]) if rows else None

    return _kept_or_read(store, ("client", client_id), read, lambda _: 0, kept_only)
