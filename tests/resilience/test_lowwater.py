"""Low water: depth from the shared Lobith table, payload factors by hand, monotonicity, range."""

from __future__ import annotations

import csv
import itertools
import math

import numpy as np
import pytest
from tests.resilience.conftest import SHARED

from keten.errors import ValidationError
from keten.resilience.lowwater import (
    DEFAULT_UNDER_KEEL_CLEARANCE_M,
    class_payload_factors,
    depth_relation,
    low_water_links,
    payload_factor,
)

TABLE = SHARED / "data" / "rhine-depth" / "lobith-discharge-to-depth.csv"


def _hand_depth(gauge: str, q: float) -> float:
    """Linear interpolation between the two rows of the shared table around ``q``."""
    with TABLE.open() as f:
        rows = [(float(r[""]), float(r[gauge])) for r in csv.DictReader(f)]
    for (q0, d0), (q1, d1) in itertools.pairwise(rows):
        if q0 <= q <= q1:
            return d0 + (d1 - d0) * (q - q0) / (q1 - q0)
    raise AssertionError("outside the table")


def _hand_payload_barge(allowed: float) -> float:
    """van Dorsser et al. (2020) for a Europe IIa barge, 76.5 x 11.4 m, written out by hand."""
    L, B = 76.5, 11.4
    t_design = 1.3365379898 + 0.0090052384439 * L ** 0.3 * B ** 1.8  # Table 5, barge
    t_empty = (0.075740820927 + 0.11615080992 * B + 0.016865973494 * L * t_design / B
               - 0.027490565381 * math.sqrt(L * B) - 0.000051501240744 * L * B * t_design
               - 0.21354295627)  # Table 4, barge

    def ci(t: float) -> float:  # Table 3
        return (20.323139721 - 78.577991460 * t_empty - 7.0671612519 * t_empty ** 2
                + 27.744056480 * t + 0.75588609922 * t ** 2 + 36.591813315 * t_empty * t)

    if allowed >= t_design:
        return 1.0
    return max(0.0, ci(allowed) / ci(t_design))


@pytest.mark.parametrize("q", [500.0, 800.0, 1234.5, 2000.0])
@pytest.mark.parametrize("gauge", ["Emmerich", "Nijmegen", "Zaltbommel"])
def test_depth_matches_the_shared_table(q: float, gauge: str) -> None:
    assert depth_relation().depth_at(q)[gauge] == pytest.approx(_hand_depth(gauge, q), abs=2e-4)


@pytest.mark.parametrize("q", [600.0, 800.0, 1100.0, 1600.0])
def test_payload_factor_of_the_rhine_link_by_hand(q: float) -> None:
    # inland_waterway:emmerich:DEDUI is class VIc (push convoy of Europe IIa barges) and is
    # governed by the shallower of the Emmerich and Duisburg-Ruhrort gauges.
    depth = min(_hand_depth("Emmerich", q), _hand_depth("Duisburg-Ruhrort", q))
    expected = _hand_payload_barge(depth - 0.30)
    (link,) = low_water_links(q, [("inland_waterway:emmerich:DEDUI", "VIc", "Lobith")])
    assert link.depth_m == pytest.approx(depth, abs=2e-4)
    assert link.allowed_draught_m == pytest.approx(depth - DEFAULT_UNDER_KEEL_CLEARANCE_M,
                                                   abs=2e-4)
    assert link.payload_factor == pytest.approx(expected, abs=1e-3)


def test_known_values_at_800_m3s() -> None:
    # Emmerich 2.19 m at 800 m3/s -> 1.89 m allowed -> about 36 % of a barge's design load.
    (link,) = low_water_links(800.0, [("inland_waterway:emmerich:DEDUI", "VIc", "Lobith")])
    assert link.depth_m == pytest.approx(2.184, abs=0.005)
    assert link.payload_factor == pytest.approx(0.361, abs=0.005)
    assert payload_factor("barge", 76.5, 11.4, 5.0) == 1.0
    assert payload_factor("barge", 76.5, 11.4, 0.3) == 0.0


def test_lower_discharge_never_gives_more_barge_capacity() -> None:
    links = [(lid, cemt, "Lobith") for lid, cemt in [
        ("inland_waterway:emmerich:DEDUI", "VIc"), ("inland_waterway:wj-tiel:wj-nijmegen", "VIc"),
        ("inland_waterway:deventer:zwolle", "Va"), ("inland_waterway:wj-gorinchem:wj-tiel", "VIc")]]
    previous = None
    for q in np.linspace(500, 2000, 61):
        factors = np.array([x.payload_factor for x in low_water_links(float(q), links)])
        if previous is not None:
            assert np.all(factors >= previous - 1e-12)
        previous = factors
    for q in np.linspace(500, 2000, 31):
        rows = class_payload_factors(float(q))
        assert all(0.0 <= r["payload_factor"] <= 1.0 for r in rows)  # type: ignore[operator]


def test_tidal_and_unmapped_links_are_not_affected() -> None:
    got = low_water_links(600.0, [("inland_waterway:NLRTM:wj-gorinchem", "VIc", "Lobith"),
                                  ("inland_waterway:cuijk:wanssum", "Vb", "Venlo")])
    assert got == []


@pytest.mark.parametrize("q", [499.0, 2000.5, float("nan")])
def test_discharge_outside_the_table_is_an_error(q: float) -> None:
    with pytest.raises(ValidationError) as exc:
        depth_relation().depth_at(q)
    assert "discharge" in str(exc.value)
