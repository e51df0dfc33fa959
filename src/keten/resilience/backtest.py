"""Backtest: the 2018 Rhine low water (1 Aug - 30 Nov) from published readings, against
published outcomes.

The scenario (``backtest_2018_document``) is a low-water series built from the dated Lobith
readings in ``data/rhine_2018_readings.csv`` (typed in from the sources named there; Lobith
levels go through keten's rating). ``compare_2018`` sets keten's outcome on the flows it was run
with next to the published figures in ``data/rhine_2018_published.csv`` and states the
deviation. It is a check of the model against history, not a fit: nothing is tuned to it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from keten.network.multimodal import DEFAULT_TEU_MASS_T, MODE_CODE
from keten.resilience.gauges import lobith_discharge_m3s, surcharge_terminals
from keten.resilience.impact import ImpactResult

DATA_PACKAGE = "keten.resilience.data"
START = dt.date(2018, 8, 1)
END = dt.date(2018, 11, 30)


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return list(csv.DictReader(io.StringIO(body)))


@lru_cache(maxsize=1)
def readings_2018() -> tuple[dict[str, str], ...]:
    return tuple(_rows("rhine_2018_readings.csv"))


@lru_cache(maxsize=1)
def published_2018() -> tuple[dict[str, str], ...]:
    return tuple(_rows("rhine_2018_published.csv"))


def backtest_2018_document() -> dict[str, Any]:
    """The built-in 2018 scenario: Lobith discharge per day, 1 Aug - 30 Nov 2018."""
    series = []
    for r in readings_2018():
        if r["use"] != "input":
            continue
        q = float(r["value"]) if r["gauge"] == "discharge_m3s" else lobith_discharge_m3s(
            float(r["value"]))
        series.append({"date": r["date"], "discharge_m3s": round(q, 1), "source": r["source"]})
    days = (END - START).days + 1
    return {"name": "Rhine low water 2018 (1 Aug - 30 Nov), published Lobith readings",
            "description": "keten's backtest of the 2018 low water; see docs/resilience.md",
            "start_date": START.isoformat(),
            "disruptions": [{"id": "low-water-2018", "type": "low_water",
                             "series": series, "duration_days": days,
                             "recovery": {"kind": "linear", "days": 5}}]}


def _period_days(result: ImpactResult, period: str) -> np.ndarray:
    a, b = (dt.date.fromisoformat(x) for x in period.split("/"))
    dates = pd.to_datetime(result.days["date"]).dt.date
    return ((dates >= a) & (dates <= b)).to_numpy()


def compare_2018(result: ImpactResult, per_day_barge: pd.DataFrame) -> pd.DataFrame:
    """keten's outcome next to each published figure, with the deviation (keten - published).

    ``per_day_barge``: per day, ``baseline_barge_tkm``, ``disrupted_barge_tkm``,
    ``baseline_container_barge_t``, ``disrupted_container_barge_t`` and
    ``container_barge_teu_charged`` (barge TEU to/from the terminals a surcharge applies to),
    as :func:`barge_days` computes them.
    """
    rows = []
    for p in published_2018():
        sel = _period_days(result, p["period"])
        metric = p["metric"]
        d = per_day_barge[sel]
        if metric == "barge_tkm_change":
            base = float(d["baseline_barge_tkm"].sum())
            value = float(d["disrupted_barge_tkm"].sum()) / base - 1 if base else float("nan")
        elif metric == "container_barge_t_change":
            base = float(d["baseline_container_barge_t"].sum())
            value = (float(d["disrupted_container_barge_t"].sum()) / base - 1 if base
                     else float("nan"))
        elif metric == "surcharge_eur_per_teu":
            teu = float(d["container_barge_teu_charged"].sum())
            value = float(d["extra_cost_charged_eur"].sum()) / teu if teu else float("nan")
        else:
            continue
        published = float(p["value"])
        rows.append({"metric": metric, "period": p["period"], "keten": value,
                     "published": published, "deviation": value - published,
                     "unit": p["unit"], "source": p["source"], "note": p["note"]})
    return pd.DataFrame(rows)


def barge_days(result: ImpactResult, model: Any) -> pd.DataFrame:
    """Per day: barge tkm and container barge tonnes (baseline and disrupted), barge TEU to or
    from the surcharge terminals and their extra physical cost."""
    from keten.resilience.impact import _barge_tonnes

    barge_code = MODE_CODE["inland_waterway"]
    container = np.array([f.cargo == "container" for f in model.flows])
    index = model.network.node_index()
    charged_nodes = {index[n] for n in surcharge_terminals() if n in index}
    charged = np.array([int(o) in charged_nodes or int(d) in charged_nodes
                        for o, d in zip(model.origin_rows, model.destination_rows,
                                        strict=True)])
    base_flows = result.baseline_flows
    if base_flows is None:
        raise ValueError("the result has no baseline flows")
    per_day_flows = result.day_flows
    base_barge_t = _barge_tonnes(model, base_flows)
    base_cost = base_flows.totals[:, 2]
    base_t = np.maximum(base_flows.delivered_t, 1e-9)
    rows = []
    for flows in per_day_flows:
        barge_t = _barge_tonnes(model, flows)
        unit_extra = np.where(flows.delivered_t > 0,
                              flows.totals[:, 2] / np.maximum(flows.delivered_t, 1e-9)
                              - base_cost / base_t, 0.0)
        sel = container & charged
        rows.append({
            "baseline_barge_tkm": float(base_flows.tkm_by_mode[:, barge_code].sum()),
            "disrupted_barge_tkm": float(flows.tkm_by_mode[:, barge_code].sum()),
            "baseline_container_barge_t": float(base_barge_t[container].sum()),
            "disrupted_container_barge_t": float(barge_t[container].sum()),
            "container_barge_teu_charged": float(barge_t[sel].sum() / DEFAULT_TEU_MASS_T),
            "extra_cost_charged_eur": float((unit_extra * barge_t)[sel].sum()),
        })
    return pd.DataFrame(rows)


def run_backtest_2018(model: Any) -> tuple[ImpactResult, pd.DataFrame]:
    """Simulate the 2018 scenario on ``model`` and compare it with the published figures."""
    from keten.resilience.impact import simulate
    from keten.resilience.scenario import check_scenario

    scenario, resolved = check_scenario(backtest_2018_document(), model.network,
                                        "built-in scenario rhine-2018")
    result = simulate(model, scenario, resolved=resolved)
    return result, compare_2018(result, barge_days(result, model))
