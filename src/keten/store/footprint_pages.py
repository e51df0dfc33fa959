"""The PACT host's hot read path: a page of stored footprint documents as their JSON text, and
the credential check behind every bearer token.

Same rows, order and keyset paging as :func:`keten.store.repository.query_footprints`, but
without the ORM: each statement is built with SQLAlchemy once per dialect and *shape* (which
filters are set, how many values each has), compiled, and run on a pooled DBAPI connection;
documents come back as the JSON text the store holds (``CAST(payload AS TEXT)``), so the host
can send them without parsing and re-encoding them (as bytes with SQLite's
``CAST(... AS BLOB)``). On SQLite a page of 100 footprints takes a
quarter of the ORM path's time (benchmarks/host_throughput.py).
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

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

from keten.exchange.pact import FootprintFilter
from keten.store import tables as t
from keten.store.repository import Cursor, Store

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


# A shape: how many values each list criterion has, which dates are set, whether a cursor is.
_Shape = tuple[int, int, int, int, int, bool, bool, bool, bool]


def _shape(criteria: FootprintFilter, after: Cursor | None) -> _Shape:
    return (
        len(criteria.product_ids),
        len(criteria.company_ids),
        len(criteria.classifications),
        len(criteria.statuses),
        len(criteria.geographies),
        criteria.valid_on is not None,
        criteria.valid_after is not None,
        criteria.valid_before is not None,
        after is not None,
    )


def _values(criteria: FootprintFilter, after: Cursor | None) -> dict[str, Any]:
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
    if after is not None:
        values["after_created"], values["after_id"] = after
    return values


def _binds(prefix: str, count: int) -> list[Any]:
    return [bindparam(f"{prefix}{i}") for i in range(count)]


def _any_value(table: Any, prefix: str, count: int) -> Any:
    return exists().where(table.footprint_id == _pf.id, table.value.in_(_binds(prefix, count)))


def _document_bytes(dialect_name: str) -> Any:
    """The stored document as UTF-8 bytes straight from the database (a page is then one
    ``bytes.join``: no decoding, no re-encoding, no large intermediate copies)."""
    if dialect_name == "sqlite":
        return cast(_pf.payload, LargeBinary)  # CAST(payload AS BLOB): the stored text's bytes
    # PostgreSQL: as text (a bytea would travel hex-encoded, twice the size, and cost more to
    # decode than the UTF-8 text costs to encode here).
    return cast(_pf.payload, Text)


def _page_statement(shape: _Shape, shared: bool, dialect_name: str) -> Any:
    """The (created, id, document bytes) rows of one page: the viewer's own footprints, or
    those others shared with it; the filters of :func:`keten.store.repository._filtered`."""
    products, companies, classes, statuses, geos, on, valid_after, valid_before, paged = shape
    query = select(_pf.created, _pf.id, _document_bytes(dialect_name))
    if shared:
        query = query.join(t.Share, t.Share.footprint_id == _pf.id).where(
            t.Share.recipient_company_id == bindparam("viewer"),
            _pf.company_id != bindparam("viewer"),
        )
    else:
        query = query.where(_pf.company_id == bindparam("viewer"))
    conditions: list[Any] = []
    if products:
        conditions.append(_any_value(t.FootprintProductId, "product", products))
    if companies:
        conditions.append(_any_value(t.FootprintCompanyId, "company", companies))
    if classes:
        conditions.append(_any_value(t.FootprintClassification, "classification", classes))
    if statuses:
        conditions.append(_pf.status_lower.in_(_binds("status", statuses)))
    if geos:
        conditions.append(
            or_(
                _pf.geography_country.in_(_binds("geography", geos)),
                _pf.geography_region.in_(_binds("geography", geos)),
                _pf.geography_subdivision.in_(_binds("geography", geos)),
            )
        )
    if on:
        conditions.append(
            and_(
                _pf.validity_start <= bindparam("valid_on", type_=DateTime()),
                _pf.validity_end >= bindparam("valid_on", type_=DateTime()),
            )
        )
    if valid_after:
        conditions.append(_pf.validity_start > bindparam("valid_after", type_=DateTime()))
    if valid_before:
        conditions.append(_pf.validity_end < bindparam("valid_before", type_=DateTime()))
    if paged:
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


class _SqlitePages:
    """Pages already read from one SQLite database file, kept while the file is unchanged.

    ``PRAGMA data_version`` on a connection of its own (which never writes) changes whenever
    any other connection, in this process or another, commits to the database, so a kept page
    is served only while no commit happened since it was read (SQLite docs, "PRAGMA
    data_version"). At most ``MAX_BYTES`` of pages are kept, the least recently used dropped.
    """

    MAX_BYTES = 32 * 2**20

    def __init__(self, path: str) -> None:
        self._version = sqlite3.connect(path, check_same_thread=False)
        self._version.execute("PRAGMA query_only = 1")
        self._lock = threading.Lock()
        self._pages: OrderedDict[Any, tuple[int, JsonPage, int]] = OrderedDict()
        self._bytes = 0
        self._seen = -1

    def data_version(self) -> int:
        with self._lock:
            version = int(self._version.execute("PRAGMA data_version").fetchone()[0])
            if version != self._seen:  # something was committed: nothing kept is valid
                self._pages.clear()
                self._bytes, self._seen = 0, version
            return version

    def get(self, key: Any, version: int) -> JsonPage | None:
        with self._lock:
            kept = self._pages.get(key)
            if kept is None or kept[0] != version:
                return None
            self._pages.move_to_end(key)
            return kept[1]

    def put(self, key: Any, version: int, page: JsonPage) -> None:
        size = sum(len(d) for d in page.documents)
        with self._lock:
            if version != self._seen or size > self.MAX_BYTES // 4:
                return
            old = self._pages.pop(key, None)
            self._bytes -= old[2] if old else 0
            self._pages[key] = (version, page, size)
            self._bytes += size
            while self._bytes > self.MAX_BYTES:
                _, (_, _, dropped) = self._pages.popitem(last=False)
                self._bytes -= dropped

    def close(self) -> None:
        self._version.close()


_kept: weakref.WeakKeyDictionary[Store, _SqlitePages | None] = weakref.WeakKeyDictionary()
_kept_lock = threading.Lock()


def _pages_of(store: Store) -> _SqlitePages | None:
    """The page cache of a store on a SQLite *file* (None for PostgreSQL and ``:memory:``)."""
    with _kept_lock:
        if store in _kept:
            return _kept[store]
        path = store.engine.url.database if store.dialect == "sqlite" else None
        pages = _SqlitePages(path) if path and path != ":memory:" else None
        if pages is not None:
            weakref.finalize(store, pages.close)
        _kept[store] = pages
        return pages


def footprint_json_page(
    store: Store,
    viewer_company_id: str,
    criteria: FootprintFilter,
    limit: int,
    after: Cursor | None = None,
) -> JsonPage:
    """Footprints visible to ``viewer_company_id`` (its own and those shared with it) matching
    ``criteria``, ordered by (created, id) after ``after``, at most ``limit``: the rows and
    cursor :func:`keten.store.repository.query_footprints` gives, as stored JSON text.

    On a SQLite file, a page asked for again before anything was committed to the database is
    served from memory (see :class:`_SqlitePages`)."""
    pages = _pages_of(store)
    if pages is None:
        return read_json_page(store, viewer_company_id, criteria, limit, after)
    values = _values(criteria, after)
    key = (viewer_company_id, _shape(criteria, after), tuple(sorted(values.items())), limit)
    version = pages.data_version()
    page = pages.get(key, version)
    if page is None:
        page = read_json_page(store, viewer_company_id, criteria, limit, after)
        pages.put(key, version, page)
    return page


def read_json_page(
    store: Store,
    viewer_company_id: str,
    criteria: FootprintFilter,
    limit: int,
    after: Cursor | None,
) -> JsonPage:
    """:func:`footprint_json_page` read from the database every time (no kept pages)."""
    dialect = store.engine.dialect
    shape = _shape(criteria, after)
    values = {**_values(criteria, after), "viewer": viewer_company_id, "rows": limit + 1}
    rows = _run(store, _page_sql(dialect, shape, False), values)
    rows += _run(store, _page_sql(dialect, shape, True), values)
    rows.sort(key=lambda row: (row[0], row[1]))
    del rows[limit + 1 :]
    documents = [
        row[2] if isinstance(row[2], bytes) else str(row[2]).encode() for row in rows[:limit]
    ]
    if len(rows) <= limit or limit == 0:
        return JsonPage(documents, None)
    created, pf_id = rows[limit - 1][0], rows[limit - 1][1]
    from_db = _datetime_from_db(dialect)
    return JsonPage(documents, (from_db(created) if from_db else created, str(pf_id)))


@lru_cache(maxsize=16)
def _credential_sql(dialect: Dialect) -> _Compiled:
    credential = t.ClientCredential
    statement = select(credential.company_id).where(
        credential.client_id == bindparam("client_id"), credential.revoked_at.is_(None)
    )
    return _compile(statement, dialect)


def active_client_company(store: Store, client_id: str) -> str | None:
    """The company of an active (not revoked) client credential, or None."""
    rows = _run(store, _credential_sql(store.engine.dialect), {"client_id": client_id})
    return str(rows[0][0]) if rows else None
