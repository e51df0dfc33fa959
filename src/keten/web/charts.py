"""Plotly figures (plain ``{"data": [...], "layout": {...}}`` dicts) for the dashboard pages and
the HTML reports, built from the views of :mod:`keten.services.dashboard`.

Maps are drawn without any tile service by default: a plain ``scatter`` of longitude/latitude
with the latitude axis scaled by 1/cos(latitude) so that shapes look right (SVG, no external
request). With a tile URL template (``Settings.tile_url``) they become ``scattermap`` figures on
that raster base map.
"""

from __future__ import annotations

import json
import math
import re
import textwrap
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

Figure = dict[str, Any]

#: Colour per transport mode (Okabe-Ito palette, readable with colour-blindness).
MODE_COLOURS = {
    "road": "#E69F00",
    "rail": "#0072B2",
    "inland_waterway": "#009E73",
    "sea": "#56B4E9",
    "air": "#CC79A7",
    "pipeline": "#7F7F7F",
}
MODE_LABELS = {
    "road": "road",
    "rail": "rail",
    "inland_waterway": "inland waterway",
    "sea": "sea",
    "air": "air",
    "pipeline": "pipeline",
}
HUB_COLOUR = "#555555"
LAND_COLOUR = "#f6f4ee"
WATER_COLOUR = "#dbe7f0"
#: Terminals named on the network map (largest throughput first).
LABELLED_TERMINALS = 10
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13}


def plotly_js_path() -> Path:
    """The plotly.js bundle the installed ``plotly`` Python package ships (served locally and
    inlined in reports: no CDN)."""
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise FileNotFoundError(f"plotly.js not found at {path}")
    return path


def mode_colour(group: str) -> str:
    return MODE_COLOURS.get(group, HUB_COLOUR)


def mode_label(group: str) -> str:
    if group.startswith("hub:"):
        return f"hub ({group[4:]})"
    return MODE_LABELS.get(group, group)


def _layout(title: str, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        "font": FONT,
        "margin": {"l": 60, "r": 20, "t": 80, "b": 50},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        # above the plot, under the title: below it, the legend collided with tick labels
        "legend": {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0,
                   "yanchor": "bottom"},
        "autosize": True,
    }
    layout.update(extra)
    return layout


# ---------------------------------------------------------------- maps


class MapCanvas:
    """Builds map traces as plain lon/lat scatter (no tiles) or as ``scattermap`` (tiles)."""

    def __init__(self, tile_url: str | None = None) -> None:
        self.tile_url = tile_url or None
        self.with_basemap = False  # set by basemap_traces: water background, attribution

    def trace(self, lon: Sequence[float | None], lat: Sequence[float | None],
              **kwargs: Any) -> dict[str, Any]:
        if self.tile_url:
            return {"type": "scattermap", "lon": list(lon), "lat": list(lat), **kwargs}
        return {"type": "scatter", "x": list(lon), "y": list(lat), **kwargs}

    def layout(self, title: str, lons: Sequence[float], lats: Sequence[float]) -> dict[str, Any]:
        lon0 = (min(lons) + max(lons)) / 2 if lons else 5.3
        lat0 = (min(lats) + max(lats)) / 2 if lats else 52.1
        if self.tile_url:
            style = {
                "version": 8,
                "sources": {"base": {"type": "raster", "tiles": [self.tile_url],
                                     "tileSize": 256}},
                "layers": [{"id": "base", "type": "raster", "source": "base"}],
            }
            return _layout(title, map={"style": style, "center": {"lon": lon0, "lat": lat0},
                                       "zoom": 6}, margin={"l": 0, "r": 0, "t": 50, "b": 0})
        axis = {"visible": False, "showgrid": False, "zeroline": False}
        pad_lon = max(0.15, 0.06 * (max(lons) - min(lons))) if lons else 1.0
        pad_lat = max(0.1, 0.06 * (max(lats) - min(lats))) if lats else 1.0
        x_range = [min(lons) - pad_lon, max(lons) + pad_lon] if lons else [3.0, 7.5]
        y_range = [min(lats) - pad_lat, max(lats) + pad_lat] if lats else [50.6, 53.7]
        return _layout(
            title,
            xaxis={**axis, "range": x_range},
            # 1 degree of latitude is 1/cos(lat) times as long as one of longitude.
            yaxis={**axis, "range": y_range, "scaleanchor": "x",
                   "scaleratio": 1 / math.cos(math.radians(lat0))},
            plot_bgcolor=WATER_COLOUR if self.with_basemap else "#eef2f5",
            annotations=[{"text": basemap()["attribution"], "showarrow": False,
                          "xref": "paper", "yref": "paper", "x": 0, "y": 0,
                          "xanchor": "left", "yanchor": "bottom",
                          "font": {"size": 10, "color": "#6b7280"},
                          "bgcolor": "rgba(255,255,255,0.7)"}] if self.with_basemap else [],
            # the legend beside the map, not over it (it hid the Wadden and Bremen)
            margin={"l": 10, "r": MAP_SIDE_PX, "t": 50, "b": 10},
            hovermode="closest",
            legend={"orientation": "v", "x": 1, "xanchor": "left", "y": 1, "yanchor": "top",
                    "bgcolor": "rgba(255,255,255,0)"},
            dragmode="pan",
            # keten.js swaps this in on a narrow window, where the legend goes under the map
            meta={"narrow": {"margin": {"l": 10, "r": 10, "t": 50, "b": 10}}},
        )


@lru_cache(maxsize=1)
def basemap() -> dict[str, Any]:
    """The offline basemap (package data ``web/data/basemap.json``, Natural Earth 1:10m,
    public domain; built by scripts/build_basemap.py): land, lakes, rivers, borders, places."""
    text = resources.files("keten.web.data").joinpath("basemap.json").read_text(encoding="utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


def _rings(rings: Sequence[Sequence[Sequence[float]]]
           ) -> tuple[list[float | None], list[float | None]]:
    lon: list[float | None] = []
    lat: list[float | None] = []
    for ring in rings:
        lon += [p[0] for p in ring] + [None]
        lat += [p[1] for p in ring] + [None]
    return lon, lat


def basemap_traces(canvas: MapCanvas) -> list[dict[str, Any]]:
    """Land, lakes, rivers, borders and place labels under a lon/lat map (none over tiles,
    which carry their own). Not clickable, not in the legend."""
    if canvas.tile_url:
        return []
    canvas.with_basemap = True
    base = basemap()
    quiet = {"hoverinfo": "skip", "showlegend": False}
    traces = []
    for key, style in (("land", {"fill": "toself", "fillcolor": LAND_COLOUR,
                                 "line": {"color": "#c9c3b5", "width": 0.6}}),
                       ("lakes", {"fill": "toself", "fillcolor": WATER_COLOUR,
                                  "line": {"color": "#a9c6de", "width": 0.5}}),
                       ("rivers", {"line": {"color": "#a9c6de", "width": 1}}),
                       ("borders", {"line": {"color": "#9aa0a6", "width": 1, "dash": "dash"}})):
        lon, lat = _rings(base[key])
        traces.append(canvas.trace(lon, lat, mode="lines", name=f"basemap {key}", **style,
                                   **quiet, meta={"role": "basemap", "layer": key}))
    places = base["places"]
    traces.append(canvas.trace(
        [p["lon"] for p in places], [p["lat"] for p in places], mode="text",
        text=[p["name"] for p in places], textposition="middle center",
        textfont={"size": 10, "color": "#8a8f96"}, name="basemap places", **quiet,
        meta={"role": "basemap", "layer": "places"}))
    return traces


def _polyline(links: Sequence[dict[str, Any]]) -> tuple[list[float | None], list[float | None]]:
    lon: list[float | None] = []
    lat: list[float | None] = []
    for link in links:
        lon += [*link["lon"], None]
        lat += [*link["lat"], None]
    return lon, lat


def _mid(link: dict[str, Any]) -> tuple[float, float]:
    lon, lat = link["lon"], link["lat"]
    if len(lon) == 2:
        return ((lon[0] + lon[1]) / 2, (lat[0] + lat[1]) / 2)
    return (lon[len(lon) // 2], lat[len(lat) // 2])  # a polyline: its middle vertex


def _link_text(link: dict[str, Any]) -> str:
    parts = [f"<b>{link['link_id']}</b>", f"{mode_label(str(link['mode']))}"]
    if link.get("length_km") is not None:
        parts.append(f"{link['length_km']:.1f} km")
    if link.get("corridor"):
        parts.append(str(link["corridor"]))
    return "<br>".join(parts)


def _node_size(throughput: float | None, largest: float) -> float:
    if not throughput or largest <= 0:
        return 7.0
    return 8.0 + 26.0 * math.sqrt(throughput / largest)


def _base_links(canvas: MapCanvas, links: Sequence[dict[str, Any]], *, faded: bool = False,
                clickable: bool = True) -> list[dict[str, Any]]:
    by_mode: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for link in links:
        by_mode[str(link["mode"])].append(link)
    traces = []
    for mode in sorted(by_mode, key=lambda m: list(MODE_COLOURS).index(m)
                       if m in MODE_COLOURS else 99):
        group = by_mode[mode]
        lon, lat = _polyline(group)
        colour = "#b8c2cc" if faded else mode_colour(mode)
        traces.append(canvas.trace(
            lon, lat, mode="lines", name=mode_label(mode), hoverinfo="skip",
            line={"color": colour, "width": 1.5 if faded else 2.5},
            legendgroup=mode, showlegend=not faded,
            meta={"role": "links", "mode": mode, "count": len(group)}))
        if clickable:
            mids = [_mid(link) for link in group]
            traces.append(canvas.trace(
                [m[0] for m in mids], [m[1] for m in mids], mode="markers",
                name=f"{mode_label(mode)} links", showlegend=False, legendgroup=mode,
                marker={"size": 8, "color": colour, "opacity": 0.35, "symbol": "diamond"},
                customdata=[["link", link["link_id"]] for link in group],
                hovertext=[_link_text(link) for link in group], hoverinfo="text",
                meta={"role": "link-points", "mode": mode}))
    return traces


def _node_traces(canvas: MapCanvas, nodes: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    largest = _largest_throughput(nodes)
    hubs = [n for n in nodes if n.get("kind") not in ("junction", "border_crossing")]
    others = [n for n in nodes if n.get("kind") in ("junction", "border_crossing")]
    traces = []
    for group, name, colour in ((others, "junctions", "#9aa5b1"),
                                (hubs, "terminals and ports", "#1f2933")):
        if not group:
            continue

        def text(n: dict[str, Any]) -> str:
            t = n.get("throughput_t_per_day")
            lines = [f"<b>{n.get('name') or n['node_id']}</b> ({n['node_id']})",
                     str(n.get("kind") or "").replace("_", " ")]
            if t:
                lines.append(f"{t:,.0f} t/day through (demo demand)")
            return "<br>".join(lines)

        traces.append(canvas.trace(
            [n["lon"] for n in group], [n["lat"] for n in group], mode="markers", name=name,
            marker={"size": [_node_size(n.get("throughput_t_per_day"), largest) if group is hubs
                             else 5 for n in group],
                    "color": colour if group is not hubs else "rgba(31,41,51,0.75)",
                    "line": {"color": "#ffffff", "width": 1}},
            customdata=[["node", n["node_id"]] for n in group],
            hovertext=[text(n) for n in group], hoverinfo="text",
            meta={"role": "nodes", "count": len(group)}))
    return traces


#: The size key drawn beside the map, under the legend (pixels): plotly's legend draws every
#: marker at 2-16 px whatever its size, so a legend cannot show the terminals' 8-34 px.
KEY_PAD_PX = 8
KEY_GAP_PX = 12  # between the map's right edge and the legend column
#: The legend column right of a lon/lat map: the legend's widest entry ("terminals and
#: ports") and the size key fit in it; a wider key widens it (network_map).
MAP_SIDE_PX = 240
NARROW_TITLE_CHARS = 34  # of a 16 px title on a phone's 390 px
KEY_CHAR_PX = 6.6  # width of a character of the 11 px labels
KEY_TITLE = "terminal throughput"


def _largest_throughput(nodes: Sequence[dict[str, Any]]) -> float:
    return max((float(n.get("throughput_t_per_day") or 0.0) for n in nodes), default=0.0)


def size_key_values(largest: float) -> list[float]:
    """The throughputs (t/day) the size key shows: round powers of ten below the largest
    terminal (1 % and 10 % of its order of magnitude, and that order itself when it is at most
    half the largest), then the largest itself, so the key's biggest circle is the biggest
    terminal on the map."""
    if largest <= 0:
        return []
    top = 10 ** math.floor(math.log10(largest))
    values = [top / 100, top / 10] + ([top] if largest >= 2 * top else [])
    return [v for v in values if v >= 1] + [largest]


def _size_key(largest: float, beside: bool = True
              ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Layout shapes (a white box, one circle per size class) and annotations (the title and
    the t/day of each class) for the terminal sizes, in pixels from the map's lower-right
    corner: ``beside`` the map, in the legend column, or inside its corner (a phone's narrow
    map, whose legend goes under it). Each circle's diameter is :func:`_node_size` of its
    throughput: the very size the map's markers are drawn at."""
    values = size_key_values(largest)
    if not values:
        return [], []
    sizes = [_node_size(v, largest) for v in values]
    labels = [f"{v:,.0f} t/day" + (" (largest)" if v == largest else "") for v in values]
    widest = max(sizes)
    rows = [max(size, 14.0) + 6 for size in sizes]
    title_px = 20.0
    width = KEY_PAD_PX * 2 + widest + 8 + KEY_CHAR_PX * max(len(t) for t in labels)
    height = KEY_PAD_PX * 2 + title_px + sum(rows)
    bottom = 0.0 if beside else 10.0  # the box's corner, pixels from the plot area's corner
    left = KEY_GAP_PX if beside else -10.0 - width
    right = left + width
    anchor = {"xref": "paper", "yref": "paper", "xsizemode": "pixel", "ysizemode": "pixel",
              "xanchor": 1, "yanchor": 0}
    shapes: list[dict[str, Any]] = [{
        "type": "rect", **anchor, "x0": left, "x1": right, "y0": bottom, "y1": bottom + height,
        "fillcolor": "rgba(255,255,255,0.9)", "line": {"color": "#c9ced6", "width": 1},
        "layer": "above", "name": "size-key box"}]
    annotations: list[dict[str, Any]] = [{
        "text": f"<b>{KEY_TITLE}</b>", "showarrow": False, "xref": "paper", "yref": "paper",
        "x": 1, "y": 0, "xanchor": "left", "yanchor": "top", "xshift": left + KEY_PAD_PX,
        "yshift": bottom + height - KEY_PAD_PX + 2, "font": {"size": 11, "color": "#1f2933"},
        "name": "size-key title"}]
    y = bottom + KEY_PAD_PX  # the rows, largest at the bottom
    centre_x = left + KEY_PAD_PX + widest / 2
    for value, size, row, label in reversed(list(zip(values, sizes, rows, labels,
                                                     strict=True))):
        centre_y = y + row / 2
        shapes.append({
            "type": "circle", **anchor, "x0": centre_x - size / 2, "x1": centre_x + size / 2,
            "y0": centre_y - size / 2, "y1": centre_y + size / 2,
            "fillcolor": "rgba(31,41,51,0.75)", "line": {"color": "#ffffff", "width": 1},
            "layer": "above", "name": f"size-key {value:.0f}"})
        annotations.append({
            "text": label, "showarrow": False, "xref": "paper", "yref": "paper", "x": 1, "y": 0,
            "xanchor": "left", "yanchor": "middle", "xshift": left + KEY_PAD_PX + widest + 8,
            "yshift": centre_y, "font": {"size": 11, "color": "#1f2933"},
            "name": f"size-key {value:.0f}"})
        y += row
    return shapes, annotations


def _spread_labels(nodes: Sequence[dict[str, Any]], min_lat_deg: float = 0.18,
                   lon_deg_per_char: float = 0.045) -> list[dict[str, Any]]:
    """The nodes to label, largest first, leaving out one whose label would overlap a chosen
    one: at the map's zoom a label is about 0.18° high and 0.045° of longitude per letter."""
    chosen: list[dict[str, Any]] = []

    def label(n: dict[str, Any]) -> str:
        return str(n.get("name") or n["node_id"]).split(" (")[0]

    for n in nodes:
        if all(abs(n["lat"] - c["lat"]) > min_lat_deg
               or abs(n["lon"] - c["lon"]) > lon_deg_per_char * (len(label(n)) + len(label(c))) / 2
               for c in chosen):
            chosen.append(n)
    return chosen


def _clear_places(traces: list[dict[str, Any]], labels: Sequence[tuple[float, float, str]],
                  lat_deg: float = 0.22, lon_deg_per_char: float = 0.045) -> None:
    """Take out of the basemap's place names those under a label of the map's own (lon, lat,
    text): "Amsterdam" of the basemap under the terminal "Amsterdam" read as a smudge."""
    for trace in traces:
        if (trace.get("meta") or {}).get("layer") != "places":
            continue
        xkey, ykey = ("x", "y") if "x" in trace else ("lon", "lat")
        xs, ys, texts = trace[xkey], trace[ykey], trace["text"]
        keep = [i for i, (x, y, t) in enumerate(zip(xs, ys, texts, strict=True))
                if all(abs(y - lat) > lat_deg
                       or abs(x - lon) > lon_deg_per_char * (len(t) + len(text)) / 2
                       for lon, lat, text in labels)]
        trace[xkey] = [xs[i] for i in keep]
        trace[ykey] = [ys[i] for i in keep]
        trace["text"] = [texts[i] for i in keep]


def network_map(view: dict[str, Any], tile_url: str | None = None,
                title: str | None = None) -> Figure:
    """Links coloured by mode, terminals sized by throughput; every feature is clickable
    (``customdata`` = ["link"|"node", id]), but the merged lines of a national-scale view
    (``display``), whose thousands of link markers would hide the terminals. The title is
    the view's (the network's name for people) unless given."""
    title = title or str(view.get("title") or "Network")
    canvas = MapCanvas(tile_url)
    data = (basemap_traces(canvas)
            + _base_links(canvas, view["links"], clickable="display" not in view)
            + _node_traces(canvas, view["nodes"]))
    if not canvas.tile_url:
        top = _spread_labels(sorted((n for n in view["nodes"] if n.get("throughput_t_per_day")),
                                    key=lambda n: -float(n["throughput_t_per_day"])))
        top = top[:LABELLED_TERMINALS]
        data.append(canvas.trace(
            [n["lon"] for n in top], [n["lat"] for n in top], mode="text",
            # the place, without its qualifier: "Rotterdam", not "Rotterdam (Waalhaven/...)"
            text=[str(n.get("name") or n["node_id"]).split(" (")[0] for n in top],
            textposition="top center",
            textfont={"size": 11, "color": "#1f2933"}, hoverinfo="skip", showlegend=False,
            name="labels", meta={"role": "labels"}))
        _clear_places(data, [(n["lon"], n["lat"], str(n.get("name") or n["node_id"]).split(" (")[0])
                             for n in top])
    layout = canvas.layout(title, [n["lon"] for n in view["nodes"]],
                           [n["lat"] for n in view["nodes"]])
    credit = view.get("data_attribution")
    if credit:  # the network's open data (ODbL asks for it on the map), after the basemap's
        notes = layout.setdefault("annotations", [])
        if notes:
            notes[0] = {**notes[0], "text": f"{notes[0]['text']} · {credit}"}
        else:
            notes.append({"text": credit, "showarrow": False, "xref": "paper", "yref": "paper",
                          "x": 0, "y": 0, "xanchor": "left", "yanchor": "bottom",
                          "font": {"size": 10, "color": "#6b7280"},
                          "bgcolor": "rgba(255,255,255,0.7)", "name": "data attribution"})
    largest = _largest_throughput(view["nodes"])
    shapes, annotations = _size_key(largest)
    notes = layout.get("annotations", [])
    layout["shapes"] = [*layout.get("shapes", []), *shapes]
    layout["annotations"] = [*notes, *annotations]
    if not canvas.tile_url:
        if shapes:  # the legend column as wide as the key, so that nothing is cut off
            layout["margin"]["r"] = max(MAP_SIDE_PX, int(shapes[0]["x1"]) + KEY_GAP_PX)
        inside, inside_notes = _size_key(largest, beside=False)
        lines = textwrap.wrap(title, NARROW_TITLE_CHARS) or [title]
        # on a narrow window the key goes into the map's corner, a long title on two lines
        layout["meta"]["narrow"].update({
            "shapes": inside, "annotations": [*notes, *inside_notes],
            "title": {**layout["title"], "text": "<br>".join(lines)},
            "margin": {**layout["margin"], "r": 10,
                       "t": layout["margin"]["t"] + 20 * (len(lines) - 1)}})
    return {"data": data, "layout": layout}


def _plan_leg_text(leg: dict[str, Any]) -> str:
    parts = [f"<b>{mode_label(str(leg['mode']))}</b> {leg['from']} → {leg['to']}",
             f"{leg['shipments']} shipments, {leg['mass_t']:,.1f} t"]
    if leg.get("distance_km") is not None:
        parts.append(f"{leg['distance_km']:,.0f} km")
    if leg["services"]:
        more = len(leg["services"]) - 3
        parts.append("services " + ", ".join(leg["services"][:3])
                     + (f" and {more} more" if more > 0 else ""))
    return "<br>".join(parts)


def plan_map(view: dict[str, Any], tile_url: str | None = None,
             title: str = "The plan: legs by mode (width by tonnes)") -> Figure:
    """The chosen legs of a plan (``services.dashboard.plan_map_view``) on the basemap:
    barge and rail services and truck legs coloured by mode, wider for more tonnes, terminals
    labelled; a hover point per leg with its shipments, tonnes and services."""
    canvas = MapCanvas(tile_url)
    data = basemap_traces(canvas)
    legs = view["legs"]
    largest = max((float(leg["mass_t"] or 0.0) for leg in legs), default=0.0)
    shown: set[str] = set()
    # barge and rail between the same two terminals side by side, not on top of each other
    pairs: dict[frozenset[str], list[str]] = defaultdict(list)
    for leg in legs:
        modes = pairs[frozenset((leg["from"], leg["to"]))]
        if leg["mode"] not in modes:
            modes.append(str(leg["mode"]))
    order = sorted(legs, key=lambda leg: (leg["mode"] != "road", float(leg["mass_t"] or 0.0)))
    for leg in order:  # road under services, heavy legs on top
        mode = str(leg["mode"])
        share = math.sqrt(float(leg["mass_t"] or 0.0) / largest) if largest else 0.3
        road = mode == "road"
        width = (1.0 + 4.0 * share) if road else (2.0 + 7.0 * share)
        modes = pairs[frozenset((leg["from"], leg["to"]))]
        shift = 0.035 * (modes.index(mode) - (len(modes) - 1) / 2)
        dx, dy = leg["lon"][1] - leg["lon"][0], leg["lat"][1] - leg["lat"][0]
        norm = math.hypot(dx, dy) or 1.0
        lon = [x - shift * dy / norm for x in leg["lon"]]
        lat = [y + shift * dx / norm for y in leg["lat"]]
        data.append(canvas.trace(
            lon, lat, mode="lines", name=mode_label(mode), legendgroup=mode,
            showlegend=mode not in shown, hoverinfo="skip",
            line={"color": mode_colour(mode), "width": width, "dash": "dot" if road else "solid"},
            opacity=0.6 if road else 0.95,
            meta={"role": "plan-legs", "mode": mode, "kind": leg["kind"],
                  "from": leg["from"], "to": leg["to"]}))
        shown.add(mode)
    for mode in sorted(shown):
        group = [leg for leg in legs if leg["mode"] == mode]
        mids = [_mid(leg) for leg in group]
        data.append(canvas.trace(
            [m[0] for m in mids], [m[1] for m in mids], mode="markers", showlegend=False,
            name=f"{mode_label(mode)} legs", legendgroup=mode,
            marker={"size": 9, "color": mode_colour(mode), "opacity": 0.4, "symbol": "diamond"},
            hovertext=[_plan_leg_text(leg) for leg in group], hoverinfo="text",
            meta={"role": "plan-leg-points", "mode": mode, "count": len(group)}))
    places = view["places"]
    terminals = [p for p in places if p["terminal"]]
    others = [p for p in places if not p["terminal"]]
    if others:
        data.append(canvas.trace(
            [p["lon"] for p in others], [p["lat"] for p in others], mode="markers",
            name="customer", marker={"size": 6, "color": "#52606d"},
            hovertext=[p["id"] for p in others], hoverinfo="text",
            meta={"role": "plan-places"}))
    data.append(canvas.trace(
        [p["lon"] for p in terminals], [p["lat"] for p in terminals], mode="markers+text",
        name="terminal", text=[str(p["name"]).split(" (")[0] for p in terminals],
        textposition="top center", textfont={"size": 11, "color": "#1f2933"},
        marker={"size": 11, "color": "#ffffff", "line": {"color": "#1f2933", "width": 2}},
        hovertext=[f"{p['name']} ({p['id']})" for p in terminals], hoverinfo="text",
        meta={"role": "plan-terminals", "count": len(terminals)}))
    layout = canvas.layout(title, [p["lon"] for p in places], [p["lat"] for p in places])
    return {"data": data, "layout": layout}


#: Payload-factor classes for low-water maps: (lower bound, label, colour).
PAYLOAD_CLASSES = [
    (0.9, "payload ≥ 90 %", "#1a9850"),
    (0.7, "70–90 %", "#a6d96a"),
    (0.5, "50–70 %", "#fdae61"),
    (0.3, "30–50 %", "#f46d43"),
    (-1.0, "< 30 %", "#a50026"),
]


def lowwater_map(network: dict[str, Any], view: dict[str, Any],
                 tile_url: str | None = None) -> Figure:
    """The network faded, the affected waterways coloured by payload factor (classes), and a
    clickable point per affected link with its factor."""
    canvas = MapCanvas(tile_url)
    links = {str(link["link_id"]): link for link in network["links"]}
    data = basemap_traces(canvas) + _base_links(canvas, network["links"], faded=True,
                                                clickable=False)
    affected = [(a, links[a["link_id"]]) for a in view["affected"] if a["link_id"] in links]
    for lower, label, colour in PAYLOAD_CLASSES:
        upper = next((lo for lo, _, _ in reversed(PAYLOAD_CLASSES) if lo > lower), 9.0)
        group = [link for a, link in affected
                 if lower <= (a.get("payload_factor") if a.get("payload_factor") is not None
                              else 0.0) < upper]
        lon, lat = _polyline(group)
        data.append(canvas.trace(lon or [None], lat or [None], mode="lines", name=label,
                                 line={"color": colour, "width": 5}, hoverinfo="skip",
                                 meta={"role": "affected-links", "class": label,
                                       "count": len(group)}))
    mids = [_mid(link) for _, link in affected]
    factors = [a.get("payload_factor") for a, _ in affected]
    data.append(canvas.trace(
        [m[0] for m in mids], [m[1] for m in mids], mode="markers", name="affected waterways",
        showlegend=False,
        marker={"size": 11, "color": [f if f is not None else 0.0 for f in factors],
                "cmin": 0, "cmax": 1,
                "colorscale": [[0, "#a50026"], [0.5, "#fdae61"], [1, "#1a9850"]],
                "line": {"color": "#ffffff", "width": 1}},
        customdata=[["link", link["link_id"]] for _, link in affected],
        hovertext=[f"<b>{a['link_id']}</b><br>payload factor {f:.0%}<br>depth "
                   f"{a.get('depth_m') or 0:.2f} m" if f is not None else a["link_id"]
                   for (a, _), f in zip(affected, factors, strict=True)],
        hoverinfo="text", meta={"role": "affected-points", "factors": factors}))
    layout = canvas.layout(f"Affected waterways at {view['discharge_m3s']:g} m³/s (Lobith)",
                           [n["lon"] for n in network["nodes"]],
                           [n["lat"] for n in network["nodes"]])
    return {"data": data, "layout": layout}


#: Criticality classes: extra cost per day when the link is closed (EUR/day).
CRITICALITY_CLASSES = [
    (1e6, "> 1 M EUR/day", "#67000d", 6.0),
    (1e5, "100 k – 1 M EUR/day", "#cb181d", 4.5),
    (1e4, "10 k – 100 k EUR/day", "#fb6a4a", 3.5),
    (1e-6, "< 10 k EUR/day", "#fcbba1", 2.5),
]


def criticality_map(network: dict[str, Any], view: dict[str, Any],
                    tile_url: str | None = None) -> Figure:
    """Links by the extra generalised cost per day of closing them (demo demand); links with
    no detour in their own mode (bridges) marked."""
    canvas = MapCanvas(tile_url)
    links = {str(link["link_id"]): link for link in network["links"]}
    crit = {str(r["link_id"]): r for r in view["links"]}
    data = basemap_traces(canvas) + _base_links(canvas, network["links"], faded=True,
                                                clickable=False)
    for lower, label, colour, width in CRITICALITY_CLASSES:
        upper = next((lo for lo, *_ in reversed(CRITICALITY_CLASSES) if lo > lower), math.inf)
        group = [links[k] for k, r in crit.items() if k in links
                 and lower <= (r.get("extra_cost_eur_per_day") or 0.0) < upper]
        lon, lat = _polyline(group)
        data.append(canvas.trace(lon or [None], lat or [None], mode="lines", name=label,
                                 line={"color": colour, "width": width}, hoverinfo="skip",
                                 meta={"role": "critical-links", "count": len(group)}))
    bridges = [links[k] for k, r in crit.items() if k in links and r.get("is_bridge")]
    mids = [_mid(link) for link in bridges]
    data.append(canvas.trace(
        [m[0] for m in mids], [m[1] for m in mids], mode="markers",
        name="no detour in its mode", marker={"size": 7, "color": "#111111", "symbol": "x"},
        customdata=[["link", link["link_id"]] for link in bridges],
        hovertext=[f"<b>{link['link_id']}</b><br>no detour in its own mode" for link in bridges],
        hoverinfo="text", meta={"role": "bridges", "count": len(bridges)}))
    used = [links[k] for k, r in crit.items() if k in links
            and (r.get("extra_cost_eur_per_day") or 0.0) > 0]
    mids = [_mid(link) for link in used]
    data.append(canvas.trace(
        [m[0] for m in mids], [m[1] for m in mids], mode="markers", showlegend=False,
        name="critical links", marker={"size": 9, "color": "rgba(0,0,0,0)"},
        customdata=[["link", link["link_id"]] for link in used],
        hovertext=[f"<b>{link['link_id']}</b><br>closed: +"
                   f"{crit[str(link['link_id'])]['extra_cost_eur_per_day']:,.0f} EUR/day, "
                   f"{crit[str(link['link_id'])]['tonnes_per_day']:,.0f} t/day re-routed"
                   for link in used],
        hoverinfo="text", meta={"role": "critical-points"}))
    layout = canvas.layout("Criticality: extra cost per day when a link is closed",
                           [n["lon"] for n in network["nodes"]],
                           [n["lat"] for n in network["nodes"]])
    return {"data": data, "layout": layout}


def exposure_map(network: dict[str, Any], rows: Sequence[dict[str, Any]],
                 tile_url: str | None = None) -> Figure:
    """Terminals, locks and links by their risk exposure index (marker size and colour)."""
    canvas = MapCanvas(tile_url)
    links = {str(link["link_id"]): link for link in network["links"]}
    nodes = {str(n["node_id"]): n for n in network["nodes"]}
    data = basemap_traces(canvas) + _base_links(canvas, network["links"], faded=True,
                                                clickable=False)
    lon, lat, size, colour, text, ids = [], [], [], [], [], []
    for r in rows:
        key = str(r["element_id"])
        if key in links:
            x, y = _mid(links[key])
        elif key in nodes:
            x, y = float(nodes[key]["lon"]), float(nodes[key]["lat"])
        else:
            continue
        rei = float(r.get("risk_exposure_index") or 0.0)
        lon.append(x)
        lat.append(y)
        size.append(8 + 30 * rei)
        colour.append(rei)
        ids.append(["exposure", key])
        tts = r.get("tts_days")
        kind = str(r["kind"]).replace("inland_waterway", "waterway")
        text.append(f"<b>#{r['rank']} {r.get('element_name') or key}</b> ({kind})<br>"
                    f"risk exposure "
                    f"{rei:.2f}<br>out {r['ttr_days']} days: EUR "
                    f"{float(r['financial_impact_eur']):,.0f}<br>time to survive "
                    + ("beyond the horizon" if tts is None else f"{float(tts):.0f} days"))
    data.append(canvas.trace(lon or [None], lat or [None], mode="markers",
                             name="risk exposure index", showlegend=False,  # the colour bar
                             marker={"size": size, "color": colour, "colorscale": "Reds",
                                     "cmin": 0, "cmax": 1, "showscale": True,
                                     "line": {"color": "#333333", "width": 1},
                                     "colorbar": {"title": {"text": "risk exposure<br>index"}}},
                             customdata=ids, hovertext=text, hoverinfo="text",
                             meta={"role": "exposure-points", "count": len(lon)}))
    layout = canvas.layout("Risk exposure: element out for its time to recover",
                           [n["lon"] for n in network["nodes"]],
                           [n["lat"] for n in network["nodes"]])
    return {"data": data, "layout": layout}


# ---------------------------------------------------------------- footprint charts


def _bar(x: Sequence[Any], y: Sequence[Any], name: str, colour: str | Sequence[str],
         **kwargs: Any) -> dict[str, Any]:
    return {"type": "bar", "x": list(x), "y": list(y), "name": name,
            "marker": {"color": colour if isinstance(colour, str) else list(colour)}, **kwargs}


def footprint_figures(view: dict[str, Any]) -> dict[str, Figure]:
    """Charts of a footprint: CO2e WTW by mode, by month (stacked by mode), by lane, by
    shipment (largest first)."""
    modes = view["by_mode"]
    figures: dict[str, Figure] = {
        "mode": {
            "data": [_bar([mode_label(r["group"]) for r in modes],
                          [r["co2e_wtw_kg"] for r in modes], "CO2e WTW (kg)",
                          [mode_colour(r["group"]) for r in modes],
                          hovertemplate="%{x}: %{y:,.1f} kg CO2e<extra></extra>")],
            "layout": _layout("CO2e well-to-wheel by mode (kg)", showlegend=False,
                              yaxis={"title": {"text": "kg CO2e"}}),
        },
    }
    groups = sorted({r["group"] for r in view["by_month"]})
    months = sorted({r["month"] for r in view["by_month"]})
    values = {(r["month"], r["group"]): r["co2e_wtw_kg"] for r in view["by_month"]}
    figures["month"] = {
        "data": [_bar(months, [values.get((m, g), 0.0) for m in months], mode_label(g),
                      mode_colour(g)) for g in groups],
        "layout": _layout("CO2e well-to-wheel by month (kg)", barmode="stack",
                          yaxis={"title": {"text": "kg CO2e"}},
                          xaxis={"type": "category", "tickangle": -45, "automargin": True}),
    }
    lanes = view["by_lane"][:15][::-1]
    figures["lane"] = {
        "data": [_bar([r["co2e_wtw_kg"] for r in lanes], [r["lane"] for r in lanes],
                      "CO2e WTW (kg)", "#3e6a8a", orientation="h",
                      hovertemplate="%{y}: %{x:,.1f} kg CO2e<extra></extra>")],
        "layout": _layout("CO2e well-to-wheel by lane, top 15 (kg)", showlegend=False,
                          margin={"l": 150, "r": 20, "t": 50, "b": 50},
                          yaxis={"automargin": True}),
    }
    ships = view["by_shipment"][:25]
    figures["shipment"] = {
        "data": [_bar([r["shipment_id"] for r in ships], [r["co2e_wtw_kg"] for r in ships],
                      "CO2e WTW (kg)", "#6b4c9a",
                      hovertemplate="%{x}: %{y:,.1f} kg CO2e<extra></extra>")],
        "layout": _layout("CO2e well-to-wheel by shipment, largest 25 (kg)", showlegend=False,
                          xaxis={"type": "category"}, yaxis={"title": {"text": "kg CO2e"}}),
    }
    return figures


# ---------------------------------------------------------------- planning charts

SCENARIO_LABELS = {"all_road": "before: all road", "plan": "after: plan",
                   "uncapacitated": "uncapacitated"}


def planning_figures(view: dict[str, Any]) -> dict[str, Figure]:
    """Modal split before/after (tonne-km by mode), the cost/CO2e trade-off over carbon
    prices, and the utilisation of each scheduled service."""
    scenarios = view["scenarios"]
    modes = sorted({m for s in scenarios for m in s["tkm_by_mode"]},
                   key=lambda m: list(MODE_COLOURS).index(m) if m in MODE_COLOURS else 99)
    labels = [SCENARIO_LABELS.get(s["name"], s["name"]) for s in scenarios]
    figures: dict[str, Figure] = {
        "modal_split": {
            "data": [_bar(labels, [s["tkm_by_mode"].get(m) or 0.0 for s in scenarios],
                          mode_label(m), mode_colour(m),
                          hovertemplate="%{x}, " + mode_label(m) + ": %{y:,.0f} tkm"
                          "<extra></extra>") for m in modes],
            "layout": _layout("Modal split: tonne-km by mode", barmode="stack",
                              yaxis={"title": {"text": "tkm"}}),
        },
    }
    sweep = view["sweep"]
    figures["tradeoff"] = {
        "data": [{
            "type": "scatter", "mode": "lines+markers+text",
            "x": [p["cost_eur"] for p in sweep], "y": [p["co2e_wtw_kg"] for p in sweep],
            "text": [f"{p['carbon_price_eur_per_t']:g} €/t" for p in sweep],
            # alternately above-right and below-left: neighbouring prices (0, 50, 100 EUR/t)
            # often plan almost alike, and centred labels were drawn over each other
            "textposition": ["top right" if i % 2 == 0 else "bottom left"
                             for i in range(len(sweep))],
            "cliponaxis": False, "name": "carbon price sweep",
            "marker": {"size": 10, "color": "#0072B2"},
            "hovertemplate": "%{text}<br>cost %{x:,.0f} EUR<br>%{y:,.0f} kg CO2e<extra></extra>",
        }],
        "layout": _layout("Cost and CO2e across carbon prices", showlegend=False,
                          xaxis={"title": {"text": "cost (EUR, without carbon cost)"}},
                          yaxis={"title": {"text": "kg CO2e WTW"}}),
    }
    lines = service_lines(view["utilisation"])[::-1]  # fullest at the top
    names = [r["line"] for r in lines]
    figures["utilisation"] = {
        "data": [{"type": "bar", "orientation": "h", "y": names,
                  "x": [100 * r["share"] for r in lines], "name": "all departures (%)",
                  "marker": {"color": "#3e6a8a"},
                  "customdata": [[r["departures"], r["used_departures"], r["used_teu"],
                                  r["capacity_teu"]] for r in lines],
                  "hovertemplate": "%{y}: %{x:.0f} % of %{customdata[3]:.0f} TEU<br>"
                  "%{customdata[1]} of %{customdata[0]} departures used<extra></extra>"},
                 {"type": "scatter", "mode": "markers", "name": "fullest departure (%)",
                  "y": names, "x": [100 * r["peak_share"] for r in lines],
                  "marker": {"symbol": "line-ns-open", "size": 16, "color": "#cb181d",
                             "line": {"width": 3}},
                  "hovertemplate": "%{y}: fullest departure %{x:.0f} %<extra></extra>"}],
        "layout": _layout("Service utilisation per line: all departures (bars) and the fullest "
                          "departure (red mark), % of TEU capacity",
                          yaxis={"type": "category", "automargin": True},
                          xaxis={"title": {"text": "% of TEU capacity"}, "range": [0, 105]},
                          height=max(360, 130 + 24 * len(lines)),
                          margin={"l": 20, "r": 20, "t": 80, "b": 60}),
    }
    return figures


_DEPARTURE = re.compile(r"^(?P<line>.+?)-(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\w*$")


def service_lines(utilisation: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Departures grouped into service lines (``line``: mode and terminals by name, as
    ``services.dashboard.planning_view`` gives it; else an id ``<line>-<Weekday><hour>``
    belongs to ``<line>``): TEU used over TEU offered, fullest first."""
    lines: dict[str, dict[str, Any]] = {}
    for r in utilisation:
        match = _DEPARTURE.match(str(r["service_id"]))
        name = r.get("line") or (match.group("line") if match else str(r["service_id"]))
        line = lines.setdefault(name, {"line": name, "departures": 0, "used_departures": 0,
                                       "used_teu": 0.0, "capacity_teu": 0.0,
                                       "peak_share": 0.0})
        line["departures"] += 1
        line["peak_share"] = max(line["peak_share"], float(r.get("share") or 0.0))
        line["used_departures"] += 1 if (r.get("used_teu") or r.get("used_t") or 0) > 0 else 0
        line["used_teu"] += float(r.get("used_teu") or 0.0)
        line["capacity_teu"] += float(r.get("capacity_teu") or 0.0)
    out = []
    for line in lines.values():
        cap = line["capacity_teu"]
        out.append({**line, "share": line["used_teu"] / cap if cap else 0.0})
    return sorted(out, key=lambda r: (-r["share"], r["line"]))


# ---------------------------------------------------------------- resilience charts


def impact_figures(view: dict[str, Any]) -> dict[str, Figure]:
    """Day by day (extra cost, and the backlog when there is one) and the modal split of a
    scenario."""
    days = view["days"]
    split = view["modal_split"]
    peak_backlog = max([0.0, *(d["disrupted_backlog_t"] or 0.0 for d in days)])
    day_data: list[dict[str, Any]] = [
        _bar([d["day"] for d in days], [d["extra_cost_eur"] for d in days],
             "extra cost (EUR)", "#3e6a8a")]
    extra: dict[str, Any] = {}
    if peak_backlog > 0:
        day_data.append({"type": "scatter", "mode": "lines", "x": [d["day"] for d in days],
                         "y": [d["disrupted_backlog_t"] for d in days], "name": "backlog (t)",
                         "yaxis": "y2", "line": {"color": "#cb181d", "width": 2}})
        day_data.append({"type": "scatter", "mode": "lines", "x": [d["day"] for d in days],
                         "y": [d.get("disrupted_late_t") or 0.0 for d in days],
                         "name": "late (t/day)", "yaxis": "y2",
                         "line": {"color": "#e6842a", "width": 2, "dash": "dot"}})
        extra["yaxis2"] = {"title": {"text": "backlog and late (t)"}, "overlaying": "y",
                           "side": "right", "showgrid": False, "rangemode": "tozero"}
    title = ("Extra cost, backlog and late tonnes day by day" if peak_backlog > 0
             else "Extra cost day by day (no backlog)")
    return {
        "days": {
            "data": day_data,
            "layout": _layout(title, xaxis={"title": {"text": "day"}},
                              yaxis={"title": {"text": "extra cost (EUR)"}},
                              legend={"orientation": "h", "y": 1.02, "yanchor": "bottom",
                                      "x": 1, "xanchor": "right"},
                              margin={"l": 70, "r": 70, "t": 60, "b": 50}, **extra),
        },
        "modal_split": {
            "data": [
                _bar([mode_label(r["mode"]) for r in split], [r["baseline_tkm"] for r in split],
                     "baseline", "#9aa5b1"),
                _bar([mode_label(r["mode"]) for r in split],
                     [r["disrupted_tkm"] for r in split], "disrupted",
                     [mode_colour(r["mode"]) for r in split]),
            ],
            "layout": _layout("Tonne-km by mode: baseline and disrupted", barmode="group",
                              yaxis={"title": {"text": "tkm"}, "type": "log"}),
        },
    }


SWEEP_METRICS = (("extra_cost_eur", "extra cost (EUR)", "#1f5f8b"),
                 ("extra_co2e_wtw_kg", "extra CO2e WTW (kg)", "#b5482a"))


def sweep_figures(runs: Sequence[dict[str, Any]]) -> dict[str, Figure]:
    """Histograms of the Monte Carlo runs' extra cost and extra CO2e."""
    figures: dict[str, Figure] = {}
    for metric, label, colour in SWEEP_METRICS:
        values = [r[metric] for r in runs if isinstance(r.get(metric), int | float)
                  and math.isfinite(r[metric])]
        figures[metric] = {
            "data": [{"type": "histogram", "x": values, "marker": {"color": colour},
                      "name": label, "hovertemplate": "%{x}<br>%{y} runs<extra></extra>"}],
            "layout": _layout(f"{label} across {len(values)} runs",
                              xaxis={"title": {"text": label}},
                              yaxis={"title": {"text": "runs"}}),
        }
    return figures
