"""Synchromodal planning: assign shipments to road and scheduled barge/rail services under
capacity (HiGHS), in three steps: build (:mod:`.build`), solve (:mod:`.solve`), extract
(:mod:`.extract`); KPIs through the ISO 14083 engine (:mod:`.kpis`)."""

from keten.planning.build import BuiltModel, build_model
from keten.planning.extract import extract_plan
from keten.planning.model import (
    PlanningParameters,
    PlanningProblem,
    Service,
    Shipment,
    Terminal,
)
from keten.planning.options import Options, generate_options
from keten.planning.results import (
    Assignment,
    KPIs,
    PlanLeg,
    PlanResult,
    Scenario,
    SweepPoint,
    Unserved,
    Utilisation,
)
from keten.planning.solve import Solution, solve_model

__all__ = [
    "Assignment",
    "BuiltModel",
    "KPIs",
    "Options",
    "PlanLeg",
    "PlanResult",
    "PlanningParameters",
    "PlanningProblem",
    "Scenario",
    "Service",
    "Shipment",
    "Solution",
    "SweepPoint",
    "Terminal",
    "Unserved",
    "Utilisation",
    "build_model",
    "extract_plan",
    "generate_options",
    "solve_model",
]
