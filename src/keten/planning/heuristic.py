"""Greedy cheapest-option-first heuristic, the benchmark's yardstick for the optimiser.

Shipments in order of release time each take their cheapest option (same objective
coefficients as the model) with room left on every capacity it uses; what does not fit moves
to the next option, in whole units when ``integer``; the rest is unserved.
"""

from __future__ import annotations

import numpy as np

from keten.planning.build import BuiltModel
from keten.planning.model import PlanningProblem
from keten.planning.options import Options


def greedy_plan(problem: PlanningProblem, options: Options, model: BuiltModel
                ) -> tuple[np.ndarray, np.ndarray]:
    """(units per option, unserved units per shipment) of the greedy plan on ``model``'s rows."""
    n_opt = model.n_option_cols
    # Column -> capacity rows it uses (rows past the demand block), with coefficients.
    first_cap = model.n_shipments
    room = model.row_upper.astype(float).copy()
    cols_rows: list[list[tuple[int, float]]] = [[] for _ in range(n_opt)]
    for r in range(first_cap, model.n_rows):
        lo, hi = model.a_start[r], model.a_start[r + 1]
        for c, v in zip(model.a_index[lo:hi].tolist(), model.a_value[lo:hi].tolist(),
                        strict=True):
            cols_rows[c].append((r, v))
    cost = model.col_cost[:n_opt]
    y = np.zeros(n_opt)
    unserved = np.array([s.units for s in problem.shipments], dtype=float)
    order = sorted(range(len(problem.shipments)), key=lambda i: problem.shipments[i].release_h)
    starts = np.searchsorted(options.shipment, np.arange(len(problem.shipments) + 1))
    for i in order:
        cand = np.arange(starts[i], starts[i + 1])
        for o in cand[np.argsort(cost[cand], kind="stable")].tolist():
            need = unserved[i]
            if need <= 1e-9:
                break
            fit = need
            for r, v in cols_rows[o]:
                if v > 0:
                    fit = min(fit, max(0.0, room[r]) / v)
            if model.integer:
                fit = float(np.floor(fit + 1e-9))
            if fit <= 1e-9:
                continue
            y[o] += fit
            unserved[i] -= fit
            for r, v in cols_rows[o]:
                room[r] -= v * fit
    return y, unserved
