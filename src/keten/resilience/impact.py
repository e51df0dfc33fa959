"""Impact of a scenario: route the flows day by day on the disrupted network and compare.

For each day of the horizon the day's demand (plus yesterday's backlog) is routed on the
disrupted network; what does not fit waits for the next day. Against the undisrupted baseline
(the same demand on the intact network, one steady day repeated) the result reports per day and
in total: unserved tonnes (backlog), late tonnes (delivered a day or more late, or slower than
the baseline path by more than the scenario's late tolerance), extra cost, extra tonne-hours,
extra CO2e (WTW/TTW), NOx and PM, and tonne-km by mode (the modal shift).

Costs and emissions count the tonnes actually delivered on a day; unserved tonnes carry no cost
here (they are reported separately).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from keten.network.multimodal import ATTRIBUTES, MODES
from keten.resilience.assign import (
    EPS_T,
    DayFlows,
    DayNetwork,
    FlowAssigner,
    GreedyAssigner,
    day_network,
)
from keten.resilience.flows import ImpactModel
from keten.resilience.scenario import ResolvedDisruption, Scenario, resolve_targets

METRICS = ("delivered_t", "late_t", "backlog_t", "lost_t", "cost_eur", "surcharge_eur",
           "delay_cost_eur", "tonne_hours", "waiting_tonne_hours", "tkm", "co2e_wtw_kg",
           "co2e_ttw_kg", "nox_kg", "pm_kg")
_ATTR = {name: i for i, name in enumerate(ATTRIBUTES)}
MODE_NAMES = [m.value for m in MODES]
METHOD = ("day-by-day path-based LP (HiGHS, column generation) under the capacity of the "
          "alternatives; backlog first in, first out")


@dataclass
class ImpactResult:
    """Per-day and total impact of a scenario against the undisrupted baseline."""

    scenario: Scenario
    days: pd.DataFrame  # one row per day: baseline_*, disrupted_*, extra_* metrics
    flows: pd.DataFrame  # one row per flow: totals over the horizon
    modal_split: pd.DataFrame  # tkm per mode: baseline, disrupted, change
    totals: dict[str, float]
    resolved: list[dict[str, Any]] = field(default_factory=list)
    day_flows: list[DayFlows] = field(default_factory=list, repr=False)  # per day
    baseline_flows: DayFlows | None = field(default=None, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario.as_dict(), "totals": self.totals,
                "targets": self.resolved,
                "days": _records(self.days), "flows": _records(self.flows),
                "modal_split": _records(self.modal_split)}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for rec in frame.to_dict(orient="records"):
        out.append({str(k): (round(v, 6) if isinstance(v, float) else v)
                    for k, v in rec.items()})
    return out


def _day_metrics(flows: DayFlows, late_t: float, backlog_t: float, lost_t: float = 0.0,
                 surcharge_eur: float = 0.0, vot: float = 0.0) -> dict[str, float]:
    t = flows.totals.sum(axis=0)
    waiting = backlog_t * 24.0  # tonnes waiting a day for the next day's capacity
    return {"delivered_t": float(flows.delivered_t.sum()), "late_t": late_t,
            "backlog_t": backlog_t, "lost_t": lost_t, "cost_eur": float(t[_ATTR["cost_eur"]]),
            "surcharge_eur": surcharge_eur, "delay_cost_eur": vot * waiting,
            "tonne_hours": float(t[_ATTR["time_h"]]), "waiting_tonne_hours": waiting,
            "tkm": float(t[_ATTR["distance_km"]]),
            "co2e_wtw_kg": float(t[_ATTR["co2e_wtw_kg"]]),
            "co2e_ttw_kg": float(t[_ATTR["co2e_ttw_kg"]]), "nox_kg": float(t[_ATTR["nox_kg"]]),
            "pm_kg": float(t[_ATTR["pm_kg"]])}


def default_assigner(scenario: Scenario) -> FlowAssigner:
    """The capacity LP with the scenario's capacity assumptions."""
    from keten.resilience.capacity_lp import CapacityLpAssigner

    return CapacityLpAssigner(scenario.capacity)


def _cache_key(assigner: FlowAssigner | None) -> str:
    if assigner is None or isinstance(assigner, GreedyAssigner):
        return "greedy"
    key = getattr(assigner, "cache_key", None)
    return str(key()) if callable(key) else ""


def baseline_day(model: ImpactModel, value_of_time_eur_per_t_h: float,
                 assigner: FlowAssigner | None = None) -> DayFlows:
    """One undisrupted day (the steady state the scenario is compared with); cached per
    value of time and assigner settings, together with the assigner's warm start after it
    (the paths a column generation starts the next day from), so a scenario run twice in
    one process gives the same figures."""
    name = _cache_key(assigner)
    key = (value_of_time_eur_per_t_h, name)
    chosen = assigner or GreedyAssigner()
    calibrate = getattr(chosen, "calibrate", None)
    day = None
    if callable(calibrate):  # size fleet and terminals from the intact day (once per model)
        day = day_network(model, [], 0, value_of_time_eur_per_t_h)
        calibrate(model, day, model.demand_t)
    cached = model._baseline.get(key) if name else None
    if cached is not None:
        flows, warm = cached
        restore = getattr(chosen, "restore_warm_start", None)
        if callable(restore):
            restore(model, warm)
        return flows
    if day is None:
        day = day_network(model, [], 0, value_of_time_eur_per_t_h)
    flows = chosen.assign_day(model, day, model.demand_t)
    if name:
        snapshot = getattr(chosen, "warm_start", None)
        model._baseline[key] = (flows, snapshot(model) if callable(snapshot) else None)
    return flows


def _barge_tonnes(model: ImpactModel, flows: DayFlows) -> np.ndarray:
    """Per flow: tonnes delivered on paths with a waterway link."""
    g = model.graph
    barge = (g.kind == 0) & (g.mode == MODE_NAMES.index("inland_waterway"))
    out = np.zeros(len(model.flows))
    for f, paths in enumerate(flows.paths):
        for edges, x in paths:
            if barge[np.asarray(edges)].any():
                out[f] += x
    return out


def simulate(model: ImpactModel, scenario: Scenario, assigner: FlowAssigner | None = None,
             resolved: Sequence[ResolvedDisruption] | None = None) -> ImpactResult:
    """Route the demand day by day under ``scenario`` and compare with the baseline.

    ``assigner`` routes one day's demand on one day's network; the default is the greedy
    capacity-constrained router. A planner can be plugged in through the same method.
    """
    assigner = assigner or default_assigner(scenario)
    targets = list(resolved) if resolved is not None else resolve_targets(scenario,
                                                                           model.network)
    vot = scenario.value_of_time_eur_per_t_h
    base = baseline_day(model, vot, assigner)
    base_time = np.where(base.max_time_h > 0, base.max_time_h, np.inf)
    demand = model.demand_t
    n_flows = len(model.flows)
    base_backlog = demand - base.delivered_t
    base_metrics = _day_metrics(base, 0.0, float(base_backlog.sum()), vot=0.0)
    max_wait = max(1, int(scenario.capacity.max_wait_days))
    waiting = np.zeros((max_wait, n_flows))  # backlog by age in days (0 = from today)
    container = np.array([f.cargo == "container" for f in model.flows])
    ends = np.stack([model.origin_rows, model.destination_rows], axis=1)
    charged = [t for t in targets if len(t.surcharge_nodes)]
    stock = scenario.inventory_days * demand
    tts_flow = np.full(n_flows, np.inf)
    first_day = min((t.disruption.start_day for t in targets), default=0)
    cache: dict[tuple[str, bytes], tuple[DayFlows, str]] = {}
    rows: list[dict[str, Any]] = []
    flow_tot = np.zeros((n_flows, len(ATTRIBUTES)))
    flow_base = np.zeros((n_flows, len(ATTRIBUTES)))
    flow_late = np.zeros(n_flows)
    flow_lost = np.zeros(n_flows)
    flow_surcharge = np.zeros(n_flows)
    flow_delivered = np.zeros(n_flows)
    tkm_mode = np.zeros(len(MODE_NAMES))
    tkm_mode_base = np.zeros(len(MODE_NAMES))
    nets: dict[tuple[float, ...], DayNetwork] = {}
    day_flow_list: list[DayFlows] = []
    for d in range(scenario.horizon_days):
        state = (d,) if any(t.daily_factors is not None for t in targets) else tuple(
            t.disruption.severity(d) for t in targets)
        net = nets.get(state)
        if net is None:
            net = day_network(model, targets, d, vot, base.node_throughput_t)
            nets[state] = net
        backlog = waiting.sum(axis=0)
        want = demand + backlog
        key = (net.key, np.round(want, 3).tobytes())
        hit = cache.get(key)
        if hit is None:
            flows = assigner.assign_day(model, net, want)
            use = getattr(assigner, "last_pool_use", {})
            names = sorted(n for n, (u, c) in use.items() if c > 0 and u >= 0.999 * c)
            hit = (flows, "; ".join(names))
            cache[key] = hit
        flows, binding_text = hit
        got = flows.delivered_t.copy()
        # Delivered tonnes first clear the backlog, oldest first (first in, first out).
        left = got.copy()
        late_backlog = np.zeros(n_flows)
        for age in range(max_wait - 1, -1, -1):
            take = np.minimum(left, waiting[age])
            waiting[age] -= take
            left -= take
            late_backlog += take
        fresh = np.minimum(left, demand)
        slow = flows.max_time_h > base_time + scenario.late_tolerance_h
        late = late_backlog + np.where(slow, fresh, 0.0)
        unmet_today = np.maximum(demand - fresh, 0.0)
        lost = waiting[max_wait - 1].copy()  # waited max_wait days: lost
        waiting[1:] = waiting[:-1].copy()
        waiting[0] = unmet_today
        waiting[waiting < EPS_T] = 0.0
        backlog = waiting.sum(axis=0)
        # Low-water surcharges on barge container tonnes to/from the charged terminals.
        surcharge = np.zeros(n_flows)
        if charged:
            barge_t = _barge_tonnes(model, flows)
            rate = np.zeros(n_flows)
            for t in charged:
                eur = t.surcharge_on(d)
                for node, r in zip(t.surcharge_nodes, eur, strict=True):
                    hit_flow = (ends == node).any(axis=1)
                    rate = np.where(hit_flow, np.maximum(rate, r), rate)
            surcharge = np.where(container, barge_t * rate, 0.0)
        stock = stock + got - demand
        newly = (stock < -EPS_T) & ~np.isfinite(tts_flow)
        tts_flow[newly] = max(0, d - first_day)
        m = _day_metrics(flows, float(late.sum()), float(backlog.sum()), float(lost.sum()),
                         float(surcharge.sum()), vot)
        row: dict[str, Any] = {"day": d}
        if scenario.start_date:
            import datetime as dt

            row["date"] = (dt.date.fromisoformat(scenario.start_date)
                           + dt.timedelta(days=d)).isoformat()
        for k in METRICS:
            row[f"baseline_{k}"] = (base_metrics[k] if k not in ("backlog_t", "lost_t",
                                                                  "surcharge_eur",
                                                                  "delay_cost_eur",
                                                                  "waiting_tonne_hours")
                                    else 0.0)
            row[f"disrupted_{k}"] = m[k]
        row["binding_capacity"] = binding_text
        rows.append(row)
        day_flow_list.append(flows)
        flow_tot += flows.totals
        flow_base += base.totals
        flow_late += late
        flow_lost += lost
        flow_surcharge += surcharge
        flow_delivered += got
        tkm_mode += flows.tkm_by_mode.sum(axis=0)[:len(MODE_NAMES)]
        tkm_mode_base += base.tkm_by_mode.sum(axis=0)[:len(MODE_NAMES)]
    days = pd.DataFrame(rows)
    for k in METRICS:
        if k in ("backlog_t", "late_t", "lost_t"):
            continue
        days[f"extra_{k}"] = days[f"disrupted_{k}"] - days[f"baseline_{k}"]
    days["extra_cost_incl_surcharges_eur"] = (days["extra_cost_eur"]
                                              + days["disrupted_surcharge_eur"]
                                              + days["disrupted_delay_cost_eur"])
    horizon = scenario.horizon_days
    node_ids = model.network.node_ids
    flows_df = pd.DataFrame({
        "flow_id": [f.flow_id for f in model.flows],
        "origin": [node_ids[i] for i in model.origin_rows],
        "destination": [node_ids[i] for i in model.destination_rows],
        "demand_t": demand * horizon,
        "delivered_t": flow_delivered,
        "late_t": flow_late,
        "unserved_t": backlog,
        "lost_t": flow_lost,
        "surcharge_eur": flow_surcharge,
        "time_to_survive_days": np.where(np.isfinite(tts_flow), tts_flow, np.nan),
        "extra_cost_eur": flow_tot[:, _ATTR["cost_eur"]] - flow_base[:, _ATTR["cost_eur"]],
        "extra_tonne_hours": flow_tot[:, _ATTR["time_h"]] - flow_base[:, _ATTR["time_h"]],
        "extra_co2e_wtw_kg": (flow_tot[:, _ATTR["co2e_wtw_kg"]]
                              - flow_base[:, _ATTR["co2e_wtw_kg"]]),
    })
    split = pd.DataFrame({"mode": MODE_NAMES, "baseline_tkm": tkm_mode_base,
                          "disrupted_tkm": tkm_mode})
    split = split[(split["baseline_tkm"] > 0) | (split["disrupted_tkm"] > 0)].reset_index(
        drop=True)
    split["change_tkm"] = split["disrupted_tkm"] - split["baseline_tkm"]
    b_sum, d_sum = split["baseline_tkm"].sum(), split["disrupted_tkm"].sum()
    split["baseline_share"] = split["baseline_tkm"] / b_sum if b_sum > 0 else 0.0
    split["disrupted_share"] = split["disrupted_tkm"] / d_sum if d_sum > 0 else 0.0
    totals = {
        "horizon_days": float(horizon),
        "demand_t": float(demand.sum() * horizon),
        "delivered_t": float(days["disrupted_delivered_t"].sum()),
        "late_t": float(days["disrupted_late_t"].sum()),
        "unserved_t": float(backlog.sum()),
        "peak_backlog_t": float(days["disrupted_backlog_t"].max()),
        "days_with_backlog": float((days["disrupted_backlog_t"] > EPS_T).sum()),
        "lost_t": float(flow_lost.sum()),
        "baseline_unserved_t_per_day": float(base_backlog.sum()),
    }
    trouble = np.flatnonzero((days["disrupted_backlog_t"] > EPS_T).to_numpy()
                             | (days["disrupted_late_t"] > EPS_T).to_numpy())
    totals["time_to_recover_days"] = float(trouble.max() + 1 - first_day) if len(trouble) \
        else 0.0
    finite = tts_flow[np.isfinite(tts_flow)]
    # Stock never ran out within the horizon: TTS is at least the horizon (flagged as capped).
    totals["time_to_survive_days"] = float(finite.min()) if len(finite) else float(horizon)
    totals["time_to_survive_capped"] = 0.0 if len(finite) else 1.0
    totals["surcharge_eur"] = float(flow_surcharge.sum())
    totals["delay_cost_eur"] = float(days["disrupted_delay_cost_eur"].sum())
    for k in ("cost_eur", "tonne_hours", "tkm", "co2e_wtw_kg", "co2e_ttw_kg", "nox_kg",
              "pm_kg"):
        totals[f"baseline_{k}"] = float(days[f"baseline_{k}"].sum())
        totals[f"disrupted_{k}"] = float(days[f"disrupted_{k}"].sum())
        totals[f"extra_{k}"] = totals[f"disrupted_{k}"] - totals[f"baseline_{k}"]
    totals["extra_cost_incl_surcharges_eur"] = (totals["extra_cost_eur"]
                                                + totals["surcharge_eur"]
                                                + totals["delay_cost_eur"])
    for mode, change in zip(split["mode"], split["change_tkm"].to_numpy(dtype=float),
                            strict=True):
        totals[f"shift_tkm_{mode}"] = float(change)
    ids = model.network.links["link_id"].astype(str).to_numpy()
    described = [{"id": t.disruption.id, "type": t.disruption.type,
                  "links": [str(x) for x in ids[t.link_rows]][:50],
                  "link_count": len(t.link_rows),
                  "nodes": [node_ids[i] for i in t.node_rows],
                  **({"payload_factors": {str(ids[r]): round(float(f), 4) for r, f in
                                          zip(t.link_rows, t.link_factors, strict=True)}}
                     if t.link_factors is not None else {})}
                 for t in targets]
    return ImpactResult(scenario, days, flows_df, split, totals, described, day_flow_list, base)
