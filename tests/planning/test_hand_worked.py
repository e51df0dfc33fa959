"""Small instances whose optimal plans were worked out by hand (reasoning in each docstring).

Common set-up (``lane``): customer A to customer B is 100 km by road; A is 10 km from
terminal TA, TB is 10 km from B (and A-TB, TA-B are 95 km). Road costs 0.10 EUR/tkm at
50 km/h; terminals cost nothing and take no time. Service K1 is rail TA->TB, 100 km,
departing h10, arriving h14, 20 EUR/TEU. A 1-TEU shipment of 10 t then costs
  road: 0.10 x 10 t x 100 km = 100 EUR, arriving 2 h after release;
  rail: 0.10 x 10 t x (10 + 10) km + 20 = 40 EUR, delivered at h14 + 10/50 = h14.2.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from keten import footprint
from keten.planning.heuristic import greedy_plan
from keten.planning.kpis import tce_rows
from keten.planning.model import PlanningParameters, Service, Shipment
from keten.planning.options import REASON_CAPACITY, REASON_NO_PATH, REASON_TIME, ROAD

from .conftest import Solved, free_terminal

LANE = {("A", "B"): 100.0, ("A", "TA"): 10.0, ("TB", "B"): 10.0, ("A", "TB"): 95.0,
        ("TA", "B"): 95.0}
PARAMS = PlanningParameters(carbon_price_eur_per_t=0.0, lateness_penalty_eur_per_h=5.0,
                            max_lateness_h=48.0, unserved_penalty_eur=10_000.0,
                            road_cost_eur_per_tkm=0.10, road_speed_kmh=50.0)


def k1(capacity_teu: float | None = 1.0, price: float = 20.0) -> Service:
    return Service("K1", "rail", "TA", "TB", 10.0, 14.0, capacity_teu=capacity_teu,
                   price_eur_per_teu=price, distance_km=100.0)


def ship(sid: str, release: float = 0.0, due: float = 24.0, teu: float = 1.0,
         dest: str = "B") -> Shipment:
    return Shipment(sid, "A", dest, 10_000.0 * teu, release, due, teu)


Solve = Callable[..., Solved]


def test_single_shipment_takes_the_cheaper_rail_option(solve_instance: Solve) -> None:
    """Rail 40 EUR < road 100 EUR and both are on time, so the whole TEU goes by K1;
    the objective is 40 EUR."""
    s = solve_instance([ship("S1")], [k1()], LANE, PARAMS)
    assert s.units_on("S1") == pytest.approx({"K1": 1.0})
    assert float(s.model.col_cost @ s.x) == pytest.approx(40.0)
    (a,) = s.assignments
    assert [leg.kind for leg in a.legs] == ["pre_haul", "service", "post_haul"]
    assert a.delivery_h == pytest.approx(14.2)
    assert a.cost_eur == pytest.approx(40.0)


def test_capacity_goes_to_the_shipment_that_gains_most(solve_instance: Solve) -> None:
    """K1 has 1 TEU. S1 (due h12) would be 2.2 h late by rail: 40 + 5 x 2.2 = 51 EUR, or
    100 EUR by road; S2 (due h24) pays 40 by rail or 100 by road.
    S1 rail + S2 road = 151; S1 road + S2 rail = 140, so the optimum gives K1 to S2.
    Greedy in release order gives K1 to S1 first and ends at 151."""
    s = solve_instance([ship("S1", 0.0, 12.0), ship("S2", 1.0, 24.0)], [k1()], LANE, PARAMS)
    assert s.units_on("S1") == pytest.approx({"road": 1.0})
    assert s.units_on("S2") == pytest.approx({"K1": 1.0})
    assert float(s.model.col_cost @ s.x) == pytest.approx(140.0)
    y, u = greedy_plan(s.problem, s.options, s.model)
    assert float(s.model.col_cost @ np.concatenate([y, u])) == pytest.approx(151.0)


def _worked_co2e_kg() -> tuple[float, float]:
    """(road, rail) kg CO2e WTW for 10 t, computed by hand from the default set's rows."""
    from keten.factors import load_factor_set

    fs = load_factor_set()
    road = float(fs.toc("road_artic_40t_diesel").co2e_wtw_kg_per_unit)
    rail = float(fs.toc("rail_electric_intermodal").co2e_wtw_kg_per_unit)
    hub = float(fs.hoc("hub_transshipment_ambient").co2e_wtw_kg_per_unit)
    return road * 10 * 100, road * 10 * 20 + rail * 10 * 100 + 2 * hub * 10


def test_carbon_price_flips_the_choice_where_worked_out(solve_instance: Solve) -> None:
    """With K1 at 90 EUR/TEU rail costs 0.10 x 10 x 20 + 90 = 110 EUR against road 100.
    CO2e WTW per TEU from the default set's rows: road 0.10467 kg/tkm x 10 t x 100 km =
    104.67 kg; rail 0.10467 x 10 x 20 (drayage) + 0.01915 x 10 x 100 + 2 lifts x hub kg/t
    x 10 t (keten-2026.3: 0.6 kg/t, GLEC v3.0 Module 2 Table 3) = 20.934 + 19.15 + 12.0 =
    52.084 kg. Rail wins when 10 EUR < P x (104.67 - 52.084) kg, i.e. above P = 190.2 EUR/t:
    road at 150 EUR/t, rail at 250 EUR/t."""
    low = solve_instance([ship("S1")], [k1(price=90.0)], LANE,
                         PlanningParameters(**{**vars(PARAMS), "carbon_price_eur_per_t": 150.0}))
    high = solve_instance([ship("S1")], [k1(price=90.0)], LANE,
                          PlanningParameters(**{**vars(PARAMS), "carbon_price_eur_per_t": 250.0}))
    assert low.units_on("S1") == pytest.approx({"road": 1.0})
    assert high.units_on("S1") == pytest.approx({"K1": 1.0})
    rail = int(np.flatnonzero(high.options.service != ROAD)[0])
    road = int(np.flatnonzero(high.options.service == ROAD)[0])
    road_kg, rail_kg = _worked_co2e_kg()
    assert high.options.co2e_wtw_kg[rail] == pytest.approx(rail_kg)
    assert high.options.co2e_wtw_kg[road] == pytest.approx(road_kg)
    assert 150.0 < 10.0 / ((road_kg - rail_kg) / 1000) < 250.0  # the price where rail wins


def test_footprint_engine_agrees_with_the_planner(solve_instance: Solve) -> None:
    """The plan's TCE rows through keten.footprint give the same kg WTW as worked out above."""
    s = solve_instance([ship("S1")], [k1()], LANE, PARAMS)
    result = footprint(tce_rows(s.problem, s.assignments, s.options.road_toc_id))
    assert result.totals()["co2e_wtw_kg"] == pytest.approx(_worked_co2e_kg()[1])
    assert result.totals()["co2e_wtw_kg"] == pytest.approx(sum(a.co2e_wtw_kg
                                                               for a in s.assignments))
    assert result.totals()["transport_activity_tkm"] == pytest.approx(10 * 20 + 10 * 100)


def test_integer_teu(solve_instance: Solve) -> None:
    """A 3-TEU shipment, K1 with 1.5 TEU: the LP sends 1.5 TEU by rail (1.5 x 40 + 1.5 x 100
    = 210 EUR); with whole TEU only 1 TEU fits (40 + 2 x 100 = 240 EUR)."""
    lp = solve_instance([ship("S3", teu=3.0)], [k1(1.5)], LANE, PARAMS)
    mip = solve_instance([ship("S3", teu=3.0)], [k1(1.5)], LANE,
                         PlanningParameters(**{**vars(PARAMS), "integer": True}))
    assert lp.units_on("S3") == pytest.approx({"K1": 1.5, "road": 1.5})
    assert float(lp.model.col_cost @ lp.x) == pytest.approx(210.0)
    assert mip.units_on("S3") == pytest.approx({"K1": 1.0, "road": 2.0})
    assert float(mip.model.col_cost @ mip.x) == pytest.approx(240.0)


def test_terminal_daily_capacity(solve_instance: Solve) -> None:
    """TA handles 1 TEU a day; K1 has room for 5. Two shipments want K1 (40 < 100 EUR) but
    only one can be lifted at TA on day 0: 40 + 100 = 140 EUR."""
    s = solve_instance([ship("S1"), ship("S2")], [k1(5.0)], LANE, PARAMS,
                       terminals={"TA": free_terminal("TA", capacity=1.0)})
    used = {sid: s.units_on(sid) for sid in ("S1", "S2")}
    assert sorted(next(iter(v)) for v in used.values()) == ["K1", "road"]
    assert float(s.model.col_cost @ s.x) == pytest.approx(140.0)


def test_unserved_shipments_carry_their_reason(solve_instance: Solve) -> None:
    """S4 is due 1 h after release and may be 0.5 h late, but road takes 2 h and K1 arrives
    at h14: time window. S5 goes to C, which no road reaches: no path. With 1 TEU of road
    a day and no services, S6 and S7 (both day 0) cannot both go: one is unserved for
    capacity."""
    params = PlanningParameters(**{**vars(PARAMS), "max_lateness_h": 0.5})
    s = solve_instance([ship("S4", 0.0, 1.0), ship("S5", dest="C")], [k1()], LANE, params)
    assert {u.shipment_id: u.reason for u in s.unserved} == {"S4": REASON_TIME,
                                                            "S5": REASON_NO_PATH}
    capped = PlanningParameters(**{**vars(PARAMS), "road_capacity_teu_per_day": 1.0})
    c = solve_instance([ship("S6"), ship("S7")], [], LANE, capped)
    assert [u.reason for u in c.unserved] == [REASON_CAPACITY]
    assert len(c.assignments) == 1


def test_horizon_drops_later_departures(solve_instance: Solve) -> None:
    """K1 departs at h10. With a 0.25-day (6 h) horizon it is not offered, so S1 goes by road
    (100 EUR); with a 1-day horizon it takes K1 (40 EUR)."""
    short = solve_instance([ship("S1")], [k1()], LANE,
                           PlanningParameters(**{**vars(PARAMS), "horizon_days": 0.25}))
    day = solve_instance([ship("S1")], [k1()], LANE,
                         PlanningParameters(**{**vars(PARAMS), "horizon_days": 1.0}))
    assert short.units_on("S1") == pytest.approx({"road": 1.0})
    assert day.units_on("S1") == pytest.approx({"K1": 1.0})


def test_value_of_time_prices_the_slower_option(solve_instance: Solve) -> None:
    """At 5 EUR/h value of time road costs 100 + 5 x 2 h = 110 and rail 40 + 5 x 14.2 h
    = 111 EUR, so road wins by 1 EUR; at 4 EUR/h rail wins (96.8 < 108)."""
    fast = Shipment("S1", "A", "B", 10_000.0, 0.0, 24.0, 1.0, value_of_time_eur_per_h=5.0)
    slow = Shipment("S1", "A", "B", 10_000.0, 0.0, 24.0, 1.0, value_of_time_eur_per_h=4.0)
    assert solve_instance([fast], [k1()], LANE, PARAMS).units_on("S1") == pytest.approx(
        {"road": 1.0})
    assert solve_instance([slow], [k1()], LANE, PARAMS).units_on("S1") == pytest.approx(
        {"K1": 1.0})
