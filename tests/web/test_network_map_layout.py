"""The network map's layout: a title that names the network (not its id), and the legend and
the size key beside the map, never over its lines and terminals."""

from __future__ import annotations

from keten.network.build import network_title, sketch_network
from keten.services import dashboard
from keten.web import api, charts


def test_the_map_title_names_the_network_not_its_id() -> None:
    payload = api._network_payload(None, sized=False)
    title = payload["figure"]["layout"]["title"]["text"]
    assert title == "Freight network of the Netherlands and its hinterland"
    assert "keten-nl" not in title
    assert dashboard.network_view(sketch_network())["title"] == network_title("keten-nl-sketch")
    assert network_title("my-import") == "Network my-import"  # a file's network by its name


def test_legend_and_size_key_sit_right_of_the_plot_area() -> None:
    view = dashboard.network_view()
    nodes = [{**n, "throughput_t_per_day": 1000.0 * (i + 1)} for i, n in enumerate(view["nodes"])]
    layout = charts.network_map({**view, "nodes": nodes})["layout"]
    legend = layout["legend"]
    assert legend["x"] >= 1 and legend["xanchor"] == "left"  # starts at the plot's right edge
    key = [s for s in layout["shapes"] if s.get("name", "").startswith("size-key")]
    assert key and all(s["xanchor"] == 1 and s["x0"] > 0 for s in key)  # right of the edge
    box = next(s for s in key if s["name"] == "size-key box")
    assert layout["margin"]["r"] >= box["x1"]  # the legend column holds the whole key
    # a phone's narrow map: the legend goes under it (keten.js), the key into its corner
    narrow = layout["meta"]["narrow"]
    assert narrow["margin"]["r"] <= 10
    assert all(s["x1"] < 0 for s in narrow["shapes"] if s.get("name", "").startswith("size"))
    assert "<br>" in narrow["title"]["text"]
