"""The build step alone: the model can be inspected without a solver, and solving it does not
change it."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from keten.factors import FactorSet
from keten.planning.build import BuiltModel, build_model
from keten.planning.model import PlanningProblem
from keten.planning.options import ROAD, generate_options
from keten.planning.solve import solve_model

from .conftest import Distances, free_terminal
from .test_hand_worked import LANE, PARAMS, k1, ship

ARRAYS = ("col_cost", "col_lower", "col_upper", "row_lower", "row_upper", "a_start", "a_index",
          "a_value")


def _built(fs: FactorSet) -> BuiltModel:
    problem = PlanningProblem((ship("S1", 0.0, 12.0), ship("S2", 1.0, 24.0)), (k1(),),
                              {"TA": free_terminal("TA"), "TB": free_terminal("TB")}, PARAMS)
    d = Distances(LANE)
    return build_model(problem, generate_options(problem, fs, d.road, d.mode))


def test_built_model_matches_the_hand_formulation(fs: FactorSet) -> None:
    """Columns: road and K1 for S1 and S2, then one unserved column each. Costs per TEU:
    S1 road 100, S1 K1 40 + 5 EUR/h x 2.2 h = 51, S2 road 100, S2 K1 40, unserved 10,000.
    Rows: demand S1, demand S2 (= 1 TEU), K1 TEU (<= 1) over the two K1 columns."""
    m = _built(fs)
    assert m.n_cols == 6 and m.n_option_cols == 4
    assert m.row_labels == [("demand", "S1", -1), ("demand", "S2", -1),
                            ("service_teu", "K1", -1)]
    np.testing.assert_allclose(m.col_cost, [100.0, 51.0, 100.0, 40.0, 10_000.0, 10_000.0])
    np.testing.assert_allclose(m.row_lower[:2], [1.0, 1.0])
    np.testing.assert_allclose(m.row_upper, [1.0, 1.0, 1.0])
    assert m.row_lower[2] == -np.inf
    k1_row = m.a_index[m.a_start[2]:m.a_start[3]].tolist()
    assert k1_row == [1, 3]
    assert not m.integer


def test_solving_leaves_the_model_unchanged(fs: FactorSet) -> None:
    m = _built(fs)
    before = copy.deepcopy(m)
    again = _built(fs)
    sol = solve_model(m)
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(m, name), getattr(before, name), err_msg=name)
        np.testing.assert_array_equal(getattr(m, name), getattr(again, name), err_msg=name)
    assert m.row_labels == before.row_labels
    assert sol.objective == pytest.approx(140.0)


def test_uncapacitated_model_has_only_demand_rows(fs: FactorSet) -> None:
    problem = PlanningProblem((ship("S1"),), (k1(),), {"TA": free_terminal("TA", 1.0),
                                                      "TB": free_terminal("TB")}, PARAMS)
    d = Distances(LANE)
    options = generate_options(problem, fs, d.road, d.mode)
    free = build_model(problem, options, capacitated=False)
    capped = build_model(problem, options, capacitated=True)
    assert [lab[0] for lab in free.row_labels] == ["demand"]
    assert [lab[0] for lab in capped.row_labels] == ["demand", "service_teu", "terminal"]
    assert set(options.service.tolist()) == {ROAD, 0}


def test_integer_model_with_integral_lp_skips_branch_and_bound(fs: FactorSet) -> None:
    """K1 holds 1 TEU and the LP optimum (S2 on K1, S1 by road) is already whole TEU, so
    the MIP answer is the LP's with gap 0; a full branch and bound agrees."""
    m = _built(fs)
    m.integer = True
    quick = solve_model(m)
    full = solve_model(m, relax_first=False)
    assert quick.status.startswith("Optimal (integral")
    assert quick.mip_gap == 0.0
    assert quick.objective == pytest.approx(full.objective) == pytest.approx(140.0)
    np.testing.assert_allclose(quick.x, full.x, atol=1e-9)
