"""IMAER 6.0 output: valid against the published schema, RD New geometry, counts per year."""

from __future__ import annotations

import datetime as dt
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from keten.construction.geometry import to_rd
from keten.construction.model import SCENARIOS
from keten.factors.library import load_factor_set
from keten.services.construction import ConstructionResult, write_imaer_file

NS = {"imaer": "http://imaer.aerius.nl/6.0", "gml": "http://www.opengis.net/gml/3.2"}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_demo_imaer_validates_against_the_schema(
    tmp_path: Path, demo_result: ConstructionResult, imaer_schema, scenario: str
) -> None:
    for year in (2027, 2028):
        path, _ = write_imaer_file(demo_result, tmp_path / f"{scenario}.gml", scenario, year)
        errors = [str(e).splitlines()[0] for e in imaer_schema.iter_errors(str(path))]
        assert errors == [], errors


def test_the_schema_check_catches_a_broken_file(
    tmp_path: Path, demo_result: ConstructionResult, imaer_schema
) -> None:
    path, _ = write_imaer_file(demo_result, tmp_path / "x.gml", "as_planned", 2027)
    text = path.read_text()
    broken = [
        text.replace("<imaer:timeUnit>YEAR</imaer:timeUnit>", "", 1),  # required element
        text.replace('substance="NOX"', 'substance="NOX2"', 1),  # not a SubstanceType
        text.replace("<imaer:situationType>TEMPORARY", "<imaer:situationType>LATER", 1),
    ]
    for doc in broken:
        assert doc != text
        bad = tmp_path / "bad.gml"
        bad.write_text(doc)
        assert list(imaer_schema.iter_errors(str(bad))), doc[:200]


def test_rd_new_matches_the_published_amersfoort_origin() -> None:
    # RD New is defined by Amersfoort (52.15517440 N, 5.38720621 E) = (155000, 463000) m
    p = to_rd(52.15517440, 5.38720621)
    assert p.x == pytest.approx(155000.0, abs=1.0)
    assert p.y == pytest.approx(463000.0, abs=1.0)


def _features(path: Path, tag: str) -> list[ET.Element]:
    root = ET.parse(path).getroot()
    return root.findall(f"imaer:featureMember/imaer:{tag}", NS)


def test_site_polygon_in_rd_new(tmp_path: Path, demo_result: ConstructionResult) -> None:
    path, _ = write_imaer_file(demo_result, tmp_path / "x.gml", "as_planned", 2027)
    (machines,) = _features(path, "OffRoadMobileSourceEmissionSource")
    poly = machines.find(".//gml:Polygon", NS)
    assert poly is not None and poly.get("srsName") == "urn:ogc:def:crs:EPSG::28992"
    values = [float(v) for v in poly.findtext(".//gml:posList", namespaces=NS).split()]
    first = to_rd(51.9652, 5.6688)  # the demo site's first corner
    assert values[0] == pytest.approx(first.x, abs=0.01)
    assert values[1] == pytest.approx(first.y, abs=0.01)
    assert 150000 < values[0] < 200000 and 400000 < values[1] < 480000  # Gelderland


def test_heavy_freight_movements_per_year(tmp_path: Path, demo_result: ConstructionResult) -> None:
    """Route n233_south in 2027: prefab (6,200 t) and bricks (3,100 t) in 25 t artic loads during
    the shell phase (1 Aug 2027 - 30 Jun 2028), to and from the site, spread by days."""
    path, _ = write_imaer_file(demo_result, tmp_path / "x.gml", "as_planned", 2027)
    share_2027 = ((dt.date(2027, 12, 31) - dt.date(2027, 8, 1)).days + 1) / (
        (dt.date(2028, 6, 30) - dt.date(2027, 8, 1)).days + 1)
    expected = 2 * (math.ceil(6200 / 25) + math.ceil(3100 / 25)) * share_2027
    road = [r for r in _features(path, "SRM2Road") if "D3" in r.findtext("imaer:label", "", NS)]
    assert len(road) == 1
    heavy = road[0].find(".//imaer:StandardVehicle[@vehicleType='HEAVY_FREIGHT']", NS)
    assert heavy is not None
    assert float(heavy.findtext("imaer:vehiclesPerTimeUnit", "", NS)) == pytest.approx(
        expected, abs=0.01)
    assert heavy.findtext("imaer:timeUnit", "", NS) == "YEAR"


def test_standard_machine_has_fuel_hours_and_adblue(
    tmp_path: Path, demo_result: ConstructionResult
) -> None:
    """Piling rig M1: 250 kW, 900 h in 2027 at the EPA load factor 0.43 for bore/drill rigs,
    223 g/kWh, diesel 0.836 kg/l; AdBlue 1,300 l as given."""
    path, _ = write_imaer_file(demo_result, tmp_path / "x.gml", "as_planned", 2027)
    std = ET.parse(path).getroot().find(".//imaer:StandardOffRoadMobileSource", NS)
    assert std is not None and std.get("offRoadMobileSourceType") == "SIV75560DSJ"
    density = float(load_factor_set().carrier("diesel_nl_b7").density_kg_per_l or 0)
    assert int(std.findtext("imaer:literFuelPerYear", "", NS)) == round(
        900 * 250 * 0.43 * 0.223 / density)
    assert int(std.findtext("imaer:operatingHoursPerYear", "", NS)) == 900
    assert int(std.findtext("imaer:literAdBluePerYear", "", NS)) == 1300


def test_electric_machines_are_left_out(tmp_path: Path, demo_result: ConstructionResult) -> None:
    path, _ = write_imaer_file(demo_result, tmp_path / "x.gml", "electric_machinery", 2027)
    assert _features(path, "OffRoadMobileSourceEmissionSource") == []
    assert _features(path, "SRM2Road")  # the deliveries stay


def test_barges_in_the_by_water_scenario(tmp_path: Path, demo_result: ConstructionResult) -> None:
    """Fill sand (18,000 t) by Dortmund-Eems vessel (1,200 t), all in 2027: 15 laden trips."""
    path, _ = write_imaer_file(demo_result, tmp_path / "x.gml", "by_water", 2027)
    ships = ET.parse(path).getroot().findall(".//imaer:StandardInlandShipping", NS)
    by_type = {s.get("shipType"): s for s in ships}
    assert by_type["M4"].findtext("imaer:numberOfShipsBtoAperTimeUnit", "", NS) == "15"
    assert by_type["M4"].findtext("imaer:percentageLadenBtoA", "", NS) == "100"
    assert by_type["M2"].findtext("imaer:numberOfShipsBtoAperTimeUnit", "", NS) == str(
        math.ceil(5200 / 550))
