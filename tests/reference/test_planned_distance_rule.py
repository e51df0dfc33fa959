"""GLEC Framework v2.0 planned-distance rule for defaults used with actual distances.

GLEC v2.0 default intensities were built on planned distances; the factor text, as quoted item
by item by climatiq for every GLEC v2.0 road factor, reads: "This factor is based on planned
distances and a -5% distance adjustment should be applied if actual distances are used" (and
-15 % for the Clean Cargo container trade lanes, e.g. climatiq 9c7a4e26, 'Other Global -
Container ship - reefer', 0.1393 kg CO2e/TEU-km). GLEC v3 rows carry no such adjustment.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from keten import footprint
from keten.factors import load_factor_set


def _row(toc_id: str, **extra: object) -> dict[str, object]:
    return {"shipment_id": "s", "tce_id": "t", "mass_kg": 10_000, "toc_id": toc_id, **extra}


def test_glec_v2_road_default_is_lowered_5_percent_for_an_actual_distance() -> None:
    # GLEC v2.0 'Rigid truck 26-32 t - Average/mixed load - Diesel 5% biodiesel blend':
    # TTW 0.09516 kg CO2e/tkm (climatiq 8df5b513); 10 t x 100 km actual = 1000 tkm.
    result = footprint([_row("road_rigid_26_32t_diesel", distance_km=100)])
    tce = result.tces[0]
    assert tce.distance_type == "actual"
    assert tce.distance_adjustment == Decimal("-0.05")
    assert tce.co2e_ttw_kg == Decimal(1000) * Decimal("0.09516") * Decimal("0.95")
    assert result.totals()["co2e_ttw_kg"] == pytest.approx(90.402)
    assert tce.transport_activity_tkm == 1000  # the activity stays the actual one
    assert "planned-distance rule" in result.method
    assert result.tce_table.column("distance_adjustment").to_pylist() == [-0.05]


def test_glec_v2_container_lane_is_lowered_15_percent_and_pollutants_follow() -> None:
    # GLEC v2.0 Clean Cargo 'Other Global - Container ship - reefer' 0.1393 kg CO2e/TEU-km
    rows = [_row("sea_container_reefer_teu", distance_km=1000, teu=1)]
    tce = footprint(rows).tces[0]
    assert tce.co2e_wtw_kg == Decimal("0.1393") * 1000 * Decimal("0.85")
    plain = load_factor_set().toc("sea_container_reefer_teu")
    assert plain.nox_g_per_unit is not None and tce.nox_kg is not None
    assert tce.nox_kg == pytest.approx(plain.nox_g_per_unit * 1000 * Decimal("0.85") / 1000)


def test_glec_v3_rows_and_non_actual_distances_are_not_adjusted() -> None:
    v3 = footprint([_row("road_artic_40t_diesel", distance_km=100)])
    assert v3.tces[0].distance_adjustment == 0
    assert v3.tces[0].co2e_wtw_kg == Decimal(1000) * Decimal("0.10467")
    assert "planned-distance rule" not in v3.method
    # a distance keten resolved (network SFD, or GCD x DAF) is not an actual one: no adjustment
    places = {"origin": "52.0,4.0", "destination": "52.5,5.0"}
    resolved = footprint([_row("road_rigid_26_32t_diesel", **places)]).tces[0]
    assert resolved.distance_type in ("sfd", "gcd")
    assert resolved.distance_adjustment == 0
    assert resolved.co2e_ttw_kg == pytest.approx(
        resolved.transport_activity_tkm * Decimal("0.09516")
    )


def test_only_glec_v2_planned_distance_rows_carry_the_adjustment() -> None:
    adjusted = {
        t.toc_id: t.actual_distance_adjustment
        for t in load_factor_set().tocs.values()
        if t.actual_distance_adjustment
    }
    assert adjusted == {
        "road_rigid_26_32t_diesel": Decimal("-0.05"),
        "road_artic_40t_cng_reefer": Decimal("-0.05"),
        "sea_container_reefer_teu": Decimal("-0.15"),
    }
    for toc_id in adjusted:
        assert "GLEC Framework v2.0" in load_factor_set().toc(toc_id).source
    # keten-2026.1 is unchanged: no adjustment column
    old = load_factor_set("keten-2026.1").tocs.values()
    assert not any(t.actual_distance_adjustment for t in old)


def test_the_disclosure_records_the_adjustment_so_a_verifier_can_recompute() -> None:
    from datetime import date

    from keten.services.report_iso14083 import iso14083_report

    rows = [
        _row("road_rigid_26_32t_diesel", distance_km=100, departure_at="2026-03-01T08:00:00Z"),
        {**_row("road_artic_40t_diesel", distance_km=50), "tce_id": "t2", "prev_tce_ids": "t"},
    ]
    doc = iso14083_report(footprint(rows), date(2026, 1, 1), date(2026, 12, 31))
    assert "planned-distance rule" in doc["method"]
    factors = {r["toc_id"]: r for r in doc["factors_used"]["tocs"]}
    for t in doc["chains"][0]["tces"]:
        f = factors[t["factor_id"]]
        scale = 1 + Decimal(t["distance_adjustment"])
        wtw = Decimal(t["activity"]) * Decimal(f["co2e_wtw_kg_per_unit"]) * scale
        assert wtw == Decimal(t["co2e_wtw_kg"])
        expected = Decimal(f["actual_distance_adjustment"] or 0)
        assert Decimal(t["distance_adjustment"]) == expected
