"""A small versioned migration runner: a ``schema_version`` table and ordered migrations.

Each migration is a function of a SQLAlchemy ``Connection`` run inside one transaction with the
row that records it, so a failing migration leaves the schema as it was (PostgreSQL has
transactional DDL; on SQLite the DDL of a failed step is rolled back too). Migrations are
append-only: never edit a released one, add the next number.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, inspect, select, text

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
