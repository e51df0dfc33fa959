"""Properties of bundling on random small cases (hypothesis): the bundled plan costs no more
than the separate plans with the same vehicles, the shares add up, and every shipment is
served or unserved with a reason."""

from __future__ import annotations

import sys

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import keten
from keten.bundling.allocation import by_tkm, shapley

from .conftest import fleet_text

DCS = {"A": (51.589, 5.005), "B": (51.397, 6.126)}
TOWNS = [(51.5606, 5.0919), (51.589, 4.776), (51.6978, 5.3037), (51.4416, 5.4697),
         (51.8133, 4.6901), (51.475, 5.66)]

shipment = st.tuples(st.sampled_from(["A", "B"]), st.integers(0, len(TOWNS) - 1),
                     st.integers(100, 12000), st.integers(7, 12))


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(shipment, min_size=2, max_size=6), st.sampled_from(["shapley", "tkm", "alone"]))
def test_bundled_no_worse_and_shares_add_up(write, ships, rule) -> None:
    lines = ["shipment_id,shipper,pickup,delivery,mass_kg,delivery_to"]
    for i, (shipper, town, mass, due) in enumerate(ships):
        dc, t = DCS[shipper], TOWNS[town]
        lines.append(f'S{i},{shipper},"{dc[0]},{dc[1]}","{t[0]},{t[1]}",{mass},{due:02d}:00')
    path = write("s.csv", "\n".join(lines) + "\n")
    fleet = write("f.csv", fleet_text(bev_range=250))
    res = keten.bundle(path, fleet, allocation=rule, time_limit_s=0.2)
    alone, together = res.summary() if res.per_shipper else (None, None)
    if alone is None:
        return
    # with the separate plans as its start the bundled plan serves at least as many and,
    # serving the same, costs no more (it may serve more: then it may cost more)
    assert together["shipments_served"] >= alone["shipments_served"]
    if together["shipments_served"] == alone["shipments_served"]:
        assert together["cost_eur"] <= alone["cost_eur"] + 1e-6
    ids = {f"S{i}" for i in range(len(ships))}
    served = set(res.together.plan.served)
    unserved = {u.shipment_id: u.reason for u in res.unserved}
    assert served | set(unserved) == ids and not served & set(unserved)
    assert all(unserved.values())
    if res.allocation:
        assert sum(a["cost_share_eur"] for a in res.allocation) == pytest.approx(
            together["cost_eur"], abs=1e-6)
        assert sum(a["co2e_wtw_share_kg"] for a in res.allocation) == pytest.approx(
            together["co2e_wtw_kg"], abs=1e-9)


def test_shapley_glove_game() -> None:
    """The glove game (one left glove, two right gloves; a pair is worth 1): Shapley values
    1/6, 1/6, 2/3 (e.g. Osborne & Rubinstein, A Course in Game Theory, 1994, ch. 14)."""
    def v(c: frozenset[str]) -> float:
        return 1.0 if "L" in c and ({"R1", "R2"} & c) else 0.0

    phi = shapley(["L", "R1", "R2"], v)
    assert phi["L"] == pytest.approx(2 / 3) and phi["R1"] == pytest.approx(1 / 6)


@given(st.dictionaries(st.sampled_from("abcde"), st.floats(0, 1e4), min_size=1),
       st.floats(0, 1e6))
@example({"a": 5e-324}, 1.5)  # found by hypothesis: a subnormal tkm once gave 2.0 of 1.5
# found by hypothesis: a 1e-12 cost beside 8192 is only known to the rounding of the coalition
# values (one ulp of 8194 is 1.8e-12), so the tolerance is a few ulps of the grand coalition
@example({"a": 1.0659067273472829, "b": 8192.442497214515, "c": 1.1478024650291472e-12,
          "d": 1.0659067273472829}, 0.0)
def test_shapley_of_additive_game_is_stand_alone(costs, extra) -> None:
    phi = shapley(sorted(costs), lambda c: sum(costs[k] for k in c))
    ulps = 16 * sys.float_info.epsilon * max(1.0, sum(costs.values()))
    assert phi == pytest.approx(costs, abs=max(1e-12, ulps))
    shares = by_tkm(extra, costs)
    assert sum(shares.values()) == pytest.approx(extra)
