"""keten's persistent store: SQLAlchemy 2 on an embedded SQLite file or PostgreSQL."""

from __future__ import annotations

from keten.settings import Settings
from keten.store.migrations import current_version, latest_version, migrate
from keten.store.repository import Store, utcnow


def open_store(settings: Settings) -> Store:
    """Open (and migrate) the store named by ``settings`` (SQLite file in ``home`` by default)."""
    url = settings.resolved_database_url()
    if url.startswith("sqlite:///"):
        settings.home.mkdir(parents=True, exist_ok=True)
    return Store(url)


__all__ = ["Store", "current_version", "latest_version", "migrate", "open_store", "utcnow"]
