"""Footprints received from partners: listing with provenance and statement status, the
TOCs/HOCs they shared (for ``keten footprint``), and totals for the scope 3 report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from keten.exchange import received
from keten.services.partners import find_partner, stamp
from keten.store import Store
from keten.store import tables as t


@dataclass(frozen=True)
class ReceivedInfo:
    partner: str
    footprint_id: str
    kind: str
    local_id: str | None
    pact_version: int
    spec_version: str
    declared_unit: str
    declared_amount: float
    co2e_kg: float
    reference_year: int | None
    sha256: str
    received_at: str | None
    via: str
    statement_status: str
    statement_detail: str | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def received_footprints(
    store: Store, company_id: str, partner: str | None = None, *, with_payload: bool = False
) -> list[ReceivedInfo] | list[dict[str, Any]]:
    """Footprints received by ``company_id`` (from one partner or all), newest first."""
    with store.transaction() as session:
        query = (
            select(t.ReceivedFootprint, t.Partner.name)
            .join(t.Partner, t.Partner.id == t.ReceivedFootprint.partner_row_id)
            .where(t.ReceivedFootprint.company_id == company_id)
            .order_by(t.Partner.name, t.ReceivedFootprint.kind, t.ReceivedFootprint.local_id)
        )
        if partner is not None:
            find_partner(session, company_id, partner)
            query = query.where(t.Partner.name == partner)
        rows = session.execute(query).all()
        if with_payload:
            return [dict(r.payload) for r, _ in rows]
        return [
            ReceivedInfo(
                name,
                r.footprint_id,
                r.kind,
                r.local_id,
                r.pact_version,
                r.spec_version,
                r.declared_unit,
                r.declared_amount,
                r.co2e_kg,
                r.reference_year,
                r.sha256,
                stamp(r.received_at),
                r.via,
                r.statement_status,
                r.statement_detail,
            )
            for r, name in rows
        ]


def received_intensities(
    store: Store, company_id: str, partner: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The iLEAP TOCs and HOCs a partner shared (as received), for ``keten footprint``."""
    tocs: list[dict[str, Any]] = []
    hocs: list[dict[str, Any]] = []
    for payload in received_footprints(store, company_id, partner, with_payload=True):
        assert isinstance(payload, dict)
        found = received.ileap_extension(payload)
        if found is None:
            continue
        kind, data = found
        if kind == "toc":
            tocs.append(dict(data))
        elif kind == "hoc":
            hocs.append(dict(data))
    return tocs, hocs


@dataclass(frozen=True)
class ReceivedTotal:
    """Received shipment footprints of one partner and year, for the scope 3 report."""

    company_id: str
    partner: str
    scope3_category: int
    shipments: int
    transport_activity_tkm: float
    co2e_wtw_kg: float
    co2e_ttw_kg: float
    primary_data_share_pct: float
    statements_verified: int


def received_totals(store: Store, year: int, company_id: str | None = None) -> list[ReceivedTotal]:
    """Totals of received shipment footprints (iLEAP ShipmentFootprints; intensities never)
    whose reference period starts in ``year``, per company and partner."""
    with store.transaction() as session:
        query = (
            select(t.ReceivedFootprint, t.Partner.name, t.Partner.scope3_category)
            .join(t.Partner, t.Partner.id == t.ReceivedFootprint.partner_row_id)
            .where(
                t.ReceivedFootprint.reference_year == year,
                t.ReceivedFootprint.kind == "shipment",
            )
        )
        if company_id is not None:
            query = query.where(t.ReceivedFootprint.company_id == company_id)
        rows = session.execute(query).all()
    groups: dict[tuple[str, str, int], list[t.ReceivedFootprint]] = {}
    for r, name, category in rows:
        groups.setdefault((r.company_id, name, category), []).append(r)
    out = []
    for (cid, name, category), members in sorted(groups.items()):
        wtw = sum(m.co2e_kg for m in members)
        primary = sum(m.co2e_kg * (m.primary_data_share_pct or 0.0) for m in members)
        out.append(
            ReceivedTotal(
                cid,
                name,
                category,
                len(members),
                sum(m.transport_activity_tkm or 0.0 for m in members),
                wtw,
                sum(m.co2e_ttw_kg or 0.0 for m in members),
                (primary / wtw) if wtw > 0 else 0.0,
                sum(1 for m in members if m.statement_status == "verified"),
            )
        )
    return out
