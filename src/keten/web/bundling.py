"""The Bundling page's data: the demo shippers planned alone and together, routes on a map,
KPIs side by side (computed once per process, a few seconds)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from keten.web.charts import MapCanvas, basemap_traces

router = APIRouter(prefix="/dashboard/api", include_in_schema=False)
COLOURS = ["#1b6ca8", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d5a97", "#30638e",
           "#e07a5f", "#3d405b", "#81b29a"]


@lru_cache(maxsize=1)
def _demo() -> dict[str, Any]:
    from keten.services.bundling import bundle, demo_paths
    from keten.services.ze_zones import shipped_zones

    result = bundle(time_limit_s=0.5)
    doc = result.as_dict()
    zones = shipped_zones()
    return {"doc": doc, "zones": zone_rings(zones), "files": [p.name for p in demo_paths()]}


def zone_rings(zones: Any) -> list[tuple[str, list[tuple[float, float]]]]:
    """(name, outer ring in lon/lat) for every polygon part of every zone (NDW's zones are
    multipolygons: Rotterdam's has eight parts)."""
    out = []
    for z in zones:
        parts = getattr(z.geometry, "geoms", [z.geometry])
        out += [(z.name, list(g.exterior.coords)) for g in parts if g.geom_type == "Polygon"]
    return out


def route_map(doc: dict[str, Any], zones: list[tuple[str, list[tuple[float, float]]]],
              scenario: str, tile_url: str | None = None) -> dict[str, Any]:
    canvas = MapCanvas(tile_url)
    # coast, rivers, borders and towns under the routes: without them a planner cannot tell
    # Venlo from Eindhoven (the basemap's attribution is drawn by the layout)
    traces: list[dict[str, Any]] = basemap_traces(canvas)
    for name, ring in zones:
        traces.append(canvas.trace([p[0] for p in ring], [p[1] for p in ring], mode="lines",
                                   fill="toself", name=f"ZE zone {name}", hoverinfo="name",
                                   line={"color": "#2a9d8f", "width": 1},
                                   fillcolor="rgba(42,157,143,0.15)", showlegend=False))
    lons: list[float] = []
    lats: list[float] = []
    routes = [r for r in doc["routes"] if r["scenario"] == scenario]
    for i, r in enumerate(routes):
        colour = COLOURS[i % len(COLOURS)]
        lat = [p[0] for p in r["path"]]
        lon = [p[1] for p in r["path"]]
        lons += lon
        lats += lat
        label = (f"{r['vehicle_id']}: {r['distance_km']:.0f} km, load factor "
                 f"{(r['load_factor'] or 0):.2f}, {r['start']}-{r['end']}")
        traces.append(canvas.trace(lon, lat, mode="lines", name=label,
                                   line={"color": colour, "width": 3}, hoverinfo="name"))
        traces.append(canvas.trace(
            [s["lon"] for s in r["stops"]], [s["lat"] for s in r["stops"]], mode="markers",
            marker={"color": colour, "size": 8,
                    "symbol": ["circle" if s["kind"] == "delivery" else "square"
                               for s in r["stops"]]},
            text=[f"{s['shipment_id']} {s['kind']} {s['arrival']}, {s['load_kg_after']:.0f} kg "
                  "on board" for s in r["stops"]], hoverinfo="text", showlegend=False))
    layout = canvas.layout(f"Routes: {scenario} (● delivery, ■ pickup or depot; shaded: "
                           "zero-emission zones)", lons, lats)
    return {"data": traces, "layout": layout}


def _require_login(request: Request) -> None:
    from keten.web.app import current_session

    if current_session(request) is None:
        raise HTTPException(401, "log in first")


@lru_cache(maxsize=1)
def _ze() -> dict[str, Any]:
    from keten.services.ze_zones import ze_zones

    r = ze_zones(time_limit_s=0.5)
    doc = r.as_dict()
    return {"doc": doc, "zones": zone_rings(r.zones)}


@router.get("/bundling/load-factor")
def load_factor_view(request: Request) -> dict[str, Any]:
    _require_login(request)
    from keten.services.load_factor import load_factors

    r = load_factors(target_load_factor=0.8)
    return {"lanes": r.lanes, "totals": r.totals(), "target": 0.8}


@router.get("/bundling/ze-zones")
def ze_view(request: Request) -> dict[str, Any]:
    from keten.web.app import dashboard

    _require_login(request)
    data = _ze()
    doc = data["doc"]
    return {k: doc[k] for k in ("scenarios", "avoided", "in_zone", "unserved",
                                 "zero_emission_vehicles_needed",
                                 "zero_emission_vehicles_added", "zones", "zones_in_force_on")} | {
        "map": route_map(doc, data["zones"], "zone rule", dashboard(request).tile_url)}


@router.get("/bundling/street-turns")
def street_turn_view(request: Request) -> dict[str, Any]:
    _require_login(request)
    return _street_turns()


@lru_cache(maxsize=1)
def _street_turns() -> dict[str, Any]:
    from keten.services.street_turns import street_turns

    doc = street_turns().as_dict()
    return {k: doc[k] for k in ("scenarios", "street_turns", "not_street_turned", "method")}


@router.get("/bundling")
def bundling_view(request: Request) -> dict[str, Any]:
    from keten.web.app import dashboard

    _require_login(request)
    demo = _demo()
    doc = demo["doc"]
    tile = dashboard(request).tile_url
    scenarios = list(dict.fromkeys(r["scenario"] for r in doc["routes"]))
    return {"summary": doc["summary"], "allocation": doc["allocation"],
            "unserved": doc["unserved"], "method": doc["method"], "files": demo["files"],
            "maps": {s: route_map(doc, demo["zones"], s, tile) for s in scenarios}}
