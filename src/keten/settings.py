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
    partner_key: str | None = Field(
        default=None,
        description="Fernet key encrypting partners' client secrets; default: a key file "
        "`partner-secrets.key` in `home` (created on first use, mode 0600)",
    )
    public_url: str | None = Field(
        default=None,
        description="this host's public base URL, the `source` of events sent to partners",
    )
    partner_timeout_s: float = Field(default=15.0, description="per HTTP call to a partner")
    partner_deadline_s: float = Field(default=120.0, description="whole fetch from a partner")
    partner_max_page_bytes: int = Field(default=20 * 1024 * 1024, description="per response")
    partner_max_pages: int = Field(default=1000, description="pages followed per fetch")

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'keten.sqlite'}"
