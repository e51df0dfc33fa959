"""Figures for the construction page: the site, its access routes within the AERIUS distance
limit and the hub on a map; NOx, NH3 and CO2e bars per scenario."""

from __future__ import annotations

from typing import Any

from shapely.geometry import Point

from keten.construction.geometry import line_to_wgs84, to_wgs84
from keten.services.construction import ConstructionResult
from keten.web.charts import MODE_COLOURS, Figure, MapCanvas, _bar, _layout, basemap_traces

SCENARIO_LABELS = {"as_planned": "as planned", "construction_hub": "construction hub",
                   "by_water": "by water", "electric_machinery": "electric machinery"}
SITE_COLOUR = "#D55E00"
ROUTE_COLOURS = {"road": MODE_COLOURS["road"], "water": MODE_COLOURS["inland_waterway"]}


def construction_map(result: ConstructionResult, tile_url: str | None = None) -> Figure:
    p = result.project
    canvas = MapCanvas(tile_url)
    traces: list[dict[str, Any]] = basemap_traces(canvas)  # rivers and towns around the site
    lons: list[float] = []
    lats: list[float] = []
    # the AERIUS distance limit around the site
    ring = line_to_wgs84(p.site.point.buffer(p.distance_limit_km * 1000, 64).exterior)
    traces.append(canvas.trace([c[1] for c in ring], [c[0] for c in ring], mode="lines",
                               name=f"{p.distance_limit_km:g} km (AERIUS limit)",
                               line={"color": "#888888", "dash": "dot", "width": 1},
                               hoverinfo="skip"))
    for route in p.routes.values():
        coords = line_to_wgs84(route.line)
        traces.append(canvas.trace([c[1] for c in coords], [c[0] for c in coords], mode="lines",
                                   name=f"{route.mode}: {route.label or route.route_id}",
                                   line={"color": ROUTE_COLOURS[route.mode], "width": 3},
                                   hoverinfo="name"))
        lons += [c[1] for c in coords]
        lats += [c[0] for c in coords]
    geom = p.site.geometry
    coords = (line_to_wgs84(geom.exterior) if hasattr(geom, "exterior")
              else [to_wgs84(p.site.point)])
    traces.append(canvas.trace([c[1] for c in coords], [c[0] for c in coords],
                               mode="lines+markers", fill="toself", name=f"site: {p.site.name}",
                               line={"color": SITE_COLOUR, "width": 2},
                               marker={"size": 4, "color": SITE_COLOUR}))
    if p.hub is not None:
        lat_h, lon_h = to_wgs84(p.hub.point)
        traces.append(canvas.trace([lon_h], [lat_h], mode="markers+text",
                                   name=f"hub: {p.hub.name}", text=[p.hub.name],
                                   textposition="top center",
                                   marker={"size": 12, "color": "#555555", "symbol": "square"}))
        lons.append(lon_h)
        lats.append(lat_h)
    site_lat, site_lon = to_wgs84(Point(p.site.point))
    lons.append(site_lon)
    lats.append(site_lat)
    layout = canvas.layout(f"{p.name}: site and access routes", lons, lats)
    layout["legend"] = {"orientation": "h", "x": 0, "y": -0.02, "yanchor": "top"}
    layout["margin"] = {**layout.get("margin", {}), "b": 90}
    return {"data": traces, "layout": layout}


def scenario_bars(result: ConstructionResult) -> dict[str, Figure]:
    summary = result.summary()
    x = [SCENARIO_LABELS.get(s["scenario"], s["scenario"]) for s in summary]
    limit = f"{result.project.distance_limit_km:g} km"
    figures: dict[str, Figure] = {}
    for key, title in (("nox", "NOx"), ("nh3", "NH3")):
        figures[key] = {
            "data": [
                _bar(x, [s[f"{key}_site_kg"] for s in summary], "on site (machinery)",
                     SITE_COLOUR),
                _bar(x, [s[f"{key}_routes_kg"] for s in summary],
                     f"access routes within {limit}", MODE_COLOURS["road"]),
            ],
            "layout": _layout(f"{title} per scenario (kg, whole project)", barmode="stack",
                              yaxis={"title": {"text": "kg"}, "rangemode": "tozero"}),
        }
    figures["co2e"] = {
        "data": [_bar(x, [s["co2e_wtw_kg"] / 1000 for s in summary], "CO2e WTW",
                      MODE_COLOURS["rail"])],
        "layout": _layout("CO2e per scenario (t, well-to-wheel, whole legs)",
                          yaxis={"title": {"text": "t CO2e"}, "rangemode": "tozero"},
                          showlegend=False),
    }
    return figures


def construction_payload(result: ConstructionResult, tile_url: str | None) -> dict[str, Any]:
    figures = scenario_bars(result)
    figures["map"] = construction_map(result, tile_url)
    return {"project": result.project.name, "summary": result.summary(),
            "limit_km": result.project.distance_limit_km, "method": result.method,
            "factor_set": result.factor_set, "figures": figures}
