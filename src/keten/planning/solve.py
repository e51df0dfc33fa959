"""Solve a :class:`BuiltModel` with HiGHS (highspy matrix API)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from keten.errors import KetenError
from keten.highs import quiet_highs
from keten.planning.build import BuiltModel


@dataclass(frozen=True)
class Solution:
    """Column values and how the solver got there."""

    x: np.ndarray
    status: str
    objective: float
    mip_gap: float | None  # relative MIP gap (None for an LP)
    dual_bound: float | None
    solve_time_s: float


def solve_model(
    model: BuiltModel,
    time_limit_s: float = 300.0,
    mip_rel_gap: float = 1e-4,
    threads: int = 1,
    relax: bool = False,
    relax_first: bool = True,
) -> Solution:
    """Optimal (or best found within ``time_limit_s``) values; ``relax`` drops integrality.

    With ``relax_first`` an integer model is solved as an LP first: when that LP optimum is
    already integral it is optimal for the MIP too (the LP is a relaxation), gap 0, and
    branch and bound is skipped.
    """
    if model.integer and not relax and relax_first:
        lp = _solve(model, time_limit_s, mip_rel_gap, threads, relax=True)
        if lp.status == "Optimal" and np.allclose(lp.x, np.round(lp.x), atol=1e-9, rtol=0.0):
            return Solution(
                np.round(lp.x),
                "Optimal (integral LP relaxation)",
                lp.objective,
                0.0,
                lp.objective,
                lp.solve_time_s,
            )
    return _solve(model, time_limit_s, mip_rel_gap, threads, relax)


def _solve(
    model: BuiltModel, time_limit_s: float, mip_rel_gap: float, threads: int, relax: bool
) -> Solution:
    h = quiet_highs()
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    h.setOptionValue("threads", int(threads))
    lp = highspy.HighsLp()
    lp.num_col_ = model.n_cols
    lp.num_row_ = model.n_rows
    lp.col_cost_ = model.col_cost
    lp.col_lower_ = model.col_lower
    lp.col_upper_ = model.col_upper
    lp.row_lower_ = model.row_lower
    lp.row_upper_ = model.row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = model.a_start
    lp.a_matrix_.index_ = model.a_index
    lp.a_matrix_.value_ = model.a_value
    integer = model.integer and not relax
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * model.n_cols
    h.passModel(lp)
    started = time.perf_counter()
    h.run()
    elapsed = time.perf_counter() - started
    status = h.getModelStatus()
    name = h.modelStatusToString(status)
    x = np.asarray(h.getSolution().col_value, dtype=float)
    if len(x) != model.n_cols or not np.all(np.isfinite(x)):
        raise KetenError(f"the planning model could not be solved: {name}")
    if status not in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kTimeLimit):
        raise KetenError(f"the planning model could not be solved: {name}")
    info = h.getInfo()
    return Solution(
        x=x,
        status=name,
        objective=float(info.objective_function_value),
        mip_gap=float(info.mip_gap) if integer else None,
        dual_bound=float(info.mip_dual_bound) if integer else None,
        solve_time_s=elapsed,
    )
