"""Resilience on keten's national network (issue #11): the scenarios reach both the corridor
links and the Rijkswaterstaat / OpenStreetMap sections under them, low water follows each
section's own gauge, rail across a border is limited per border, and the 2018 backtest on
the national network stays near the published outcome.

Outside references: networkx's shortest paths on the layer (an independent implementation of
the corridor-to-layer definition), the arc-flow LP of test_capacity_lp (a second formulation of
the day's assignment), and the CCNR / Contargo figures of data/rhine_2018_published.csv.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from tests.resilience.test_capacity_lp import _arc_flow_objective

from keten.network.build import default_network, network_from_frames
from keten.network.overlay import corridor_rows, layer_paths
from keten.resilience.assign import day_network
from keten.resilience.capacity import default_capacity
from keten.resilience.capacity_lp import CapacityLpAssigner
from keten.resilience.flows import Flow, ImpactModel, demo_demand, prepare_model
from keten.resilience.impact import simulate
from keten.resilience.scenario import resolve_targets
from keten.services.resilience import load_scenario

RHINE_AT_LOBITH = "inland_waterway:wj-pannerdensche-kop:border-rhine-lobith"


@pytest.fixture(scope="module")
def national_model() -> ImpactModel:
    return prepare_model(demo_demand(), default_network())


def test_corridor_links_stand_for_the_networkx_shortest_path_on_their_layer() -> None:
    net = default_network()
    links = net.links
    lp = layer_paths(net)
    corridors = corridor_rows(net)
    assert len(lp.paths) >= 0.9 * len(corridors)  # nearly every corridor link is matched
    ids = links["link_id"].astype(str).to_numpy()
    source = links["source"].astype(str)
    layer = links[(~links.index.isin(corridors)) & ~source.str.startswith("keten transfer")
                  & ~links["link_id"].astype(str).str.startswith("access:")]
    graphs = {}
    for mode in ("inland_waterway", "rail"):
        g = nx.Graph()
        for r in layer[layer["mode"] == mode].itertuples():
            km = float(r.length_km)
            if not g.has_edge(r.from_node, r.to_node) or g[r.from_node][r.to_node]["km"] > km:
                g.add_edge(r.from_node, r.to_node, km=km)
        graphs[mode] = g
    for row, path in lp.paths.items():
        mode = str(links["mode"].iloc[row])
        ends = links.iloc[path]
        # the path is a chain of layer links of the corridor's mode ...
        assert set(ends["mode"]) == {mode} and not set(ids[path]) & set(ids[corridors])
        chain = nx.Graph()
        chain.add_edges_from(zip(ends["from_node"], ends["to_node"], strict=True))
        odd = [n for n, d in chain.degree() if d % 2]
        assert nx.is_connected(chain) and len(odd) == 2
        # ... and as short as networkx's shortest path between its two ends
        a, b = odd
        assert ends["length_km"].sum() == pytest.approx(
            nx.shortest_path_length(graphs[mode], a, b, weight="km"), rel=1e-6, abs=1e-6)


def test_closing_a_corridor_link_closes_the_sections_under_it_and_back() -> None:
    net = default_network()
    ids = net.links["link_id"].astype(str).to_numpy()
    (closed,) = resolve_targets(load_scenario(f"closure:{RHINE_AT_LOBITH}:3"), net)
    names = set(net.links["fairway_name"].iloc[closed.link_rows].astype(str))
    assert RHINE_AT_LOBITH in set(ids[closed.link_rows])
    assert {"Bijlandsch Kanaal, Boven-Rijn"} <= names  # the RWS sections close with it
    section = next(r for r in closed.link_rows if ids[r].startswith("vwk:"))
    (back,) = resolve_targets(load_scenario(f"closure:{ids[section]}:3"), net)
    assert RHINE_AT_LOBITH in set(ids[back.link_rows])  # and the corridor with a section


def test_low_water_follows_each_sections_gauge_and_corridors_their_sections() -> None:
    net = default_network()
    links = net.links
    (lw,) = resolve_targets(load_scenario("lowwater:800:5"), net)
    ids = links["link_id"].astype(str).to_numpy()
    factor = dict(zip(ids[lw.link_rows], lw.link_factors, strict=True))
    waal = links[(links["fairway_name"] == "Waal") & (links["depth_gauge"] != "")]
    assert len(waal) and all(0 < factor[x] < 1 for x in waal["link_id"])
    # the Waal at Zaltbommel is deeper than at Nijmegen (Deltares relation), so loads more
    zb = waal[waal["depth_gauge"] == "Zaltbommel"]["link_id"].iloc[0]
    nm = waal[waal["depth_gauge"] == "Nijmegen"]["link_id"].iloc[0]
    assert factor[zb] > factor[nm]
    # a corridor link over sections: the same km / payload as its sections, so the fleet a
    # voyage needs does not depend on which twin it takes
    lp = layer_paths(net)
    km = links["length_km"].to_numpy(dtype=float)
    for corridor in ("inland_waterway:wj-tiel:wj-nijmegen", "inland_waterway:NLHAR:kampen"):
        row = int(np.flatnonzero(ids == corridor)[0])
        path = lp.paths[row]
        per_km = sum(km[r] / factor.get(ids[r], 1.0) for r in path)
        assert factor[corridor] == pytest.approx(km[path].sum() / per_km)
    assert factor["inland_waterway:wj-tiel:wj-nijmegen"] < 0.3  # all of it on the Waal
    assert 0.5 < factor["inland_waterway:NLHAR:kampen"] < 1  # the IJsselmeer, the IJssel at its end
    # the German Rhine links above Duisburg are governed (Koeln, stood in by Ruhrort)
    assert factor["inland_waterway:DEDUI:DEDUS"] < 1


def _two_country_rail(lines: int) -> object:
    nodes = [("A", "NL", 51.9, 5.8), ("B", "DE", 51.9, 6.6)]
    links = []
    for i in range(lines):
        nodes += [(f"x{i}", "", 51.9 + 0.02 * i, 6.1), (f"y{i}", "", 51.9 + 0.02 * i, 6.3)]
        links += [(f"rail:A-x{i}", "A", f"x{i}", "NL"), (f"rail:x{i}-y{i}", f"x{i}", f"y{i}", "NL"),
                  (f"rail:y{i}-B", f"y{i}", "B", "DE")]
    node_frame = pd.DataFrame([{"node_id": n, "name": n, "country": c, "lat": la, "lon": lo,
                                "kind": "rail_terminal" if c else "junction",
                                "modes": "rail"} for n, c, la, lo in nodes])
    link_frame = pd.DataFrame([{"link_id": lid, "from_node": a, "to_node": b, "mode": "rail",
                                "length_km": 20.0, "speed_kmh": 60, "corridor": "",
                                "country": c} for lid, a, b, c in links])
    return network_from_frames(node_frame.astype(object), link_frame.astype(object), name="two")


@pytest.mark.parametrize("lines", [1, 4])
def test_rail_across_a_border_is_limited_per_border_not_per_line(lines: int) -> None:
    net = _two_country_rail(lines)
    model = prepare_model([Flow("f", "A", "B", 40000.0, frozenset({"rail"}))], net)
    lp = CapacityLpAssigner(default_capacity())
    day = day_network(model, [], 0, 2.0)
    lp.calibrate(model, day, model.demand_t)
    flows = lp.assign_day(model, day, model.demand_t)
    cap = default_capacity()
    border_t = cap.border_paths("NL", "DE") * cap.rail_net_t_per_train
    line_t = cap.rail_paths("") * cap.rail_net_t_per_train
    assert "rail-border:NL-DE" in lp.last_pool_use
    assert flows.delivered_t.sum() == pytest.approx(min(border_t, lines * line_t), rel=1e-6)
    assert lp.last_objective == pytest.approx(
        _arc_flow_objective(model, day, model.demand_t, lp), rel=1e-6)


def test_closing_the_rhine_at_lobith_on_the_national_network_raises_co2e(
        national_model: ImpactModel) -> None:
    t = simulate(national_model, load_scenario(f"closure:{RHINE_AT_LOBITH}:3")).totals
    assert t["shift_tkm_inland_waterway"] < 0 < t["shift_tkm_rail"]  # the Rhine is shut ...
    assert t["extra_cost_eur"] > 0 and t["extra_co2e_wtw_kg"] > 0  # ... not bypassed
    assert (t["disrupted_co2e_wtw_kg"] / t["delivered_t"]
            > t["baseline_co2e_wtw_kg"] / t["demand_t"])


def test_backtest_2018_on_the_national_network_is_near_the_published_figures(
        national_model: ImpactModel) -> None:
    """keten's sketch came within 9-14 points of CCNR's barge figures; the national network,
    where freight can leave the Rhine by more rail and road, within 10 (2.9, 7.2, 1.3 points)."""
    from keten.resilience.backtest import run_backtest_2018

    result, table = run_backtest_2018(national_model)
    shares = table[table["unit"] == "share"]
    assert (shares["keten"] < 0).all()
    assert (shares["deviation"].abs() < 0.10).all(), shares[["metric", "keten", "published"]]
    assert result.totals["surcharge_eur"] > 0 and result.totals["shift_tkm_rail"] > 0
