"""TOC/HOC intensities from primary and modelled data, and pollutant derivation."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import keten
from keten.emissions.intensity import (
    EnergyUse,
    ModelledUse,
    hoc_from_energy,
    toc_from_energy,
    toc_from_model,
)
from keten.errors import ValidationError
from keten.factors import load_factor_set
from keten.factors.blend import parse_blend
from keten.io.factor_input import read_energy_file, read_toc_file
from keten.model import ActivityUnit, DataSource, HubActivityUnit, HubType, Mode

FS = load_factor_set()
DIESEL = next(c for c in FS.energy_carriers.values() if c.family == "diesel" and c.unit == "l")
GRID = next(c for c in FS.energy_carriers.values() if c.family == "electricity")


def test_primary_toc_is_total_emissions_over_total_activity() -> None:
    uses = [
        EnergyUse("x", DIESEL.carrier_id, Decimal(1000), Decimal(30000)),
        EnergyUse("x", DIESEL.carrier_id, Decimal(500), Decimal(20000)),
    ]
    toc = toc_from_energy(FS, "x", Mode.ROAD, ActivityUnit.TKM, uses)
    assert toc.co2e_wtw_kg_per_unit == Decimal(1500) * DIESEL.wtw_kgco2e_per_unit / 50000
    assert toc.co2e_ttw_kg_per_unit == Decimal(1500) * DIESEL.ttw_kgco2e_per_unit / 50000
    assert toc.data_source is DataSource.PRIMARY


def test_modelled_toc_follows_load_and_empty_running() -> None:
    m = ModelledUse(
        "m", DIESEL.carrier_id, Decimal("0.30"), Decimal(25), Decimal("0.6"), Decimal("0.2")
    )
    toc = toc_from_model(FS, Mode.ROAD, m)
    # GLEC v3 / iLEAP: EDF = empty km / total km, so total km per loaded km = 1 / (1 - EDF)
    fuel_per_tkm = Decimal("0.30") / (Decimal("0.8") * Decimal(25) * Decimal("0.6"))
    assert toc.co2e_wtw_kg_per_unit == fuel_per_tkm * DIESEL.wtw_kgco2e_per_unit
    assert toc.data_source is DataSource.MODELLED
    fuller = toc_from_model(
        FS,
        Mode.ROAD,
        ModelledUse(
            "m", DIESEL.carrier_id, Decimal("0.30"), Decimal(25), Decimal("0.9"), Decimal("0.2")
        ),
    )
    assert fuller.co2e_wtw_kg_per_unit < toc.co2e_wtw_kg_per_unit


def test_electric_hub_has_no_ttw() -> None:
    hoc = hoc_from_energy(
        FS,
        "h",
        HubType.TRANSSHIPMENT,
        HubActivityUnit.TONNES,
        [EnergyUse("h", GRID.carrier_id, Decimal(1000), Decimal(400))],
    )
    assert hoc.co2e_ttw_kg_per_unit == 0
    assert hoc.co2e_wtw_kg_per_unit == Decimal(1000) * GRID.wtw_kgco2e_per_unit / 400
    assert hoc.nox_g_per_unit == 0


def test_blend_parsing() -> None:
    assert parse_blend("a:0.7;b:0.3") == [("a", Decimal("0.7")), ("b", Decimal("0.3"))]
    with pytest.raises(ValueError, match="add up"):
        parse_blend("a:0.7;b:0.2")


def test_energy_file_and_toc_file_report_every_problem(tmp_path: Path) -> None:
    f = tmp_path / "fuel.csv"
    f.write_text(
        "toc_id,mode,energy_carrier,fuel_amount,transport_activity,activity_unit\n"
        f"a,road,{DIESEL.carrier_id},100,5000,tkm\n"
        "b,boat,nope,-1,-5,tkm\n"  # activity 0 is a valid empty trip; -5 is not
    )
    with pytest.raises(ValidationError) as exc:
        read_energy_file(f, FS)
    cols = {(p.row, p.column) for p in exc.value.problems}
    assert {
        (3, "mode"),
        (3, "energy_carrier"),
        (3, "fuel_amount"),
        (3, "transport_activity"),
    } <= cols
    t = tmp_path / "tocs.csv"
    t.write_text(
        "toc_id,mode,co2e_intensity_wtw,co2e_intensity_ttw,intensity_unit\n"
        "x,road,0.05,0.06,kgCO2e/tkm\n"
        "x,rail,0.01,0.0,kgCO2e/km\n"
    )
    with pytest.raises(ValidationError) as exc:
        read_toc_file(t, FS)
    cols = {(p.row, p.column) for p in exc.value.problems}
    assert {(2, "co2e_intensity_ttw"), (3, "toc_id"), (3, "intensity_unit")} <= cols


def test_user_toc_overrides_default_and_counts_as_primary(tmp_path: Path) -> None:
    t = tmp_path / "tocs.csv"
    t.write_text(
        "toc_id,mode,co2e_intensity_wtw,co2e_intensity_ttw,intensity_unit\n"
        "mine,road,0.05,0.04,kgCO2e/tkm\n"
    )
    rows = [
        {
            "shipment_id": "S",
            "tce_id": "A",
            "toc_id": "mine",
            "mass_kg": "1000",
            "distance_km": "100",
        },
        {
            "shipment_id": "S",
            "tce_id": "B",
            "toc_id": "road_artic_40t_diesel",
            "mass_kg": "1000",
            "distance_km": "100",
            "prev_tce_ids": "A",
        },
    ]
    (s,) = keten.footprint(rows, tocs=t).shipments
    assert s.tces[0].co2e_wtw_kg == Decimal("5.000")
    default = FS.toc("road_artic_40t_diesel").co2e_wtw_kg_per_unit * 100
    # shares are rounded to 1e-12 like every result figure
    assert abs(s.primary_data_share - Decimal("5.000") / (Decimal("5.000") + default)) <= Decimal(
        "5e-13"
    )
