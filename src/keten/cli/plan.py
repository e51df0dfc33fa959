"""``keten plan``: synchromodal planning under capacity, with the modal-shift potential."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import typer

from keten.cli.network import NETWORK_OPTION, load_network
from keten.cli.render import (
    WIDE_OPTION,
    check_format,
    console,
    emit_json,
    emit_text,
    header_of,
    rich_table,
    status,
)
from keten.planning.results import Assignment, PlanResult, Scenario
from keten.services.planning import DEFAULT_SWEEP, DEFAULT_TIME_LIMIT_S, plan

FORMATS = ("table", "json", "csv")
SHOWN_ASSIGNMENTS = 40
SHOWN_SERVICES = 15
SHORT = {"inland_waterway": "barge"}
DEPARTURE = re.compile(r"-(Mon|Tue|Wed|Thu|Fri|Sat|Sun)(\d{1,2})$")
DEFAULT_SWEEP_TEXT = ",".join(f"{price:g}" for price in DEFAULT_SWEEP)
# a value typed after a flag (``--integer true``) lands in the SHIPMENTS argument
FLAG_WORDS = {"true", "false", "yes", "no", "on", "off", "1", "0"}


def _sweep(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError as exc:
        raise typer.BadParameter(f"'{text}' is not a comma-separated list of prices",
                                 param_hint="--sweep") from exc
    if any(v < 0 for v in values):
        raise typer.BadParameter("carbon prices must be zero or more", param_hint="--sweep")
    return values


METRICS = [("served shipments", "served_shipments"), ("unserved shipments", "unserved_shipments"),
           ("cost EUR", "cost_eur"), ("lateness penalty EUR", "lateness_penalty_eur"),
           ("CO2e WTW kg", "co2e_wtw_kg"), ("CO2e TTW kg", "co2e_ttw_kg"), ("NOx kg", "nox_kg"),
           ("PM kg", "pm_kg")]


def _scenario_rows(scenarios: list[Scenario]) -> list[dict[str, Any]]:
    """Metrics as rows, scenarios as columns (fits a narrow terminal)."""
    rows: list[dict[str, Any]] = []
    for label, attr in METRICS:
        rows.append({"KPI": label, **{sc.name: float(getattr(sc.kpis, attr))
                                      for sc in scenarios}})
    for mode in ("road", "rail", "inland_waterway"):
        rows.append({"KPI": f"{SHORT.get(mode, mode)} tkm",
                     **{sc.name: sc.kpis.tkm_by_mode.get(mode, 0.0) for sc in scenarios}})
        rows.append({"KPI": f"{SHORT.get(mode, mode)} shipments",
                     **{sc.name: round(sc.kpis.shipments_by_mode.get(mode, 0.0), 6)
                        for sc in scenarios}})
    rows.append({"KPI": "on time %", **{sc.name: 100 * (sc.kpis.on_time_rate or 0.0)
                                        for sc in scenarios}})
    return rows


def _route(row: dict[str, Any], a: Assignment, text: str) -> dict[str, Any]:
    """A plan row as a planner reads it: the route by terminal names (``text``, from
    ``services.dashboard.plan_route_texts``; the ids stay in ``--format csv``), the delivery
    time without the ISO "T"."""
    return {**row, "route": text, "delivery_at": str(row["delivery_at"]).replace("T", " "),
            "service": a.option if a.option != "road" else "-"}


def _resource(u: Any, services: dict[str, tuple[str, str, str]]) -> str:
    """A service by its line ("barge Rotterdam Maasvlakte → Duisburg"), a terminal by name."""
    from keten.services.dashboard import place_label, service_line_label

    if u.kind == "service" and u.resource_id in services:
        when = DEPARTURE.search(u.resource_id)  # demo ids end in the weekday and hour
        return service_line_label(*services[u.resource_id]) + (
            f", {when.group(1)} {when.group(2)}h" if when else "")
    return place_label(u.resource_id) if u.kind == "terminal" else u.resource_id


def _solve_note(sc: Scenario) -> str:
    """How a scenario was solved: an integral plan with its gap, or the LP relaxation."""
    if sc.mip_gap is None:
        return f"{sc.name}: LP relaxation ({sc.status}); shipments may be split"
    gap = "optimal" if sc.mip_gap <= 1e-4 else f"best found, gap {100 * sc.mip_gap:.2f} %"
    took = f" in {sc.solve_time_s:.1f} s" if sc.solve_time_s is not None else ""
    return f"{sc.name}: whole shipments (MIP, {gap}{took})"


# modal-shift rows that are shares (0.042) shown as percentages (4.2)
SHARES = {"co2e_wtw_saved_share": "CO2e WTW saved %"}


def _print_tables(result: PlanResult, wide: bool = False,
                  services: dict[str, tuple[str, str, str]] | None = None) -> None:
    from keten.services.dashboard import plan_route_texts

    scenarios = [result.plan, result.uncapacitated, result.all_road]
    p = result.parameters
    console.print(rich_table(
        f"Plan vs baselines (carbon price {p['carbon_price_eur_per_t']:g} EUR/t CO2e; "
        "emissions through keten.footprint, ISO 14083)", _scenario_rows(scenarios),
        ["KPI", *[sc.name for sc in scenarios]], 1, wide=wide))
    console.print(_solve_note(result.plan))
    shift = [{"KPI": SHARES.get(k, header_of(k)),
              **{name: 100 * d[k] if k in SHARES else d[k]
                 for name, d in result.modal_shift().items()}}
             for k in next(iter(result.modal_shift().values()))]
    console.print(rich_table("Modal-shift potential (saved against all-road; negative: more "
                             "than all-road)", shift, ["KPI", *result.modal_shift()], 1,
                             wide=wide))
    nox_rise_kg = result.plan.kpis.nox_kg - result.all_road.kpis.nox_kg
    if nox_rise_kg > 0:
        console.print(f"NOx rises by {nox_rise_kg:,.1f} kg against all-road: barge and diesel "
                      "rail engines emit more NOx per tkm than Euro VI trucks, while CO2e falls.",
                      soft_wrap=False)
    if result.sweep:
        console.print(rich_table(
            "Carbon-price sweep (cost / CO2e trade-off)",
            [{**vars(pt), "road_tkm_share_pct": None if pt.road_tkm_share is None
              else 100 * pt.road_tkm_share} for pt in result.sweep],
            ["carbon_price_eur_per_t", "cost_eur", "co2e_wtw_kg", "nox_kg",
             "road_tkm_share_pct", "unserved_shipments"], 1, wide=wide))
    pairs = sorted(zip(result.assignment_rows(), result.plan.assignments,
                       plan_route_texts(result), strict=True),
                   key=lambda ra: (ra[1].main_mode == "road", ra[1].shipment_id))
    rows = [_route(r, a, text) for r, a, text in pairs]
    title = f"Plan per shipment ({len(rows)} assignments"
    title += f", first {SHOWN_ASSIGNMENTS})" if len(rows) > SHOWN_ASSIGNMENTS else ")"
    console.print(rich_table(title, rows[:SHOWN_ASSIGNMENTS],
                             ["shipment_id", "units", "route", "delivery_at", "late_h",
                              "cost_eur", "co2e_wtw_kg", "service"], 1, wide=wide))
    if result.plan.unserved:
        console.print(rich_table("Unserved shipments",
                                 [vars(u) for u in result.plan.unserved],
                                 ["shipment_id", "units", "reason"], 1, wide=wide))
    used = [u for u in result.plan.utilisation if u.used_teu > 1e-6 or u.used_t > 1e-6]
    used.sort(key=lambda u: -(u.share or 0.0))
    console.print(rich_table(
        f"Utilisation (busiest {SHOWN_SERVICES} of {len(used)} used resources)",
        [{"kind": u.kind, "resource": _resource(u, services or {}), "day": u.day,
          "used_teu": u.used_teu,
          "capacity_teu": u.capacity_teu, "share %": None if u.share is None
          else 100 * u.share} for u in used[:SHOWN_SERVICES]],
        ["kind", "resource", "day", "used_teu", "capacity_teu", "share %"], 1, wide=wide))


def _csv(result: PlanResult) -> str:
    rows = result.assignment_rows()
    fields = [*(list(rows[0]) if rows else ["shipment_id", "option", "units"]), "reason"]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fields, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    for u in result.plan.unserved:
        w.writerow({"shipment_id": u.shipment_id, "option": "unserved", "units": u.units,
                    "reason": u.reason})
    return buf.getvalue()


def plan_command(
    shipments: Path | None = typer.Argument(None, help="Shipments: CSV, JSON or Parquet "
                                            "(default with --demo: the packaged portfolio)."),
    services: Path | None = typer.Option(None, "--services", "-s",
                                         help="Scheduled barge/rail services (timetable)."),
    terminals: Path | None = typer.Option(None, "--terminals", help="Terminal handling cost, "
                                          "time and daily capacity (default: network values)."),
    carbon_price: float = typer.Option(100.0, "--carbon-price", help="EUR per t CO2e (WTW)."),
    nox_price: float = typer.Option(0.0, "--nox-price", help="EUR per kg NOx (shadow price)."),
    lateness_penalty: float = typer.Option(25.0, "--lateness-penalty",
                                           help="EUR per shipment and hour late."),
    horizon: float | None = typer.Option(None, "--horizon", help="Days of services to use, "
                                         "from the plan start."),
    integer: bool = typer.Option(True, "--integer/--lp", help="Whole shipments and TEU (a MIP, "
                                 "the default), or the LP relaxation, which may split them."),
    time_limit: float = typer.Option(DEFAULT_TIME_LIMIT_S, "--time-limit", min=0.1,
                                     help="Seconds per MIP solve; the best plan found is "
                                          "reported with its optimality gap."),
    road_capacity: float | None = typer.Option(None, "--road-capacity",
                                               help="Direct-road TEU per day (default: "
                                                    "unlimited)."),
    sweep: str = typer.Option(DEFAULT_SWEEP_TEXT, "--sweep",
                              help="Carbon prices for the trade-off curve, e.g. 0,50,100,200 "
                                   "('' for none)."),
    network: Path | None = NETWORK_OPTION,
    demo: bool = typer.Option(False, "--demo", help="Use the packaged demo portfolio and "
                              "Rotterdam hinterland timetable."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, json or csv."),
    out: Path | None = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
    wide: bool = WIDE_OPTION,
) -> None:
    """Assign shipments to road, barge and rail services under capacity; compare with all-road
    and with the uncapacitated cheapest plan (the modal-shift potential)."""
    check_format(fmt, FORMATS)
    if carbon_price < 0 or nox_price < 0 or lateness_penalty < 0:
        raise typer.BadParameter("prices and penalties must be zero or more")
    if shipments is not None and str(shipments).lower() in FLAG_WORDS:
        raise typer.BadParameter(
            f"'{shipments}' was read as the SHIPMENTS file; --integer and --lp take no value",
            param_hint="SHIPMENTS")
    if demo or (shipments is None and services is None):
        if shipments is not None or services is not None:
            raise typer.BadParameter("--demo uses the packaged data; do not give files as well",
                                     param_hint="--demo")
        ship_in: Any = None
        svc_in: Any = None
        term_in: Any = None
    else:
        if shipments is None or services is None:
            raise typer.BadParameter("give SHIPMENTS and --services (or --demo)",
                                     param_hint="SHIPMENTS")
        ship_in, svc_in, term_in = shipments, services, terminals
    prices = _sweep(sweep)
    with status(f"planning {'the demo portfolio' if ship_in is None else shipments} "
                f"(HiGHS: the plan, 2 baselines and {len(prices)} sweep prices)"):
        result = plan(ship_in, svc_in, term_in, carbon_price_eur_per_t=carbon_price,
                      nox_price_eur_per_kg=nox_price,
                      lateness_penalty_eur_per_h=lateness_penalty, horizon_days=horizon,
                      integer=integer, sweep=prices, time_limit_s=time_limit,
                      road_capacity_teu_per_day=road_capacity,
                      network=None if network is None else load_network(network))
    if fmt == "json":
        emit_json(result.as_dict(), out)
    elif fmt == "csv":
        emit_text(_csv(result), out)
    else:
        from keten.services.dashboard import service_routes

        _print_tables(result, wide, service_routes(svc_in))


def register(app: typer.Typer) -> None:
    app.command("plan")(plan_command)
