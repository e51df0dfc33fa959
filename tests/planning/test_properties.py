"""Properties on random small instances: capacities are never exceeded; with a high carbon
price the plan never emits more CO2e than trucking everything."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keten.factors import load_factor_set
from keten.planning.build import build_model
from keten.planning.extract import extract_plan
from keten.planning.model import PlanningParameters, PlanningProblem, Service, Shipment, Terminal
from keten.planning.options import ROAD, generate_options
from keten.planning.solve import solve_model

from .conftest import Distances

FS = load_factor_set()
PLACES = ["C0", "C1", "C2", "T0", "T1", "T2"]
TERMS = ["T0", "T1", "T2"]


@st.composite
def instances(draw: st.DrawFn) -> tuple[PlanningProblem, Distances]:
    dist = {(a, b): draw(st.floats(5, 300)) for i, a in enumerate(PLACES)
            for b in PLACES[i + 1:]}
    services = []
    for i in range(draw(st.integers(1, 6))):
        a, b = draw(st.permutations(TERMS))[:2]
        dep = draw(st.floats(0, 72))
        services.append(Service(
            f"K{i}", draw(st.sampled_from(["rail", "inland_waterway"])), a, b, dep,
            dep + draw(st.floats(1, 40)),
            capacity_teu=draw(st.none() | st.floats(0, 6)),
            capacity_t=draw(st.none() | st.floats(0, 60)),
            price_eur_per_teu=draw(st.floats(0, 200)), distance_km=draw(st.floats(20, 300))))
    ships = []
    for i in range(draw(st.integers(1, 8))):
        o, d = draw(st.permutations(["C0", "C1", "C2"]))[:2]
        release = draw(st.floats(0, 48))
        teu = draw(st.none() | st.sampled_from([1.0, 2.0, 3.0]))
        ships.append(Shipment(f"S{i}", o, d, draw(st.floats(1_000, 30_000)), release,
                              release + draw(st.floats(2, 96)), teu))
    terminals = {t: Terminal(t, draw(st.floats(0, 50)), 0.0, draw(st.floats(0, 8)),
                             draw(st.none() | st.floats(0, 5)), "hub_transshipment_ambient")
                 for t in TERMS}
    params = PlanningParameters(
        carbon_price_eur_per_t=draw(st.floats(0, 500)),
        road_capacity_teu_per_day=draw(st.none() | st.floats(0, 6)),
        integer=draw(st.booleans()), max_lateness_h=draw(st.floats(0, 48)))
    return PlanningProblem(tuple(ships), tuple(services), terminals, params), Distances(dist)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_capacity_never_exceeded(case: tuple[PlanningProblem, Distances]) -> None:
    problem, d = case
    options = generate_options(problem, FS, d.road, d.mode)
    model = build_model(problem, options)
    x = solve_model(model).x
    activity = model.row_activity(x)
    assert np.all(activity <= model.row_upper + 1e-6)
    demand = model.rows_of("demand")
    np.testing.assert_allclose(activity[demand], model.row_upper[demand], atol=1e-6)
    if model.integer:
        np.testing.assert_allclose(x, np.round(x), atol=1e-6)
    _, _, util = extract_plan(problem, options, x[: model.n_option_cols],
                              x[model.n_option_cols:])
    for u in util:
        if u.capacity_teu is not None:
            assert u.used_teu <= u.capacity_teu + 1e-6, u
        if u.capacity_t is not None:
            assert u.used_t <= u.capacity_t + 1e-6, u


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_high_carbon_price_never_emits_more_than_all_road(
        case: tuple[PlanningProblem, Distances]) -> None:
    """With every road trip allowed (no lateness limit, no road capacity) the all-road plan is
    feasible, so by optimality money_p + pen_p + P co2_p <= money_r + pen_r + P co2_r: the
    plan's extra CO2e is at most (money_r + pen_r - money_p - pen_p) / P, nil for a high P."""
    problem, d = case
    price = 1e6  # EUR per t CO2e
    params = PlanningParameters(carbon_price_eur_per_t=price, max_lateness_h=float("inf"),
                                unserved_penalty_eur=1e9)
    problem = PlanningProblem(problem.shipments, problem.services, problem.terminals, params)
    options = generate_options(problem, FS, d.road, d.mode)
    model = build_model(problem, options)
    x = solve_model(model).x[: model.n_option_cols]
    road = options.service == ROAD
    units = np.array([s.units for s in problem.shipments])
    co2_plan = float(options.co2e_wtw_kg @ x)
    co2_road = float(options.co2e_wtw_kg[road] @ units[options.shipment[road]])
    money_road = float((options.money_eur + options.penalty_eur)[road]
                       @ units[options.shipment[road]])
    money_plan = float((options.money_eur + options.penalty_eur) @ x)
    slack_kg = max(0.0, money_road - money_plan) / price * 1000.0
    assert co2_plan <= co2_road + slack_kg + 1e-6 * max(1.0, co2_road)
