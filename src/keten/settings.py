"""Settings: one explicit object, read from ``KETEN_*`` environment variables, passed in."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_home() -> Path:
    """Where keten keeps its embedded SQLite store and keys unless told otherwise."""
    return Path.home() / ".keten"


class Settings(BaseSettings):
    """Run-time settings. Environment variables use the ``KETEN_`` prefix, e.g.
    ``KETEN_DATABASE_URL=postgresql+psycopg://user@host/db``."""

    model_config = SettingsConfigDict(env_prefix="KETEN_", extra="ignore")

    home: Path = Field(
        default_factory=default_home, description="data folder for the embedded store"
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in `home`"
    )
    factor_set: str | None = Field(default=None, description="factor-set version; default: latest")
    host: str = "127.0.0.1"
    port: int = 8000
    token_ttl_s: int = 3600
    max_body_bytes: int = 50 * 1024 * 1024
    tile_url: str | None = Field(
        default=None, description="base-map tile URL template; none = plain"
    )
    secret_key: str | None = Field(default=None, description="signing key for tokens and sessions")

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'keten.sqlite'}"
