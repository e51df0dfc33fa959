"""NOx/NH3 per source against worked values from the cited tables.

Machinery: NOx and PM = rated power x hours x load factor x the EU Stage limit (g/kWh) of
Regulation (EU) 2016/1628 Annex II / Directive 2004/26/EC Annex I. NH3 slip: the ppm limits of
Regulation (EC) 595/2009 (10 ppm, Euro VI) and 25 ppm for reagent-dosing engines, converted
here from first principles. Road NH3: the published COPERT 5.4 g/vkm (EMEP/EEA Tier 3). Road NOx:
Euro V vs Euro VI per tkm in the ratio of the factor library's factors.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from keten.construction.machinery import run_machine
from keten.construction.model import Machine
from keten.construction.tables import load_tables
from keten.factors.library import load_factor_set
from keten.model.enums import Pollutant
from keten.services.construction import ConstructionResult

TABLES = load_tables()
FS = load_factor_set()


def _machine(**kw: object) -> Machine:
    base = dict(machine_id="M", phase_id="p", machine_type="excavator", power_kw=150.0,
                stage="stage_v", hours=1000.0, load_factor=0.59)
    return Machine(**{**base, **kw})  # type: ignore[arg-type]


def test_stage_v_excavator_worked_example() -> None:
    # 150 kW x 1,000 h x 0.59 = 88,500 kWh; Stage V NRE 130-560 kW: NOx 0.40, PM 0.015 g/kWh
    run = run_machine(_machine(), TABLES, FS)
    assert run.engine_work_kwh == pytest.approx(88_500)
    assert run.nox_kg == pytest.approx(88_500 * 0.40 / 1000)  # 35.4 kg
    assert run.pm_kg == pytest.approx(88_500 * 0.015 / 1000)
    assert run.factor is not None and "2016/1628" in run.factor.source


@pytest.mark.parametrize(("stage", "power_kw", "nox_g_per_kwh", "pm_g_per_kwh"), [
    ("stage_iiia", 100, 4.0, 0.3),   # Directive 2004/26/EC, Stage IIIA 75-130 kW: HC+NOx 4.0
    ("stage_iiia", 200, 4.0, 0.2),   # Stage IIIA 130-560 kW
    ("stage_iiib", 100, 3.3, 0.025),  # Stage IIIB 75-130 kW: NOx 3.3
    ("stage_iiib", 200, 2.0, 0.025),  # Stage IIIB 130-560 kW: NOx 2.0
    ("stage_iv", 200, 0.4, 0.025),    # Stage IV 130-560 kW: NOx 0.4
    ("stage_v", 45, 4.7, 0.015),      # Stage V NRE 37-56 kW: HC+NOx 4.7
    ("stage_v", 600, 3.5, 0.045),     # Stage V NRE > 560 kW: NOx 3.5
])
def test_stage_limits(stage: str, power_kw: float, nox_g_per_kwh: float,
                      pm_g_per_kwh: float) -> None:
    run = run_machine(_machine(stage=stage, power_kw=power_kw, hours=500.0, load_factor=0.5),
                      TABLES, FS)
    kwh = power_kw * 500 * 0.5
    assert run.nox_kg == pytest.approx(kwh * nox_g_per_kwh / 1000)
    assert run.pm_kg == pytest.approx(kwh * pm_g_per_kwh / 1000)


def test_measured_nox_replaces_the_stage_iiia_limit() -> None:
    """A Stage IIIA excavator measured at 6.1 g/kWh NOx: the measurement, not the 4.0 g/kWh
    HC+NOx limit (Directive 2004/26/EC, 130-560 kW), sets its NOx; PM and NH3 keep the table."""
    limit = run_machine(_machine(stage="stage_iiia"), TABLES, FS)
    measured = run_machine(_machine(stage="stage_iiia", nox_g_per_kwh=6.1), TABLES, FS)
    assert limit.nox_kg == pytest.approx(88_500 * 4.0 / 1000)
    assert measured.nox_kg == pytest.approx(88_500 * 6.1 / 1000)
    assert measured.pm_kg == limit.pm_kg and measured.nh3_kg == limit.nh3_kg


def test_fuel_based_machine() -> None:
    # 1,000 l diesel x 0.836 kg/l / 223 g/kWh (EPA NR-009d BSFC) = 3,749 kWh of work
    run = run_machine(_machine(hours=None, fuel_l=1000.0, count=2), TABLES, FS)
    density = float(FS.carrier("diesel_nl_b7").density_kg_per_l or 0)
    kwh = 2 * 1000 * density * 1000 / 223
    assert run.engine_work_kwh == pytest.approx(kwh)
    assert run.diesel_l == pytest.approx(2000)
    assert run.nox_kg == pytest.approx(kwh * 0.40 / 1000)
    # CO2e WTW of Dutch B7 diesel per litre from the factor library (CO2emissiefactoren.nl)
    diesel = FS.carrier("diesel_nl_b7")
    assert run.co2e_wtw_kg == pytest.approx(2000 * float(diesel.wtw_kgco2e_per_unit))


def _ppm_to_g_per_kg_fuel(ppm: float) -> float:
    # exhaust = fuel + air at AFR 26 (lambda ~1.8): 27 kg per kg fuel, 28.9 g/mol; NH3 17.03 g/mol
    return ppm * 1e-6 * 27_000 / 28.9 * 17.03


def test_nh3_slip_rows_follow_from_their_ppm_limits() -> None:
    checked = 0
    for slip in TABLES.nh3_slip.values():
        match = re.search(r"NH3 (?:<= )?(\d+) ppm", slip.table)
        if match is None:
            continue
        assert slip.nh3_g_per_kg_fuel == pytest.approx(
            _ppm_to_g_per_kg_fuel(float(match.group(1))), rel=0.01), slip
        checked += 1
    assert checked >= 4
    for f in TABLES.machinery:
        if f.scr:  # 25 ppm at 223 g fuel/kWh
            assert f.nh3_g_per_kwh == pytest.approx(_ppm_to_g_per_kg_fuel(25) * 0.223, rel=0.01)
        else:
            assert f.nh3_g_per_kwh == 0


def test_every_factor_row_names_source_table_and_edition() -> None:
    rows = [*TABLES.nh3_slip.values(), *TABLES.machinery, *TABLES.road_nh3.values()]
    assert rows
    for r in rows:
        assert r.source and r.table and re.fullmatch(r"\d{4}", r.edition), r


# Published COPERT 5.4 NH3 (g per vehicle-km, hot, country Netherlands), as republished in
# eurocontrol-asu/open_alaqs, open_alaqs/database/data/default_vehicle_ef_copert5.csv (commit
# ca1540a9): "Heavy Duty Trucks,Diesel,Euro V,Netherlands,NH3,Hot,,0.011,..." ;
# "Heavy Duty Trucks,Diesel,Euro VI A/B/C,Netherlands,NH3,Hot,,0.00899..,0.009..." ;
# "Light Commercial Vehicles,Diesel,Euro 6 a/b/c,Netherlands,NH3,Hot,,0.00494..(10-70 km/h),
# 0.007 (80-130 km/h)".
PUBLISHED_NH3_G_PER_VKM = {
    ("HEAVY_FREIGHT", "diesel", "euro_v"): 0.011,
    ("NORMAL_FREIGHT", "diesel", "euro_v"): 0.011,
    ("HEAVY_FREIGHT", "diesel", "euro_vi"): 0.009,
    ("NORMAL_FREIGHT", "diesel", "euro_vi"): 0.009,
    ("HEAVY_FREIGHT", "hvo", "euro_vi"): 0.009,
    ("LIGHT_TRAFFIC", "diesel", "euro_6"): 0.007,
}


@pytest.mark.parametrize("key", sorted(PUBLISHED_NH3_G_PER_VKM))
def test_road_nh3_row_is_the_published_copert_value(key: tuple[str, str, str]) -> None:
    row = TABLES.road_nh3[key]
    assert row.nh3_g_per_vkm == pytest.approx(PUBLISHED_NH3_G_PER_VKM[key], abs=1e-6)
    assert "COPERT" in row.source and "EMEP/EEA" in row.source and "open_alaqs" in row.source


def test_every_road_nh3_row_is_referenced() -> None:
    assert set(TABLES.road_nh3) == set(PUBLISHED_NH3_G_PER_VKM)


@pytest.mark.parametrize(("source_id", "g_per_vkm"), [
    ("D3", 0.009),  # prefab, artic Euro VI
    ("D4", 0.011),  # artic Euro V
    ("D7", 0.007),  # van Euro 6, 1,400 trips given
])
def test_road_leg_nh3_is_vehicle_km_times_copert(
    demo_result: ConstructionResult, source_id: str, g_per_vkm: float,
) -> None:
    """NH3 = 2 x loaded trips (there and back) x km x the published g/vkm, per part of the leg."""
    res = demo_result.scenarios["as_planned"]
    e = next(x for x in res.legs if x.leg.source_id == source_id)
    vkm_in = 2 * e.leg.trips * e.leg.within_km
    vkm_out = 2 * e.leg.trips * (e.leg.distance_km - e.leg.within_km)
    assert e.nh3_in_kg == pytest.approx(vkm_in * g_per_vkm / 1000, rel=1e-9)
    assert e.nh3_out_kg == pytest.approx(vkm_out * g_per_vkm / 1000, rel=1e-9)


def test_copert_euro_vi_nh3_lies_below_the_type_approval_slip_limit(
    demo_result: ConstructionResult,
) -> None:
    """Two independent sources: the COPERT inventory NH3 of a Euro VI artic leg must lie below
    the Regulation 595/2009 limit of 10 ppm (0.159 g/kg) applied to the fuel that leg burns,
    backed out of its TTW CO2e with the carrier's TTW per litre and density."""
    res = demo_result.scenarios["as_planned"]
    leg = next(e for e in res.legs if e.leg.source_id == "D3")  # prefab, artic Euro VI, 68 km
    carrier = FS.carrier(FS.toc("road_artic_40t_diesel").energy_carrier)
    fuel_kg = (leg.co2e_ttw_kg / float(carrier.ttw_kgco2e_per_unit)
               * float(carrier.density_kg_per_l or 0))
    limit_kg = fuel_kg * TABLES.nh3_slip[("diesel", "euro_vi")].nh3_g_per_kg_fuel / 1000
    assert 0 < leg.nh3_in_kg + leg.nh3_out_kg < limit_kg
    # and NOx: the factor library's g/kg of Euro VI diesel (0.46 g/kWh / 0.200 kg fuel/kWh)
    within_share = leg.leg.within_km / leg.leg.distance_km
    nox = float(FS.pollutant_g_per_kg_fuel("diesel", "euro_vi", Pollutant.NOX) or 0)
    assert leg.nox_in_kg == pytest.approx(fuel_kg * within_share * nox / 1000, rel=1e-3)


def test_legs_without_a_copert_row_keep_the_slip_ratio(demo_result: ConstructionResult) -> None:
    """Waterway legs (and fuels COPERT has no row for) take NOx x (NH3/NOx per kg fuel) of the
    slip limits; the demo barge (CCR 2, no SCR) therefore has no NH3."""
    res = demo_result.scenarios["by_water"]
    water = [e for e in res.legs if e.leg.mode == "inland_waterway"]
    assert water
    for e in water:
        assert e.nox_in_kg + e.nox_out_kg > 0
        assert e.nh3_in_kg == e.nh3_out_kg == 0


def test_euro_v_and_euro_vi_nox_in_the_ratio_of_their_limits(
    demo_result: ConstructionResult,
) -> None:
    """Same TOC, Euro V against Euro VI: NOx per tkm in the ratio of the factor library's g/kg
    (today the limits: ESC 2.0 g/kWh, Directive 2005/55/EC, against WHTC 0.46 g/kWh, Regulation
    595/2009: 4.35 times); CO2e per tkm the same."""
    res = demo_result.scenarios["as_planned"]
    legs = {e.leg.source_id: e for e in res.legs}
    v, vi = legs["D4"], legs["D8"]  # both artic_truck on a12_west, 25 km within the limit
    per_tkm = {k: (e.nox_in_kg + e.nox_out_kg) / (e.leg.tonnes * e.leg.distance_km)
               for k, e in (("v", v), ("vi", vi))}
    ratio = (FS.pollutant_g_per_kg_fuel("diesel", "euro_v", Pollutant.NOX) or 0) / (
        FS.pollutant_g_per_kg_fuel("diesel", "euro_vi", Pollutant.NOX) or 1)
    assert per_tkm["v"] / per_tkm["vi"] == pytest.approx(float(ratio), rel=1e-6)
    co2 = {k: e.co2e_wtw_kg / (e.leg.tonnes * e.leg.distance_km) for k, e in (("v", v), ("vi", vi))}
    assert co2["v"] == pytest.approx(co2["vi"])


def test_electric_machine_uses_grid_energy() -> None:
    diesel = run_machine(_machine(), TABLES, FS)
    electric = run_machine(replace(_machine(), stage="electric"), TABLES, FS)
    assert electric.engine_work_kwh == pytest.approx(diesel.engine_work_kwh)
    assert electric.nox_kg == electric.nh3_kg == electric.pm_kg == 0
    # Dutch grid (CE Delft 2023, factor library) over a 0.857 grid-to-shaft efficiency
    grid = float(FS.carrier("electricity_nl_grid").wtw_kgco2e_per_unit)
    assert electric.co2e_wtw_kg == pytest.approx(88_500 / 0.857 * grid, rel=1e-3)


def test_vehicle_and_vessel_tocs_exist_in_the_factor_library() -> None:
    for toc_id in [v.toc_id for v in TABLES.vehicles.values()] + [
            v.toc_id for v in TABLES.vessels.values()]:
        assert FS.toc(toc_id).mode.value in ("road", "inland_waterway")
    for v in TABLES.vehicles.values():
        for std in v.emission_standards:
            if std != "electric":
                family = FS.carrier(FS.toc(v.toc_id).energy_carrier).family
                assert FS.pollutant_g_per_kg_fuel(family, std, Pollutant.NOX), (v, std)


def test_transport_co2e_is_what_keten_footprint_gives(demo_result: ConstructionResult) -> None:
    """The same leg through the public ``keten.footprint`` (ISO 14083 engine, default TOC; D3 is
    an artic Euro VI, the class of its default TOC, so no variant is involved)."""
    import keten

    leg = next(e for e in demo_result.scenarios["as_planned"].legs if e.leg.source_id == "D3")
    assert FS.toc(leg.leg.toc_id).emission_standard == leg.leg.emission_standard == "euro_vi"
    fp = keten.footprint([{"shipment_id": "s", "tce_id": "t", "toc_id": leg.leg.toc_id,
                           "mass_kg": leg.leg.tonnes * 1000, "distance_km": leg.leg.distance_km}])
    totals = fp.totals()
    assert leg.co2e_wtw_kg == pytest.approx(totals["co2e_wtw_kg"])
    assert leg.pm_kg == pytest.approx(totals["pm_kg"])
    assert leg.nox_in_kg + leg.nox_out_kg == pytest.approx(totals["nox_kg"])
