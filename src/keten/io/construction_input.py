"""Read a construction project (YAML or JSON) into :class:`keten.construction.model.Project`.

Every problem is gathered with the file, the line (``row``) and the field's path (``column``,
e.g. ``machinery[2].stage``), then reported at once: unknown machine types or Stage classes,
negative hours, a site without geometry, unknown phases, vehicles, routes, ...
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from shapely.geometry import LineString, Point, Polygon

from keten.construction import AERIUS_DISTANCE_LIMIT_KM
from keten.construction.geometry import to_rd
from keten.construction.model import (
    Delivery,
    Hub,
    Machine,
    Phase,
    Project,
    Route,
    Site,
    WaterOption,
)
from keten.construction.tables import ConstructionTables, load_tables
from keten.errors import Problem, ValidationError
from keten.io.scenario_input import read_document

#: AERIUS SRM2Road roadType codes keten writes (AERIUS checks the code again on import).
ROAD_TYPES = ("FREEWAY", "NON_URBAN_ROAD_NATIONAL", "NON_URBAN_ROAD_GENERAL",
              "URBAN_ROAD_FREE_FLOW", "URBAN_ROAD_NORMAL", "URBAN_ROAD_STAGNATING")
# Bounding box of the AERIUS calculation area (the Netherlands and its borders), WGS84.
NL_LAT = (50.6, 53.7)
NL_LON = (3.2, 7.3)

_KEYS = {
    "": {"project", "site", "phases", "routes", "deliveries", "machinery", "hub",
         "distance_limit_km", "crs"},
    "project": {"name", "corporation", "description"},
    "site": {"name", "point", "polygon"},
    "phase": {"id", "name", "start", "end"},
    "route": {"id", "mode", "coordinates", "road_type", "label", "max_speed_kmh"},
    "delivery": {"id", "phase", "material", "tonnes", "trips", "origin", "origin_point",
                 "distance_km", "mode", "vehicle", "emission_standard", "route", "via_hub",
                 "by_water", "price_eur_per_trip", "price_eur_per_t"},
    "by_water": {"vessel", "distance_km", "route", "origin_point", "price_eur_per_t"},
    "machine": {"id", "phase", "type", "power_kw", "stage", "count", "hours", "fuel_l",
                "adblue_l", "load_factor", "aerius_code", "label", "price_eur_per_hour",
                "electric_price_eur_per_hour", "nox_g_per_kwh"},
    "hub": {"name", "point", "distance_to_site_km", "last_mile_vehicle", "route", "fill_rate",
            "handling_eur_per_t", "last_mile_eur_per_trip"},
}


def _lines(node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], int],
           seen: set[int] | None = None) -> None:
    """Line of every path in the document; an aliased node is walked once (no YAML bombs)."""
    seen = set() if seen is None else seen
    out[path] = node.start_mark.line + 1
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            out[(*path, key.value)] = key.start_mark.line + 1
            _lines(value, (*path, key.value), out, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            _lines(value, (*path, i), out, seen)


def _path_text(path: tuple[Any, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class _Checker:
    """Typed reads from the document; each bad value becomes a Problem with line and path."""

    def __init__(self, file: str, lines: dict[tuple[Any, ...], int], rd: bool) -> None:
        self.file = file
        self.lines = lines
        self.rd = rd
        self.problems: list[Problem] = []

    def bad(self, path: tuple[Any, ...], reason: str) -> None:
        line = None
        for n in range(len(path), -1, -1):
            if path[:n] in self.lines:
                line = self.lines[path[:n]]
                break
        self.problems.append(Problem(reason, self.file, line, _path_text(path) or None))

    def mapping(self, obj: Any, path: tuple[Any, ...], kind: str) -> dict[str, Any]:
        if obj is None:
            return {}
        if not isinstance(obj, dict):
            self.bad(path, f"expected a mapping, got {type(obj).__name__}")
            return {}
        for key in obj:
            if key not in _KEYS[kind]:
                known = ", ".join(sorted(_KEYS[kind]))
                self.bad((*path, key), f"unknown field '{key}'; known: {known}")
        return obj

    def items(self, obj: Any, path: tuple[Any, ...]) -> list[Any]:
        if obj is None:
            return []
        if not isinstance(obj, list):
            self.bad(path, "expected a list")
            return []
        return obj

    def text(self, obj: dict[str, Any], path: tuple[Any, ...], key: str,
             required: bool = True, default: str = "") -> str:
        value = obj.get(key)
        if value is None or str(value).strip() == "":
            if required:
                self.bad((*path, key), "missing value")
            return default
        return str(value).strip()

    def number(self, obj: dict[str, Any], path: tuple[Any, ...], key: str, *,
               required: bool = False, positive: bool = False) -> float | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.bad((*path, key), "missing value")
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.bad((*path, key), f"'{value}' is not a number")
            return None
        if value != value or value in (float("inf"), float("-inf")):
            self.bad((*path, key), f"'{value}' is not a finite number")
            return None
        if value < 0 or (positive and value == 0):
            self.bad((*path, key), f"{value} is negative" if value < 0 else "must be above zero")
            return None
        return float(value)

    def boolean(self, obj: dict[str, Any], path: tuple[Any, ...], key: str, default: bool) -> bool:
        value = obj.get(key, default)
        if not isinstance(value, bool):
            self.bad((*path, key), f"'{value}' is not true or false")
            return default
        return value

    def day(self, obj: dict[str, Any], path: tuple[Any, ...], key: str) -> dt.date | None:
        value = obj.get(key)
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.bad((*path, key), "missing value" if value is None
                 else f"'{value}' is not a date (YYYY-MM-DD)")
        return None

    def point(self, value: Any, path: tuple[Any, ...]) -> Point | None:
        """A [lat, lon] pair (WGS84) or [x, y] (RD New, if the document says crs: EPSG:28992)."""
        if (not isinstance(value, list | tuple) or len(value) != 2
                or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)):
            self.bad(path, "expected a coordinate pair [lat, lon]"
                     if not self.rd else "expected a coordinate pair [x, y] in EPSG:28992")
            return None
        a, b = float(value[0]), float(value[1])
        if self.rd:
            if not (-7000 <= a <= 300000 and 289000 <= b <= 629000):
                self.bad(path, f"[{a:g}, {b:g}] is outside the RD New area")
                return None
            return Point(a, b)
        if not (NL_LAT[0] <= a <= NL_LAT[1] and NL_LON[0] <= b <= NL_LON[1]):
            self.bad(path, f"[{a:g}, {b:g}] is not in the Netherlands (give [lat, lon]; "
                     "AERIUS covers the Netherlands)")
            return None
        return to_rd(a, b)

    def points(self, value: Any, path: tuple[Any, ...], minimum: int) -> list[Point] | None:
        if not isinstance(value, list) or len(value) < minimum:
            self.bad(path, f"expected a list of at least {minimum} coordinate pairs")
            return None
        pts = [self.point(v, (*path, i)) for i, v in enumerate(value)]
        return None if any(p is None for p in pts) else [p for p in pts if p is not None]


def _entries(c: _Checker, obj: Any, section: str, kind: str
             ) -> Iterator[tuple[tuple[Any, ...], dict[str, Any], str]]:
    """The entries of a list section as (path, mapping, id), reporting duplicate ids."""
    seen: set[str] = set()
    for i, raw in enumerate(c.items(obj, (section,))):
        path = (section, i)
        entry = c.mapping(raw, path, kind)
        eid = c.text(entry, path, "id")
        if eid and eid in seen:
            c.bad((*path, "id"), f"duplicate {kind} id '{eid}'")
        seen.add(eid)
        yield path, entry, eid


def read_project(path: str | Path, tables: ConstructionTables | None = None) -> Project:
    """Read and validate a construction project file; raises one ValidationError with all
    problems (file, line, field path, reason)."""
    path = Path(path)
    doc = read_document(path)
    text = path.read_text(encoding="utf-8")
    lines: dict[tuple[Any, ...], int] = {}
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)  # JSON is YAML too
        if node is not None:
            _lines(node, (), lines)
    except yaml.YAMLError:
        pass
    return parse_project(doc, str(path), lines, tables or load_tables())


def parse_project(doc: Any, file: str, lines: dict[tuple[Any, ...], int],
                  tables: ConstructionTables) -> Project:
    rd = isinstance(doc, dict) and str(doc.get("crs", "")).upper() == "EPSG:28992"
    c = _Checker(file, lines, rd)
    top = c.mapping(doc, (), "")
    if not top:
        raise ValidationError([Problem("empty or not a mapping", file)],
                              title=f"{file}: invalid construction project")
    proj = c.mapping(top.get("project"), ("project",), "project")
    name = c.text(proj, ("project",), "name")
    site = _site(c, top.get("site"))
    phases = _phases(c, top.get("phases"))
    routes = _routes(c, top.get("routes"))
    limit = c.number(top, (), "distance_limit_km", positive=True) or AERIUS_DISTANCE_LIMIT_KM
    deliveries = _deliveries(c, top.get("deliveries"), phases, routes, tables)
    machines = _machines(c, top.get("machinery"), phases, tables)
    hub = _hub(c, top.get("hub"), routes, tables) if top.get("hub") is not None else None
    if not deliveries and not machines and not c.problems:
        c.bad((), "the project has no deliveries and no machinery")
    if c.problems:
        raise ValidationError(c.problems, title=f"{file}: invalid construction project")
    assert site is not None
    return Project(name, site, phases, deliveries, machines, routes, hub,
                   c.text(proj, ("project",), "corporation", required=False),
                   c.text(proj, ("project",), "description", required=False), limit, file)


def _site(c: _Checker, obj: Any) -> Site | None:
    path = ("site",)
    if obj is None:
        c.bad(path, "missing: the project needs a site with `point` or `polygon`")
        return None
    s = c.mapping(obj, path, "site")
    name = c.text(s, path, "name", required=False, default="site")
    if "polygon" in s:
        pts = c.points(s["polygon"], (*path, "polygon"), 3)
        if pts is None:
            return None
        poly = Polygon([(p.x, p.y) for p in pts])
        if not poly.is_valid or poly.area == 0:
            c.bad((*path, "polygon"), "the polygon is not valid (self-intersecting or flat)")
            return None
        return Site(name, poly)
    if "point" in s:
        p = c.point(s["point"], (*path, "point"))
        return Site(name, p) if p is not None else None
    c.bad(path, "the site has no geometry: give `point` [lat, lon] or `polygon`")
    return None


def _phases(c: _Checker, obj: Any) -> dict[str, Phase]:
    out: dict[str, Phase] = {}
    if obj is None:
        c.bad(("phases",), "missing: give at least one phase with start and end dates")
    for path, p, pid in _entries(c, obj, "phases", "phase"):
        start, end = c.day(p, path, "start"), c.day(p, path, "end")
        if start and end and end < start:
            c.bad((*path, "end"), f"ends ({end}) before it starts ({start})")
        if pid and start and end:  # kept even if invalid, so references to it resolve
            out[pid] = Phase(pid, c.text(p, path, "name", required=False, default=pid), start, end)
    return out


def _routes(c: _Checker, obj: Any) -> dict[str, Route]:
    out: dict[str, Route] = {}
    for path, r, rid in _entries(c, obj, "routes", "route"):
        mode = c.text(r, path, "mode", required=False, default="road")
        if mode not in ("road", "water"):
            c.bad((*path, "mode"), f"'{mode}' is not road or water")
        road_type = c.text(r, path, "road_type", required=False, default=ROAD_TYPES[1])
        if road_type not in ROAD_TYPES:
            c.bad((*path, "road_type"), f"unknown road type '{road_type}'; known: "
                  + ", ".join(ROAD_TYPES))
        speed = c.number(r, path, "max_speed_kmh", positive=True)
        pts = c.points(r.get("coordinates"), (*path, "coordinates"), 2)
        if rid and pts:
            out[rid] = Route(rid, mode, LineString([(p.x, p.y) for p in pts]), road_type,
                             c.text(r, path, "label", required=False, default=rid),
                             int(speed) if speed else None)
    return out


def _ref(c: _Checker, obj: dict[str, Any], path: tuple[Any, ...], key: str,
         known: dict[str, Any], what: str, required: bool = True) -> str | None:
    value = c.text(obj, path, key, required=required)
    if value and value not in known:
        c.bad((*path, key), f"unknown {what} '{value}'"
              + (f"; known: {', '.join(sorted(known))}" if known else ""))
        return None
    return value or None


def _deliveries(c: _Checker, obj: Any, phases: dict[str, Phase], routes: dict[str, Route],
                tables: ConstructionTables) -> list[Delivery]:
    out: list[Delivery] = []
    for path, d, did in _entries(c, obj, "deliveries", "delivery"):
        phase = _ref(c, d, path, "phase", phases, "phase")
        mode = c.text(d, path, "mode", required=False, default="road")
        tonnes = c.number(d, path, "tonnes", positive=True)
        trips_f = c.number(d, path, "trips", positive=True)
        if trips_f is not None and trips_f != int(trips_f):
            c.bad((*path, "trips"), f"{trips_f} is not a whole number of trips")
        distance = c.number(d, path, "distance_km", required=True, positive=True)
        vehicle = c.text(d, path, "vehicle")
        std = ""
        payload = None
        if mode == "road":
            v = tables.vehicles.get(vehicle)
            if vehicle and v is None:
                c.bad((*path, "vehicle"), f"unknown vehicle type '{vehicle}'; known: "
                      + ", ".join(tables.vehicles))
            if v is not None:
                payload = v.payload_t
                std = c.text(d, path, "emission_standard", required=not v.electric,
                             default=v.emission_standards[0])
                if std not in v.emission_standards:
                    c.bad((*path, "emission_standard"), f"'{std}' is not a class keten has "
                          f"factors for with {vehicle}: {', '.join(v.emission_standards)}")
        elif mode == "water":
            vessel = tables.vessels.get(vehicle)
            if vehicle and vessel is None:
                c.bad((*path, "vehicle"), f"unknown vessel type '{vehicle}'; known: "
                      + ", ".join(tables.vessels))
            payload = vessel.payload_t if vessel else None
        else:
            c.bad((*path, "mode"), f"'{mode}' is not road or water")
        if tonnes is None and trips_f is None and "tonnes" not in d and "trips" not in d:
            c.bad(path, "give `tonnes` or `trips`")
        if tonnes is None and trips_f is not None and payload is not None:
            tonnes = trips_f * payload  # trips only: full loads assumed
        route = _ref(c, d, path, "route", {k: r for k, r in routes.items()}, "route",
                     required=False)
        if route and routes[route].mode != mode:
            c.bad((*path, "route"), f"route '{route}' is a {routes[route].mode} route, "
                  f"the delivery goes by {mode}")
        origin_point = c.point(d["origin_point"], (*path, "origin_point")) \
            if "origin_point" in d else None
        if route is None and "route" not in d and "origin_point" not in d:
            c.bad(path, "no access route: give `route` (a route id) or `origin_point` [lat, lon]")
        water = _water(c, d.get("by_water"), (*path, "by_water"), routes, tables) \
            if d.get("by_water") is not None else None
        prices = {k: c.number(d, path, k) for k in ("price_eur_per_trip", "price_eur_per_t")}
        via_hub = c.boolean(d, path, "via_hub", True)
        if did and phase and tonnes and distance and vehicle:
            out.append(Delivery(
                did, phase, c.text(d, path, "material", required=False, default="material"),
                tonnes, c.text(d, path, "origin", required=False, default=""), distance, mode,
                vehicle, std, int(trips_f) if trips_f else None, route, origin_point, via_hub,
                water, prices["price_eur_per_trip"], prices["price_eur_per_t"]))
    return out


def _water(c: _Checker, obj: Any, path: tuple[Any, ...], routes: dict[str, Route],
           tables: ConstructionTables) -> WaterOption | None:
    w = c.mapping(obj, path, "by_water")
    vessel = _ref(c, w, path, "vessel", tables.vessels, "vessel type")
    distance = c.number(w, path, "distance_km", required=True, positive=True)
    route = _ref(c, w, path, "route", routes, "route", required=False)
    if route and routes[route].mode != "water":
        c.bad((*path, "route"), f"route '{route}' is not a water route")
    origin = c.point(w["origin_point"], (*path, "origin_point")) if "origin_point" in w else None
    if "route" not in w and "origin_point" not in w:
        c.bad(path, "no waterway: give `route` (a water route id) or `origin_point`")
    price = c.number(w, path, "price_eur_per_t")
    if vessel and distance:
        return WaterOption(vessel, distance, route, origin, price)
    return None


def _machines(c: _Checker, obj: Any, phases: dict[str, Phase],
              tables: ConstructionTables) -> list[Machine]:
    out: list[Machine] = []
    for path, m, mid in _entries(c, obj, "machinery", "machine"):
        phase = _ref(c, m, path, "phase", phases, "phase")
        mtype = c.text(m, path, "type")
        if mtype and mtype not in tables.machine_types:
            c.bad((*path, "type"), f"unknown machine type '{mtype}'; known: "
                  + ", ".join(tables.machine_types))
        power = c.number(m, path, "power_kw", required=True, positive=True)
        stage = c.text(m, path, "stage")
        factor = None
        if stage and stage not in tables.stages:
            c.bad((*path, "stage"), f"unknown Stage class '{stage}'; known: "
                  + ", ".join(tables.stages))
        elif stage and stage != "electric" and power:
            factor = tables.machinery_factor(stage, power)
            if factor is None:
                c.bad((*path, "power_kw"), f"{stage} has no power class for {power:g} kW; "
                      f"classes: {', '.join(tables.power_classes(stage))}")
        count = c.number(m, path, "count", positive=True)
        if count is not None and count != int(count):
            c.bad((*path, "count"), f"{count} is not a whole number")
        hours = c.number(m, path, "hours")
        fuel = c.number(m, path, "fuel_l")
        adblue = c.number(m, path, "adblue_l")
        if "hours" not in m and "fuel_l" not in m:
            c.bad(path, "give operating `hours` or `fuel_l` (per machine, over the phase)")
        if stage == "electric" and "fuel_l" in m:
            c.bad((*path, "fuel_l"), "an electric machine burns no fuel: give `hours`")
        if adblue and factor is not None and not factor.scr:
            c.bad((*path, "adblue_l"), f"{stage} at {power:g} kW has no SCR: AdBlue is not used")
        load = c.number(m, path, "load_factor", positive=True)
        if load is not None and load > 1:
            c.bad((*path, "load_factor"), f"{load} is above 1 (a share of rated power)")
            load = None
        prices = {k: c.number(m, path, k) for k in
                  ("price_eur_per_hour", "electric_price_eur_per_hour")}
        measured_nox = c.number(m, path, "nox_g_per_kwh")
        if measured_nox is not None and stage == "electric":
            c.bad((*path, "nox_g_per_kwh"), "an electric machine has no exhaust NOx")
        if mid and phase and mtype in tables.machine_types and power and stage in tables.stages \
                and (factor is not None or stage == "electric"):
            out.append(Machine(
                mid, phase, mtype, power, stage, int(count or 1), hours, fuel, adblue, load,
                c.text(m, path, "aerius_code", required=False) or None,
                c.text(m, path, "label", required=False),
                prices["price_eur_per_hour"], prices["electric_price_eur_per_hour"],
                measured_nox))
    return out


def _hub(c: _Checker, obj: Any, routes: dict[str, Route], tables: ConstructionTables) -> Hub | None:
    path = ("hub",)
    h = c.mapping(obj, path, "hub")
    name = c.text(h, path, "name")
    point = c.point(h.get("point"), (*path, "point")) if "point" in h else None
    if "point" not in h:
        c.bad((*path, "point"), "missing value: the hub's location [lat, lon]")
    distance = c.number(h, path, "distance_to_site_km", required=True, positive=True)
    vehicle = c.text(h, path, "last_mile_vehicle", required=False, default="electric_truck")
    if vehicle not in tables.vehicles:
        c.bad((*path, "last_mile_vehicle"), f"unknown vehicle type '{vehicle}'; known: "
              + ", ".join(tables.vehicles))
    route = _ref(c, h, path, "route", routes, "route", required=False)
    fill = c.number(h, path, "fill_rate", positive=True)
    if fill is not None and fill > 1:
        c.bad((*path, "fill_rate"), f"{fill} is above 1")
        fill = None
    handling = c.number(h, path, "handling_eur_per_t")
    last = c.number(h, path, "last_mile_eur_per_trip")
    if name and point and distance and vehicle in tables.vehicles:
        return Hub(name, point, distance, vehicle, route, fill or 0.9, handling, last)
    return None
