"""Closing the Rhine at Lobith raises CO2e (issue #10: the resilience page once said it lowers
it, by 832 t a day, on keten-2026.1's inland-waterway factors at 1.3-3x the published ones).

Through the same scenario template a user gives ``keten disrupt`` (``closure:LINK:DAYS``) on the
demo demand and default network, with the default factor set (STC-Nestra 2018 barge intensities).
The comparison is over the whole horizon, on the same delivered tonnes: on the closure day
itself the backlog that is not moved yet emits nothing, which is not a saving.
"""

from __future__ import annotations

import pytest

from keten.resilience.flows import ImpactModel
from keten.resilience.impact import simulate
from keten.services.resilience import load_scenario

RHINE_AT_LOBITH = "inland_waterway:wj-pannerdensche-kop:border-rhine-lobith"


@pytest.mark.parametrize("days", [1, 3])
def test_closing_the_rhine_at_lobith_raises_co2e(demo_model: ImpactModel, days: int) -> None:
    result = simulate(demo_model, load_scenario(f"closure:{RHINE_AT_LOBITH}:{days}"))
    t = result.totals
    assert t["delivered_t"] == pytest.approx(t["demand_t"])  # all freight still arrives
    assert t["shift_tkm_inland_waterway"] < 0  # barge tonne-km leave the Rhine ...
    assert t["shift_tkm_road"] > 0 and t["shift_tkm_rail"] > 0  # ... for road and rail
    assert t["extra_co2e_wtw_kg"] > 0
    assert t["disrupted_co2e_wtw_kg"] > t["baseline_co2e_wtw_kg"]
    # per tonne delivered, too (the day-by-day table can dip while freight waits)
    assert (t["disrupted_co2e_wtw_kg"] / t["delivered_t"]
            > t["baseline_co2e_wtw_kg"] / t["demand_t"])
