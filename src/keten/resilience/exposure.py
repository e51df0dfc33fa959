"""Risk exposure index per terminal, lock and link (after Simchi-Levi et al., Interfaces 45(5)
2015; HBR 2014).

For each element the element is taken out of service for its time to recover (TTR) and the
demand is routed day by day under the capacity of the alternatives (:func:`simulate`). Its
*financial impact* is the extra cost including surcharges and waiting, plus the value of the
tonnes lost; its *time to survive* (TTS) is the first day a receiver's stock (inventory days
of demand) runs out. The risk exposure index is impact / the largest impact (1 = the element
that matters most), as Simchi-Levi et al. normalise it. The table combines it with the
element's redundancy (detour yes/no, extra km; ra2ce's definition) and freight-weighted
criticality, ranked by the index.

TTR defaults per element kind (``DEFAULT_TTR_DAYS``) and the value of a lost tonne are keten
assumptions; give your own per element.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from keten.resilience.flows import ImpactModel
from keten.resilience.impact import baseline_day, default_assigner, simulate
from keten.resilience.scenario import parse_scenario, resolve_targets

# keten assumptions: days to restore an element after a failure
DEFAULT_TTR_DAYS = {"terminal": 14, "lock": 21, "inland_waterway": 10, "rail": 7, "road": 3,
                    "sea": 7}
LOST_VALUE_EUR_PER_T = 100.0  # keten assumption: margin lost per tonne not delivered


def _elements(model: ImpactModel, freight: pd.DataFrame, top_links: int, top_terminals: int
              ) -> list[dict[str, Any]]:
    links = model.network.links.set_index("link_id")
    out: list[dict[str, Any]] = []
    used = freight[freight["tonnes_per_day"] > 0]
    effects: set[tuple[float, float, float]] = set()
    for r in used.to_dict("records"):
        # the sections of one waterway, road or line re-route the same flows at the same
        # cost when closed: one of them stands for the rest
        effect = (round(float(r["tonnes_per_day"]), 3),
                  round(float(r["extra_cost_eur_per_day"]), 2),
                  round(float(r["unserved_t_per_day"]), 3))
        if effect in effects:
            continue
        if len(effects) >= top_links:
            break
        effects.add(effect)
        lid = str(r["link_id"])
        locks = links.loc[lid, "locks"] if "locks" in links.columns else 0
        try:
            has_lock = float(str(locks)) > 0
        except (TypeError, ValueError):
            has_lock = bool(str(locks).strip())
        mode = str(r["mode"])
        kind = "lock" if has_lock and mode == "inland_waterway" else mode
        out.append({"element_id": lid, "kind": kind, "mode": mode,
                    "target": {"links": [lid]}})
    scenario = parse_scenario({"capacity": False,
                               "disruptions": [{"type": "closure", "target": {"links": [
                                   str(model.network.links["link_id"].iloc[0])]},
                                   "duration_days": 1}]})
    base = baseline_day(model, scenario.value_of_time_eur_per_t_h,
                        default_assigner(scenario))
    through = base.node_throughput_t
    kinds = model.network.nodes["kind"].astype(str).to_numpy()
    ids = model.network.node_ids
    order = [int(n) for n in np.argsort(-through) if through[n] > 0
             and kinds[n] in ("inland_terminal", "rail_terminal", "seaport")]
    for n in order[:top_terminals]:
        out.append({"element_id": ids[n], "kind": "terminal", "mode": kinds[n],
                    "target": {"node": ids[n]}})
    return out


def risk_exposure(model: ImpactModel, redundancy_table: pd.DataFrame | None = None,
                  freight: pd.DataFrame | None = None, top_links: int = 8,
                  top_terminals: int = 6, ttr_days: Mapping[str, int] | None = None,
                  capacity: Any = None, inventory_days: float | None = None,
                  lost_value_eur_per_t: float = LOST_VALUE_EUR_PER_T) -> pd.DataFrame:
    """One row per element: kind, redundancy, freight use, TTR, TTS, financial impact, risk
    exposure index (1 = largest), ranked. ``ttr_days`` may name an element id or a kind."""
    from keten.resilience.criticality import freight_criticality

    fr = freight if freight is not None else freight_criticality(model)
    ttr_given = dict(ttr_days or {})
    rows = []
    for el in _elements(model, fr, top_links, top_terminals):
        ttr = int(ttr_given.get(el["element_id"], ttr_given.get(
            el["kind"], DEFAULT_TTR_DAYS.get(el["kind"], 7))))
        doc: dict[str, Any] = {
            "name": f"{el['element_id']} out of service for {ttr} days",
            "disruptions": [{"type": "closure", "target": el["target"], "start_day": 0,
                             "duration_days": ttr}]}
        if capacity is not None:
            doc["capacity"] = capacity
        if inventory_days is not None:
            doc["inventory_days"] = inventory_days
        scenario = parse_scenario(doc)
        result = simulate(model, scenario, resolved=resolve_targets(scenario, model.network))
        t = result.totals
        impact = t["extra_cost_incl_surcharges_eur"] + (t["lost_t"] + t["unserved_t"]) * \
            lost_value_eur_per_t
        tts = t["time_to_survive_days"] if not t["time_to_survive_capped"] else float("inf")
        rows.append({"element_id": el["element_id"], "kind": el["kind"], "mode": el["mode"],
                     "ttr_days": ttr, "tts_days": tts if np.isfinite(tts) else np.nan,
                     "at_risk": bool(np.isfinite(tts) and tts < ttr),
                     "late_t": t["late_t"], "lost_t": t["lost_t"] + t["unserved_t"],
                     "peak_backlog_t": t["peak_backlog_t"],
                     "extra_co2e_wtw_kg": t["extra_co2e_wtw_kg"],
                     "financial_impact_eur": impact})
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    top = float(table["financial_impact_eur"].max())
    table["risk_exposure_index"] = (table["financial_impact_eur"] / top) if top > 0 else 0.0
    cols = ["link_id", "tonnes_per_day", "extra_cost_eur_per_day"]
    table = table.merge(fr[[c for c in cols if c in fr.columns]].rename(
        columns={"link_id": "element_id"}), on="element_id", how="left")
    if redundancy_table is not None and len(redundancy_table):
        red = redundancy_table[["link_id", "has_detour", "extra_length_km"]].rename(
            columns={"link_id": "element_id"})
        table = table.merge(red, on="element_id", how="left")
    table = table.sort_values("risk_exposure_index", ascending=False, kind="stable")
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table.reset_index(drop=True)
