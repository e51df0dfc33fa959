"""A small versioned migration runner: a ``schema_version`` table and ordered migrations.

Each migration is a function of a SQLAlchemy ``Connection`` run inside one transaction with the
row that records it, so a failing migration leaves the schema as it was (PostgreSQL has
transactional DDL; on SQLite the DDL of a failed step is rolled back too). Migrations are
append-only: never edit a released one, add the next number.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    delete,
    insert,
    inspect,
    select,
    text,
    update,
)

from keten.store import tables as t

Migration = tuple[int, str, Callable[[Connection], None]]

#: Tables of schema version 1, by name (created from their current definitions).
_V1_TABLES = [
    "server_secrets",
    "companies",
    "client_credentials",
    "shipments",
    "tces",
    "transport_activities",
    "product_footprints",
    "footprint_product_ids",
    "footprint_company_ids",
    "footprint_classifications",
    "shares",
    "events",
    "chain_statements",
    "partner_public_keys",
]


def _v1_initial(conn: Connection) -> None:
    meta = t.Base.metadata
    meta.create_all(conn, tables=[meta.tables[name] for name in _V1_TABLES])


def _v2_dashboard_users(conn: Connection) -> None:
    t.DashboardUser.__table__.create(conn)  # type: ignore[attr-defined]


def _v3_callback_base_url(conn: Connection) -> None:
    # Version 1 creates tables from their current definitions, so a new database already has
    # the column; an older one gets it here.
    columns = {c["name"] for c in inspect(conn).get_columns("companies")}
    if "callback_base_url" not in columns:
        conn.execute(text("ALTER TABLE companies ADD COLUMN callback_base_url VARCHAR(500)"))


def _v4_partners(conn: Connection) -> None:
    t.Partner.__table__.create(conn, checkfirst=True)  # type: ignore[attr-defined]


def _v5_received_footprints(conn: Connection) -> None:
    t.ReceivedFootprint.__table__.create(conn, checkfirst=True)  # type: ignore[attr-defined]


def _v6_data_requests(conn: Connection) -> None:
    t.DataRequest.__table__.create(conn, checkfirst=True)  # type: ignore[attr-defined]


def _add_column(conn: Connection, table: str, column: str, sql_type: str) -> None:
    if column not in {c["name"] for c in inspect(conn).get_columns(table)}:
        conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}"))


def new_footprint_id_key() -> str:
    """A company's secret for its footprint ids: 32 random bytes, hex."""
    return secrets.token_hex(32)


_PRODUCT_URN = "urn:pathfinder:product:customcode:vendor-assigned:"


def _kind_and_local_id(payload: dict[str, Any]) -> tuple[str, str] | None:
    for urn in payload.get("productIds") or []:
        if isinstance(urn, str) and urn.startswith(_PRODUCT_URN):
            kind, _, local_id = urn[len(_PRODUCT_URN) :].partition(":")
            if kind in ("shipment", "toc", "hoc") and local_id:
                return kind, local_id
    return None


def _v7_secret_footprint_ids(conn: Connection) -> None:
    """Footprint ids become HMAC-SHA-256 of a per-company secret (they were UUID v5 of company
    and shipment id, which anyone could compute), every footprint gets its stored PACT v2
    document, and shipments their data sources. Footprints of old stores get their new id
    here once; after that a re-import keeps it."""
    from keten.exchange import ileap, pact

    _add_column(conn, "companies", "footprint_id_key", "VARCHAR(100)")
    _add_column(conn, "shipments", "data_quality", "JSON")
    _add_column(conn, "product_footprints", "payload_v2", "JSON")
    companies: Table = t.Company.__table__  # type: ignore[assignment]
    pf: Table = t.ProductFootprintRow.__table__  # type: ignore[assignment]
    keys: dict[str, bytes] = {}
    for company_id, key in conn.execute(select(companies.c.id, companies.c.footprint_id_key)):
        if not key:
            key = new_footprint_id_key()
            conn.execute(
                update(companies).where(companies.c.id == company_id).values(footprint_id_key=key)
            )
        keys[company_id] = bytes.fromhex(key)
    children: list[Table] = [
        t.FootprintProductId.__table__,  # type: ignore[list-item]
        t.FootprintCompanyId.__table__,  # type: ignore[list-item]
        t.FootprintClassification.__table__,  # type: ignore[list-item]
        t.Share.__table__,  # type: ignore[list-item]
    ]
    for row in conn.execute(select(pf)).mappings().all():
        payload = dict(row["payload"])
        found = _kind_and_local_id(payload)
        new_id = row["id"]
        if found is not None and row["company_id"] in keys:
            kind, local_id = found
            if row["id"] == pact.footprint_id_for(row["company_id"], kind, local_id):
                new_id = pact.footprint_id_for(
                    row["company_id"], kind, local_id, keys[row["company_id"]]
                )
        payload["id"] = new_id
        values = {**row, "id": new_id, "payload": payload, "payload_v2": ileap.v2_document(
            payload, None)}
        if new_id == row["id"]:
            conn.execute(update(pf).where(pf.c.id == row["id"]).values(
                payload=payload, payload_v2=values["payload_v2"]))
            continue
        conn.execute(insert(pf).values(**values))
        for child in children:
            conn.execute(
                update(child).where(child.c.footprint_id == row["id"]).values(footprint_id=new_id)
            )
        conn.execute(delete(pf).where(pf.c.id == row["id"]))


def _v8_stored_json_and_revision(conn: Connection) -> None:
    """Stored footprint documents become the exact text the host sends
    (:func:`keten.store.json_text.json_text`; rows written through the ORM had ``json.dumps``'
    spaced text), and on PostgreSQL a change counter tells kept pages from stale ones
    (:mod:`keten.store.revision`)."""
    import json

    from keten.store.json_text import json_text
    from keten.store.revision import install_postgres_revision

    postgres = conn.dialect.name == "postgresql"
    as_json = "CAST(:text AS json)" if postgres else ":text"
    rows = conn.execute(
        text(
            "SELECT id, CAST(payload AS TEXT), CAST(payload_v2 AS TEXT) "
            "FROM product_footprints"
        )
    ).all()
    for pf_id, *texts in rows:
        for column, stored in zip(("payload", "payload_v2"), texts, strict=True):
            if stored is None:
                continue
            canonical = json_text(json.loads(stored))
            if canonical != stored:
                conn.execute(
                    text(f"UPDATE product_footprints SET {column} = {as_json} WHERE id = :id"),
                    {"text": canonical, "id": pf_id},
                )
    if postgres:
        install_postgres_revision(conn)


MIGRATIONS: list[Migration] = [
    (
        1,
        "initial schema: companies, credentials, shipments, footprints, shares, events, chain",
        _v1_initial,
    ),
    (2, "dashboard users (web sessions)", _v2_dashboard_users),
    (3, "companies.callback_base_url: where RequestCreated answers may go", _v3_callback_base_url),
    (4, "partners: PACT hosts a company collects from (secrets encrypted)", _v4_partners),
    (5, "received_footprints: partners' footprints with provenance", _v5_received_footprints),
    (6, "data_requests: RequestCreated events sent to partners", _v6_data_requests),
    (
        7,
        "secret footprint ids (HMAC per company), stored PACT v2 documents, data sources",
        _v7_secret_footprint_ids,
    ),
    (
        8,
        "stored footprint JSON as the host sends it; PostgreSQL change counter (keten_revision)",
        _v8_stored_json_and_revision,
    ),
]


def current_version(engine: Engine) -> int:
    """Highest applied migration number (0 for an empty database)."""
    if not inspect(engine).has_table(t.SchemaVersion.__tablename__):
        return 0
    with engine.connect() as conn:
        versions = conn.execute(select(t.SchemaVersion.version)).scalars().all()
    return max(versions, default=0)


def migrate(engine: Engine) -> list[int]:
    """Apply every pending migration in order; return the numbers applied."""
    t.SchemaVersion.__table__.create(engine, checkfirst=True)  # type: ignore[attr-defined]
    done = current_version(engine)
    applied: list[int] = []
    for number, name, step in MIGRATIONS:
        if number <= done:
            continue
        with engine.begin() as conn:
            step(conn)
            conn.execute(
                t.SchemaVersion.__table__.insert().values(  # type: ignore[attr-defined]
                    version=number, name=name, applied_at=datetime.now(UTC).replace(tzinfo=None)
                )
            )
        applied.append(number)
    return applied


def latest_version() -> int:
    return MIGRATIONS[-1][0]
