"""A cheap number that changes whenever something the host keeps in memory may have changed in
the database, read before a kept page or credential check is used.

- SQLite file: ``PRAGMA data_version`` on a connection of its own (which never writes); it
  changes whenever any other connection, in this process or another, commits to the file
  (SQLite docs, "PRAGMA data_version").
- PostgreSQL: the row of ``keten_revision``, counted up by a ``BEFORE ... FOR EACH STATEMENT``
  trigger on every table in :data:`TRACKED_TABLES` (migration 8). The count is part of the
  writing transaction, so it becomes visible with the data it announces, at the same commit
  (PostgreSQL docs, "Overview of Trigger Behavior": statement-level triggers run once per
  statement, even when it changes no row). The trigger runs before the statement touches a row,
  so a writer takes the counter's row lock before any row lock of a tracked table and two
  writers cannot wait for each other in the tracked tables; writers of tracked tables do queue
  on it until the first commits (an import's swap, a revocation, a share). It is read on a
  connection of its own in autocommit mode: each read sees every commit made before it.

One read serves every request that arrived before it began (:func:`request_arrived` marks a
request's arrival; a read begun after it sees every commit made before it), so under load one
round trip to PostgreSQL answers many requests; a call outside a marked request always reads.

``None`` means "no cheap counter" (SQLite ``:memory:``, or the counter could not be read):
nothing is kept then and every read goes to the database.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, event

if TYPE_CHECKING:
    from keten.store.repository import Store

#: Tables whose rows kept pages and credential checks are made of (a test checks that the
#: compiled read statements name no other table).
TRACKED_TABLES = (
    "product_footprints",
    "shares",
    "footprint_product_ids",
    "footprint_company_ids",
    "footprint_classifications",
    "client_credentials",
)
REVISION_TABLE = "keten_revision"
_BUMP_FUNCTION = "keten_bump_revision"


def install_postgres_revision(conn: Connection) -> None:
    """Create the counter, its function and one trigger per tracked table (PostgreSQL)."""
    conn.exec_driver_sql(
        f"CREATE TABLE IF NOT EXISTS {REVISION_TABLE} "
        "(id integer PRIMARY KEY CHECK (id = 1), value bigint NOT NULL)"
    )
    conn.exec_driver_sql(
        f"INSERT INTO {REVISION_TABLE} (id, value) VALUES (1, 0) ON CONFLICT (id) DO NOTHING"
    )
    conn.exec_driver_sql(
        f"CREATE OR REPLACE FUNCTION {_BUMP_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN UPDATE {REVISION_TABLE} SET value = value + 1 WHERE id = 1; "
        "RETURN NULL; END $$"
    )
    for table in TRACKED_TABLES:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {REVISION_TABLE} ON {table}")
        conn.exec_driver_sql(
            f"CREATE TRIGGER {REVISION_TABLE} BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {_BUMP_FUNCTION}()"
        )


class _SqliteDataVersion:
    def __init__(self, path: str) -> None:
        self._connection = sqlite3.connect(path, check_same_thread=False)
        self._connection.execute("PRAGMA query_only = 1")

    def read(self) -> int:
        return int(self._connection.execute("PRAGMA data_version").fetchone()[0])

    def close(self) -> None:
        self._connection.close()


class _PostgresRevision:
    def __init__(self, store: Store) -> None:
        self._engine = store.engine  # not the store: what is kept for it must not hold it
        self._connection: Any = None

    def _connect(self) -> Any:
        pooled = self._engine.raw_connection()
        connection: Any = pooled.driver_connection
        pooled.detach()  # this connection is ours alone from now on
        connection.rollback()  # (the pool's pre-ping may have begun a transaction)
        connection.autocommit = True
        return connection

    def _read_once(self) -> int:
        if self._connection is None:
            self._connection = self._connect()
        row = self._connection.execute(f"SELECT value FROM {REVISION_TABLE} WHERE id = 1")
        return int(row.fetchone()[0])

    def read(self) -> int:
        try:
            return self._read_once()
        except Exception:  # once more on a fresh connection (the server restarted, say)
            self.close()
        return self._read_once()

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            finally:
                self._connection = None


_arrived: ContextVar[float | None] = ContextVar("keten_request_arrived", default=None)


@contextmanager
def request_arrived() -> Iterator[None]:
    """Mark the start of a request (``time.monotonic``) for the counter reads made within it."""
    token = _arrived.set(time.monotonic())
    try:
        yield
    finally:
        _arrived.reset(token)


class Revision:
    """The change counter of one store; :meth:`read` is None when there is none."""

    def __init__(self, store: Store) -> None:
        self._lock = threading.Lock()
        self._last: int | None = None
        self._last_began = float("-inf")
        self._engine = store.engine
        self._source: _SqliteDataVersion | _PostgresRevision | None = None
        if store.dialect == "sqlite":
            path = store.engine.url.database
            if path and path != ":memory:":
                self._source = _SqliteDataVersion(path)
        elif store.dialect == "postgresql":
            self._source = _PostgresRevision(store)
        # a commit through this store (a request that writes, then reads) is never hidden
        event.listen(store.engine, "commit", self._forget)

    def _forget(self, *_: Any) -> None:
        self._last_began = float("-inf")

    def read(self) -> int | None:
        """The counter as of a read begun after the current request arrived (now, outside
        a request marked by :func:`request_arrived`)."""
        if self._source is None:
            return None
        arrived = _arrived.get()
        with self._lock:
            if arrived is not None and self._last is not None and self._last_began > arrived:
                return self._last
            began = time.monotonic()
            try:
                value = self._source.read()
            except Exception:  # no counter now: keep nothing, read the database
                self._last = None
                return None
            if began > self._last_began:
                self._last, self._last_began = value, began
            return value

    def close(self) -> None:
        with self._lock:
            if self._source is not None:
                self._source.close()
        if event.contains(self._engine, "commit", self._forget):
            event.remove(self._engine, "commit", self._forget)
