"""Benchmark: synchromodal planning of 10,000 shipments on >= 200 barge/rail services, 7 days.

Prints, from one run on one generated instance (default network, 2 shared cores):
- time to validate the inputs and resolve distances, generate options, build the LP/MIP;
- LP solve time and MIP (integer TEU) solve time with HiGHS, the MIP gap reported by HiGHS
  and the LP-relaxation gap (MIP objective vs LP objective);
- peak memory (max RSS of this process);
- cost and CO2e (through keten.footprint) of the optimised plan against a greedy
  cheapest-option-first heuristic and the all-road baseline, all on the same options.

Run: .venv/bin/python benchmarks/planning.py [--shipments N] [--mip-time-limit S]
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import datetime, timedelta
from typing import Any

import numpy as np

import keten
from keten.factors import load_factor_set
from keten.planning.build import build_model
from keten.planning.heuristic import greedy_plan
from keten.planning.model import PlanningParameters
from keten.planning.options import generate_options
from keten.planning.scenarios import Columns, all_road, columns_of
from keten.planning.solve import solve_model
from keten.services.planning import build_problem, network_context, scenario

START = datetime(2026, 3, 2)
# (mode, inland terminal, [(days, hour)], transit out h, transit back h, slots TEU, EUR/TEU)
LINES = [
    ("inland_waterway", "NLNIJ", [(range(7), 6), (range(7), 18)], 13, 11, 60, 95),
    ("inland_waterway", "NLVEN", [(range(7), 10)], 28, 22, 80, 150),
    ("inland_waterway", "DEDUI", [(range(7), 14), (range(7), 2)], 30, 20, 120, 160),
    ("inland_waterway", "tilburg", [(range(6), 8)], 14, 14, 50, 100),
    ("inland_waterway", "NLBON", [((0, 2, 4), 9)], 40, 36, 60, 190),
    ("inland_waterway", "DENSS", [((0, 1, 3, 5), 12)], 34, 24, 80, 175),
    ("inland_waterway", "oss", [(range(6), 7)], 15, 13, 40, 105),
    ("inland_waterway", "NLUTC", [(range(6), 9)], 10, 10, 40, 90),
    ("rail", "NLVEN", [(range(7), 4), (range(5), 16)], 5, 5, 60, 150),
    ("rail", "DEDUI", [(range(7), 20), (range(5), 8)], 7, 7, 80, 190),
    ("rail", "tilburg", [(range(5), 7), (range(5), 19)], 3.5, 3.5, 50, 120),
    ("rail", "valburg", [(range(5), 12)], 3, 3, 50, 115),
    ("rail", "DENSS", [((0, 3), 10)], 8, 8, 70, 200),
]
CUSTOMERS = [
    (51.820, 5.770), (51.400, 6.120), (51.520, 5.980), (51.560, 4.990), (51.690, 5.050),
    (50.975, 5.790), (51.400, 6.700), (51.330, 6.600), (51.200, 6.000), (51.460, 5.450),
    (51.960, 5.880), (51.780, 5.530), (51.620, 5.540), (51.250, 6.750), (51.180, 6.650),
    (52.090, 5.120), (52.040, 5.040), (51.850, 5.630), (51.650, 5.620), (51.470, 5.680),
    (51.090, 5.860), (51.590, 4.780), (51.700, 5.300), (51.440, 6.060), (51.500, 6.850),
    (51.750, 6.130), (51.880, 5.400), (52.000, 5.550), (51.300, 6.250), (51.350, 5.950),
]


def services() -> list[dict[str, Any]]:
    rows = []
    for mode, term, pattern, t_out, t_back, slots, price in LINES:
        for days, hour in pattern:
            for d in days:
                dep = START + timedelta(days=d, hours=hour)
                for frm, to, transit, shift in (("NLRTM-MV", term, t_out, 0),
                                                (term, "NLRTM-MV", t_back, 2)):
                    at = dep + timedelta(hours=shift)
                    rows.append({"service_id": f"{mode[0]}-{frm}-{to}-{at:%a%H}", "mode": mode,
                                 "from_terminal": frm, "to_terminal": to,
                                 "departure_at": at.isoformat(timespec="minutes"),
                                 "transit_h": transit, "capacity_teu": slots,
                                 # barges also limited by draught: 9 t per slot on average
                                 "capacity_t": slots * 9 if mode == "inland_waterway" else "",
                                 "price_eur_per_teu": price})
    return rows


def terminals() -> list[dict[str, Any]]:
    """Lift cost per TEU and daily lift capacity (TEU) of the inland terminals."""
    caps = {"NLNIJ": 120, "NLVEN": 150, "DEDUI": 250, "tilburg": 100, "NLBON": 60,
            "DENSS": 120, "oss": 60, "NLUTC": 60, "valburg": 60}
    rows: list[dict[str, Any]] = [{"terminal_id": "NLRTM-MV", "handling_cost_eur_per_teu": 45,
                                   "handling_time_h": 8}]
    rows += [{"terminal_id": t, "handling_cost_eur_per_teu": 35, "handling_time_h": 4,
              "capacity_teu_per_day": c} for t, c in caps.items()]
    return rows


def shipments(n: int, seed: int = 5) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        lat, lon = CUSTOMERS[int(rng.integers(len(CUSTOMERS)))]
        loc = f"{lat:.3f},{lon:.3f}"
        teu = int(rng.choice([1, 1, 2, 2, 2]))
        release = START + timedelta(hours=int(rng.integers(0, 6 * 24)))
        due = release + timedelta(hours=int(rng.choice([24, 36, 48, 72, 96])))
        imp = rng.random() < 0.7
        rows.append({"shipment_id": f"S{i:05d}", "origin": "NLRTM-MV" if imp else loc,
                     "destination": loc if imp else "NLRTM-MV", "teu": teu,
                     "mass_kg": round(teu * float(rng.uniform(7, 13)) * 1000),
                     "release_at": release.isoformat(timespec="minutes"),
                     "due_at": due.isoformat(timespec="minutes")})
    return rows


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shipments", type=int, default=10_000)
    ap.add_argument("--mip-time-limit", type=float, default=300.0)
    ap.add_argument("--carbon-price", type=float, default=100.0)
    args = ap.parse_args()
    ship_rows, svc_rows = shipments(args.shipments), services()
    fs = load_factor_set()
    ctx = network_context(None)
    params = PlanningParameters(carbon_price_eur_per_t=args.carbon_price, horizon_days=7.0)
    t = time.perf_counter()
    problem = build_problem(ship_rows, svc_rows, terminals(), params, ctx, fs)
    t_read = time.perf_counter() - t
    t = time.perf_counter()
    options = generate_options(problem, fs, ctx.road_km, ctx.mode_km)
    t_opt = time.perf_counter() - t
    t = time.perf_counter()
    model = build_model(problem, options)
    t_build = time.perf_counter() - t
    lp = solve_model(model, relax=True)
    mip_model = build_model(problem, options)
    mip_model.integer = True
    mip = solve_model(mip_model, time_limit_s=args.mip_time_limit, relax_first=False)
    quick = solve_model(mip_model, time_limit_s=args.mip_time_limit)
    relax_gap = (mip.objective - lp.objective) / abs(mip.objective)
    t = time.perf_counter()
    y, u = greedy_plan(problem, options, mip_model)
    t_greedy = time.perf_counter() - t
    t = time.perf_counter()
    planned = scenario("mip", columns_of(problem, options, mip_model, mip), fs)
    t_kpi = time.perf_counter() - t
    greedy = scenario("greedy", Columns(problem, options, y, u), fs)
    road = scenario("all_road", all_road(problem, fs, ctx.road_km, ctx.mode_km), fs)
    greedy_obj = float(mip_model.col_cost @ np.concatenate([y, u]))
    print(f"instance: {len(problem.shipments):,} shipments, {len(problem.services)} services "
          f"over 7 days, {len(options):,} options (columns), {model.n_rows:,} rows "
          f"({len(model.rows_of('terminal'))} terminal-day, "
          f"{len(model.rows_of('service_teu'))} service TEU, "
          f"{len(model.rows_of('service_t'))} service tonnes rows)")
    print(f"read+validate+locate {t_read:.2f} s | options (incl. network distances) "
          f"{t_opt:.2f} s | build {t_build:.2f} s")
    print(f"LP solve {lp.solve_time_s:.2f} s (obj {lp.objective:,.0f}) | MIP solve "
          f"{mip.solve_time_s:.2f} s (obj {mip.objective:,.0f}, status {mip.status}, "
          f"HiGHS gap {100 * (mip.mip_gap or 0):.4f} %) | LP-relaxation gap "
          f"{100 * relax_gap:.4f} %")
    print(f"integer plan as keten.plan(integer=True) solves it (LP first, branch and bound only "
          f"if the LP optimum is fractional): {quick.solve_time_s:.2f} s, {quick.status}")
    print(f"extract + KPIs through keten.footprint {t_kpi:.2f} s | greedy {t_greedy:.2f} s | "
          f"peak RSS {peak_mb():,.0f} MB")
    print("| plan | objective EUR | cost EUR | CO2e WTW t | NOx kg | road tkm share | "
          "unserved | on time |")
    print("|---|---|---|---|---|---|---|---|")
    for name, sc, obj in (("optimised (MIP)", planned, mip.objective),
                          ("greedy cheapest-option-first", greedy, greedy_obj),
                          ("all-road", road, None)):
        k = sc.kpis
        print(f"| {name} | {'-' if obj is None else f'{obj:,.0f}'} | {k.cost_eur:,.0f} | "
              f"{k.co2e_wtw_kg / 1000:,.1f} | {k.nox_kg:,.1f} | "
              f"{100 * (k.road_tkm_share or 0):.1f} % | {k.unserved_shipments} | "
              f"{100 * (k.on_time_rate or 0):.1f} % |")
    print(f"greedy / optimised objective: {greedy_obj / mip.objective:.4f}x")
    t = time.perf_counter()
    full = keten.plan(ship_rows, svc_rows, terminals(), carbon_price_eur_per_t=args.carbon_price,
                      horizon_days=7.0, sweep=(0.0, 100.0, 200.0))
    print(f"end to end keten.plan (LP plan, uncapacitated plan, all-road, 3-point carbon "
          f"sweep, all KPIs through keten.footprint): {time.perf_counter() - t:.1f} s; "
          f"peak RSS {peak_mb():,.0f} MB")
    for pt in full.sweep:
        print(f"  carbon {pt.carbon_price_eur_per_t:g} EUR/t: cost {pt.cost_eur:,.0f} EUR, "
              f"CO2e {pt.co2e_wtw_kg / 1000:,.1f} t, road tkm share "
              f"{100 * (pt.road_tkm_share or 0):.1f} %")


if __name__ == "__main__":
    main()
