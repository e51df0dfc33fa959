"""Small hand-made planning instances on an abstract network (distances given in a table)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

from keten.errors import NoRouteError
from keten.factors import FactorSet, load_factor_set
from keten.planning.build import BuiltModel, build_model
from keten.planning.extract import extract_plan
from keten.planning.model import PlanningParameters, PlanningProblem, Service, Shipment, Terminal
from keten.planning.options import Options, generate_options
from keten.planning.results import Assignment, Unserved
from keten.planning.solve import solve_model


class Distances:
    """Symmetric road distances from a table; pairs not in it have no road path."""

    def __init__(self, table: dict[tuple[str, str], float]) -> None:
        self.table = {**table, **{(b, a): d for (a, b), d in table.items()}}

    def road(self, a: str, b: str) -> float:
        if (a, b) not in self.table:
            raise NoRouteError(f"no road from {a} to {b}")
        return self.table[(a, b)]

    def mode(self, a: str, b: str, mode: str) -> float:
        raise AssertionError("services in tests give distance_km")


@dataclass
class Solved:
    problem: PlanningProblem
    options: Options
    model: BuiltModel
    x: np.ndarray
    assignments: list[Assignment]
    unserved: list[Unserved]

    def units_on(self, shipment_id: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for a in self.assignments:
            if a.shipment_id == shipment_id:
                out[a.option] = out.get(a.option, 0.0) + a.units
        return out


@pytest.fixture(scope="session")
def fs() -> FactorSet:
    return load_factor_set()


def free_terminal(tid: str, capacity: float | None = None) -> Terminal:
    """No handling cost or time; the default transshipment HOC."""
    return Terminal(tid, 0.0, 0.0, 0.0, capacity, "hub_transshipment_ambient")


@pytest.fixture
def solve_instance(fs: FactorSet) -> Callable[..., Solved]:
    def run(shipments: list[Shipment], services: list[Service],
            distances: dict[tuple[str, str], float], params: PlanningParameters,
            terminals: dict[str, Terminal] | None = None, capacitated: bool = True) -> Solved:
        names = {t for k in services for t in (k.from_terminal, k.to_terminal)}
        terms = {t: free_terminal(t) for t in names} | (terminals or {})
        problem = PlanningProblem(tuple(shipments), tuple(services), terms, params)
        d = Distances(distances)
        options = generate_options(problem, fs, d.road, d.mode)
        model = build_model(problem, options, capacitated=capacitated)
        sol = solve_model(model)
        y, u = sol.x[: model.n_option_cols], sol.x[model.n_option_cols:]
        assignments, unserved, _ = extract_plan(problem, options, y, u)
        return Solved(problem, options, model, sol.x, assignments, unserved)

    return run
