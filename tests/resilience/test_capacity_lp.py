"""The capacity LP against independent methods, and the behaviour the issue asks for.

* one flow on a small capacitated network: networkx's min-cost max-flow (network simplex);
* the demo day at low water with every pool (rail paths, terminals, trucks, fleet): an
  arc-flow multi-commodity LP of the same day built here and solved by scipy's linprog, a
  different formulation from keten's path-based column generation;
* low water produces backlog and late tonnes once the alternatives are full, none without
  capacity limits; more trucks never make it worse.
"""

from __future__ import annotations

from dataclasses import replace

import networkx as nx
import numpy as np
import pytest
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, vstack
from tests.resilience.conftest import tiny_network

from keten.network.multimodal import LINK
from keten.resilience.assign import day_network
from keten.resilience.capacity import default_capacity
from keten.resilience.capacity_lp import UNSERVED_PENALTY_EUR_PER_T, CapacityLpAssigner
from keten.resilience.flows import Flow, prepare_model
from keten.resilience.impact import simulate
from keten.resilience.scenario import parse_scenario, resolve_targets
from keten.resilience.templates import template_scenario


def test_one_flow_matches_networkx_min_cost_max_flow() -> None:
    # Two routes A->D with capacities; demand above the max flow.
    net = tiny_network([("ab", "A", "B", 10.0, 300.0), ("bd", "B", "D", 10.0, 200.0),
                        ("ac", "A", "C", 15.0, 500.0), ("cd", "C", "D", 20.0, 250.0),
                        ("bc", "B", "C", 3.0, 100.0)])
    model = prepare_model([Flow("f", "A", "D", 1000.0, frozenset({"road"}))], net)
    day = day_network(model, [], 0, 0.1)
    lp = CapacityLpAssigner(replace(default_capacity(), enabled=False))
    flows = lp.assign_day(model, day, model.demand_t)
    g = model.graph
    oracle = nx.DiGraph()
    scale = 1e6  # network simplex wants integer weights
    for e in np.flatnonzero(g.kind == LINK):
        u, v = int(g.src[e]), int(g.dst[e])
        oracle.add_edge(u, v, capacity=int(day.edge_capacity_t[e]),
                        weight=round(day.weight[e] * scale))
    nodes = model.network.node_index()
    s = next(int(v) for v in range(g.n_vertices) if g.vertex_node[v] == nodes["A"]
             and g.vertex_mode[v] >= 0)
    t = next(int(v) for v in range(g.n_vertices) if g.vertex_node[v] == nodes["D"]
             and g.vertex_mode[v] >= 0)
    flow = nx.max_flow_min_cost(oracle, s, t)
    value = sum(flow[s].values()) - sum(flow[u][s] for u in oracle.predecessors(s))
    cost = nx.cost_of_flow(oracle, flow) / scale
    assert flows.delivered_t.sum() == pytest.approx(value)  # 450 t: 200 via B + 250 via C
    assert value == 450
    keten_cost = sum(x * float(day.weight[np.asarray(e)].sum()) for e, x in flows.paths[0])
    assert keten_cost == pytest.approx(cost, rel=1e-6)


def _arc_flow_objective(model, day, want, lp: CapacityLpAssigner) -> float:  # type: ignore[no-untyped-def]
    """The same day as an arc-flow LP: x[f, e] on usable edges, conservation per vertex."""
    g = model.graph
    n_v, n_e = g.n_vertices, len(g.src)
    edge_cap = lp.edge_capacity_t(model, day)
    closed = day.closed | (edge_cap <= 1e-6)
    pools = lp.pools(model, day)
    _blocks, cost, var_edges = [], [], []
    eq_rows, eq_cols, eq_vals, b_eq = [], [], [], []
    n_var = 0
    row = 0
    for f, flow in enumerate(model.flows):
        usable = np.flatnonzero(model.mode_mask(flow.modes) & ~closed)
        k = len(usable)
        o, d = int(g.entry[model.origin_rows[f]]), int(g.exit[model.destination_rows[f]])
        # out - in = want - u at the origin entry, = -(want - u) at the destination exit
        for j, e in enumerate(usable):
            eq_rows += [row + int(g.src[e]), row + int(g.dst[e])]
            eq_cols += [n_var + j, n_var + j]
            eq_vals += [1.0, -1.0]
        u = n_var + k  # unserved
        eq_rows += [row + o, row + d]
        eq_cols += [u, u]
        eq_vals += [1.0, -1.0]
        rhs = np.zeros(n_v)
        rhs[o], rhs[d] = want[f], -want[f]
        b_eq.append(rhs)
        cost += [*list(day.weight[usable]), UNSERVED_PENALTY_EUR_PER_T]
        var_edges.append((n_var, usable))
        n_var += k + 1
        row += n_v
    a_eq = coo_matrix((eq_vals, (eq_rows, eq_cols)), shape=(row, n_var))
    ub_rows: list = []
    b_ub: list[float] = []

    def shared(coef_per_edge: np.ndarray, cap: float) -> None:
        cols, vals = [], []
        for start, usable in var_edges:
            c = coef_per_edge[usable]
            nz = np.flatnonzero(c)
            cols += list(start + nz)
            vals += list(c[nz])
        if cols:
            ub_rows.append(coo_matrix((vals, ([0] * len(cols), cols)), shape=(1, n_var)))
            b_ub.append(cap)

    for e in np.flatnonzero(np.isfinite(edge_cap) & ~closed):
        one = np.zeros(n_e)
        one[e] = 1.0
        shared(one, float(edge_cap[e]))
    for n in np.flatnonzero(np.isfinite(day.node_capacity_t)):
        shared((model.edge_node == n).astype(float), float(day.node_capacity_t[n]))
    dense = pools.matrix.toarray()
    for k in range(len(pools.capacity)):
        shared(dense[k], float(pools.capacity[k]))
    res = linprog(np.array(cost), A_ub=vstack(ub_rows).tocsr(), b_ub=np.array(b_ub),
                  A_eq=a_eq.tocsr(), b_eq=np.concatenate(b_eq), bounds=(0, None),
                  method="highs")
    assert res.status == 0, res.message
    return float(res.fun)


def test_low_water_day_matches_an_arc_flow_lp(demo_model) -> None:  # type: ignore[no-untyped-def]
    scenario = template_scenario("lowwater:750")
    targets = resolve_targets(scenario, demo_model.network)
    lp = CapacityLpAssigner(scenario.capacity)
    base = day_network(demo_model, [], 0, scenario.value_of_time_eur_per_t_h)
    lp.calibrate(demo_model, base, demo_model.demand_t)
    day = day_network(demo_model, targets, 3, scenario.value_of_time_eur_per_t_h)
    want = demo_model.demand_t * 1.1  # some backlog on top
    flows = lp.assign_day(demo_model, day, want)
    assert want.sum() - flows.delivered_t.sum() > 1000  # capacity binds: tonnes must wait
    assert lp.last_objective == pytest.approx(_arc_flow_objective(demo_model, day, want, lp),
                                              rel=1e-6)


def test_low_water_builds_backlog_and_late_tonnes_that_clear(demo_model) -> None:  # type: ignore[no-untyped-def]
    result = simulate(demo_model, template_scenario("lowwater:800"))
    t = result.totals
    assert t["peak_backlog_t"] > 10_000
    assert t["late_t"] > 10_000
    backlog = result.days["disrupted_backlog_t"].to_numpy()
    assert backlog[-1] == pytest.approx(0.0, abs=1e-3)  # cleared after the recovery
    assert int(np.argmax(backlog)) > 5  # it builds up over days
    assert 0 < t["time_to_recover_days"] <= result.scenario.horizon_days
    assert t["extra_cost_incl_surcharges_eur"] > t["extra_cost_eur"] > 0


def test_without_capacity_limits_nothing_waits(demo_model) -> None:  # type: ignore[no-untyped-def]
    doc = {"capacity": False, "disruptions": [{"type": "low_water", "discharge_m3s": 800,
                                               "duration_days": 10}]}
    t = simulate(demo_model, parse_scenario(doc)).totals
    assert t["peak_backlog_t"] == 0.0 and t["late_t"] == 0.0


def test_more_trucks_never_increase_the_backlog(demo_model) -> None:  # type: ignore[no-untyped-def]
    def peak(trucks: int) -> float:
        doc = {"capacity": {"road": {"trucks_per_day": {"NL": trucks, "DE": trucks,
                                                        "BE": trucks}}},
               "disruptions": [{"type": "low_water", "discharge_m3s": 750,
                                "duration_days": 10}]}
        return float(simulate(demo_model, parse_scenario(doc)).totals["late_t"])

    few, many = peak(100), peak(3000)
    assert many <= few
    assert few > many  # trucks are one of the binding alternatives at the default


def test_very_low_water_loses_freight_that_waits_too_long(demo_model) -> None:  # type: ignore[no-untyped-def]
    doc = {"capacity": {"max_wait_days": 3},
           "disruptions": [{"type": "low_water", "discharge_m3s": 650, "duration_days": 12}]}
    t = simulate(demo_model, parse_scenario(doc)).totals
    assert t["lost_t"] > 0
    assert t["delivered_t"] + t["lost_t"] + t["unserved_t"] == pytest.approx(t["demand_t"],
                                                                            rel=1e-6)


def test_results_do_not_depend_on_what_ran_before(demo_model) -> None:  # type: ignore[no-untyped-def]
    # A sweep worker reuses one model for many scenarios: each run is calibrated the same.
    from keten.network.build import sketch_network
    from keten.resilience.flows import demo_demand

    fresh = prepare_model(demo_demand(), sketch_network())
    a = simulate(fresh, template_scenario("lowwater:700:5")).totals
    simulate(demo_model, template_scenario("lowwater:1200:3"))
    b = simulate(demo_model, template_scenario("lowwater:700:5")).totals
    for k in ("late_t", "peak_backlog_t", "extra_cost_eur", "extra_co2e_wtw_kg"):
        assert b[k] == pytest.approx(a[k], rel=1e-6, abs=1e-3), k
