"""A TCE table imported into the store keeps each shipment's scope 3 category and its
primary-data share, as `keten footprint` computed them, so `report scope3` is traceable."""

from __future__ import annotations

from pathlib import Path

import pytest

import keten
from keten.errors import ValidationError
from keten.services import companies, exchange
from keten.services.report import scope3_report
from keten.store import Store

HEADER = "shipment_id,tce_id,prev_tce_ids,toc_id,mass_kg,distance_km,departure_at,scope3_category\n"


def _tocs(tmp_path: Path) -> Path:
    path = tmp_path / "tocs.csv"
    path.write_text(
        "toc_id,mode,co2e_intensity_wtw,co2e_intensity_ttw,intensity_unit\n"
        "own_truck,road,0.05,0.04,kgCO2e/tkm\n"
    )
    return path


def test_categories_and_primary_shares_come_from_the_table(store: Store, tmp_path: Path) -> None:
    tces = tmp_path / "tces.csv"
    tces.write_text(
        HEADER
        + "A,A1,,own_truck,1000,100,2026-03-01T08:00:00Z,4\n"  # 5 kg, primary
        + "A,A2,A1,road_artic_40t_diesel,1000,100,,4\n"  # default
        + "B,B1,,road_artic_40t_diesel,2000,50,2026-05-01T08:00:00Z,9\n"
    )
    companies.add_company(store, "Shipper", company_id="shipper")
    table = exchange.footprints_from_table(tces, tocs=_tocs(tmp_path))
    exchange.import_footprints(
        store,
        "shipper",
        table.shipment_footprints,
        scope3_category=table.scope3_category,
        primary_data_share_pct=table.primary_data_share_pct,
    )
    result = keten.footprint(tces, tocs=_tocs(tmp_path))
    by_id = {s.shipment_id: s for s in result.shipments}
    rows = {r.scope3_category: r for r in scope3_report(store, 2026, "shipper")}
    assert set(rows) == {4, 9}
    assert rows[4].co2e_wtw_kg == pytest.approx(float(by_id["A"].co2e_wtw_kg))
    assert rows[4].primary_data_share_pct == pytest.approx(
        float(by_id["A"].primary_data_share * 100)
    )
    assert 0 < rows[4].primary_data_share_pct < 100
    assert rows[9].primary_data_share_pct == 0


def test_a_shipment_in_two_categories_is_refused(tmp_path: Path) -> None:
    tces = tmp_path / "tces.csv"
    tces.write_text(
        HEADER
        + "A,A1,,road_artic_40t_diesel,1000,100,,4\n"
        + "A,A2,A1,road_artic_40t_diesel,1000,100,,9\n"
    )
    with pytest.raises(ValidationError, match="categories 4, 9"):
        exchange.footprints_from_table(tces)
