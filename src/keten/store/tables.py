"""SQLAlchemy 2 table definitions of keten's store (SQLite or PostgreSQL).

Multi-valued filter fields of a ProductFootprint (productIds, companyIds, classifications) live in
child tables with lower-cased values, so that PACT's case-insensitive OR-within / AND-across
filters run as indexed SQL. Datetimes are stored as naive UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of every keten table."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        dict[str, Any] | None: JSON,
        list[Any]: JSON,
    }


class SchemaVersion(Base):
    """One row per applied migration."""

    __tablename__ = "schema_version"
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    applied_at: Mapped[datetime] = mapped_column(DateTime)


class ServerSecret(Base):
    """Server-side secrets (the token signing key), generated once per store."""

    __tablename__ = "server_secrets"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Company(Base):
    """A tenant: a company that owns data, holds credentials and receives shares.

    ``callback_client_id``/``callback_client_secret`` are the credentials this company gave
    keten for calling back *its* PACT host (``/auth/token`` then ``/3/events``); they must be
    recoverable and are therefore stored as given (protect the store like a key file).
    """

    __tablename__ = "companies"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    company_urns: Mapped[list[Any]] = mapped_column(JSON, default=list)
    callback_client_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    callback_client_secret: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # When set, RequestCreated events are answered only if their source is this host (no calls
    # to addresses a caller chooses).
    callback_base_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # Secret key of the company's footprint ids (hex of 32 random bytes; HMAC-SHA-256 of kind
    # and local id, see keten.exchange.pact.footprint_id_for): ids nobody else can compute.
    footprint_id_key: Mapped[str | None] = mapped_column(String(100), nullable=True)


class ClientCredential(Base):
    """OAuth2 client credentials of a company; the secret is stored only as a salted scrypt hash."""

    __tablename__ = "client_credentials"
    client_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(200))
    secret_salt: Mapped[str] = mapped_column(String(100))
    scopes: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Shipment(Base):
    """One imported shipment of a company, with totals for reporting (CSRD scope 3)."""

    __tablename__ = "shipments"
    __table_args__ = (UniqueConstraint("company_id", "shipment_id", name="uq_shipment_company"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id"), index=True)
    shipment_id: Mapped[str] = mapped_column(String(300))
    scope3_category: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reference_year: Mapped[int] = mapped_column(Integer, index=True)
    mass_kg: Mapped[float] = mapped_column(Float)
    transport_activity_tkm: Mapped[float] = mapped_column(Float)
    co2e_wtw_kg: Mapped[float] = mapped_column(Float)
    co2e_ttw_kg: Mapped[float] = mapped_column(Float)
    primary_data_share_pct: Mapped[float | None] = mapped_column(Float, nullable=True)
    shipment_footprint: Mapped[dict[str, Any]] = mapped_column(JSON)
    imported_at: Mapped[datetime] = mapped_column(DateTime)
    # Data sources of the footprint as keten computed it (rating, biogenic CO2, WTW shares by
    # data source and factor status; keten.exchange.ileap.shipment_data_quality); None when
    # the import was ShipmentFootprint JSON, which does not carry them.
    data_quality: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class TransportChainElement(Base):
    """One TCE of a shipment (iLEAP TCE JSON plus its emission columns)."""

    __tablename__ = "tces"
    __table_args__ = (UniqueConstraint("shipment_row_id", "tce_id", name="uq_tce_shipment"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shipment_row_id: Mapped[int] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE"), index=True
    )
    tce_id: Mapped[str] = mapped_column(String(300))
    co2e_wtw_kg: Mapped[float] = mapped_column(Float)
    co2e_ttw_kg: Mapped[float] = mapped_column(Float)
    transport_activity_tkm: Mapped[float] = mapped_column(Float)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class TransportActivity(Base):
    """iLEAP Transport Activity Data (TAD) of a company, served by ``GET /2/ileap/tad``."""

    __tablename__ = "transport_activities"
    __table_args__ = (UniqueConstraint("company_id", "activity_id", name="uq_tad_company"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id"), index=True)
    activity_id: Mapped[str] = mapped_column(String(300))
    mode: Mapped[str] = mapped_column(String(50), index=True)
    departure_at: Mapped[datetime] = mapped_column(DateTime)
    arrival_at: Mapped[datetime] = mapped_column(DateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class ProductFootprintRow(Base):
    """A PACT v3 ProductFootprint (full JSON) with indexed columns for the v3 filters."""

    __tablename__ = "product_footprints"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id"), index=True)
    shipment_row_id: Mapped[int | None] = mapped_column(
        ForeignKey("shipments.id", ondelete="SET NULL"), nullable=True
    )
    status: Mapped[str] = mapped_column(String(20))
    status_lower: Mapped[str] = mapped_column(String(20), index=True)
    created: Mapped[datetime] = mapped_column(DateTime)
    validity_start: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    validity_end: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    geography_country: Mapped[str | None] = mapped_column(String(10), nullable=True)
    geography_region: Mapped[str | None] = mapped_column(String(100), nullable=True)
    geography_subdivision: Mapped[str | None] = mapped_column(String(20), nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The PACT v2.3 document of the same footprint, built at import by the same builder as
    # ``keten footprint --pact-version 2`` (keten.exchange.ileap.v2_document), served by /2.
    payload_v2: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


Index(
    "ix_pf_company_created_id",
    ProductFootprintRow.company_id,
    ProductFootprintRow.created,
    ProductFootprintRow.id,
)


class _FootprintValue:
    """Columns shared by the child tables holding one lower-cased filter value each."""

    footprint_id: Mapped[str] = mapped_column(
        ForeignKey("product_footprints.id", ondelete="CASCADE"), primary_key=True
    )
    value: Mapped[str] = mapped_column(String(500), primary_key=True, index=True)


class FootprintProductId(_FootprintValue, Base):
    __tablename__ = "footprint_product_ids"


class FootprintCompanyId(_FootprintValue, Base):
    __tablename__ = "footprint_company_ids"


class FootprintClassification(_FootprintValue, Base):
    __tablename__ = "footprint_classifications"


class Share(Base):
    """A footprint its owner shared with another company (the recipient may list/get it)."""

    __tablename__ = "shares"
    footprint_id: Mapped[str] = mapped_column(
        ForeignKey("product_footprints.id", ondelete="CASCADE"), primary_key=True
    )
    recipient_company_id: Mapped[str] = mapped_column(
        ForeignKey("companies.id"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Event(Base):
    """A PACT CloudEvent received on ``POST /3/events`` and what keten did with it."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("company_id", "source", "event_id", name="uq_event"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id"), index=True)
    event_id: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(1000))
    type: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(50))
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)


class ChainStatement(Base):
    """A signed Carbon Added statement as received (verification lives in exchange/chain.py)."""

    __tablename__ = "chain_statements"
    __table_args__ = (
        UniqueConstraint("company_id", "statement_hash", name="uq_statement_company"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id"), index=True)
    statement_hash: Mapped[str] = mapped_column(String(200))
    shipment_id: Mapped[str | None] = mapped_column(String(300), nullable=True, index=True)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    trusted: Mapped[bool] = mapped_column(Boolean, default=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class PartnerPublicKey(Base):
    """An Ed25519 public key that ``company_id`` trusts for statements signed by
    ``partner_company_id`` (its own key or a partner's): the company's trust list."""

    __tablename__ = "partner_public_keys"
    __table_args__ = (UniqueConstraint("company_id", "key_id", name="uq_key_company"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id"), index=True)
    key_id: Mapped[str] = mapped_column(String(300))  # the key fingerprint, sha256:<hex>
    partner_company_id: Mapped[str] = mapped_column(String(300))
    partner_company_name: Mapped[str | None] = mapped_column(String(300), nullable=True)
    public_key: Mapped[str] = mapped_column(Text)  # base64 of the raw 32-byte key
    created_at: Mapped[datetime] = mapped_column(DateTime)


class DashboardUser(Base):
    """A person who logs in to the web dashboard with a password (a session cookie), apart
    from PACT client credentials; the password is stored only as a salted scrypt hash."""

    __tablename__ = "dashboard_users"
    username: Mapped[str] = mapped_column(String(200), primary_key=True)
    company_id: Mapped[str | None] = mapped_column(ForeignKey("companies.id"), nullable=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    password_salt: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Partner(Base):
    """A partner's PACT host that ``company_id`` collects footprints from (keten as a client).

    The client secret is stored only encrypted (Fernet; the key lives outside the store, see
    :mod:`keten.services.partner_secrets`). ``tenant_company_id`` is the company in this
    store whose credentials the partner uses to call *us* back (answers to our requests)."""

    __tablename__ = "partners"
    __table_args__ = (UniqueConstraint("company_id", "name", name="uq_partner_company"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    base_url: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(300))
    client_secret_encrypted: Mapped[str] = mapped_column(Text)
    pact_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    scope3_category: Mapped[int] = mapped_column(Integer, default=4)
    tenant_company_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    status: Mapped[str] = mapped_column(String(50), default="new")
    last_fetch_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ReceivedFootprint(Base):
    """A ProductFootprint received from a partner, exactly as received (``payload``), with its
    provenance (partner, time, PACT version, SHA-256 of the canonical JSON) and the figures
    keten read from it; ``statement_status`` is the verification of an attached signed
    Carbon Added bundle (``none`` when there is none)."""

    __tablename__ = "received_footprints"
    __table_args__ = (
        UniqueConstraint("partner_row_id", "footprint_id", name="uq_received_partner_pf"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id"), index=True)
    partner_row_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    footprint_id: Mapped[str] = mapped_column(String(36))
    pact_version: Mapped[int] = mapped_column(Integer)
    spec_version: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))  # shipment, toc, hoc or other
    local_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    declared_unit: Mapped[str] = mapped_column(String(50))
    declared_amount: Mapped[float] = mapped_column(Float)
    co2e_kg: Mapped[float] = mapped_column(Float)
    co2e_ttw_kg: Mapped[float | None] = mapped_column(Float, nullable=True)
    transport_activity_tkm: Mapped[float | None] = mapped_column(Float, nullable=True)
    primary_data_share_pct: Mapped[float | None] = mapped_column(Float, nullable=True)
    reference_year: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    sha256: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime] = mapped_column(DateTime)
    via: Mapped[str] = mapped_column(String(30))  # fetch or request:<event id>
    statement_status: Mapped[str] = mapped_column(String(40), default="none")
    statement_detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class DataRequest(Base):
    """A RequestCreated event ``company_id`` sent to a partner, and its answer."""

    __tablename__ = "data_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.id"), index=True)
    partner_row_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(String(100), unique=True)
    pact_version: Mapped[int] = mapped_column(Integer)
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(30))  # sent, failed, fulfilled, rejected
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    footprint_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
