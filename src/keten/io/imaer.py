"""Write a construction scenario as IMAER 6.0 GML (AERIUS's exchange format) for one year.

- road access routes within the distance limit: ``SRM2Road`` with ``StandardVehicle`` counts
  per year (LIGHT_TRAFFIC, NORMAL_FREIGHT, HEAVY_FREIGHT; movements to and from the site);
- machinery on site: one ``OffRoadMobileSourceEmissionSource`` on the site geometry, with a
  ``StandardOffRoadMobileSource`` (AERIUS category, fuel, operating hours, AdBlue) where the
  machine names its AERIUS code, else a ``CustomOffRoadMobileSource`` with keten's emissions;
- waterways within the limit: ``InlandShippingEmissionSource`` with ``StandardInlandShipping``.

AERIUS computes road and shipping emissions itself from the counts. Geometry is RD New
(EPSG:28992). The situation is TEMPORARY (a construction phase).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from shapely.geometry import LineString, Point, Polygon

import keten
from keten.construction.model import Project
from keten.construction.results import ScenarioResult
from keten.construction.tables import load_tables
from keten.io.tables import atomic_path

IMAER_NS = "http://imaer.aerius.nl/6.0"
GML_NS = "http://www.opengis.net/gml/3.2"
XLINK_NS = "http://www.w3.org/1999/xlink"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SRS = "urn:ogc:def:crs:EPSG::28992"
# AERIUS sector ids as used in AERIUS's own IMAER examples: road traffic 3100, mobile machinery in
# construction, industry and mining 3220, inland shipping routes 7620.
SECTOR_ROAD = 3100
SECTOR_MACHINERY = 3220
SECTOR_INLAND_SHIPPING = 7620
# Custom machinery sources: no forced heat content; outlet height of a typical construction
# machine (keten assumption, metres).
MACHINE_EMISSION_HEIGHT_M = 4.0
DEFAULT_SPEED_KMH = {"FREEWAY": 100, "NON_URBAN_ROAD_NATIONAL": 80, "NON_URBAN_ROAD_GENERAL": 80}

ET.register_namespace("imaer", IMAER_NS)
ET.register_namespace("gml", GML_NS)
ET.register_namespace("xlink", XLINK_NS)
ET.register_namespace("xsi", XSI_NS)


def _i(tag: str) -> str:
    return f"{{{IMAER_NS}}}{tag}"


def _g(tag: str) -> str:
    return f"{{{GML_NS}}}{tag}"


def _sub(parent: ET.Element, tag: str, text: object | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = str(text)
    return el


def _coords(line: LineString | Polygon) -> str:
    pts = line.exterior.coords if isinstance(line, Polygon) else line.coords
    return " ".join(f"{x:.2f} {y:.2f}" for x, y in pts)


def _geometry(parent: ET.Element, gml_id: str, geom: Point | LineString | Polygon) -> None:
    holder = _sub(_sub(parent, _i("geometry")), _i("EmissionSourceGeometry"))
    if isinstance(geom, Point):
        pt = _sub(_sub(holder, _i("GM_Point")), _g("Point"), srsName=SRS,
                  **{_g("id"): f"{gml_id}.POINT"})
        _sub(pt, _g("pos"), f"{geom.x:.2f} {geom.y:.2f}")
    elif isinstance(geom, LineString):
        ls = _sub(_sub(holder, _i("GM_Curve")), _g("LineString"), srsName=SRS,
                  **{_g("id"): f"{gml_id}.CURVE"})
        _sub(ls, _g("posList"), _coords(geom))
    else:
        poly = _sub(_sub(holder, _i("GM_Surface")), _g("Polygon"), srsName=SRS,
                    **{_g("id"): f"{gml_id}.SURFACE"})
        ring = _sub(_sub(poly, _g("exterior")), _g("LinearRing"))
        _sub(ring, _g("posList"), _coords(geom))


def _source(collection: ET.Element, tag: str, n: int, sector: int, label: str,
            description: str, **attrs: str) -> tuple[ET.Element, str]:
    gml_id = f"ES.{n}"
    el = _sub(_sub(collection, _i("featureMember")), _i(tag), sectorId=str(sector),
              **attrs, **{_g("id"): gml_id})
    ident = _sub(_sub(el, _i("identifier")), _i("NEN3610ID"))
    _sub(ident, _i("namespace"), "NL.IMAER")
    _sub(ident, _i("localId"), gml_id)
    _sub(el, _i("label"), label)
    _sub(el, _i("description"), description)
    return el, gml_id


def _emission(parent: ET.Element, substance: str, kg_per_year: float) -> None:
    em = _sub(_sub(parent, _i("emission")), _i("Emission"), substance=substance)
    _sub(em, _i("value"), f"{kg_per_year:.4f}")


def imaer_document(project: Project, result: ScenarioResult, year: int) -> ET.ElementTree:
    """The IMAER FeatureCollectionCalculator of one scenario in one calendar year."""
    tables = load_tables()
    root = ET.Element(_i("FeatureCollectionCalculator"), {
        _g("id"): "NL.IMAER.Collection",
        f"{{{XSI_NS}}}schemaLocation": f"{IMAER_NS} https://imaer.aerius.nl/6.0/IMAER.xsd",
    })
    meta = _sub(_sub(root, _i("metadata")), _i("AeriusCalculatorMetadata"))
    pm = _sub(_sub(meta, _i("project")), _i("ProjectMetadata"))
    _sub(pm, _i("year"), year)
    _sub(pm, _i("name"), project.name)
    if project.corporation:
        _sub(pm, _i("corporation"), project.corporation)
    _sub(pm, _i("description"),
         f"{project.description} (scenario {result.scenario}, {year})".strip())
    sm = _sub(_sub(meta, _i("situation")), _i("SituationMetadata"))
    _sub(sm, _i("name"), f"{result.scenario} {year}")
    _sub(sm, _i("situationType"), "TEMPORARY")
    _sub(meta, _i("gmlCreator"), f"keten {keten.__version__}")

    n = 0
    share = {pid: ph.share_by_year().get(year, 0.0) for pid, ph in project.phases.items()}
    # road and water: one source per distinct access-route geometry
    road: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    water: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    lines: dict[str, LineString] = {}
    labels: dict[str, list[str]] = defaultdict(list)
    road_types: dict[str, str] = {}
    speeds: dict[str, int | None] = {}
    for e in result.legs:
        leg, s = e.leg, share[e.leg.phase_id]
        if leg.line is None or s == 0 or leg.mode == "hub" or leg.trips == 0:
            continue
        key = leg.line.wkt
        lines[key] = leg.line
        labels[key].append(leg.source_id)
        route = project.routes.get(leg.route_id or "")
        road_types[key] = route.road_type if route else "NON_URBAN_ROAD_NATIONAL"
        speeds[key] = route.max_speed_kmh if route else None
        if leg.mode == "road":
            road[key][tables.vehicles[leg.vehicle_type].aerius_vehicle_type] += 2 * leg.trips * s
        else:
            water[key][leg.vehicle_type] += leg.trips * s
    for key, vehicles in road.items():
        n += 1
        rt = road_types[key]
        el, gid = _source(root, "SRM2Road", n, SECTOR_ROAD,
                          f"Access route {', '.join(labels[key])}",
                          "construction traffic to and from the site within the AERIUS distance "
                          "limit, vehicle movements per year", roadAreaType="NL", roadType=rt)
        _geometry(el, gid, lines[key])
        speed = speeds[key] or DEFAULT_SPEED_KMH.get(rt)
        for vtype in ("LIGHT_TRAFFIC", "NORMAL_FREIGHT", "HEAVY_FREIGHT"):
            if vehicles.get(vtype, 0) <= 0:
                continue
            sv = _sub(_sub(el, _i("vehicles")), _i("StandardVehicle"), vehicleType=vtype)
            _sub(sv, _i("vehiclesPerTimeUnit"), f"{vehicles[vtype]:.2f}")
            _sub(sv, _i("timeUnit"), "YEAR")
            _sub(sv, _i("stagnationFactor"), "0.0")
            if speed:
                _sub(sv, _i("maximumSpeed"), speed)
        _sub(el, _i("trafficDirection"), "BOTH")
    for key, vessels in water.items():
        n += 1
        el, gid = _source(root, "InlandShippingEmissionSource", n, SECTOR_INLAND_SHIPPING,
                          f"Waterway {', '.join(labels[key])}",
                          "deliveries by inland vessel: laden to the site (B to A), empty back "
                          "(A to B); the route is drawn from the site (A) outward")
        _geometry(el, gid, lines[key])
        klass = "CEMT_Va"
        for vtype, ships in vessels.items():
            vessel = tables.vessels[vtype]
            klass = vessel.waterway_class
            count = math.ceil(ships - 1e-9)
            ship = _sub(_sub(el, _i("inlandShipping")), _i("StandardInlandShipping"),
                        shipType=vessel.aerius_ship_type)
            _sub(ship, _i("description"), vessel.description)
            _sub(ship, _i("numberOfShipsAtoBperTimeUnit"), count)
            _sub(ship, _i("numberOfShipsBtoAperTimeUnit"), count)
            _sub(ship, _i("percentageLadenAtoB"), 0)
            _sub(ship, _i("percentageLadenBtoA"), 100)
            _sub(ship, _i("timeUnitShipsAtoB"), "YEAR")
            _sub(ship, _i("timeUnitShipsBtoA"), "YEAR")
        _sub(_sub(_sub(el, _i("waterway")), _i("InlandWaterway")), _i("type"), klass)
    active = [m for m in result.machines if share[m.machine.phase_id] > 0]
    diesel = [m for m in active if not m.electric]
    if diesel:
        n += 1
        electric = [m.source_id for m in active if m.electric]
        note = f"; electric, no exhaust: {', '.join(electric)}" if electric else ""
        el, gid = _source(root, "OffRoadMobileSourceEmissionSource", n, SECTOR_MACHINERY,
                          f"Mobile machinery on site {project.site.name}",
                          f"diesel machinery of the year{note}")
        _geometry(el, gid, project.site.geometry)
        for m in diesel:
            s = share[m.machine.phase_id]
            mm = m.machine
            desc = mm.label or f"{mm.machine_id} {mm.machine_type} {mm.power_kw:g} kW {mm.stage}"
            holder = _sub(el, _i("offRoadMobileSource"))
            if mm.aerius_code:
                std = _sub(holder, _i("StandardOffRoadMobileSource"),
                           offRoadMobileSourceType=mm.aerius_code)
                _sub(std, _i("description"), desc)
                _sub(std, _i("literFuelPerYear"), round(m.diesel_l * s))
                _sub(std, _i("operatingHoursPerYear"), round(m.operating_hours * s))
                if m.adblue_l:
                    _sub(std, _i("literAdBluePerYear"), round(m.adblue_l * s))
            else:
                custom = _sub(holder, _i("CustomOffRoadMobileSource"))
                _sub(custom, _i("description"), desc)
                _emission(custom, "NOX", m.nox_kg * s)
                _emission(custom, "NH3", m.nh3_kg * s)
                _emission(custom, "PM10", m.pm_kg * s)  # exhaust PM, all below 2.5 um
                chars = _sub(_sub(custom, _i("emissionSourceCharacteristics")),
                             _i("EmissionSourceCharacteristics"))
                heat = _sub(_sub(chars, _i("heatContent")), _i("SpecifiedHeatContent"))
                _sub(heat, _i("value"), "0.0")
                _sub(chars, _i("emissionHeight"), MACHINE_EMISSION_HEIGHT_M)
    return ET.ElementTree(root)


def write_imaer(project: Project, result: ScenarioResult, year: int, path: Path) -> Path:
    """Write the IMAER GML file atomically; returns its path."""
    tree = imaer_document(project, result, year)
    ET.indent(tree)
    with atomic_path(path) as tmp:
        tree.write(tmp, encoding="UTF-8", xml_declaration=True)
    return path
