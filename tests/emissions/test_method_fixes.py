"""ISO 14083 / iLEAP method points: empty running, fuel logs, pollutants from energy,
biogenic CO2, and the standards' vocabularies in input files."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keten.emissions.intensity import ModelledUse, toc_from_model
from keten.errors import ValidationError
from keten.factors import load_factor_set
from keten.io.factor_input import read_energy_file, read_hub_energy_file, read_toc_file
from keten.model import Mode
from keten.services.footprint import footprint

FS = load_factor_set()
DIESEL = FS.carrier("diesel_fossil")


def _model(edf: Decimal, lf: Decimal = Decimal("0.6")) -> ModelledUse:
    return ModelledUse("m", "diesel_fossil", Decimal("0.30"), Decimal(25), lf, edf)


@settings(max_examples=60, deadline=None)
@given(
    empty_km=st.integers(min_value=0, max_value=5000),
    loaded_km=st.integers(min_value=1, max_value=5000),
)
def test_edf_is_empty_over_total_and_scales_by_one_over_one_minus_edf(
    empty_km: int, loaded_km: int
) -> None:
    # Independent reference: drive loaded_km with cargo and empty_km without; fuel per km is
    # the same; intensity = total fuel / (payload x load factor x loaded km).
    total_km = empty_km + loaded_km
    edf = Decimal(empty_km) / Decimal(total_km)
    toc = toc_from_model(FS, Mode.ROAD, _model(edf))
    fuel = Decimal("0.30") * total_km
    expected = fuel * DIESEL.wtw_kgco2e_per_unit / (Decimal(25) * Decimal("0.6") * loaded_km)
    assert toc.co2e_wtw_kg_per_unit == pytest.approx(expected, rel=Decimal("1e-20"))


@settings(max_examples=40, deadline=None)
@given(edf=st.decimals(min_value=Decimal(0), max_value=Decimal("0.95"), places=3))
def test_more_empty_running_never_lowers_the_intensity(edf: Decimal) -> None:
    base = toc_from_model(FS, Mode.ROAD, _model(Decimal(0))).co2e_wtw_kg_per_unit
    assert toc_from_model(FS, Mode.ROAD, _model(edf)).co2e_wtw_kg_per_unit >= base


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_edf_of_one_or_more_is_rejected_naming_the_row(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "model.csv",
        "toc_id,mode,energy_carrier,fuel_per_km,payload_capacity_t,load_factor,empty_distance_factor\n"
        "ok,road,diesel_fossil,0.3,25,0.6,0.2\n"
        "bad,road,diesel_fossil,0.3,25,0.6,1\n",
    )
    with pytest.raises(ValidationError) as info:
        read_energy_file(path, FS)
    (problem,) = info.value.problems
    assert (problem.row, problem.column) == (3, "empty_distance_factor")
    assert "below 1" in problem.reason


@settings(max_examples=40, deadline=None)
@given(
    loaded=st.lists(st.tuples(st.integers(1, 500), st.integers(1, 50_000)), min_size=1, max_size=4),
    empty=st.lists(st.integers(1, 200), min_size=0, max_size=3),
)
def test_empty_trips_are_pooled_into_their_toc(
    tmp_path_factory: pytest.TempPathFactory, loaded: list[tuple[int, int]], empty: list[int]
) -> None:
    # ISO 14083 6.2: intensity = all fuel of the TOC (empty trips included) / all its tkm.
    lines = ["toc_id,mode,energy_carrier,fuel_amount,transport_activity"]
    lines += [f"t,road,diesel_fossil,{f},{a}" for f, a in loaded]
    lines += [f"t,road,diesel_fossil,{f},0" for f in empty]
    path = tmp_path_factory.mktemp("log") / "log.csv"
    path.write_text("\n".join(lines) + "\n")
    toc = read_energy_file(path, FS)["t"]
    fuel = sum(f for f, _ in loaded) + sum(empty)
    activity = sum(a for _, a in loaded)
    assert toc.co2e_wtw_kg_per_unit == Decimal(fuel) * DIESEL.wtw_kgco2e_per_unit / activity


def test_two_modelled_rows_for_one_toc_are_an_error(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "model.csv",
        "toc_id,mode,energy_carrier,fuel_per_km,payload_capacity_t,load_factor\n"
        "m,road,diesel_fossil,0.3,25,0.6\n"
        "m,road,diesel_fossil,0.4,25,0.6\n",
    )
    with pytest.raises(ValidationError) as info:
        read_energy_file(path, FS)
    assert [(p.row, p.column) for p in info.value.problems] == [(3, "toc_id")]


def test_hvo_toc_with_zero_ttw_still_has_nox_and_pm(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "tocs.csv",
        "toc_id,mode,co2e_intensity_wtw,co2e_intensity_ttw,intensity_unit,energy_carrier,"
        "emission_standard\n"
        "hvo_truck,road,0.0109,0,kgCO2e/tkm,HVO100,euro_vi\n",
    )
    toc = read_toc_file(path, FS)["hvo_truck"]
    hvo = FS.carrier("hvo_nl")
    # energy = WTW / (WTW per MJ); NOx = kg fuel x Euro VI g/kg (the hvo_euro_vi_nox row)
    assert hvo.density_kg_per_l is not None and hvo.lhv_mj_per_unit is not None
    litres = Decimal("0.0109") / hvo.wtw_kgco2e_per_unit
    nox = FS.pollutant_g_per_kg_fuel("hvo", "euro_vi", __import__("keten").model.Pollutant.NOX)
    assert nox is not None
    assert toc.nox_g_per_unit == pytest.approx(litres * hvo.density_kg_per_l * nox)
    assert toc.pm_g_per_unit is not None and toc.pm_g_per_unit > 0
    assert toc.biogenic_co2_kg_per_unit == pytest.approx(litres * hvo.biogenic_co2_kg_per_unit)
    assert toc.status == "user"


def test_ileap_vocabulary_in_every_input_file(tmp_path: Path) -> None:
    tocs = _write(
        tmp_path,
        "tocs.csv",
        "toc_id,mode,co2e_intensity_wtw,co2e_intensity_ttw,intensity_unit,energy_carrier\n"
        "a,Road,0.1,0.08,kgCO2e/tkm,Diesel\n"
        "b,InlandWaterway,0.02,0.016,kgCO2e/tkm,diesel:0.7;hvo100:0.3\n",
    )
    got = read_toc_file(tocs, FS)
    assert got["a"].energy_carrier == "diesel_b7_eu" and got["a"].mode is Mode.ROAD
    assert got["b"].energy_carrier == "diesel_b7_eu:0.7;hvo_nl:0.3"
    assert got["b"].mode is Mode.INLAND_WATERWAY
    log = _write(
        tmp_path,
        "log.csv",
        "toc_id,mode,energy_carrier,fuel_amount,transport_activity\nx,Rail,ELECTRIC,100,5000\n",
    )
    assert read_energy_file(log, FS)["x"].energy_carrier == "electricity_eu_grid"
    hubs = _write(
        tmp_path,
        "hubs.csv",
        "hoc_id,hub_type,energy_carrier,energy_amount,throughput\n"
        "h,MaritimeContainerterminal,Electric,1000,500\n"
        "w,StorageAndTransshipment,electricity_nl_grid,100,50\n",
    )
    got_h = read_hub_energy_file(hubs, FS)
    assert got_h["h"].hub_type.value == "maritime_container_terminal"
    assert (got_h["h"].nox_g_per_unit, got_h["h"].pm_g_per_unit) == (0, 0)  # electric: 0


def test_invalid_toc_file_still_lets_the_tce_file_be_checked(tmp_path: Path) -> None:
    tocs = _write(
        tmp_path,
        "tocs.csv",
        "toc_id,mode,co2e_intensity_wtw,co2e_intensity_ttw,intensity_unit\n"
        "mine,road,0.1,0.2,kgCO2e/tkm\n",  # TTW above WTW
    )
    tces = _write(
        tmp_path,
        "tces.csv",
        "shipment_id,tce_id,mass_kg,distance_km,toc_id\n"
        "s1,t1,1000,10,mine\n"
        "s1,t2,-5,10,road_artic_40t_diesel\n",
    )
    with pytest.raises(ValidationError) as info:
        footprint(tces, tocs=tocs)
    where = {(Path(p.file or "").name, p.row, p.column) for p in info.value.problems}
    assert ("tocs.csv", 2, "co2e_intensity_ttw") in where
    assert ("tces.csv", 3, "mass_kg") in where
    assert not any(
        p.row == 2 and Path(p.file or "").name == "tces.csv" for p in info.value.problems
    )


def test_results_carry_factor_status_and_biogenic_co2() -> None:
    rows = [
        {
            "shipment_id": "s",
            "tce_id": "a",
            "mass_kg": 1000,
            "distance_km": 100,
            "toc_id": "road_artic_40t_hvo",
        },
        {
            "shipment_id": "s",
            "tce_id": "b",
            "mass_kg": 1000,
            "distance_km": 100,
            "toc_id": "iww_motor_vessel_1500_3000t",
            "prev_tce_ids": "a",
        },
        {
            "shipment_id": "s",
            "tce_id": "c",
            "mass_kg": 1000,
            "hoc_id": "hub_warehouse_refrigerated",  # derived: mixed-site median
            "prev_tce_ids": "b",
        },
    ]
    result = footprint(rows)
    assert result.tce_table.column("factor_status").to_pylist() == [
        "derived",
        "published",
        "derived",
    ]
    (ship,) = result.shipments
    hvo, barge, hub = ship.tces
    assert (hvo.factor_status, barge.factor_status, hub.factor_status) == (
        "derived",
        "published",
        "derived",
    )
    assert hvo.co2_biogenic_kg is not None and hvo.co2_biogenic_kg > hvo.co2e_wtw_kg
    assert hub.nox_kg == 0  # electric hub
    assert sum(ship.factor_status_shares.values()) == pytest.approx(Decimal(1))
    assert ship.co2e_intensity_wtw_incl_hubs_kg_per_tkm > ship.co2e_intensity_wtw_kg_per_tkm  # type: ignore[operator]
    assert "hub emissions excluded" in ship.intensity_basis


def test_air_gets_gcd_plus_95_km_by_coordinates_or_locode_and_is_labelled_gcd() -> None:
    from keten.emissions.distance import great_circle_km
    from keten.services.distance import DistanceResolver

    places = {"NLAMS": (52.31, 4.76), "DEFRA": (50.03, 8.57)}
    resolver = DistanceResolver(FS, locate=places.__getitem__, sfd=lambda o, d, m: 123.0)
    gcd = great_circle_km(*places["NLAMS"], *places["DEFRA"])
    by_code = resolver("NLAMS", "DEFRA", "air")
    by_coords = resolver("52.31,4.76", "50.03,8.57", "air")
    assert by_code == by_coords == (pytest.approx(gcd + 95), "gcd")  # GLEC: GCD + 95 km
    assert resolver("NLAMS", "DEFRA", "road") == (123.0, "sfd")  # a network path is sfd
