"""Plans for one problem: optimised (capacitated), uncapacitated cheapest, all-road, greedy.

Each returns column values; :func:`keten.planning.extract.extract_plan` turns them into a plan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from keten.factors import FactorSet
from keten.planning.build import BuiltModel
from keten.planning.model import ModeDistance, PlanningProblem, RoadDistance
from keten.planning.options import Options, generate_options
from keten.planning.solve import Solution, solve_model


@dataclass(frozen=True)
class Columns:
    """Units per option and unserved units per shipment of one plan, with solver figures."""

    problem: PlanningProblem
    options: Options
    option_units: np.ndarray
    unserved_units: np.ndarray
    solution: Solution | None = None


def columns_of(problem: PlanningProblem, options: Options, model: BuiltModel,
               solution: Solution) -> Columns:
    x = solution.x
    return Columns(problem, options, x[: model.n_option_cols], x[model.n_option_cols:],
                   solution)


def optimise(problem: PlanningProblem, options: Options, model: BuiltModel,
             time_limit_s: float = 300.0) -> Columns:
    return columns_of(problem, options, model, solve_model(model, time_limit_s))


def all_road(problem: PlanningProblem, fs: FactorSet, road_km: RoadDistance,
             mode_km: ModeDistance) -> Columns:
    """Every shipment by direct road, late or not, with unlimited trucks (the baseline)."""
    params = replace(problem.parameters, max_lateness_h=math.inf, road_capacity_teu_per_day=None,
                     horizon_days=None)
    road_problem = replace(problem, services=(), parameters=params)
    options = generate_options(road_problem, fs, road_km, mode_km)
    units = np.array([s.units for s in problem.shipments], dtype=float)
    y = units[options.shipment]
    unserved = units.copy()
    unserved[options.shipment] = 0.0
    return Columns(road_problem, options, y, unserved)
