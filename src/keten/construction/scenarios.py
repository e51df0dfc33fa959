"""Scenarios: what changes in the deliveries and the machinery under each measure.

- ``as_planned``: the project as given;
- ``construction_hub``: deliveries marked ``via_hub`` go to the hub in the same vehicles and are
  bundled there onto the hub's (electric) last-mile vehicles;
- ``by_water``: deliveries with a ``by_water`` option come by inland vessel instead;
- ``electric_machinery``: every machine whose type has an electric variant runs electric.

A scenario becomes a :class:`ScenarioPlan`: transport legs (for the ISO 14083 engine) and
machine runs, each with the part that counts for AERIUS (within the distance limit).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from shapely.geometry import LineString, Point

from keten.construction.geometry import clip_km, from_site, toward
from keten.construction.model import SCENARIOS, Delivery, Machine, Project
from keten.construction.tables import ConstructionTables

HUB_HOC_ID = "hub_transshipment_ambient"  # keten default HOC: cross-dock handling at the hub


@dataclass(frozen=True)
class Leg:
    """One transport leg of a delivery in a scenario."""

    source_id: str
    delivery_id: str
    phase_id: str
    material: str
    leg: str  # direct | to_hub | last_mile | water | hub
    mode: str  # road | inland_waterway | hub
    vehicle_type: str
    emission_standard: str
    toc_id: str  # the TOC (road/water) or HOC (hub) the engine uses
    tonnes: float
    trips: float  # loaded trips to the site (or hub); vehicle movements = 2 x trips
    distance_km: float
    within_km: float  # part of the distance within the AERIUS limit of the site
    line: LineString | None  # access route within the limit, EPSG:28992
    route_id: str | None
    cost_eur: float | None


@dataclass(frozen=True)
class ScenarioPlan:
    scenario: str
    legs: list[Leg]
    machines: list[Machine]


def _cost(d: Delivery, trips: float) -> float | None:
    if d.price_eur_per_trip is not None:
        return d.price_eur_per_trip * trips
    if d.price_eur_per_t is not None:
        return d.price_eur_per_t * d.tonnes
    return None


def _trips(tonnes: float, payload_t: float, given: int | None) -> float:
    return float(given) if given is not None else float(math.ceil(tonnes / payload_t - 1e-9))


def _route_line(project: Project, route_id: str | None, origin: Point | None,
                within_km: float) -> LineString | None:
    site = project.site.point
    if route_id is not None and route_id in project.routes:
        return clip_km(from_site(project.routes[route_id].line, site), within_km)
    if origin is not None:
        return toward(site, origin, within_km)
    return None


def _far_point(project: Project, d: Delivery) -> Point | None:
    """A point in the direction the delivery comes from (its origin, or its route's far end)."""
    if d.origin_point is not None:
        return d.origin_point
    if d.route_id in project.routes:
        line = from_site(project.routes[d.route_id].line, project.site.point)
        return Point(line.coords[-1])
    return None


def direct_leg(project: Project, d: Delivery, tables: ConstructionTables) -> Leg:
    limit = project.distance_limit_km
    within = min(d.distance_km, limit)
    if d.mode == "water":
        vessel = tables.vessels[d.vehicle_type]
        toc, payload, mode, std = vessel.toc_id, vessel.payload_t, "inland_waterway", ""
    else:
        vehicle = tables.vehicles[d.vehicle_type]
        toc, payload, mode, std = vehicle.toc_id, vehicle.payload_t, "road", d.emission_standard
    trips = _trips(d.tonnes, payload, d.trips)
    return Leg(
        f"{d.delivery_id}", d.delivery_id, d.phase_id, d.material,
        "water" if d.mode == "water" else "direct", mode, d.vehicle_type, std, toc, d.tonnes,
        trips, d.distance_km, within, _route_line(project, d.route_id, d.origin_point, within),
        d.route_id, _cost(d, trips),
    )


def _hub_legs(project: Project, d: Delivery, tables: ConstructionTables) -> list[Leg]:
    hub = project.hub
    assert hub is not None
    limit = project.distance_limit_km
    first = direct_leg(project, d, tables)  # same vehicles, loads and supplier price
    # the hub lies on the way: origin -> hub is the delivery's distance less hub -> site
    to_hub_km = max(d.distance_km - hub.distance_to_site_km, 0.0)
    within_first = max(0.0, min(to_hub_km, limit - hub.distance_to_site_km))
    far = _far_point(project, d)
    line_first = (toward(hub.point, far, within_first)
                  if far is not None and within_first > 0 else None)
    vehicle = tables.vehicles[hub.last_mile_vehicle]
    # bundled at the hub: loads from several suppliers share a vehicle, filled to fill_rate
    last_trips = d.tonnes / (vehicle.payload_t * hub.fill_rate)
    last_within = min(hub.distance_to_site_km, limit)
    last_line = _route_line(project, hub.route_id, hub.point, last_within)
    handling = hub.handling_eur_per_t * d.tonnes if hub.handling_eur_per_t is not None else None
    last_cost = (hub.last_mile_eur_per_trip * last_trips
                 if hub.last_mile_eur_per_trip is not None else None)
    return [
        replace(first, source_id=f"{d.delivery_id}:to_hub", leg="to_hub", distance_km=to_hub_km,
                within_km=within_first, line=line_first, route_id=None),
        Leg(f"{d.delivery_id}:hub", d.delivery_id, d.phase_id, d.material, "hub", "hub",
            hub.name, "", HUB_HOC_ID, d.tonnes, 0.0, 0.0, 0.0, None, None, handling),
        Leg(f"{d.delivery_id}:last_mile", d.delivery_id, d.phase_id, d.material, "last_mile",
            "road", vehicle.vehicle_type, vehicle.emission_standards[-1],
            vehicle.toc_id, d.tonnes, last_trips, hub.distance_to_site_km, last_within,
            last_line, hub.route_id, last_cost),
    ]


def _water_leg(project: Project, d: Delivery, tables: ConstructionTables) -> Leg:
    opt = d.by_water
    assert opt is not None
    vessel = tables.vessels[opt.vessel_type]
    limit = project.distance_limit_km
    within = min(opt.distance_km, limit)
    trips = _trips(d.tonnes, vessel.payload_t, None)
    cost = opt.price_eur_per_t * d.tonnes if opt.price_eur_per_t is not None else None
    return Leg(f"{d.delivery_id}:water", d.delivery_id, d.phase_id, d.material, "water",
               "inland_waterway", vessel.vessel_type, "", vessel.toc_id, d.tonnes, trips,
               opt.distance_km, within, _route_line(project, opt.route_id, opt.origin_point,
                                                    within), opt.route_id, cost)


def plan_scenario(project: Project, scenario: str, tables: ConstructionTables) -> ScenarioPlan:
    """The legs and machine runs of one scenario."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario '{scenario}'; choose from {', '.join(SCENARIOS)}")
    legs: list[Leg] = []
    for d in project.deliveries:
        if (scenario == "construction_hub" and project.hub is not None and d.mode == "road"
                and d.via_hub):
            legs += _hub_legs(project, d, tables)
        elif scenario == "by_water" and d.by_water is not None and d.mode == "road":
            legs.append(_water_leg(project, d, tables))
        else:
            legs.append(direct_leg(project, d, tables))
    machines = list(project.machines)
    if scenario == "electric_machinery":
        machines = [
            # same work (kWh) as the diesel machine; its fuel_l then means diesel replaced
            replace(m, stage="electric", adblue_l=None, aerius_code=None)
            if tables.machine_types[m.machine_type].electric_variant else m
            for m in machines
        ]
    return ScenarioPlan(scenario, legs, machines)
