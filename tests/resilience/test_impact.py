"""Impact: day-by-day routing on disrupted networks against the baseline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from keten.errors import ValidationError
from keten.network.build import sketch_network
from keten.network.model import Network
from keten.network.multimodal import LINK
from keten.network.sea import sea_distance_km, sea_ports
from keten.resilience.assign import DayFlows, DayNetwork, GreedyAssigner, day_network
from keten.resilience.flows import Flow, ImpactModel, flows_from_records, prepare_model
from keten.resilience.impact import simulate
from keten.resilience.scenario import parse_scenario, resolve_targets
from keten.resilience.templates import template_scenario

ROAD = frozenset({"road"})


def _closure(link: str, days: int = 3) -> dict[str, Any]:
    return {"name": "closure", "horizon_days": 10, "disruptions": [
        {"type": "closure", "target": {"links": [link]}, "start_day": 1,
         "duration_days": days}]}


def _used_links(model: ImpactModel, flows: DayFlows, f: int) -> set[str]:
    ids = model.network.links["link_id"].astype(str).to_numpy()
    g = model.graph
    return {str(ids[g.link[e]]) for edges, _ in flows.paths[f] for e in edges
            if g.kind[e] == LINK}


def test_closure_with_a_detour_leaves_nothing_unserved(
        make_network: Callable[..., Network]) -> None:
    net = make_network([("ab", "A", "B", 10.0, 1000.0), ("ac", "A", "C", 8.0, 1000.0),
                        ("cb", "C", "B", 8.0, 1000.0)])
    model = prepare_model([Flow("f", "A", "B", 500.0, ROAD)], net)
    result = simulate(model, parse_scenario(_closure("ab")))
    assert result.totals["unserved_t"] == 0
    assert result.totals["late_t"] == 0
    assert result.totals["extra_tkm"] == pytest.approx(3 * 500 * 6.0)
    day2 = result.days.set_index("day").loc[2]
    assert day2["disrupted_delivered_t"] == pytest.approx(500)


def test_a_tight_detour_builds_a_backlog_that_clears_late(
        make_network: Callable[..., Network]) -> None:
    net = make_network([("ab", "A", "B", 10.0, 1000.0), ("ac", "A", "C", 8.0, 200.0),
                        ("cb", "C", "B", 8.0, 1000.0)])
    model = prepare_model([Flow("f", "A", "B", 500.0, ROAD)], net)
    result = simulate(model, parse_scenario(_closure("ab")))
    days = result.days.set_index("day")
    # Days 1-3 the detour carries 200 of 500 t; from day 4 the direct link (1000) and the
    # detour (200) clear the backlog over two days.
    assert list(days["disrupted_backlog_t"].iloc[:6]) == pytest.approx(
        [0, 300, 600, 900, 200, 0])
    assert result.totals["unserved_t"] == 0
    # First in, first out: days 2 and 3 deliver yesterday's tonnes (200 late each), day 4
    # the 900 t backlog, day 5 the last 200 t.
    assert result.totals["late_t"] == pytest.approx(200 + 200 + 900 + 200)
    assert result.totals["delivered_t"] == pytest.approx(500 * 10)


def test_no_route_at_all_stays_unserved(make_network: Callable[..., Network]) -> None:
    net = make_network([("ab", "A", "B", 10.0, None), ("bc", "B", "C", 5.0, None)])
    model = prepare_model([Flow("f", "A", "C", 100.0, ROAD)], net)
    doc = _closure("ab", days=20)
    result = simulate(model, parse_scenario(doc))
    assert result.totals["unserved_t"] == pytest.approx(100 * 9)
    assert result.flows.loc[0, "unserved_t"] == pytest.approx(900)


def test_betuweroute_outage_shifts_rail_flows(demo_model: ImpactModel) -> None:
    scenario = template_scenario("betuweroute:10")
    resolved = resolve_targets(scenario, demo_model.network)
    vot = scenario.value_of_time_eur_per_t_h
    f = next(i for i, fl in enumerate(demo_model.flows) if fl.flow_id == "rtm-vlb")
    assigner = GreedyAssigner()
    normal = assigner.assign_day(demo_model, day_network(demo_model, resolved, 0, vot),
                                 demo_model.demand_t)
    outage = assigner.assign_day(demo_model, day_network(demo_model, resolved, 3, vot),
                                 demo_model.demand_t)
    assert "rail:kijfhoek:meteren" in _used_links(demo_model, normal, f)
    assert not any("meteren" in x and x.startswith("rail:") for x in
                   _used_links(demo_model, outage, f))
    rail = 1  # mode code of rail in the layered graph
    assert outage.tkm_by_mode[:, rail].sum() < normal.tkm_by_mode[:, rail].sum()
    result = simulate(demo_model, scenario, resolved=resolved)
    assert result.totals["shift_tkm_rail"] < 0
    assert result.totals["shift_tkm_road"] + result.totals["shift_tkm_inland_waterway"] > 0
    assert result.totals["unserved_t"] == 0


def test_suez_closure_lengthens_the_shanghai_rotterdam_leg(demo_model: ImpactModel) -> None:
    _, lat1, lon1 = sea_ports()["CNSHA"]
    _, lat2, lon2 = sea_ports()["NLRTM"]
    via_suez = sea_distance_km(lat1, lon1, lat2, lon2)
    via_cape = sea_distance_km(lat1, lon1, lat2, lon2, ("suez",))
    assert via_cape > via_suez + 3000
    result = simulate(demo_model, template_scenario("suez:20"))
    flow = result.flows.set_index("flow_id").loc["sha-rtm"]
    assert flow["extra_co2e_wtw_kg"] > 0 and flow["extra_tonne_hours"] > 0
    assert flow["late_t"] > 0
    assert result.totals["shift_tkm_sea"] > 0


def test_low_water_moves_freight_off_the_rhine(demo_model: ImpactModel) -> None:
    mild = simulate(demo_model, template_scenario("lowwater:1400:10"))
    severe = simulate(demo_model, template_scenario("lowwater:600:10"))
    assert severe.totals["shift_tkm_inland_waterway"] < 0
    assert severe.totals["extra_cost_eur"] > mild.totals["extra_cost_eur"] > 0


def test_port_congestion_builds_and_clears_a_backlog(demo_model: ImpactModel) -> None:
    result = simulate(demo_model, template_scenario("congestion:NLRTM-MV:0.5:48:5"))
    days = result.days.set_index("day")
    assert days["disrupted_backlog_t"].to_numpy()[3] > 0
    assert result.totals["late_t"] > 0
    assert result.totals["extra_tonne_hours"] > 0


class _NothingAssigner:
    """A stand-in planner that places nothing: everything stays unserved."""

    def assign_day(self, model: ImpactModel, day: DayNetwork,
                   demand_t: np.ndarray) -> DayFlows:
        n = len(model.flows)
        return DayFlows(np.zeros(n), [[] for _ in range(n)], np.zeros((n, 7)), np.zeros(n),
                        np.zeros((n, 6)), np.zeros(len(model.network.nodes)))


def test_a_planner_can_be_plugged_in(make_network: Callable[..., Network]) -> None:
    net = make_network([("ab", "A", "B", 10.0, None)])
    model = prepare_model([Flow("f", "A", "B", 50.0, ROAD)], net)
    result = simulate(model, parse_scenario(_closure("ab", 1)), assigner=_NothingAssigner())
    assert result.totals["unserved_t"] == pytest.approx(50 * 10)


def test_unknown_demand_locations_are_reported_with_row() -> None:
    flows = flows_from_records([
        {"origin": "NLRTM", "destination": "Tilburg", "tonnes_per_day": "10"},
        {"origin": "Nowhereville", "destination": "DEDUI", "tonnes_per_day": "10"}],
        file="d.csv")
    with pytest.raises(ValidationError) as exc:
        prepare_model(flows, sketch_network(), file="d.csv")
    (p,) = exc.value.problems
    assert (p.file, p.row, p.column) == ("d.csv", 3, "origin")


def test_bad_demand_rows_are_all_gathered() -> None:
    with pytest.raises(ValidationError) as exc:
        flows_from_records([{"origin": "", "destination": "DEDUI", "tonnes_per_day": "-1",
                             "modes": "teleport"}], file="d.csv")
    assert {p.column for p in exc.value.problems} == {"origin", "tonnes_per_day", "modes"}
