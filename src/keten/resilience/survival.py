"""Time-to-survive (TTS) and time-to-recover (TTR) of a supply network, after Simchi-Levi et al.

Simchi-Levi, Schmidt, Wei, Zhang, Combs, Ge, Gusikhin, Sanders, Zhang (2015), "Identifying
risks and mitigating disruptions in the automotive supply chain", Interfaces 45(5) 375-390;
Simchi-Levi, Schmidt, Wei (2014), "From superstorms to factory fires", HBR 92(1/2).

For each node n taken out (no production, its stock lost, no flows in or out):

- TTS_n: the longest time t (days) for which all demand is still met, from the remaining
  capacity (production <= capacity x t), inventory, and stock in transit, respecting the bill
  of materials. LP: maximise t.
- Lost demand over TTR_n (the node's given time to recover): the least demand that cannot be
  met if the node is out for TTR_n days. LP: minimise lost units with t = TTR_n.

Nodes are ranked by the gap TTR - TTS: a node with TTR > TTS causes lost sales when it fails.
Stock in transit on an arc = lead time x the arc's normal daily flow (from an undisrupted
steady-state LP that meets one day of demand with the least flow), and still arrives when the
arc's source fails. Pure module: tables in, tables out (HiGHS LPs).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
import pandas as pd

from keten.errors import KetenError
from keten.highs import quiet_highs

NODE_KINDS = ("supplier", "plant", "dc", "customer")
DEFAULT_HORIZON_DAYS = 365.0


@dataclass(frozen=True)
class SupplyNode:
    node_id: str
    kind: str
    capacity_per_day: dict[str, float] = field(default_factory=dict)  # product -> units/day
    inventory: dict[str, float] = field(default_factory=dict)  # product -> units on hand
    time_to_recover_days: float = 0.0


@dataclass(frozen=True)
class SupplyArc:
    from_node: str
    to_node: str
    product: str
    lead_time_days: float = 0.0
    capacity_per_day: float | None = None


@dataclass(frozen=True)
class SupplyNetwork:
    """Suppliers, plants, DCs and customers with products, bill of materials and demand."""

    name: str
    nodes: tuple[SupplyNode, ...]
    arcs: tuple[SupplyArc, ...]
    bom: dict[str, dict[str, float]]  # product made -> {component: units per unit}
    demand: dict[tuple[str, str], float]  # (customer, product) -> units/day
    horizon_days: float = DEFAULT_HORIZON_DAYS

    def node(self, node_id: str) -> SupplyNode:
        return next(n for n in self.nodes if n.node_id == node_id)


@dataclass
class _Lp:
    """A small LP in row form, built before solving (build / solve / extract)."""

    cost: list[float] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    rows: list[tuple[float, float, dict[int, float]]] = field(default_factory=list)

    def var(self, name: str, lb: float = 0.0, ub: float = np.inf, cost: float = 0.0) -> int:
        self.names.append(name)
        self.cost.append(cost)
        self.lower.append(lb)
        self.upper.append(ub)
        return len(self.names) - 1

    def row(self, lo: float, hi: float, coefs: dict[int, float]) -> None:
        self.rows.append((lo, hi, coefs))


@dataclass(frozen=True)
class _Vars:
    t: int
    lost: dict[tuple[str, str], int]


def build_lp(
    net: SupplyNetwork,
    down: str | None,
    mode: str,
    fixed_t: float | None = None,
    in_transit: dict[int, float] | None = None,
) -> tuple[_Lp, _Vars]:
    """The LP for node ``down`` out of service.

    mode ``tts``: maximise t (t <= horizon); ``lost``: minimise lost demand at t = fixed_t;
    ``steady``: one day of demand with no stock, minimising the total flow (normal flows).
    """
    lp = _Lp()
    if mode == "tts":
        t = lp.var("t", 0.0, net.horizon_days, 1.0)
    else:
        t_val = 1.0 if mode == "steady" else float(fixed_t or 0.0)
        t = lp.var("t", t_val, t_val)
    inflow: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    for n in net.nodes:
        for prod, cap in n.capacity_per_day.items():
            ub = 0.0 if n.node_id == down else np.inf
            y = lp.var(f"make[{n.node_id},{prod}]", 0.0, ub)
            lp.row(-np.inf, 0.0, {y: 1.0, t: -cap})  # production <= capacity x t
            inflow[(n.node_id, prod)][y] = inflow[(n.node_id, prod)].get(y, 0.0) + 1.0
            for comp, qty in net.bom.get(prod, {}).items():
                inflow[(n.node_id, comp)][y] = inflow[(n.node_id, comp)].get(y, 0.0) - qty
        if mode != "steady":
            for prod, stock in n.inventory.items():
                ub = 0.0 if n.node_id == down else stock
                s = lp.var(f"stock[{n.node_id},{prod}]", 0.0, ub)
                inflow[(n.node_id, prod)][s] = 1.0
    flow_cost = 1.0 if mode == "steady" else 0.0
    for i, a in enumerate(net.arcs):
        ub = 0.0 if down in (a.from_node, a.to_node) else np.inf
        f = lp.var(f"flow[{a.from_node}>{a.to_node},{a.product}]", 0.0, ub, flow_cost)
        if a.capacity_per_day is not None:
            lp.row(-np.inf, 0.0, {f: 1.0, t: -a.capacity_per_day})
        inflow[(a.to_node, a.product)][f] = inflow[(a.to_node, a.product)].get(f, 0.0) + 1.0
        inflow[(a.from_node, a.product)][f] = inflow[(a.from_node, a.product)].get(f, 0.0) - 1.0
        if in_transit and in_transit.get(i, 0.0) > 0 and a.to_node != down:
            p = lp.var(f"in_transit[{a.from_node}>{a.to_node},{a.product}]", 0.0, in_transit[i])
            inflow[(a.to_node, a.product)][p] = 1.0
    lost: dict[tuple[str, str], int] = {}
    for (cust, prod), rate in net.demand.items():
        coefs = dict(inflow.pop((cust, prod), {}))
        coefs[t] = coefs.get(t, 0.0) - rate
        if mode == "lost":
            lost[(cust, prod)] = lp.var(f"lost[{cust},{prod}]", 0.0, np.inf, 1.0)
            coefs[lost[(cust, prod)]] = 1.0
        lp.row(0.0, np.inf, coefs)  # delivered (+ lost) >= demand x t
    for coefs in inflow.values():
        if coefs:
            lp.row(0.0, np.inf, coefs)  # what a node uses or ships <= what it has
    return lp, _Vars(t, lost)


def solve_lp(lp: _Lp, maximise: bool) -> tuple[str, np.ndarray]:
    """Solve with HiGHS; returns (status text, column values)."""
    h = quiet_highs()
    inf = highspy.kHighsInf

    def clip(x: float) -> float:
        return inf if x == np.inf else (-inf if x == -np.inf else x)

    n = len(lp.cost)
    h.addVars(n, np.array([clip(x) for x in lp.lower]), np.array([clip(x) for x in lp.upper]))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), np.array(lp.cost, dtype=float))
    for lo, hi, coefs in lp.rows:
        idx = np.array(list(coefs), dtype=np.int32)
        h.addRow(clip(lo), clip(hi), len(idx), idx, np.array(list(coefs.values()), dtype=float))
    h.changeObjectiveSense(highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize)
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    values = (
        np.array(h.getSolution().col_value, dtype=float) if status == "Optimal" else np.zeros(n)
    )
    return status, values


def steady_flows(net: SupplyNetwork) -> dict[int, float] | None:
    """Normal daily flow per arc (least total flow meeting one day of demand); None if the
    network cannot meet its demand from capacity alone."""
    lp, _ = build_lp(net, None, "steady")
    status, x = solve_lp(lp, maximise=False)
    if status != "Optimal":
        return None
    flows = [i for i, nm in enumerate(lp.names) if nm.startswith("flow[")]
    return {k: float(x[col]) for k, col in enumerate(flows)}


def stress_test(net: SupplyNetwork) -> pd.DataFrame:
    """TTS, TTR, gap and lost demand for every non-customer node, worst gap first.

    Columns: node_id, kind, tts_days, tts_unbounded (demand met for the whole horizon),
    ttr_days, gap_days (TTR - TTS), at_risk (TTS < TTR), lost_demand_units (over TTR),
    demand_over_ttr_units, lost_share.
    """
    steady = steady_flows(net)
    in_transit = (
        {i: f * net.arcs[i].lead_time_days for i, f in steady.items()} if steady is not None else {}
    )
    # Check the undisrupted network first: it must meet demand at t > 0.
    lp, v = build_lp(net, None, "tts", in_transit=in_transit)
    status, x = solve_lp(lp, maximise=True)
    if status != "Optimal":
        raise KetenError(f"supply network '{net.name}': the undisrupted LP is {status}")
    rows: list[dict[str, Any]] = []
    daily = sum(net.demand.values())
    for n in net.nodes:
        if n.kind == "customer":
            continue
        lp, v = build_lp(net, n.node_id, "tts", in_transit=in_transit)
        status, x = solve_lp(lp, maximise=True)
        tts = float(x[v.t]) if status == "Optimal" else 0.0
        ttr = float(n.time_to_recover_days)
        lost = 0.0
        if ttr > 0:
            lp2, v2 = build_lp(net, n.node_id, "lost", fixed_t=ttr, in_transit=in_transit)
            status2, x2 = solve_lp(lp2, maximise=False)
            if status2 != "Optimal":
                raise KetenError(f"lost-demand LP for node '{n.node_id}' is {status2}")
            lost = float(sum(x2[c] for c in v2.lost.values()))
        demand_ttr = daily * ttr
        rows.append(
            {
                "node_id": n.node_id,
                "kind": n.kind,
                "tts_days": tts,
                "tts_unbounded": tts >= net.horizon_days - 1e-9,
                "ttr_days": ttr,
                "gap_days": ttr - tts,
                "at_risk": tts < ttr - 1e-9,
                "lost_demand_units": lost,
                "demand_over_ttr_units": demand_ttr,
                "lost_share": lost / demand_ttr if demand_ttr > 0 else 0.0,
            }
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "node_id",
            "kind",
            "tts_days",
            "tts_unbounded",
            "ttr_days",
            "gap_days",
            "at_risk",
            "lost_demand_units",
            "demand_over_ttr_units",
            "lost_share",
        ],
    )
    return out.sort_values(
        ["gap_days", "lost_demand_units"], ascending=False, kind="stable"
    ).reset_index(drop=True)
