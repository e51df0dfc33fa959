"""Re-planning a portfolio under a disruption (``keten disrupt --plan``)."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from keten.cli.main import app
from keten.network.build import sketch_network
from keten.planning.model import PlanningProblem, Service, Shipment, Terminal
from keten.resilience.replan import disrupted_problem, service_effects, terminal_effects
from keten.resilience.scenario import Disruption, ResolvedDisruption, Target


def _service(sid: str, dep_h: float, cap: float = 10.0) -> Service:
    return Service(
        sid, "rail", "A", "B", dep_h, dep_h + 10.0, capacity_teu=cap, price_eur_per_teu=100.0
    )


def _disruption(kind: str, factor: float, start: int = 0, days: int = 2) -> Disruption:
    return Disruption(f"d-{kind}", kind, Target(links=("x",)), start, days, factor)


def test_closure_cancels_departures_on_the_closed_days_only() -> None:
    services = [_service("s0", 5), _service("s1", 30), _service("s2", 60), _service("s3", 5)]
    rows = {"s0": np.array([1, 2]), "s1": np.array([2]), "s2": np.array([2]), "s3": np.array([7])}
    closure = ResolvedDisruption(_disruption("closure", 0.0), np.array([2]), np.array([], int))
    effects = {e.service_id: e for e in service_effects(services, rows, [closure])}
    # days 0 and 1 are closed: s0 (day 0) and s1 (day 1) cancelled; s2 departs on day 2;
    # s3 does not pass link 2
    assert set(effects) == {"s0", "s1"} and all(e.cancelled for e in effects.values())


def test_low_water_takes_the_shallowest_link_and_scales_capacity() -> None:
    services = [_service("s0", 5)]
    lw = ResolvedDisruption(
        _disruption("low_water", 0.0),
        np.array([1, 2, 3]),
        np.array([], int),
        link_factors=np.array([0.9, 0.55, 0.7]),
    )
    (effect,) = service_effects(services, {"s0": np.array([2, 3])}, [lw])
    assert effect.capacity_factor == 0.55 and not effect.cancelled
    problem = PlanningProblem((), tuple(services), {})
    (changed,) = disrupted_problem(problem, [effect], []).services
    assert changed.capacity_teu == 10.0 * 0.55


def test_speed_and_cost_factors_stretch_transit_and_price() -> None:
    services = [_service("s0", 5)]
    slow = ResolvedDisruption(_disruption("speed_factor", 0.5), np.array([1]), np.array([], int))
    dear = ResolvedDisruption(_disruption("cost_factor", 1.5), np.array([1]), np.array([], int))
    effects = service_effects(services, {"s0": np.array([1])}, [slow, dear])
    (changed,) = disrupted_problem(PlanningProblem((), tuple(services), {}), effects, []).services
    assert changed.arrival_h - changed.departure_h == 20.0  # half speed: twice the 10 h
    assert changed.price_eur_per_teu == 150.0
    assert changed.capacity_teu == 10.0


def test_congested_terminal_gets_less_capacity_and_more_dwell() -> None:
    net = sketch_network()
    row = net.node_index()["NLRTM-MV"]
    jam = Disruption("jam", "congestion", Target(node="NLRTM-MV"), 0, 3, 0.5, dwell_time_h=24)
    rd = ResolvedDisruption(jam, np.array([], int), np.array([row]))
    terminals = {"NLRTM-MV": Terminal("NLRTM-MV", handling_time_h=6.0)}
    (effect,) = terminal_effects(terminals, net, [rd], horizon_days=7)
    assert effect.capacity_factor == 0.5 and effect.extra_handling_h == 24
    shipment = Shipment("x", "NLRTM-MV", "NLVEN", 10000.0, 0.0, 48.0, teu=1.0)
    problem = PlanningProblem((shipment,), (), terminals)
    changed = disrupted_problem(problem, [], [effect], {"NLRTM-MV": 80.0}).terminals["NLRTM-MV"]
    assert changed.capacity_teu_per_day == 40.0 and changed.handling_time_h == 30.0


def test_cli_replans_the_demo_portfolio_without_the_betuweroute() -> None:
    result = CliRunner().invoke(app, ["disrupt", "betuweroute", "--plan", "-f", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["cancelled_services"] > 0
    cancelled = {e["service_id"] for e in doc["affected_services"] if e["cancelled"]}
    assert all(s.startswith("R-") for s in cancelled)  # only trains
    assert doc["impact"]["extra_rail_tkm"] <= 0  # no train more on the closed line
    assert doc["disrupted"]["co2e_wtw_kg"] >= doc["baseline"]["co2e_wtw_kg"] - 1e-6
    unserved = {u["shipment_id"] for u in doc["unserved"]}
    assert doc["disrupted"]["unserved_shipments"] == len(unserved)


def test_cli_replans_the_demo_portfolio_under_low_water() -> None:
    """On the national network (as ``keten plan``) low water cuts the barges' capacity: barge
    tonne-km go to road, and CO2e rises."""
    result = CliRunner().invoke(app, ["disrupt", "lowwater:800", "--plan", "-f", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    barges = [e for e in doc["affected_services"] if e["service_id"].startswith("B-")]
    assert barges and all(e["capacity_factor"] < 1 for e in barges)
    assert doc["impact"]["extra_inland_waterway_tkm"] < 0 < doc["impact"]["extra_road_tkm"]
    assert doc["impact"]["extra_co2e_wtw_kg"] > 0
