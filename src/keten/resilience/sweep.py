"""Monte Carlo sweeps: sample scenarios from distributions, run them on Dask, summarise.

A scenario distribution is a base scenario (a document or a template such as
``lowwater:800``) plus parameters, each a field path into the scenario document
(``disruptions.0.discharge_m3s``) and a distribution: ``uniform`` (low, high), ``normal``
(mean, sd), ``lognormal`` (median, sigma), ``triangular`` (low, mode, high), ``choice``
(values, optional weights) or ``fixed`` (value); optional ``clip: [lo, hi]`` and ``round``.
Discharges are clipped to the depth relation's range; fields ending in ``_days`` are rounded.

``run_sweep`` sends batches of runs to a ``dask.distributed.Client`` (the prepared model is
scattered to every worker once) and reports progress through a callback; the caller decides
where the client comes from (a LocalCluster, or a scheduler address) and where results go.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from keten.errors import Problem, ValidationError
from keten.resilience.flows import ImpactModel
from keten.resilience.impact import simulate
from keten.resilience.lowwater import depth_relation
from keten.resilience.scenario import parse_scenario, resolve_targets
from keten.resilience.templates import template_document

DISTRIBUTIONS = {"uniform": ("low", "high"), "normal": ("mean", "sd"),
                 "lognormal": ("median", "sigma"), "triangular": ("low", "mode", "high"),
                 "choice": ("values",), "fixed": ("value",)}
RESULT_METRICS = ("unserved_t", "late_t", "lost_t", "peak_backlog_t", "time_to_recover_days",
                  "extra_cost_eur", "surcharge_eur", "extra_cost_incl_surcharges_eur",
                  "extra_tonne_hours", "extra_co2e_wtw_kg", "extra_co2e_ttw_kg", "extra_nox_kg",
                  "extra_pm_kg")
PERCENTILES = (5, 50, 95)


@dataclass(frozen=True)
class Parameter:
    field: str
    kind: str
    args: dict[str, Any]
    clip: tuple[float, float] | None = None
    round_to_int: bool = False


@dataclass(frozen=True)
class ScenarioDistribution:
    name: str
    base: dict[str, Any]
    parameters: tuple[Parameter, ...]
    seed: int = 0
    runs: int | None = None


def _get_parent(doc: Any, path: str) -> tuple[Any, str | int] | None:
    parts = path.split(".")
    node = doc
    for p in parts[:-1]:
        if isinstance(node, list) and p.isdigit() and int(p) < len(node):
            node = node[int(p)]
        elif isinstance(node, Mapping) and p in node:
            node = node[p]
        else:
            return None
    last = parts[-1]
    if isinstance(node, list):
        return (node, int(last)) if last.isdigit() and int(last) < len(node) else None
    return (node, last) if isinstance(node, dict) else None


def parse_distribution(doc: Any, file: str | None = None) -> ScenarioDistribution:
    """Check a scenario-distribution document; every problem is gathered."""
    problems: list[Problem] = []

    def bad(path: str, reason: str) -> None:
        problems.append(Problem(reason, file, None, path))

    if not isinstance(doc, Mapping):
        raise ValidationError([Problem("expected an object with 'scenario' and 'parameters'",
                                       file)], title="invalid scenario distribution")
    base_raw = doc.get("scenario")
    base: dict[str, Any] = {}
    if isinstance(base_raw, str):
        base_raw = {"template": base_raw}
    if isinstance(base_raw, Mapping) and "template" in base_raw and len(base_raw) == 1:
        try:
            base = template_document(str(base_raw["template"]))
        except ValidationError as exc:
            problems += [Problem(p.reason, file, None, "scenario.template") for p in exc.problems]
    elif isinstance(base_raw, Mapping):
        base = copy.deepcopy(dict(base_raw))
    else:
        bad("scenario", "expected a scenario object or {template: NAME}")
    params: list[Parameter] = []
    raw_params = doc.get("parameters", [])
    if not isinstance(raw_params, list):
        bad("parameters", "expected a list of {field, distribution}")
        raw_params = []
    for i, p in enumerate(raw_params):
        where = f"parameters[{i}]"
        if not isinstance(p, Mapping):
            bad(where, "expected an object {field, distribution}")
            continue
        fld = str(p.get("field", ""))
        if base and _get_parent(base, fld) is None:
            bad(f"{where}.field", f"'{fld}' is not a field of the scenario document")
        dist = p.get("distribution")
        if not isinstance(dist, Mapping) or str(dist.get("kind")) not in DISTRIBUTIONS:
            bad(f"{where}.distribution.kind", f"expected one of {', '.join(DISTRIBUTIONS)}")
            continue
        kind = str(dist["kind"])
        args = {k: dist.get(k) for k in DISTRIBUTIONS[kind]}
        for k, val in args.items():
            if kind == "choice" and k == "values":
                if not isinstance(val, list) or not val:
                    bad(f"{where}.distribution.values", "expected a non-empty list")
                continue
            if not isinstance(val, int | float) or isinstance(val, bool) or not math.isfinite(
                    val):
                bad(f"{where}.distribution.{k}", f"'{val}' is not a number")
        if kind == "choice" and dist.get("weights") is not None:
            args["weights"] = dist.get("weights")
        low, high = args.get("low"), args.get("high")
        if (kind in ("uniform", "triangular") and isinstance(low, int | float)
                and isinstance(high, int | float) and low > high):
            bad(f"{where}.distribution", "low must not exceed high")
        if kind in ("normal", "lognormal"):
            spread = args.get("sd", args.get("sigma"))
            if isinstance(spread, int | float) and spread < 0:
                bad(f"{where}.distribution", "the spread must be >= 0")
        clip = p.get("clip")
        clip_t: tuple[float, float] | None = None
        if clip is not None:
            if not (isinstance(clip, list) and len(clip) == 2 and clip[0] <= clip[1]):
                bad(f"{where}.clip", "expected [low, high]")
            else:
                clip_t = (float(clip[0]), float(clip[1]))
        if clip_t is None and fld.endswith("discharge_m3s"):
            clip_t = depth_relation().range_m3s
        params.append(Parameter(fld, kind, args, clip_t,
                                bool(p.get("round", fld.endswith("_days")))))
    seed = doc.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        bad("seed", f"'{seed}' is not a whole number >= 0")
        seed = 0
    runs = doc.get("runs")
    if runs is not None and (not isinstance(runs, int) or runs < 1):
        bad("runs", f"'{runs}' is not a whole number >= 1")
        runs = None
    if problems:
        raise ValidationError(problems, title="invalid scenario distribution")
    dist_obj = ScenarioDistribution(str(doc.get("name", base.get("name", "sweep"))), base,
                                    tuple(params), int(seed), runs)
    # The base scenario with its first sample must be a valid scenario.
    parse_scenario(sample_documents(dist_obj, 1)[0][1], file=file)
    return dist_obj


def _draw(p: Parameter, rng: np.random.Generator, n: int) -> np.ndarray:
    a = p.args
    if p.kind == "uniform":
        x = rng.uniform(a["low"], a["high"], n)
    elif p.kind == "normal":
        x = rng.normal(a["mean"], a["sd"], n)
    elif p.kind == "lognormal":
        x = a["median"] * np.exp(rng.normal(0.0, a["sigma"], n))
    elif p.kind == "triangular":
        x = (rng.triangular(a["low"], a["mode"], a["high"], n) if a["low"] < a["high"]
             else np.full(n, float(a["low"])))
    elif p.kind == "choice":
        w = a.get("weights")
        probs = None if w is None else np.asarray(w, dtype=float) / float(np.sum(w))
        x = np.asarray(a["values"], dtype=float)[rng.choice(len(a["values"]), n, p=probs)]
    else:
        x = np.full(n, float(a["value"]))
    if p.clip is not None:
        x = np.clip(x, *p.clip)
    if p.round_to_int:
        x = np.maximum(np.rint(x), 0)
    return x


def sample_documents(dist: ScenarioDistribution, runs: int
                     ) -> list[tuple[dict[str, float], dict[str, Any]]]:
    """``runs`` (parameters, scenario document) pairs, reproducible from the seed."""
    rng = np.random.default_rng(dist.seed)
    draws = {p.field: _draw(p, rng, runs) for p in dist.parameters}
    out = []
    for r in range(runs):
        doc = copy.deepcopy(dist.base)
        params: dict[str, float] = {}
        for p in dist.parameters:
            value = float(draws[p.field][r])
            parent = _get_parent(doc, p.field)
            if parent is not None:
                container, key = parent
                container[key] = int(value) if p.round_to_int else value
            params[p.field] = value
        out.append((params, doc))
    return out


def run_batch(model: ImpactModel, batch: Sequence[tuple[int, dict[str, float], dict[str, Any]]]
              ) -> list[dict[str, Any]]:
    """Run scenarios (run number, parameters, document) and return one result row each."""
    rows = []
    for run, params, doc in batch:
        scenario = parse_scenario(doc)
        result = simulate(model, scenario, resolved=resolve_targets(scenario, model.network))
        row: dict[str, Any] = {"run": run, **{f"param:{k}": v for k, v in params.items()}}
        row["horizon_days"] = scenario.horizon_days
        for k in RESULT_METRICS:
            row[k] = float(result.totals.get(k, 0.0))
        for k, v in result.totals.items():
            if k.startswith("shift_tkm_"):
                row[k] = float(v)
        rows.append(row)
    return rows


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """Mean and p5/p50/p95 of every result metric (and sampled parameter)."""
    cols = [c for c in results.columns if c != "run" and pd.api.types.is_numeric_dtype(
        results[c])]
    rows = []
    for c in cols:
        x = results[c].to_numpy(dtype=float)
        x = x[np.isfinite(x)]
        row: dict[str, Any] = {"metric": c, "runs": len(x),
                               "mean": float(x.mean()) if len(x) else float("nan")}
        for q in PERCENTILES:
            row[f"p{q}"] = float(np.percentile(x, q)) if len(x) else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)


def run_sweep(client: Any, model: ImpactModel, dist: ScenarioDistribution, runs: int,
              batch_size: int = 10,
              progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Run ``runs`` sampled scenarios on a dask.distributed ``client``; one row per run."""
    from distributed import as_completed

    samples = sample_documents(dist, runs)
    # Fill the deep-sea detour cache once, so workers do not call searoute themselves.
    for _, doc in samples[:1]:
        scenario = parse_scenario(doc)
        avoid = tuple(sorted({d.target.chokepoint for d in scenario.disruptions
                              if d.target.chokepoint}))
        if avoid:
            model.sea_distance_factors(avoid)
    remote = client.scatter(model, broadcast=True)
    batches = [[(i, p, d) for i, (p, d) in enumerate(samples[s:s + batch_size], start=s)]
               for s in range(0, runs, batch_size)]
    futures = [client.submit(run_batch, remote, b, pure=False) for b in batches]
    rows: list[dict[str, Any]] = []
    done = 0
    for fut in as_completed(futures):
        part = fut.result()
        rows.extend(part)
        done += len(part)
        if progress is not None:
            progress(done, runs)
    return pd.DataFrame(rows).sort_values("run").reset_index(drop=True)
