"""Published worked examples from the iLEAP Technical Specifications (SINE & SFC, v1.0).

- TCE.transportActivity: "700 kilometers * 230 kilograms / 1000 = 161" (tkm).
- The non-normative end-to-end example (shipment 1237890, 87 kg): TCE abcdef 423 km,
  co2eWTW 3.6801; TCE ghijkl 321 km, transportActivity 27.927, co2eWTW 4.74759,
  co2eTTW 4.272831; ProductFootprint unitaryProductAmount 64.728 tkm and
  pCfExcludingBiogenic 8.42769 kg.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest

import keten
from api.schemas import STANDARDS, ileap_schema
from keten.exchange.decimals import decimal_str
from keten.exchange.ileap import product_footprints

DATA = Path(__file__).parent / "data"
SCHEMAS = STANDARDS / "ileap-schemas"
ORGANIZER = ("Transport Organizer Z", ["urn:epc:id:sgln:123456.00000.8"], "organizer-z")


def test_transport_activity_700_km_230_kg_is_161_tkm() -> None:
    result = keten.footprint(
        [
            {
                "shipment_id": "S",
                "tce_id": "T",
                "toc_id": "road_artic_40t_diesel",
                "mass_kg": "230",
                "distance_km": "700",
            }
        ]
    )
    tce = result.shipments[0].tces[0]
    assert tce.transport_activity_tkm == Decimal("161")
    assert decimal_str(tce.transport_activity_tkm) == "161"


@pytest.fixture(scope="module")
def end_to_end() -> keten.FootprintResult:
    return keten.footprint(
        DATA / "ileap_end_to_end_tces.csv", tocs=DATA / "ileap_end_to_end_tocs.csv"
    )


def test_end_to_end_tce_figures(end_to_end: keten.FootprintResult) -> None:
    (shipment,) = end_to_end.shipments
    first, second = shipment.tces
    assert (first.tce_id, second.tce_id) == ("abcdef", "ghijkl")
    assert decimal_str(first.transport_activity_tkm) == "36.801"
    assert decimal_str(first.co2e_wtw_kg) == "3.6801"
    assert decimal_str(second.transport_activity_tkm) == "27.927"
    assert decimal_str(second.co2e_wtw_kg) == "4.74759"
    assert decimal_str(second.co2e_ttw_kg) == "4.272831"


def test_end_to_end_product_footprint(end_to_end: keten.FootprintResult) -> None:
    (pf,) = product_footprints(end_to_end, *ORGANIZER, pact_version=2)
    assert pf["pcf"]["unitaryProductAmount"] == "64.728"
    assert pf["pcf"]["pCfExcludingBiogenic"] == "8.42769"
    assert pf["pcf"]["fossilGhgEmissions"] == "8.42769"
    assert pf["productCategoryCpc"] == "83117"
    assert pf["pcf"]["declaredUnit"] == "ton kilometer"
    data = pf["extensions"][0]["data"]
    assert data["tces"][1]["prevTceIds"] == ["abcdef"]
    assert data["tces"][1]["transportActivity"] == "27.927"


def test_output_validates_against_ileap_schemas(end_to_end: keten.FootprintResult) -> None:
    pcf_schema = ileap_schema("pcf-shipment-footprint.json")
    sf_schema = ileap_schema("shipment-footprint.json")
    checker = jsonschema.FormatChecker()
    for pf in product_footprints(end_to_end, *ORGANIZER, pact_version=2):
        jsonschema.validate(pf, pcf_schema, format_checker=checker)
        jsonschema.validate(pf["extensions"][0]["data"], sf_schema, format_checker=checker)


def test_v3_document_of_the_end_to_end_example(end_to_end: keten.FootprintResult) -> None:
    """The same figures in the PACT v3 names (declaredUnitAmount, pcfExcludingBiogenicUptake)."""
    (pf,) = product_footprints(end_to_end, *ORGANIZER, pact_version=3)
    assert pf["specVersion"] == "3.0.0"
    assert pf["pcf"]["declaredUnitAmount"] == "64.728"
    assert pf["pcf"]["pcfExcludingBiogenicUptake"] == "8.42769"
    assert pf["companyName"] == "Transport Organizer Z"
    assert pf["companyIds"] == ["urn:epc:id:sgln:123456.00000.8"]
