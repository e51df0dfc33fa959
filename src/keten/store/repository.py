"""The store: one engine (SQLite file or PostgreSQL), sessions, and the queries keten runs.

Services open a transaction with ``store.transaction()`` and call the functions here with the
session; nothing here commits on its own, so a service decides what is atomic.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Engine,
    Select,
    and_,
    create_engine,
    delete,
    event,
    exists,
    func,
    literal,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import Session, sessionmaker

from keten.exchange.pact import FootprintFilter, parse_datetime_utc
from keten.store import tables as t
from keten.store.json_text import json_text
from keten.store.migrations import migrate


def utcnow() -> datetime:
    """Current time as naive UTC (the store's datetime convention)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _sqlite_pragmas(busy_timeout_s: float) -> Any:
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        cursor.close()

    return on_connect


class Store:
    """keten's persistent store. ``Store(url)`` connects and applies pending migrations.

    On SQLite (one writer at a time) a write waits up to ``busy_timeout_s`` for another write
    to finish; then SQLite reports "database is locked", which the API answers with 503 and
    ``Retry-After``."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        migrate_schema: bool = True,
        busy_timeout_s: float = 10.0,
    ) -> None:
        self.url = url
        # Documents are stored as the exact JSON text the host sends (keten.store.json_text).
        kwargs: dict[str, Any] = {"echo": echo, "future": True, "json_serializer": json_text}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": busy_timeout_s}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(url, **kwargs)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas(busy_timeout_s))
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate_schema:
            migrate(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        with self._sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()


# ---------------------------------------------------------------- secrets, companies


def get_or_create_secret(session: Session, name: str, make: Any) -> str:
    row = session.get(t.ServerSecret, name)
    if row is None:
        row = t.ServerSecret(name=name, value=make())
        session.add(row)
        session.flush()
    return row.value


def get_company(session: Session, company_id: str) -> t.Company | None:
    return session.get(t.Company, company_id)


def footprint_id_key(session: Session, company: t.Company) -> bytes:
    """The company's secret for its footprint ids (made when missing; see migration 7)."""
    if not company.footprint_id_key:
        from keten.store.migrations import new_footprint_id_key

        company.footprint_id_key = new_footprint_id_key()
        session.flush()
    return bytes.fromhex(company.footprint_id_key)


def list_companies(session: Session) -> list[t.Company]:
    return list(session.scalars(select(t.Company).order_by(t.Company.id)))


def active_credentials_count(session: Session, company_id: str) -> int:
    query = select(func.count()).where(
        t.ClientCredential.company_id == company_id, t.ClientCredential.revoked_at.is_(None)
    )
    return int(session.scalar(query) or 0)


# ---------------------------------------------------------------- shipments and footprints


def find_shipment(session: Session, company_id: str, shipment_id: str) -> t.Shipment | None:
    return session.scalar(
        select(t.Shipment).where(
            t.Shipment.company_id == company_id, t.Shipment.shipment_id == shipment_id
        )
    )


_CHUNK = 500  # ids per IN (...) list


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def footprint_created(session: Session, ids: Sequence[str]) -> dict[str, datetime]:
    """``created`` of the stored footprints among ``ids`` (batched, no documents read)."""
    found: dict[str, datetime] = {}
    pf = t.ProductFootprintRow
    for chunk in _chunks(list(ids)):
        rows = session.execute(select(pf.id, pf.created).where(pf.id.in_(chunk)))
        found.update({row.id: row.created for row in rows})
    return found


def _lower_unique(values: Any) -> list[str]:
    return list(dict.fromkeys(str(v).lower() for v in (values or [])))


_FILTER_TABLES: list[tuple[Any, str]] = [
    (t.FootprintProductId, "productIds"),
    (t.FootprintCompanyId, "companyIds"),
    (t.FootprintClassification, "productClassifications"),
]


def footprint_columns(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The indexed columns of a footprint row, read from its v3 document."""
    pcf = payload.get("pcf", {})
    status = str(payload["status"])
    start = payload.get("validityPeriodStart")
    end = payload.get("validityPeriodEnd")
    return {
        "status": status,
        "status_lower": status.lower(),
        "created": parse_datetime_utc(str(payload["created"])),
        "validity_start": parse_datetime_utc(start) if start else None,
        "validity_end": parse_datetime_utc(end) if end else None,
        "geography_country": (pcf.get("geographyCountry") or "").lower() or None,
        "geography_region": (pcf.get("geographyRegionOrSubregion") or "").lower() or None,
        "geography_subdivision": (pcf.get("geographyCountrySubdivision") or "").lower() or None,
    }


def filter_values(payload: Mapping[str, Any]) -> list[list[str]]:
    """The lower-cased productIds, companyIds and productClassifications of a document (the
    rows of the three filter tables, in :data:`keten.store.staging.FILTER_TABLES` order)."""
    return [_lower_unique(payload.get(key)) for _, key in _FILTER_TABLES]


def stage_footprint(
    session: Session,
    company_id: str,
    payload: Mapping[str, Any],
    shipment_row_id: int | None,
    row: t.ProductFootprintRow | None,
    payload_v2: Mapping[str, Any] | None = None,
) -> t.ProductFootprintRow:
    """Insert (``row`` None) or update a footprint row from its payload; not flushed.
    ``payload_v2`` is its PACT v2.3 document (default: the plain v2 mapping)."""
    if row is None:
        row = t.ProductFootprintRow(id=str(payload["id"]), company_id=company_id)
        session.add(row)
    row.company_id = company_id
    row.shipment_row_id = shipment_row_id
    for name, value in footprint_columns(payload).items():
        setattr(row, name, value)
    row.payload = dict(payload)
    if payload_v2 is None:
        from keten.exchange.pact_v2 import to_v2

        payload_v2 = to_v2(payload)
    row.payload_v2 = dict(payload_v2)
    return row


def replace_filter_values(
    session: Session, rows: Sequence[t.ProductFootprintRow], updated_ids: Sequence[str]
) -> None:
    """(Re)write the lower-cased filter values of flushed footprint rows."""
    for table, _ in _FILTER_TABLES:
        for chunk in _chunks(list(updated_ids)):
            session.execute(delete(table).where(table.footprint_id.in_(chunk)))
    for row in rows:
        for table, key in _FILTER_TABLES:
            session.add_all(
                table(footprint_id=row.id, value=value)
                for value in _lower_unique(row.payload.get(key))
            )
    session.flush()


def upsert_footprint(
    session: Session, company_id: str, payload: Mapping[str, Any], shipment_row_id: int | None
) -> tuple[t.ProductFootprintRow, bool]:
    """Insert or replace one ProductFootprint and its filter rows; returns (row, created)."""
    existing = session.get(t.ProductFootprintRow, str(payload["id"]))
    row = stage_footprint(session, company_id, payload, shipment_row_id, existing)
    session.flush()
    replace_filter_values(session, [row], [row.id] if existing is not None else [])
    return row, existing is None


def _any_value(table: Any, values: tuple[str, ...]) -> Any:
    return exists().where(table.footprint_id == t.ProductFootprintRow.id, table.value.in_(values))


def _filtered(query: Select[*tuple[Any, ...]], criteria: FootprintFilter) -> Any:
    pf = t.ProductFootprintRow
    conditions: list[Any] = []
    if criteria.product_ids:
        conditions.append(_any_value(t.FootprintProductId, criteria.product_ids))
    if criteria.company_ids:
        conditions.append(_any_value(t.FootprintCompanyId, criteria.company_ids))
    if criteria.classifications:
        conditions.append(_any_value(t.FootprintClassification, criteria.classifications))
    if criteria.statuses:
        conditions.append(pf.status_lower.in_(criteria.statuses))
    if criteria.geographies:
        geos = criteria.geographies
        conditions.append(
            or_(
                pf.geography_country.in_(geos),
                pf.geography_region.in_(geos),
                pf.geography_subdivision.in_(geos),
            )
        )
    if criteria.valid_on is not None:
        conditions.append(
            and_(pf.validity_start <= criteria.valid_on, pf.validity_end >= criteria.valid_on)
        )
    if criteria.valid_after is not None:
        conditions.append(pf.validity_start > criteria.valid_after)
    if criteria.valid_before is not None:
        conditions.append(pf.validity_end < criteria.valid_before)
    return query.where(*conditions) if conditions else query


#: Position after which a page starts: (created, id) of the last footprint already listed.
Cursor = tuple[datetime, str]


def query_footprints(
    session: Session,
    viewer_company_id: str,
    criteria: FootprintFilter,
    limit: int,
    after: Cursor | None = None,
    pact_version: int = 3,
) -> tuple[list[dict[str, Any]], Cursor | None]:
    """Footprints visible to ``viewer_company_id`` matching ``criteria``, ordered by
    (created, id), starting after ``after``; returns (page, cursor of the next page or None).

    Keyset paging on the index (company_id, created, id): own and shared footprints are two
    index-ordered queries merged here, and the JSON payloads are read only for the page, so a
    deep page costs what the first one does. ``pact_version`` 2 gives the stored PACT v2.3
    documents (``payload_v2``)."""
    pf = t.ProductFootprintRow

    def ordered(query: Select[*tuple[Any, ...]]) -> Any:
        query = _filtered(query, criteria)
        if after is not None:
            query = query.where(
                tuple_(pf.created, pf.id) > tuple_(literal(after[0]), literal(after[1]))
            )
        return query.order_by(pf.created, pf.id).limit(limit + 1)

    own = ordered(select(pf.created, pf.id).where(pf.company_id == viewer_company_id))
    shared = ordered(
        select(pf.created, pf.id)
        .join(t.Share, t.Share.footprint_id == pf.id)
        .where(
            t.Share.recipient_company_id == viewer_company_id, pf.company_id != viewer_company_id
        )
    )
    keys = sorted(
        [(r.created, r.id) for r in session.execute(own)]
        + [(r.created, r.id) for r in session.execute(shared)]
    )[: limit + 1]
    page_keys = keys[:limit]
    ids = [k[1] for k in page_keys]
    payloads: dict[str, dict[str, Any]] = {}
    if ids:
        column = pf.payload_v2 if pact_version == 2 else pf.payload
        rows = session.execute(select(pf.id, column.label("document")).where(pf.id.in_(ids)))
        payloads = {row.id: row.document for row in rows}
    next_cursor = page_keys[-1] if len(keys) > limit and page_keys else None
    return [payloads[i] for i in ids], next_cursor


def get_footprint_row(session: Session, footprint_id: str) -> t.ProductFootprintRow | None:
    return session.get(t.ProductFootprintRow, footprint_id)


def can_see(session: Session, row: t.ProductFootprintRow, company_id: str) -> bool:
    if row.company_id == company_id:
        return True
    return session.get(t.Share, (row.id, company_id)) is not None


def share_footprints(
    session: Session,
    owner_company_id: str,
    recipient_company_id: str,
    footprint_ids: Sequence[str] | None,
) -> int:
    """Share the owner's footprints (all, or the ids given) with a recipient; returns new shares."""
    query = select(t.ProductFootprintRow.id).where(
        t.ProductFootprintRow.company_id == owner_company_id
    )
    if footprint_ids is not None:
        query = query.where(t.ProductFootprintRow.id.in_(list(footprint_ids)))
    added = 0
    now = utcnow()
    for pf_id in session.scalars(query):
        if session.get(t.Share, (pf_id, recipient_company_id)) is None:
            session.add(
                t.Share(
                    footprint_id=pf_id, recipient_company_id=recipient_company_id, created_at=now
                )
            )
            added += 1
    session.flush()
    return added


# ---------------------------------------------------------------- transport activity data


def query_tads(
    session: Session, company_id: str, limit: int, offset: int, mode: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """TAD rows of a company (optionally of given modes), stable order, ``limit + 1`` at most."""
    query = select(t.TransportActivity.payload).where(t.TransportActivity.company_id == company_id)
    if mode:
        query = query.where(func.lower(t.TransportActivity.mode).in_([m.lower() for m in mode]))
    query = query.order_by(t.TransportActivity.departure_at, t.TransportActivity.id)
    return list(session.scalars(query.offset(offset).limit(limit + 1)))


# ---------------------------------------------------------------- events


@dataclass
class StoredEvent:
    row_id: int
    created: bool


def add_event(
    session: Session, company_id: str, payload: Mapping[str, Any], status: str
) -> StoredEvent:
    """Record a received event; an event re-sent with the same (source, id) is not duplicated."""
    existing = session.scalar(
        select(t.Event).where(
            t.Event.company_id == company_id,
            t.Event.source == str(payload["source"]),
            t.Event.event_id == str(payload["id"]),
        )
    )
    if existing is not None:
        return StoredEvent(existing.id, False)
    row = t.Event(
        company_id=company_id,
        event_id=str(payload["id"]),
        source=str(payload["source"]),
        type=str(payload["type"]),
        payload=dict(payload),
        received_at=utcnow(),
        status=status,
    )
    session.add(row)
    session.flush()
    return StoredEvent(row.id, True)


def set_event_status(session: Session, row_id: int, status: str, detail: str | None = None) -> None:
    row = session.get(t.Event, row_id)
    if row is not None:
        row.status = status
        row.detail = detail


def list_events(session: Session, company_id: str) -> list[t.Event]:
    return list(
        session.scalars(
            select(t.Event).where(t.Event.company_id == company_id).order_by(t.Event.id)
        )
    )
