"""The unit of an iLEAP energy carrier's emission factors in keten's TOC and HOC documents.

iLEAP Technical Specifications v1.0.0 (SINE Foundation, TR 2025-05-27), data type
EnergyCarrier: emissionFactorWTW is "The WTW fuel emission factor (certified) with unit
kgCO2e / energy consumption unit (energyConsumptionUnit)", emissionFactorTTW likewise, and
energyConsumptionUnit is one of l, kg, kWh, MJ. keten wrote g CO2e/MJ without naming a unit
before; these tests pin the spec's unit in three independent ways: the factor times the fuel
and energy amounts of the demo logs (read here from the CSV files, not through keten)
reproduces the published intensity; diesel's factor equals EN 16258:2012's published value per
litre; every document validates against iLEAP's own JSON schemas.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest

from keten.demo import demo_file
from keten.exchange import ileap
from keten.factors.library import load_factor_set
from keten.io.factor_input import read_energy_file, read_hub_energy_file, read_toc_file

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = next(
    p / "standards" / "ileap-schemas"
    for p in (ROOT.parent / "shared", Path("/work/shared"))
    if (p / "standards" / "ileap-schemas").is_dir()
)


def _schema(name: str) -> dict[str, object]:
    return dict(json.loads((SCHEMAS / name).read_text()))


def _rows(name: str) -> list[dict[str, str]]:
    with demo_file(name).open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_toc_factor_is_kg_co2e_per_litre_and_reproduces_the_intensity() -> None:
    fs = load_factor_set()
    litres: dict[str, Decimal] = defaultdict(Decimal)
    tkm: dict[str, Decimal] = defaultdict(Decimal)
    for row in _rows("fuel_activity.csv"):
        litres[row["toc_id"]] += Decimal(row["fuel_amount"])
        tkm[row["toc_id"]] += Decimal(row["transport_activity"])
    tocs = read_energy_file(demo_file("fuel_activity.csv"), fs)
    assert tocs
    for toc_id, toc in tocs.items():
        doc = ileap.toc_data(toc, fs)
        jsonschema.validate(doc, _schema("toc.json"))
        [carrier] = doc["energyCarriers"]  # one fuel per TOC in the demo log
        assert carrier["energyConsumptionUnit"] == "l"  # the log's fuel_amount is in litres
        for kind in ("WTW", "TTW"):
            factor_kg_per_l = Decimal(carrier[f"emissionFactor{kind}"])
            recomputed = factor_kg_per_l * litres[toc_id] / tkm[toc_id]
            assert float(recomputed) == pytest.approx(
                float(doc[f"co2eIntensity{kind}"]), rel=1e-9
            ), (toc_id, kind)


def test_hoc_factors_per_kwh_and_per_litre_reproduce_the_intensity() -> None:
    fs = load_factor_set()
    amounts: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    throughput: dict[str, Decimal] = defaultdict(Decimal)
    for row in _rows("hub_energy.csv"):
        carrier = fs.energy_carriers[row["energy_carrier"]].ileap_energy_carrier
        amounts[row["hoc_id"]][carrier] += Decimal(row["energy_amount"])
        throughput[row["hoc_id"]] += Decimal(row["throughput"])
    hocs = read_hub_energy_file(demo_file("hub_energy.csv"), fs)
    units_seen = set()
    for hoc_id, hoc in hocs.items():
        doc = ileap.hoc_data(hoc, fs)
        jsonschema.validate(doc, _schema("hoc.json"))
        for kind in ("WTW", "TTW"):
            total_kg = sum(
                (
                    Decimal(c[f"emissionFactor{kind}"]) * amounts[hoc_id][c["energyCarrier"]]
                    for c in doc["energyCarriers"]
                ),
                Decimal(0),
            )
            assert float(total_kg / throughput[hoc_id]) == pytest.approx(
                float(doc[f"co2eIntensity{kind}"]), rel=1e-9
            ), (hoc_id, kind)
        units_seen |= {
            (c["energyCarrier"], c["energyConsumptionUnit"]) for c in doc["energyCarriers"]
        }
    assert ("Electric", "kWh") in units_seen and ("Diesel", "l") in units_seen


def test_diesel_factor_is_en16258s_published_value_per_litre(tmp_path: Path) -> None:
    # EN 16258:2012 Annex A, Table A.1, diesel: 3.90 kg CO2e/kg WTW, 3.21 kg CO2e/kg TTW,
    # density 0.832 kg/l, so 3.24 and 2.67 kg CO2e per litre.
    tocs = tmp_path / "tocs.csv"
    tocs.write_text(
        "toc_id,mode,energy_carrier,co2e_intensity_wtw,co2e_intensity_ttw,intensity_unit\n"
        "truck,road,diesel_fossil,0.08,0.066,kgCO2e/tkm\n"
        "van,road,diesel_fossil:0.5;electricity_nl_grid:0.5,0.05,0.02,kgCO2e/tkm\n"
    )
    fs = load_factor_set()
    records = read_toc_file(tocs, fs)
    [diesel] = ileap.toc_data(records["truck"], fs)["energyCarriers"]
    assert diesel["energyConsumptionUnit"] == "l"
    assert float(diesel["emissionFactorWTW"]) == pytest.approx(3.90 * 0.832, abs=0.01)
    assert float(diesel["emissionFactorTTW"]) == pytest.approx(3.21 * 0.832, abs=0.01)
    blend = ileap.toc_data(records["van"], fs)
    jsonschema.validate(blend, _schema("toc.json"))
    assert [(c["energyCarrier"], c["energyConsumptionUnit"]) for c in blend["energyCarriers"]] == [
        ("Diesel", "l"),
        ("Electric", "kWh"),
    ]
