"""keten.bundle on the demo and on small hand-made cases: KPIs, engine emissions, unserved
shipments with their reasons, zero-emission zones and EV range."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import keten
from keten.errors import ValidationError
from keten.services.bundling import demo_paths

from .conftest import fleet_text

HEADER = ("shipment_id,shipper,pickup,delivery,mass_kg,pallets,pickup_from,pickup_to,"
          "delivery_from,delivery_to\n")


@pytest.fixture(scope="module")
def demo() -> keten.BundleResult:  # type: ignore[name-defined]
    return keten.bundle(time_limit_s=0.5)


def test_demo_compares_alone_and_together(demo) -> None:
    doc = demo.as_dict()
    alone, together = doc["summary"]
    assert alone["shipments_served"] == together["shipments_served"] == 21
    # bundling with the separate plans as a start is never worse
    assert together["cost_eur"] <= alone["cost_eur"] + 1e-6
    assert together["vehicle_km"] > 0 and 0 < together["load_factor"] <= 1
    assert 0 <= together["empty_distance_factor"] < 1
    # shares add up to the bundled totals
    assert sum(a["cost_share_eur"] for a in doc["allocation"]) == pytest.approx(
        together["cost_eur"])
    assert sum(a["co2e_wtw_share_kg"] for a in doc["allocation"]) == pytest.approx(
        together["co2e_wtw_kg"])
    json.dumps(doc)


def test_demo_emissions_are_the_engines(demo) -> None:
    """The plan's TCE rows through keten.footprint with the plan's TOCs give the totals;
    total CO2e equals route energy x the carrier's WTW factor (ISO 14083 6.2 pooling)."""
    sc = demo.together
    fs = keten.load_factor_set()
    expected = 0.0
    for r in sc.plan.routes:
        expected += r.energy * float(fs.carrier(r.energy_carrier).wtw_kgco2e_per_unit)
    assert sc.footprint.totals()["co2e_wtw_kg"] == pytest.approx(expected, rel=1e-9)
    assert set(sc.footprint.tce_table.column("toc_id").to_pylist()) == set(sc.tocs)


def test_route_kpis_are_consistent(demo) -> None:
    for sc in demo.scenarios():
        for r in sc.plan.routes:
            assert r.loaded_km + r.empty_km == pytest.approx(r.distance_km)
            assert r.driving_h <= 9.0 + 1e-6 and r.duty_h <= 13.0 + 1e-6
            kinds = [st.kind for st in r.stops]
            for sid in {st.shipment_id for st in r.stops}:
                seq = [st.kind for st in r.stops if st.shipment_id == sid]
                assert seq == ["pickup", "delivery"], (sid, kinds)
            assert min(st.load_kg_after for st in r.stops) >= 0
            assert max(st.load_kg_after for st in r.stops) <= 24000


def test_bad_rows_are_unserved_with_reasons(write) -> None:
    ships = write("s.csv", HEADER
                  + 'ok,A,"51.5890,5.0050","51.5606,5.0919",1000,2,05:00,12:00,07:00,12:00\n'
                  + 'heavy,A,"51.5890,5.0050","51.5606,5.0919",30000,2,05:00,12:00,07:00,12:00\n'
                  + 'late,A,"51.5890,5.0050","51.5606,5.0919",500,1,05:00,12:00,12:00,09:00\n'
                  + 'sea,B,"51.5890,5.0050","54.5000,3.0000",500,1,05:00,12:00,07:00,18:00\n'
                  + 'tight,B,"51.3970,6.1260","51.9225,4.4792",500,1,05:00,12:00,05:00,05:30\n')
    fleet = write("f.csv", fleet_text())
    res = keten.bundle(ships, fleet, mode="together", time_limit_s=0.3)
    reasons = {u.shipment_id: (u.row, u.reason) for u in res.unserved}
    assert set(reasons) == {"heavy", "late", "sea", "tight"}
    assert reasons["heavy"][0] == 3 and "overweight" in reasons["heavy"][1]
    assert "impossible delivery window" in reasons["late"][1]
    assert "unreachable delivery" in reasons["sea"][1]
    assert "after the window closes" in reasons["tight"][1]
    assert res.together.plan.served == ["ok"]


def test_malformed_rows_fail_once_with_every_problem(write) -> None:
    ships = write("s.csv", HEADER
                  + 'a,A,Nowhereville,"51.5606,5.0919",abc,2,05:00,12:00,07:00,12:00\n'
                  + 'a,A,"51.5890,5.0050","51.5606,5.0919",100,2,25:99,12:00,07:00,12:00\n')
    fleet = write("f.csv", fleet_text())
    with pytest.raises(ValidationError) as err:
        keten.bundle(ships, fleet)
    text = err.value.report()
    assert "row 2" in text and "pickup" in text and "mass_kg" in text
    assert "duplicate shipment_id" in text and "pickup_from" in text


def test_zone_delivery_needs_zero_emission_vehicle(write) -> None:
    zones = demo_paths()[2]
    ships = write("s.csv", HEADER
                  + 'rdam,A,"51.5890,5.0050","51.9225,4.4792",1000,2,05:00,12:00,07:00,16:00\n'
                  + 'breda,A,"51.5890,5.0050","51.5890,4.7760",1000,2,05:00,12:00,07:00,16:00\n')
    no_ev = keten.bundle(ships, write("f.csv", fleet_text()), mode="together", zones=zones,
                         time_limit_s=0.3)
    assert [u.shipment_id for u in no_ev.unserved] == ["rdam"]
    assert "zero-emission zone" in no_ev.unserved[0].reason
    with_ev = keten.bundle(ships, write("g.csv", fleet_text(bev_range=300)), mode="together",
                           zones=zones, time_limit_s=0.3)
    assert not with_ev.unserved
    route = next(r for r in with_ev.together.plan.routes
                 if any(s.shipment_id == "rdam" for s in r.stops))
    assert route.vehicle_type == "ebox" and route.zone_km > 0
    assert with_ev.together.kpis()["nox_in_zone_kg"] == 0.0  # battery-electric: no exhaust


def test_ev_range_is_respected(write) -> None:
    ships = write("s.csv", HEADER
                  + 'far,A,"51.3970,6.1260","51.9225,4.4792",1000,2,05:00,12:00,07:00,18:00\n')
    res = keten.bundle(ships, write("f.csv", fleet_text(diesel=False, bev_range=150)),
                       mode="together", time_limit_s=0.3)
    assert res.unserved and "exceeds its range" in res.unserved[0].reason


def test_demo_files_ship_with_keten() -> None:
    for p in demo_paths():
        assert Path(p).is_file()
