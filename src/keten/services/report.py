"""CSRD figures: ESRS E1 scope 3 transport totals from the stored shipments.

Category 4 (upstream transportation and distribution) and category 9 (downstream) follow the
GHG Protocol Scope 3 Standard that ESRS E1-6 refers to. Each shipment carries the category it
was imported with (``import_footprints(..., scope3_category=4|9)``); shipments imported without
one are reported as "unclassified" so nothing silently disappears.

Own and received: rows with ``source`` "own" come from shipments computed or imported here;
rows "received: <partner>" from partners' iLEAP ShipmentFootprints collected with
``keten partner fetch`` / ``request`` (their WTW PCF, in the partner's scope 3 category).
They are listed apart and never merged, so a reader sees which figures are whose; a
shipment both computed here and received from its carrier would be counted twice.

Primary-data share: the emission-weighted mean of the shipments' primary-data share (%), as in
PACT's ``primaryDataShare``; a shipment with no known share counts as 0 % primary.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select

from keten.errors import NotFoundError
from keten.store import Store
from keten.store import repository as repo
from keten.store import tables as t

CATEGORY_LABELS = {
    4: "upstream transportation and distribution (scope 3 category 4)",
    9: "downstream transportation and distribution (scope 3 category 9)",
    None: "unclassified (no scope 3 category given on import)",
}


@dataclass(frozen=True)
class Scope3Row:
    company_id: str
    year: int
    scope3_category: int | None
    label: str
    shipments: int
    transport_activity_tkm: float
    co2e_wtw_kg: float
    co2e_ttw_kg: float
    primary_data_share_pct: float
    source: str = "own"
    statements_verified: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def scope3_report(
    store: Store, year: int, company_id: str | None = None, *, received: bool = True
) -> list[Scope3Row]:
    """Totals per company and category (4, 9, then unclassified) for shipments of ``year``,
    then (``received``) the partners' shipment footprints of that year, per partner."""
    with store.transaction() as session:
        if company_id is not None and repo.get_company(session, company_id) is None:
            raise NotFoundError(f"no company '{company_id}'")
        query = select(
            t.Shipment.company_id,
            t.Shipment.scope3_category,
            t.Shipment.transport_activity_tkm,
            t.Shipment.co2e_wtw_kg,
            t.Shipment.co2e_ttw_kg,
            t.Shipment.primary_data_share_pct,
        ).where(t.Shipment.reference_year == year)
        if company_id is not None:
            query = query.where(t.Shipment.company_id == company_id)
        rows = session.execute(query).all()
    groups: dict[tuple[str, int | None], list[Any]] = {}
    for row in rows:
        groups.setdefault((row.company_id, row.scope3_category), []).append(row)
    out: list[Scope3Row] = []
    order = {4: 0, 9: 1, None: 2}
    for (cid, category), members in sorted(
        groups.items(), key=lambda g: (g[0][0], order.get(g[0][1], 3))
    ):
        wtw = sum(m.co2e_wtw_kg for m in members)
        primary = sum(m.co2e_wtw_kg * (m.primary_data_share_pct or 0.0) for m in members)
        out.append(
            Scope3Row(
                company_id=cid,
                year=year,
                scope3_category=category,
                label=CATEGORY_LABELS.get(category, f"category {category}"),
                shipments=len(members),
                transport_activity_tkm=sum(m.transport_activity_tkm for m in members),
                co2e_wtw_kg=wtw,
                co2e_ttw_kg=sum(m.co2e_ttw_kg for m in members),
                primary_data_share_pct=(primary / wtw) if wtw > 0 else 0.0,
            )
        )
    if received:
        from keten.services.received import received_totals

        out += [
            Scope3Row(
                company_id=r.company_id,
                year=year,
                scope3_category=r.scope3_category,
                label=CATEGORY_LABELS.get(r.scope3_category, f"category {r.scope3_category}"),
                shipments=r.shipments,
                transport_activity_tkm=r.transport_activity_tkm,
                co2e_wtw_kg=r.co2e_wtw_kg,
                co2e_ttw_kg=r.co2e_ttw_kg,
                primary_data_share_pct=r.primary_data_share_pct,
                source=f"received: {r.partner}",
                statements_verified=r.statements_verified,
            )
            for r in received_totals(store, year, company_id)
        ]
    return out
