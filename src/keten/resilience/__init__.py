"""Resilience: disruption scenarios and their impact, criticality, TTS/TTR, Monte Carlo sweeps.

From Python::

    from keten import resilience as r
    model = r.prepare_model(r.demo_demand(), keten.network.default_network())
    result = r.simulate(model, r.template_scenario("lowwater:800"))
    result.totals["extra_cost_eur"], result.days, result.modal_split
    r.redundancy(network), r.freight_criticality(model)
    r.stress_test(supply_network)            # TTS / TTR per node (HiGHS LPs)
    r.risk_exposure(model)                    # risk exposure index per terminal, lock, link
    r.run_backtest_2018(model)                # the 2018 low water against published figures

File-based use cases (scenario files, demand files, sweeps on Dask, Parquet output) live in
:mod:`keten.services.resilience`.
"""

from keten.resilience.assign import DayFlows, DayNetwork, FlowAssigner, GreedyAssigner
from keten.resilience.backtest import backtest_2018_document, run_backtest_2018
from keten.resilience.capacity import CapacityAssumptions, default_capacity, parse_capacity
from keten.resilience.capacity_lp import CapacityLpAssigner
from keten.resilience.criticality import freight_criticality, redundancy
from keten.resilience.exposure import risk_exposure
from keten.resilience.flows import Flow, ImpactModel, demo_demand, flows_from_records, prepare_model
from keten.resilience.gauges import gauge_day, surcharge_eur_per_20ft
from keten.resilience.impact import ImpactResult, simulate
from keten.resilience.lowwater import class_payload_factors, depth_relation, low_water_links
from keten.resilience.redundancy import bridges, detour_lengths
from keten.resilience.scenario import Disruption, Scenario, parse_scenario, resolve_targets
from keten.resilience.survival import SupplyArc, SupplyNetwork, SupplyNode, stress_test
from keten.resilience.sweep import parse_distribution, run_sweep, sample_documents, summarise
from keten.resilience.templates import TEMPLATES, template_document, template_scenario

__all__ = [
    "TEMPLATES",
    "CapacityAssumptions",
    "CapacityLpAssigner",
    "DayFlows",
    "DayNetwork",
    "Disruption",
    "Flow",
    "FlowAssigner",
    "GreedyAssigner",
    "ImpactModel",
    "ImpactResult",
    "Scenario",
    "SupplyArc",
    "SupplyNetwork",
    "SupplyNode",
    "backtest_2018_document",
    "bridges",
    "class_payload_factors",
    "default_capacity",
    "demo_demand",
    "depth_relation",
    "detour_lengths",
    "flows_from_records",
    "freight_criticality",
    "gauge_day",
    "low_water_links",
    "parse_capacity",
    "parse_distribution",
    "parse_scenario",
    "prepare_model",
    "redundancy",
    "resolve_targets",
    "risk_exposure",
    "run_backtest_2018",
    "run_sweep",
    "sample_documents",
    "simulate",
    "stress_test",
    "summarise",
    "surcharge_eur_per_20ft",
    "template_document",
    "template_scenario",
]
