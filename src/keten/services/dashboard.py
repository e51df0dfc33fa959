"""Data behind the dashboard pages and the HTML reports: plain JSON-able dicts (units in names)
built from the network, footprint, planning, resilience and chain results.

Nothing here renders: :mod:`keten.web.charts` turns these views into plotly figures.
"""

from __future__ import annotations

import copy
import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import shapely

from keten.display import node_labels
from keten.emissions.distance import parse_lat_lon
from keten.emissions.footprint import FootprintResult, decode_dictionaries
from keten.errors import KetenError, Problem, ValidationError
from keten.io.tables import read_table_as_text
from keten.network.build import default_network, network_title, sketch_network
from keten.network.display import DISPLAY_CELL_DEG
from keten.network.geometry import link_lines
from keten.network.labels import link_names, with_link_names
from keten.network.model import Network, records
from keten.planning.results import PlanResult
from keten.resilience.flows import ImpactModel
from keten.resilience.impact import ImpactResult, baseline_day, simulate
from keten.resilience.lowwater import assignment_for, depth_relation, low_water_links
from keten.store import Store

#: Discharge range of the Lobith depth relation (m3/s); outside it the relation is undefined.
DISCHARGE_MIN_M3S = 500.0
DISCHARGE_MAX_M3S = 2000.0
#: Days of a low-water scenario on the dashboard (the ``lowwater`` template's default is 30).
LOWWATER_DAYS = 30
TOP_ROWS = 25


def _num(value: Any) -> float | None:
    """A finite float, or None (JSON has no NaN)."""
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _desc(key: str) -> Callable[[dict[str, Any]], float]:
    """Sort key: largest ``key`` first (None counts as 0)."""
    return lambda row: -float(row.get(key) or 0.0)


def _clean(rec: Mapping[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, v in rec.items():
        k = str(key)
        if isinstance(v, float | np.floating):
            out[k] = _num(v)
        elif isinstance(v, np.bool_):
            out[k] = bool(v)
        elif isinstance(v, np.integer):
            out[k] = int(v)
        else:
            out[k] = v
    return out


# ---------------------------------------------------------------- network


def _demo_model() -> ImpactModel:
    """The resilience demo demand on the default network (prepared once, then cached)."""
    from keten.services.resilience import impact_model

    return impact_model()


def demo_throughput_t_per_day() -> dict[str, float]:
    """Tonnes per day through each node when the demo demand is routed on the intact default
    network (the resilience baseline day): the size of a terminal on the map."""
    model = _demo_model()
    day = baseline_day(model, 0.0)
    ids = model.network.node_ids
    through = day.node_throughput_t
    return {str(ids[i]): float(through[i]) for i in range(min(len(ids), len(through)))}


DISPLAY_MAX_LINKS = 5_000  # above this a map draws merged chains (keten.network.display)


# open data whose licence asks for attribution on a map, as the links' source or licence names it
ATTRIBUTIONS = (("OpenStreetMap", "© OpenStreetMap contributors (ODbL)"),
                ("Rijkswaterstaat", "Rijkswaterstaat (CC0)"))


def data_attribution(texts: Any) -> str | None:
    """"Network: © OpenStreetMap contributors (ODbL), Rijkswaterstaat (CC0)" for the sources
    and licences in ``texts`` that a map must credit; None where there are none."""
    seen = {str(t) for t in texts if t}
    names = [label for key, label in ATTRIBUTIONS if any(key in t for t in seen)]
    return f"Network: {', '.join(names)}" if names else None


def _display_view(name: str, hubs: Any, lines: list[dict[str, Any]],
                  throughput: dict[str, float], total: int | None) -> dict[str, Any]:
    """A network view of hubs and merged display lines (keten.network.display)."""
    nodes = []
    for rec in records(hubs):
        node = _clean(rec)
        node["throughput_t_per_day"] = throughput.get(str(rec["node_id"]))
        nodes.append(node)
    links = [{k: v for k, v in rec.items() if k != "source"} for rec in lines]
    what = f"for {total:,} links " if total else ""
    return {"name": name, "title": network_title(name), "nodes": nodes, "links": links,
            "data_attribution": data_attribution(rec.get("source") for rec in lines),
            "throughput_basis": "resilience demo demand, intact network (t/day)"
            if throughput else None,
            "display": f"{len(links):,} lines drawn {what}(chains merged, junctions within "
                       f"{DISPLAY_CELL_DEG} degrees joined)"}


def network_view(net: Network | None = None, sized: bool = True) -> dict[str, Any]:
    """Nodes (with throughput where known) and links (with end coordinates) of a network.

    ``sized=False`` leaves out the throughput, which routes the demo demand (seconds): the
    dashboard paints that map first and sizes the terminals when the throughput is ready."""
    if net is None:  # the national default: its precomputed display tables, not 43k links
        from keten.network.build import national_display

        hubs, lines = national_display()
        return _display_view("keten-nl-national", hubs, lines,
                             demo_throughput_t_per_day() if sized else {}, total=None)
    throughput = (demo_throughput_t_per_day()
                  if sized and any(net is b for b in (default_network(), sketch_network()))
                  else {})
    if len(net.links) > DISPLAY_MAX_LINKS:  # national scale: hubs and merged lines only
        from keten.network.display import display_chains

        hubs = net.nodes[net.nodes["kind"].astype(str) != "junction"]
        return _display_view(net.name, hubs, display_chains(net), throughput,
                             total=len(net.links))

    nodes = []
    xy: dict[str, tuple[float, float]] = {}
    for rec in records(net.nodes):
        node = _clean(rec)
        node["throughput_t_per_day"] = throughput.get(str(rec["node_id"]))
        xy[str(rec["node_id"])] = (float(rec["lon"]), float(rec["lat"]))
        nodes.append(node)
    links = []
    for rec in records(net.links):
        a, b = xy.get(str(rec["from_node"])), xy.get(str(rec["to_node"]))
        if a is None or b is None:
            continue
        link = _clean(rec)
        link["lon"] = [a[0], b[0]]
        link["lat"] = [a[1], b[1]]
        links.append(link)
    return {
        "name": net.name,
        "title": network_title(net.name),
        "nodes": nodes,
        "links": links,
        "data_attribution": data_attribution(
            [*net.links.get("source", []), *net.links.get("licence", [])]),
        "throughput_basis": "resilience demo demand, intact network (t/day)" if throughput
        else None,
    }


# ---------------------------------------------------------------- footprint


def _month(text: str | None) -> str | None:
    if not text or len(text) < 7 or text[4] != "-":
        return None
    return text[:7]


def footprint_view(result: FootprintResult, source: str | Path | None = None) -> dict[str, Any]:
    """Totals and breakdowns by shipment, lane, mode and month of a footprint result.

    Lanes and months need each TCE's origin, destination and departure, which the per-TCE
    result table does not carry: they are read from ``source`` (the input file) when given."""
    table = decode_dictionaries(result.tce_table)
    totals = {k: _num(v) for k, v in result.totals().items()}
    by_mode = [_clean(r) for r in result.by_mode().to_pylist()]
    cols = ["shipment_id", "tce_id", "kind", "mode", "hub_type", "co2e_wtw_kg", "co2e_ttw_kg",
            "transport_activity_tkm", "nox_kg", "pm_kg", "sox_kg"]
    cols = [c for c in cols if c in table.column_names]
    rows = table.select(cols).to_pylist()
    shipments: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for r in rows:
        s = shipments[str(r["shipment_id"])]
        for k in ("co2e_wtw_kg", "co2e_ttw_kg", "transport_activity_tkm", "nox_kg", "pm_kg",
                  "sox_kg"):
            s[k] += float(r.get(k) or 0.0)
    by_shipment = sorted(
        ({"shipment_id": sid, **{k: _num(v) for k, v in vals.items()}}
         for sid, vals in shipments.items()),
        key=_desc("co2e_wtw_kg"))
    _add_shares(result, by_shipment[:SHOWN_SHIPMENTS])
    where = _result_places(table) or (_tce_places(source) if source is not None else {})
    lanes: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    months: dict[tuple[str, str], float] = defaultdict(float)
    first_month: dict[str, str] = {}
    for r in rows:
        place = where.get((str(r["shipment_id"]), str(r["tce_id"])))
        if place and place[2] and str(r["shipment_id"]) not in first_month:
            first_month[str(r["shipment_id"])] = place[2]
    for r in rows:
        sid = str(r["shipment_id"])
        place = where.get((sid, str(r["tce_id"])))
        group = str(r["mode"] or f"hub:{r['hub_type'] or 'hub'}")
        lane_name = _lane(place) if r["kind"] == "transport" and place else None
        if lane_name is not None:
            lane = lanes[lane_name]
            lane["co2e_wtw_kg"] += float(r["co2e_wtw_kg"] or 0.0)
            lane["transport_activity_tkm"] += float(r["transport_activity_tkm"] or 0.0)
            lane["tce_count"] += 1
        month = (place[2] if place else None) or first_month.get(sid) or "no date"
        months[(month, group)] += float(r["co2e_wtw_kg"] or 0.0)
    by_lane = sorted(({"lane": k, **{c: _num(v) for c, v in vals.items()}}
                      for k, vals in lanes.items()), key=_desc("co2e_wtw_kg"))
    by_month = [{"month": m, "group": g, "co2e_wtw_kg": _num(v)}
                for (m, g), v in sorted(months.items())]
    return {
        "totals": totals,
        "by_mode": by_mode,
        "by_shipment": by_shipment,
        "tces": _tce_rows(table, {str(r["shipment_id"]) for r in by_shipment[:SHOWN_SHIPMENTS]}),
        "by_lane": by_lane,
        "by_month": by_month,
        "factor_set": result.factor_set,
        "method": result.method,
        "lanes_known": bool(where),
    }


# shipments (and their TCEs) listed on the Footprint page, largest first
SHOWN_SHIPMENTS = 25
TCE_COLUMNS = ("shipment_id", "tce_id", "kind", "mode", "hub_type", "toc_id", "hoc_id",
               "distance_km", "distance_type", "transport_activity_tkm", "co2e_wtw_kg",
               "co2e_ttw_kg", "nox_kg", "pm_kg", "sox_kg", "data_source")


def _add_shares(result: FootprintResult, shown: list[dict[str, Any]]) -> None:
    """The primary-data share and the transport WTW intensity (kg CO2e/tkm) of the shown
    shipments, from the engine's shipment results."""
    wanted = {r["shipment_id"]: r for r in shown}
    for s in result.shipments:
        row = wanted.get(s.shipment_id)
        if row is not None:
            row["primary_data_share"] = _num(float(s.primary_data_share))
            intensity = s.co2e_intensity_wtw_kg_per_tkm
            row["co2e_intensity_wtw_kg_per_tkm"] = (None if intensity is None
                                                    else _num(float(intensity)))


def _tce_rows(table: Any, shipment_ids: set[str]) -> list[dict[str, Any]]:
    """Each TCE of the shown shipments: distance and its type, activity, CO2e WTW/TTW, NOx,
    PM, SOx and whether the intensity was primary data."""
    names = [c for c in TCE_COLUMNS if c in table.column_names]
    out = []
    for r in table.select(names).to_pylist():
        if str(r["shipment_id"]) in shipment_ids:
            out.append({k: _num(v) if isinstance(v, float) else v for k, v in r.items()})
    return out


@lru_cache(maxsize=1)
def _node_labels() -> dict[str, str]:
    """Node id -> place name of the default network's nodes (:func:`keten.display.node_labels`):
    terminals, ports and named junctions only (a junction's name is its id)."""
    nodes = default_network().nodes
    hubs = nodes[nodes["kind"].astype(str) != "junction"]
    return node_labels(hubs["node_id"], hubs["name"])


@lru_cache(maxsize=1)
def _gazetteer_points() -> tuple[list[str], Any, Any]:
    """Names, latitudes and longitudes of the gazetteer's places (network/data/places.csv)."""
    from keten.network.locate import gazetteer

    places = sorted(set(gazetteer().values()), key=lambda p: (-p.population, p.name))
    return ([p.name for p in places], np.array([p.lat for p in places]),
            np.array([p.lon for p in places]))


def _near_label(lat: float, lon: float) -> str:
    """``near <place>``: the nearest place of the gazetteer (a town a reader knows, never a
    network junction), or the coordinates where the gazetteer has none within 50 km."""
    from keten.emissions.distance import great_circle_km_array

    names, lats, lons = _gazetteer_points()
    km = great_circle_km_array(np.full(len(lats), lat), np.full(len(lats), lon), lats, lons)
    best = int(np.argmin(km)) if len(km) else -1
    if best < 0 or km[best] > 50:
        return f"{lat:.2f},{lon:.2f}"
    return f"near {names[best]}"


def place_label(text: str) -> str:
    """A lane end as a reader knows it: a network terminal by its place name ("Rotterdam
    Maasvlakte", not NLRTM-MV), ``lat,lon`` as the nearest town ("near Venlo") rather than raw
    coordinates, any other code as given."""
    coords = parse_lat_lon(text)
    if coords is None:
        return _node_labels().get(text, text)
    return _near_label(*coords)


def _lane(place: tuple[str, str, str | None]) -> str | None:
    """``origin → destination`` of a transport TCE; None where either end is unknown or both
    are the same place (a stop, not a lane)."""
    origin, destination = place[0], place[1]
    if origin in ("", "?") or destination in ("", "?"):
        return None
    a, b = place_label(origin), place_label(destination)
    return None if a == b else f"{a} → {b}"


def _result_places(table: Any) -> dict[tuple[str, str], tuple[str, str, str | None]]:
    """(shipment_id, tce_id) -> (origin, destination, departure month) from the per-TCE
    result table, which carries the input's origin, destination and departure."""
    names = set(table.column_names)
    if not {"shipment_id", "tce_id", "origin", "destination"} <= names:
        return {}
    dep = (table.column("departure_at").to_pylist() if "departure_at" in names
           else [None] * table.num_rows)
    out = {}
    for sid, tid, o, d, when in zip(table.column("shipment_id").to_pylist(),
                                    table.column("tce_id").to_pylist(),
                                    table.column("origin").to_pylist(),
                                    table.column("destination").to_pylist(), dep, strict=True):
        out[(str(sid), str(tid))] = (str(o or "?").strip(), str(d or o or "?").strip(),
                                     _month(None if when is None else str(when)))
    return out


def _tce_places(source: str | Path) -> dict[tuple[str, str], tuple[str, str, str | None]]:
    """(shipment_id, tce_id) -> (origin, destination, departure month) from a TCE file."""
    try:
        table = read_table_as_text(Path(source), json_key="tces")
    except KetenError:
        return {}
    names = set(table.column_names)
    if not {"shipment_id", "tce_id"} <= names:
        return {}

    def column(name: str) -> list[Any]:
        return table.column(name).to_pylist() if name in names else [None] * table.num_rows

    out = {}
    for sid, tid, o, d, dep in zip(column("shipment_id"), column("tce_id"), column("origin"),
                                   column("destination"), column("departure_at"), strict=True):
        out[(str(sid), str(tid))] = (str(o or "?").strip(), str(d or o or "?").strip(),
                                     _month(dep))
    return out


# ---------------------------------------------------------------- planning


def service_routes(source: str | Path | None = None) -> dict[str, tuple[str, str, str]]:
    """Service id -> (mode, from terminal, to terminal) of a timetable file (the demo
    timetable when ``source`` is None); empty where the file cannot be read."""
    if source is None:
        from keten.services.planning import demo_paths

        source = demo_paths()[1]
    try:
        table = read_table_as_text(Path(source))
    except KetenError:
        return {}
    if not {"service_id", "mode", "from_terminal", "to_terminal"} <= set(table.column_names):
        return {}
    return {str(i): (str(m), str(a), str(b)) for i, m, a, b in zip(
        *(table.column(c).to_pylist() for c in ("service_id", "mode", "from_terminal",
                                                "to_terminal")), strict=True)}


def service_line_label(mode: str, origin: str, destination: str) -> str:
    """A service line as a planner reads it: "barge Rotterdam Maasvlakte → Duisburg"."""
    return (f"{MODE_WORDS.get(mode, mode)} {place_label(origin)} → "
            f"{place_label(destination)}")


def planning_view(result: PlanResult,
                  services: Mapping[str, tuple[str, str, str]] | None = None) -> dict[str, Any]:
    """Modal split before (all-road) and after (plan, uncapacitated), the carbon-price sweep
    and the utilisation of the scheduled services; each service with its line named by mode
    and terminals (from ``services``, :func:`service_routes`, or the plan's own legs)."""
    routes = {leg.service_id: (leg.mode, leg.from_location, leg.to_location)
              for sc in (result.plan, result.uncapacitated) for a in sc.assignments
              for leg in a.legs if leg.service_id}
    routes.update(services or {})
    scenarios = []
    for sc in (result.all_road, result.plan, result.uncapacitated):
        k = sc.kpis
        scenarios.append({
            "name": sc.name, "status": sc.status, "cost_eur": _num(k.cost_eur),
            "co2e_wtw_kg": _num(k.co2e_wtw_kg), "nox_kg": _num(k.nox_kg),
            "pm_kg": _num(k.pm_kg), "tkm_by_mode": {m: _num(v) for m, v in k.tkm_by_mode.items()},
            "shipments_by_mode": {m: _num(v) for m, v in k.shipments_by_mode.items()},
            "unserved_shipments": k.unserved_shipments, "on_time_rate": _num(k.on_time_rate),
            "road_tkm_share": _num(k.road_tkm_share),
        })
    utilisation: list[dict[str, Any]] = []
    for u in result.plan.utilisation:
        if u.kind != "service":
            continue
        route = routes.get(u.resource_id)
        utilisation.append({"service_id": u.resource_id,
                            "line": None if route is None else service_line_label(*route),
                            "used_teu": _num(u.used_teu),
                            "capacity_teu": _num(u.capacity_teu), "used_t": _num(u.used_t),
                            "capacity_t": _num(u.capacity_t), "share": _num(u.share)})
    utilisation.sort(key=lambda r: (-float(r["share"] or 0.0), str(r["service_id"])))
    return {
        "scenarios": scenarios,
        "modal_shift": {k: {m: _num(v) for m, v in d.items()}
                        for k, d in result.modal_shift().items()},
        "sweep": [_clean(asdict(p)) for p in result.sweep],
        "utilisation": utilisation,
        "carbon_price_eur_per_t": _num(result.parameters.get("carbon_price_eur_per_t")),
        "unserved": [_clean(asdict(u)) for u in result.plan.unserved],
    }


MODE_WORDS = {"inland_waterway": "barge", "rail": "rail", "road": "road", "sea": "sea"}


def plan_route_texts(result: PlanResult) -> list[str]:
    """Each assignment's legs as a planner reads them, in ``assignment_rows`` order: services
    by mode between named terminals, truck legs to and from them ("truck + rail Venlo →
    Rotterdam Maasvlakte"); the ids and coordinates stay in the CSV."""
    out = []
    for a in result.plan.assignments:
        parts = []
        for leg in a.legs:
            if leg.kind == "service":
                parts.append(f"{MODE_WORDS.get(leg.mode, leg.mode)} "
                             f"{place_label(leg.from_location)} → "
                             f"{place_label(leg.to_location)}")
            else:
                parts.append("road, door to door" if leg.kind == "direct_road" else "truck")
        out.append(" + ".join(parts))
    return out


def plan_map_view(result: PlanResult, net: Network | None = None) -> dict[str, Any]:
    """The plan's legs for a map: each distinct leg (mode, from, to) once, with the shipments,
    tonnes and services on it; ends at the network node's coordinates, or at the ``lat,lon``
    given in the shipment file. Legs are drawn straight: the plan keeps no network path."""
    net = net if net is not None else default_network()
    names: dict[str, str] = {}
    xy: dict[str, tuple[float, float]] = {}
    for rec in records(net.nodes):
        xy[str(rec["node_id"])] = (float(rec["lon"]), float(rec["lat"]))
        names[str(rec["node_id"])] = str(rec.get("name") or rec["node_id"])

    def where(location: str) -> tuple[float, float] | None:
        if location in xy:
            return xy[location]
        coords = parse_lat_lon(location)
        return None if coords is None else (coords[1], coords[0])

    legs: dict[tuple[str, str, str], dict[str, Any]] = {}
    places: dict[str, dict[str, Any]] = {}
    unplaced: set[str] = set()
    for a in result.plan.assignments:
        for leg in a.legs:
            start, end = where(leg.from_location), where(leg.to_location)
            if start is None or end is None:
                unplaced.update(loc for loc, e in ((leg.from_location, start),
                                                   (leg.to_location, end)) if e is None)
                continue
            ends = (start, end)
            key = (leg.mode, leg.from_location, leg.to_location)
            item = legs.setdefault(key, {
                "mode": leg.mode, "kind": "service" if leg.service_id else "road",
                "from": leg.from_location, "to": leg.to_location,
                "lon": [ends[0][0], ends[1][0]], "lat": [ends[0][1], ends[1][1]],
                "distance_km": _num(leg.distance_km), "shipments": set(), "mass_t": 0.0,
                "services": set()})
            item["shipments"].add(a.shipment_id)
            item["mass_t"] += a.mass_kg / 1000
            if leg.service_id:
                item["services"].add(leg.service_id)
            for loc, (lon, lat) in zip((leg.from_location, leg.to_location), ends, strict=True):
                places.setdefault(loc, {"id": loc, "lon": lon, "lat": lat,
                                        "terminal": loc in xy, "name": names.get(loc, loc)})
    out = []
    for item in sorted(legs.values(), key=lambda r: (r["mode"], r["from"], r["to"])):
        out.append({**item, "shipments": len(item["shipments"]),
                    "mass_t": _num(item["mass_t"]), "services": sorted(item["services"])})
    return {"legs": out, "places": sorted(places.values(), key=lambda p: p["id"]),
            "unplaced": sorted(unplaced)}


# ---------------------------------------------------------------- resilience


def check_discharge(discharge_m3s: float) -> float:
    value = _num(discharge_m3s)
    if value is None or not DISCHARGE_MIN_M3S <= value <= DISCHARGE_MAX_M3S:
        raise ValidationError([Problem(
            f"the Lobith discharge must be {DISCHARGE_MIN_M3S:g} to {DISCHARGE_MAX_M3S:g} m3/s "
            f"(the range of the depth relation), not {discharge_m3s}", column="discharge_m3s")],
            title="invalid scenario")
    return value


def impact_view(result: ImpactResult) -> dict[str, Any]:
    """A scenario's totals, day series, modal split and affected links (with payload factors
    for low water)."""
    days = result.days
    day_rows = [_clean({k: days[k].iloc[i] for k in (
        "day", "disrupted_backlog_t", "disrupted_late_t", "extra_cost_eur", "extra_co2e_wtw_kg",
        "disrupted_delivered_t", "baseline_delivered_t", "disrupted_lost_t",
        "extra_cost_incl_surcharges_eur") if k in days}) for i in range(len(days))]
    affected: dict[str, dict[str, Any]] = {}
    for target in result.resolved:
        factors = target.get("payload_factors") or {}
        for link_id in target.get("links", []):
            affected[link_id] = {"link_id": link_id, "disruption": target.get("id"),
                                 "type": target.get("type"),
                                 "payload_factor": _num(factors.get(link_id))}
    return {
        "scenario": result.scenario.name,
        "totals": {k: _num(v) for k, v in result.totals.items()},
        "days": day_rows,
        "modal_split": [_clean(r) for r in result.modal_split.to_dict(orient="records")],
        "affected": list(affected.values()),
        "targets": [{k: v for k, v in t.items() if k not in ("payload_factors", "link_names")}
                    for t in result.resolved],
    }


def lowwater_view(discharge_m3s: float, capacity: dict[str, Any] | None = None
                  ) -> dict[str, Any]:
    """Rhine low water at a Lobith discharge: depths at the gauges, each affected waterway's
    payload factor, and the impact of 30 days of it on the demo demand under the capacity of
    the alternatives (``capacity``: a scenario file's ``capacity:`` section)."""
    from keten.resilience.scenario import parse_scenario
    from keten.resilience.templates import template_document

    q = check_discharge(discharge_m3s)
    doc = template_document(f"lowwater:{q:g}:{LOWWATER_DAYS}")
    if capacity:
        doc["capacity"] = capacity
    scenario = parse_scenario(doc, file="dashboard")
    # a month on the national network takes seconds: a view asked for again is kept, by
    # what the run depends on (capacity given as the defaults is the default run)
    rows = scenario.capacity.as_rows()
    key = json.dumps({"discharge_m3s": q, "days": LOWWATER_DAYS,
                      "capacity": [(r["setting"], r["value"]) for r in rows]},
                     sort_keys=True, default=str)
    if key not in _LOWWATER_VIEWS:
        view = with_lowwater_details(impact_view(simulate(_demo_model(), scenario)), q)
        if len(_LOWWATER_VIEWS) >= 32:
            _LOWWATER_VIEWS.pop(next(iter(_LOWWATER_VIEWS)))
        _LOWWATER_VIEWS[key] = view
    out = copy.deepcopy(_LOWWATER_VIEWS[key])
    out["capacity"] = [_clean(r) for r in rows]  # with this request's sources
    return out


_LOWWATER_VIEWS: dict[str, dict[str, Any]] = {}
FIRST_DISCHARGE_M3S = 800.0  # the resilience page's slider starts here


def capacity_form_defaults() -> dict[str, float]:
    """The resilience page's capacity fields at keten's defaults (alternative_capacity.csv),
    so a page left as it is asks for the default run."""
    from keten.resilience.capacity import default_capacity

    a = default_capacity()
    return {"rail_paths": a.border_paths("NL", "DE"), "trucks": a.trucks("NL"),
            "fleet_utilisation": a.barge_normal_utilisation}


def warm_resilience_views() -> None:
    """Compute what the resilience page shows first (low water at the slider's start, the
    criticality of the national network) so that its first visit finds them ready; a view
    asked for meanwhile is computed by whichever comes first, with the same result."""
    lowwater_view(FIRST_DISCHARGE_M3S)
    criticality_view()


def with_lowwater_details(view: dict[str, Any], discharge_m3s: float) -> dict[str, Any]:
    """Add the gauge depths and each affected link's name, depth and allowed draught at a
    discharge (on the impact model's network, the national default)."""
    net = default_network()
    links = zip(net.links["link_id"].astype(str), net.links["cemt_class"].fillna("").astype(str),
                net.links["reference_gauge"].fillna("").astype(str), strict=True)
    details = {lw.link_id: lw for lw in low_water_links(
        discharge_m3s, links, gauges=assignment_for(net.links))}
    names = link_names(net, (row["link_id"] for row in view["affected"]))
    for row in view["affected"]:
        row["name"] = names.get(row["link_id"], row["link_id"])
        lw = details.get(row["link_id"])
        if lw is not None:
            row.update({"cemt_class": lw.cemt_class, "gauges": list(lw.gauges),
                        "depth_m": _num(lw.depth_m),
                        "allowed_draught_m": _num(lw.allowed_draught_m),
                        "payload_factor": _num(lw.payload_factor)})
    view["discharge_m3s"] = discharge_m3s
    view["gauge_depths_m"] = {g: _num(d) for g, d in
                              depth_relation().depth_at(discharge_m3s).items()}
    return view


def scenario_view(spec: str) -> dict[str, Any]:
    """Impact of a scenario (a YAML/JSON file or a template such as ``lowwater:800``) on the
    demo demand and the default network."""
    from keten.services.resilience import disrupt

    return impact_view(disrupt(spec))


@lru_cache(maxsize=1)
def criticality_view() -> dict[str, Any]:
    """Freight-weighted criticality of the demo demand on the national default network (the
    impact model's): per link some flow uses, the extra generalised cost and CO2e per day
    when it is closed and its flows re-route, with its single-link redundancy (detour in its
    own mode, or a bridge); and the redundancy counts of the whole network."""
    from keten.resilience.criticality import freight_criticality, redundancy

    model = _demo_model()
    net = model.network
    red = redundancy(net)
    by_link: dict[str, dict[Any, Any]] = {str(r["link_id"]): r for r in
                                          red.to_dict(orient="records")}
    freight = with_link_names(freight_criticality(model), net)
    rows: list[dict[str, Any]] = []
    for f in freight.to_dict(orient="records"):
        r = by_link.get(str(f["link_id"]), {})
        rows.append(_clean({
            "link_id": f["link_id"], "link_name": f.get("link_name") or f["link_id"],
            "mode": f["mode"], "is_bridge": bool(r.get("is_bridge", False)),
            "has_detour": bool(r.get("has_detour", False)),
            "extra_length_km": r.get("extra_length_km"),
            "tonnes_per_day": f["tonnes_per_day"],
            "extra_cost_eur_per_day": f["extra_cost_eur_per_day"],
            "extra_co2e_wtw_kg_per_day": f["extra_co2e_wtw_kg_per_day"],
            "unserved_t_per_day": f["unserved_t_per_day"],
        }))
    rows.sort(key=_desc("extra_cost_eur_per_day"))
    # the table: one row per waterway, road or line (its sections cost the same or less
    # when closed), the costliest section first
    top: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        item = top.setdefault((str(row["link_name"]), str(row["mode"])), {**row, "sections": 0})
        item["sections"] += 1
        item["has_detour"] = item["has_detour"] and row["has_detour"]
    routable = red[~red["self_loop"]]
    return {"links": rows, "table": list(top.values()),
            "basis": "resilience demo demand on keten's national network",
            "network": {"links": len(routable),
                        "with_detour": int(routable["has_detour"].sum()),
                        "bridges": int(routable["is_bridge"].sum())}}


def resilience_network_view(link_ids: Iterable[str] | None = None) -> dict[str, Any]:
    """The network a resilience map draws. ``link_ids`` given: the national default (the
    impact model's network) as its display lines, plus those links in their own geometry
    and name, so the affected ones can be drawn; None: the sketch the demo criticality runs
    on (every link, small enough to send whole)."""
    if link_ids is None:
        return network_view(sketch_network())
    view = network_view(None, sized=False)
    net = default_network()
    wanted = set(link_ids)
    rows = np.flatnonzero(net.links["link_id"].astype(str).isin(wanted).to_numpy())
    lines = link_lines(net)
    names = link_names(net, wanted)
    for r in rows:
        rec = net.links.iloc[r]
        coords = np.asarray(shapely.get_coordinates(lines[r]))
        if not len(coords):
            continue
        view["links"].append({"link_id": str(rec["link_id"]), "mode": str(rec["mode"]),
                              "name": names.get(str(rec["link_id"]), str(rec["link_id"])),
                              "length_km": _num(rec["length_km"]),
                              "corridor": str(rec.get("corridor") or ""),
                              "lon": coords[:, 0].round(5).tolist(),
                              "lat": coords[:, 1].round(5).tolist()})
    return view


# ---------------------------------------------------------------- chain


def chain_view(store: Store, company_id: str | None) -> dict[str, Any]:
    """Statements a company holds: ``sent`` when it issued them, ``received`` otherwise, with
    their verification status (verified on arrival; signed by a key on the trust list)."""
    from keten.services.chain_store import list_statements, trusted_keys

    if company_id is None:
        return {"company_id": None, "statements": [], "trusted_keys": []}
    from keten.exchange.chain_parse import parse_statement_payload
    from keten.exchange.chain_versions import supersessions

    held = list_statements(store, company_id)
    parsed = [(item["statement_hash"], parse_statement_payload(
        item["signed_statement"].get("statement"))[0]) for item in held]
    known = [(digest, st) for digest, st in parsed if st is not None]
    # every held statement was verified on arrival; a newer one of the same issuer and
    # subject (signed sequence or supersedes link) makes the older one superseded
    replaced = {s.old_hash: s.new.statement_id
                for s in supersessions(known, [(d, st, "store") for d, st in known])}
    rows = []
    for item in held:
        payload = item["signed_statement"].get("statement", {})
        issuer = payload.get("issuer", {})
        cumulative = payload.get("cumulative", {})
        own = payload.get("own", {})
        rows.append({
            "direction": "sent" if issuer.get("company_id") == company_id else "received",
            "statement_hash": item["statement_hash"],
            "shipment_id": item["shipment_id"] or payload.get("subject", {}).get("consignment_id"),
            "issuer": issuer.get("company_name") or issuer.get("company_id"),
            "issued_at": payload.get("issued_at"),
            "own_co2e_wtw_kg": own.get("co2e_wtw_kg"),
            "cumulative_co2e_wtw_kg": cumulative.get("co2e_wtw_kg"),
            "upstream": len(payload.get("upstream", [])),
            "verified": True,
            "trusted": item["trusted"],
            "sequence": payload.get("sequence"),
            "superseded_by": replaced.get(item["statement_hash"]),
            "received_at": item["received_at"],
        })
    keys = [{"company_id": k.company_id, "company_name": k.company_name,
             "fingerprint": k.fingerprint} for k in trusted_keys(store, company_id)]
    return {"company_id": company_id, "statements": rows, "trusted_keys": keys}


@dataclass(frozen=True)
class DemoChain:
    bundle: dict[str, Any]
    stored: int


def demo_chain_bundle(company_id: str) -> dict[str, Any]:
    """A deterministic two-party Carbon Added bundle: a barge carrier's statement for a
    shipment, and ``company_id``'s own statement on top (same bytes on every call)."""
    import hashlib
    from datetime import UTC, datetime
    from decimal import Decimal

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from keten.exchange.chain import sign_bundle
    from keten.exchange.chain_model import OwnEmissions, Party, Quantities, Subject

    def key(label: str) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(label.encode()).digest())

    def own(wtw: str, ttw: str, nox: str, pm: str, tkm: str) -> OwnEmissions:
        return OwnEmissions(Quantities(*(Decimal(x) for x in (wtw, ttw, nox, pm, tkm))),
                            "keten-2026.1")

    carrier = Party("demo-barge-carrier", "Demo Barge Carrier B.V.")
    upstream = sign_bundle(key("keten demo barge carrier"), carrier, Subject("S001"),
                           own("162.24", "128.16", "1.587", "0.0402", "4800"),
                           statement_id="urn:keten:demo:statement:carrier-S001",
                           issued_at=datetime(2026, 1, 9, 8, 0, tzinfo=UTC))
    return sign_bundle(key(f"keten demo company {company_id}"),
                       Party(company_id, "keten demo logistics"), Subject("S001"),
                       own("19.96", "6.83", "0.004", "0.0001", "0"), [upstream],
                       statement_id="urn:keten:demo:statement:own-S001",
                       issued_at=datetime(2026, 1, 10, 8, 0, tzinfo=UTC))


def load_demo_chain(store: Store, company_id: str) -> DemoChain:
    """Trust the demo bundle's keys and store its statements for ``company_id`` (idempotent)."""
    from keten.services.chain_store import register_public_key, store_bundle

    bundle = demo_chain_bundle(company_id)
    for entry in bundle["keys"]:
        register_public_key(store, company_id, entry)
    return DemoChain(bundle, store_bundle(store, company_id, bundle).stored)


def tce_rows_table(result: FootprintResult) -> pa.Table:
    """The per-TCE results with plain string columns (for CSV downloads)."""
    return decode_dictionaries(result.tce_table)


DEMO_USER = "demo"
DEMO_PASSWORD = "keten-demo"


@dataclass(frozen=True)
class DashboardDemo:
    company_id: str
    username: str
    password: str
    statements_stored: int


def load_dashboard_demo(store: Store) -> DashboardDemo:
    """The demo company with its footprints (as ``keten serve --demo``), a Carbon Added chain,
    and the demo dashboard user; running it again changes nothing."""
    from keten.services.dashboard_users import add_user
    from keten.services.pact_demo import DEMO_COMPANY, load_demo

    load_demo(store)
    chain = load_demo_chain(store, DEMO_COMPANY)
    add_user(store, DEMO_USER, DEMO_PASSWORD, DEMO_COMPANY, replace=True)
    return DashboardDemo(DEMO_COMPANY, DEMO_USER, DEMO_PASSWORD, chain.stored)
