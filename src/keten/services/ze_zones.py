"""Zero-emission-zone use case: which deliveries enter a zone, the plan without and with the
zone rule (stops in a zone only by zero-emission vehicles, within their range, charged at the
depot), the zero-emission vehicles it takes, and the emissions the rule avoids, NOx and PM
inside the zones too (estimated from each route's km inside, see ``keten.bundling.zones``)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from keten.bundling.model import WorkingTime
from keten.bundling.zones import Zone, zone_of
from keten.errors import KetenError
from keten.io.bundling_input import read_zones
from keten.services.bundling import Scenario, _plan, demo_paths, read_inputs, route_dict, scenario


def shipped_zones() -> list[Zone]:
    """The Dutch zero-emission zones keten ships: NDW open data (CC0), built by
    scripts/build_ze_zones.py; every zone names its record, decree and snapshot."""
    return read_zones(demo_paths()[2])


def shipped_snapshot() -> str:
    """The date NDW published the snapshot keten's zones were built from (YYYY-MM-DD)."""
    import json

    return str(json.loads(demo_paths()[2].read_text()).get("published", ""))[:10]


MAX_ADDED = 6


def _short_of_vehicles(p: Any, marks: list[dict[str, Any]]) -> bool:
    in_zone = {m["shipment_id"] for m in marks if m["zone_id"]}
    return any(u.shipment_id in in_zone and u.reason.startswith("not planned")
               for u in p.unserved)


@dataclass
class ZoneResult:
    deliveries: list[dict[str, Any]]
    zero_emission_vehicles_added: int
    without_rule: Scenario
    with_rule: Scenario
    zones: list[Zone]
    on: date

    def as_dict(self) -> dict[str, Any]:
        a, b = self.without_rule.kpis(), self.with_rule.kpis()
        keys = ("vehicle_km", "cost_eur", "co2e_wtw_kg", "co2e_ttw_kg", "nox_kg", "pm_kg",
                "nox_in_zone_kg", "pm_in_zone_kg")
        zone_routes = [r for r in self.with_rule.plan.routes
                       if any(d["shipment_id"] == s.shipment_id and d["zone_id"]
                              for s in r.stops for d in self.deliveries)]
        return {
            "deliveries": self.deliveries,
            "in_zone": sum(1 for d in self.deliveries if d["zone_id"]),
            "scenarios": [a, b],
            "avoided": {k: a[k] - b[k] for k in keys},
            "zero_emission_vehicles_needed": len(zone_routes),
            "zero_emission_vehicles_added": self.zero_emission_vehicles_added,
            "zero_emission_vehicle_types": sorted({r.vehicle_type for r in zone_routes}),
            "routes": [route_dict(sc.name, r) for sc in (self.without_rule, self.with_rule)
                       for r in sc.plan.routes],
            "unserved": [vars(u) for u in self.with_rule.plan.unserved],
            "zones_in_force_on": self.on.isoformat(),
            "zones": [{"zone_id": z.zone_id, "name": z.name, "valid_from": z.valid_from,
                       "municipality": z.municipality, "traffic_decree": z.traffic_decree,
                       "source": z.source} for z in self.zones],
        }


def ze_zones(shipments: Any = None, fleet: Any = None, zones: Any = None, *,
             time_limit_s: float = 2.0, rules: WorkingTime | None = None,
             on: date | None = None) -> ZoneResult:
    """Deliveries in zero-emission zones and the zero-emission fleet they need (demo data and
    keten's shipped NDW zones if nothing is given); only zones in force ``on`` (default
    today) apply."""
    if shipments is None and fleet is None:
        shipments, fleet, _ = demo_paths()
    if shipments is None or fleet is None:
        raise KetenError("give both shipments and a fleet (or neither, for the demo data)")
    on = on or date.today()
    inputs = read_inputs(shipments, fleet, zones if zones is not None else demo_paths()[2], on)
    rules = rules or WorkingTime()
    marks = []
    for s in inputs.shipments:
        zid = zone_of(inputs.zones, s.delivery.lat, s.delivery.lon)
        pid = zone_of(inputs.zones, s.pickup.lat, s.pickup.lon)
        marks.append({"shipment_id": s.shipment_id, "shipper": s.shipper,
                      "zone_id": zid or pid or "", "stop": "delivery" if zid else
                      "pickup" if pid else "", "row": s.row})
    free = _plan(inputs, inputs.shipments, "no zone rule", rules, time_limit_s, use_zones=False)
    ruled = _plan(inputs, inputs.shipments, "zone rule", rules, time_limit_s)
    added = 0
    ze_types = [v for v in inputs.fleet if v.zero_emission]
    # fleet needs: add zero-emission vehicles while zone deliveries stay unplanned for want
    # of one (not those that no vehicle of the type could ever serve)
    while ze_types and added < MAX_ADDED and _short_of_vehicles(ruled, marks):
        added += 1
        bigger = max(ze_types, key=lambda v: (v.range_km or float("inf"), v.capacity_kg))
        inputs.fleet = [replace(v, count=v.count + 1) if v is bigger else v
                        for v in inputs.fleet]
        ze_types = [v for v in inputs.fleet if v.zero_emission]
        ruled = _plan(inputs, inputs.shipments, "zone rule", rules, time_limit_s)
    return ZoneResult(marks, added,
                      scenario(free, inputs.shipments, inputs.fleet, inputs.sfd, inputs.fs,
                               inputs.zones),
                      scenario(ruled, inputs.shipments, inputs.fleet, inputs.sfd, inputs.fs,
                               inputs.zones), inputs.zones, on)
