"""keten's shipped zero-emission zones: NDW open data, checked against facts from elsewhere.

- A later NDW publication (2026-07-23, tests/reference/data/ndw) gives the same polygons.
- Places the municipalities' own descriptions put inside or outside their zone lie there.
- The traffic decree NDW names for Rotterdam is the one the municipality published.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from shapely.geometry import shape
from tests.bundling.conftest import load_file

from keten.bundling.zones import Zone, area_km2, in_force, zone_of
from keten.errors import ValidationError
from keten.io.bundling_input import read_zones
from keten.services.ze_zones import shipped_zones

ROOT = Path(__file__).resolve().parents[2]
LATER = ROOT / "tests" / "reference" / "data" / "ndw" / "emissiezones-2026-07-23-trimmed.xml"
SHIPPED = ROOT / "src" / "keten" / "bundling" / "data" / "ze_zones.geojson"


def _builder():  # type: ignore[no-untyped-def]
    return load_file("scripts/build_ze_zones.py")


def test_every_shipped_zone_is_an_ndw_record_with_its_source() -> None:
    zones = shipped_zones()
    ids = {z.zone_id for z in zones}
    # the six cities keten approximated before, now from NDW, and the other ZE cities
    assert {"ZE-ROTTERDAM", "ZE-TILBURG", "ZE-EINDHOVEN", "ZE-UTRECHT", "ZE-AMSTERDAM",
            "ZE-DEN-HAAG"} <= ids
    assert len(ids) == len(zones) >= 25
    doc = json.loads(SHIPPED.read_text())
    for f in doc["features"]:
        p = f["properties"]
        assert p["licence"].startswith("CC0") and p["ndw_id"].startswith("NDW")
        assert "NDW open data" in p["source"] and "APPROXIMATION" not in p["source"]
        date.fromisoformat(p["valid_from"])
    for z in zones:
        assert z.geometry.is_valid and 0.01 < area_km2(z) < 100, z.zone_id


def test_shipped_polygons_equal_a_later_ndw_publication() -> None:
    later = _builder().build(LATER.read_bytes())
    assert later["published"].startswith("2026-07-23")
    shipped = {z.zone_id: z for z in shipped_zones()}
    got = {f["properties"]["zone_id"]: f for f in later["features"]}
    assert set(got) == {"ZE-S-HERTOGENBOSCH", "ZE-AMERSFOORT-2027"}
    for zid, f in got.items():
        assert shape(f["geometry"]).equals(shipped[zid].geometry), zid
        assert f["properties"]["valid_from"] == shipped[zid].valid_from
    assert got["ZE-S-HERTOGENBOSCH"]["properties"]["traffic_decree"] == "gmb-2024-403036"


def test_rotterdam_decree_is_the_published_one() -> None:
    # zoek.officielebekendmakingen.nl/gmb-2024-190099: "Verkeersbesluit: Zero-emissiezone
    # Rotterdam 2025", zone from 1 January 2025
    rotterdam = next(z for z in shipped_zones() if z.zone_id == "ZE-ROTTERDAM")
    assert rotterdam.traffic_decree == "gmb-2024-190099"
    assert rotterdam.valid_from == "2025-01-01" and rotterdam.municipality == "Rotterdam"


# (zone, place, lat, lon, inside?, the municipality's description it follows)
PLACES = [
    ("ZE-ROTTERDAM", "Rotterdam Centraal", 51.9250, 4.4690, True,
     "the urban area inside the A20/A16/A15/A4 ring (Verkeersbesluit gmb-2024-190099)"),
    ("ZE-ROTTERDAM", "Erasmusbrug", 51.9094, 4.4868, True, "inside the ring"),
    ("ZE-ROTTERDAM", "Waalhaven", 51.8850, 4.4300, False,
     "the port area west of the city, such as the Waalhaven, is excepted"),
    ("ZE-ROTTERDAM", "Rotterdam The Hague Airport", 51.9569, 4.4372, False,
     "north of the A20, outside the ring"),
    ("ZE-TILBURG", "Heuvel", 51.5556, 5.0914, True,
     "the area between the ring roads (gemeente Tilburg, 8 July 2024)"),
    ("ZE-TILBURG", "Tilburg University", 51.5637, 5.0425, False, "outside Ringbaan-West"),
    ("ZE-UTRECHT", "Domtoren", 52.0908, 5.1212, True,
     "the environmental zone: inner city, station area and Jaarbeurs"),
    ("ZE-UTRECHT", "Jaarbeurs", 52.0880, 5.1040, True, "Jaarbeurs is in the zone"),
    ("ZE-UTRECHT", "Utrecht Science Park", 52.0855, 5.1750, False, "east of the ring"),
    ("ZE-AMSTERDAM", "Dam", 52.3731, 4.8932, True, "the city centre"),
    ("ZE-AMSTERDAM", "Zuidas", 52.3380, 4.8730, False, "south of the centre, by the A10"),
    ("ZE-EINDHOVEN", "Eindhoven Centraal", 51.4433, 5.4797, True, "the centre"),
    ("ZE-EINDHOVEN", "Eindhoven Airport", 51.4500, 5.3744, False, "west of the city"),
    ("ZE-DEN-HAAG", "Binnenhof", 52.0799, 4.3133, True, "the city centre"),
]


@pytest.mark.parametrize(("zid", "place", "lat", "lon", "inside", "why"), PLACES,
                         ids=[p[1] for p in PLACES])
def test_places_lie_where_the_municipality_says(zid: str, place: str, lat: float, lon: float,
                                                inside: bool, why: str) -> None:
    zone = [z for z in shipped_zones() if z.zone_id == zid]
    assert (zone_of(zone, lat, lon) == zid) is inside, f"{place}: {why}"


def test_zones_apply_from_their_start_date(tmp_path: Path) -> None:
    zones = shipped_zones()
    names = {z.zone_id for z in in_force(zones, date(2026, 12, 1))}
    assert "ZE-ROTTERDAM" in names and "ZE-APELDOORN" not in names  # Apeldoorn from 2030
    assert not in_force(zones, date(2024, 12, 31))
    from shapely.geometry import box
    assert in_force([Zone("Z", "Z", box(0, 0, 1, 1))], date(1990, 1, 1))  # no start date
    bad = tmp_path / "z.geojson"
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"zone_id": "X", "valid_from": "soon"},
         "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}}]}))
    with pytest.raises(ValidationError, match="valid_from"):
        read_zones(bad)
