"""The offline basemap: Natural Earth layers under every lon/lat map, attributed, no tiles."""

from __future__ import annotations

import shapely

from keten.services import dashboard
from keten.web import charts


def test_basemap_layers_are_where_the_netherlands_is() -> None:
    base = charts.basemap()
    assert "Natural Earth" in base["source"] and "public domain" in base["attribution"]
    land = shapely.union_all([shapely.Polygon(r) for r in base["land"] if len(r) >= 4])
    assert land.contains(shapely.Point(5.12, 52.09))  # Utrecht
    assert land.contains(shapely.Point(6.77, 51.23))  # Duesseldorf
    assert not land.contains(shapely.Point(3.5, 52.5))  # the North Sea
    lakes = shapely.union_all([shapely.Polygon(r) for r in base["lakes"] if len(r) >= 4])
    assert lakes.contains(shapely.Point(5.4, 52.75))  # the IJsselmeer
    places = {p["name"]: (p["lon"], p["lat"]) for p in base["places"]}
    # Natural Earth against keten's own node table (a different source): within 10 km
    nodes = dashboard.network_view()["nodes"]
    ams = next(n for n in nodes if n["node_id"] == "NLAMS")
    assert abs(places["Amsterdam"][0] - ams["lon"]) < 0.15
    assert abs(places["Amsterdam"][1] - ams["lat"]) < 0.1
    assert base["borders"] and base["rivers"]


def test_maps_draw_the_basemap_under_the_network_and_credit_it() -> None:
    fig = charts.network_map(dashboard.network_view())
    roles = [t["meta"]["role"] for t in fig["data"]]
    assert roles[:5] == ["basemap"] * 5 and "links" in roles
    assert all(t.get("hoverinfo") == "skip" for t in fig["data"] if t["meta"]["role"] ==
               "basemap")
    assert "Natural Earth" in fig["layout"]["annotations"][0]["text"]
    tiled = charts.network_map(dashboard.network_view(), tile_url="https://t/{z}/{x}/{y}.png")
    assert all(t["meta"]["role"] != "basemap" for t in tiled["data"])


def test_size_key_classes_are_round_and_end_at_the_largest_terminal() -> None:
    assert charts.size_key_values(0.0) == []
    assert charts.size_key_values(110_000) == [1_000, 10_000, 110_000]
    assert charts.size_key_values(350_000) == [1_000, 10_000, 100_000, 350_000]
    assert charts.size_key_values(40) == [1, 10, 40]  # no fractions of a tonne


def test_size_key_only_once_terminals_have_a_throughput() -> None:
    view = dashboard.network_view()
    unsized = charts.network_map({**view, "nodes": [{**n, "throughput_t_per_day": None}
                                                    for n in view["nodes"]]})
    assert not [s for s in unsized["layout"].get("shapes", [])
                if s.get("name", "").startswith("size")]
    nodes = [{**n, "throughput_t_per_day": 500.0 * (i + 1)} for i, n in enumerate(view["nodes"])]
    sized = charts.network_map({**view, "nodes": nodes})
    circles = [s for s in sized["layout"]["shapes"] if s["type"] == "circle"]
    texts = [a["text"] for a in sized["layout"]["annotations"]
             if a.get("name", "").startswith("size-key ") and a["name"] != "size-key title"]
    assert len(circles) == len(charts.size_key_values(500.0 * len(nodes)))
    assert texts[0] == f"{500 * len(nodes):,} t/day (largest)"  # drawn at the bottom
    # a legend entry would show them all alike: the key is drawn, not listed
    assert not [t for t in sized["data"] if t.get("meta", {}).get("role") == "size-legend"]
