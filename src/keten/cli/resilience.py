"""``keten disrupt | criticality | stress-test | sweep``: resilience of the freight network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from keten.cli.network import which_network
from keten.cli.render import (
    check_format,
    console,
    emit_json,
    header_of,
    prose,
    rich_table,
    status,
)
from keten.errors import Problem, ValidationError
from keten.resilience.templates import TEMPLATES, VOLKERAK_LOCKS_LINK
from keten.services import resilience as service

FORMAT_OPTION = typer.Option("table", "--format", "-f", help="table or json.")
DEMAND_OPTION = typer.Option(None, "--demand", "-d",
                             help="Demand matrix (CSV/JSON/Parquet: origin, destination, "
                                  "tonnes_per_day, modes); default: keten's demo flows.")
NETWORK_OPTION = typer.Option(None, "--network", "-n",
                              help="Network file (.geojson, .gpkg or a folder with nodes.csv/"
                                   "links.csv); default: keten's built-in network.")
SHORT = {"inland_waterway": "barge"}


def _rows(frame: Any) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict(orient="records")]


def _pct(value: Any) -> Any:
    """A share (0.186) as a percentage (18.6) for a table whose header says %."""
    return None if value is None or value != value else float(value) * 100


def _scaled(value: Any, factor: float) -> Any:
    return value * factor if isinstance(value, int | float) and factor != 1.0 else value


def _mode(mode: Any) -> str:
    return SHORT.get(str(mode), str(mode))


def _capacity_label(text: str, places: dict[str, str]) -> str:
    """``terminal:DEDUI:rail`` as "Duisburg (rail)"; a fleet or other capacity as given."""
    parts = text.split(":")
    if len(parts) == 3 and parts[0] == "terminal":
        return f"{places.get(parts[1], parts[1])} ({_mode(parts[2])})"
    return text.replace("inland_waterway", "barge")


def _template_spec(scenario: str | None, template: str | None, discharge: float | None,
                   days: int | None) -> str:
    spec = template or scenario
    if not spec:
        raise ValidationError([Problem("give a SCENARIO file or --template NAME[:ARGS] "
                                       f"({', '.join(TEMPLATES)})", None, None, "SCENARIO")],
                              title="invalid scenario")
    name = spec.split(":", 1)[0].lower()
    if ":" in spec or name not in TEMPLATES:
        if discharge is not None or days is not None:
            reason = ("give the template's arguments either after its name or as "
                      "--discharge/--days, not both" if name in TEMPLATES
                      else "--discharge/--days only apply to templates")
            raise ValidationError([Problem(reason, None, None, "discharge")],
                                  title="invalid scenario")
        return spec
    if name == "lowwater":
        parts = [f"{discharge:g}" if discharge is not None else "800"]
        if days is not None:
            parts.append(str(days))
        return "lowwater:" + ":".join(parts)
    if discharge is not None:
        raise ValidationError([Problem("--discharge applies to the lowwater template only",
                                       None, None, "discharge")], title="invalid scenario")
    if days is None:
        return spec
    if name in ("betuweroute", "lock", "suez"):
        return f"{name}:{days}"
    if name == "rail-outage":
        return f"rail-outage:Betuweroute:{days}"
    if name == "closure":
        return f"closure:{VOLKERAK_LOCKS_LINK}:{days}"
    return f"congestion:NLRTM-MV:0.6:48:{days}"


def _disrupt_plan(spec: str, shipments: Path | None, services: Path | None,
                  terminals: Path | None, carbon_price: float, fmt: str, out: Path | None) -> None:
    from keten.services.disrupt_plan import disrupt_plan

    result = disrupt_plan(spec, shipments, services, terminals,
                          carbon_price_eur_per_t=carbon_price)
    doc = result.as_dict()
    if fmt == "json" or out is not None:
        emit_json(doc, out)
        return
    console.print(f"[bold]{result.scenario.name}[/]: portfolio re-planned on the disrupted "
                  f"services ({len(result.services)} departures affected, "
                  f"{result.cancelled_services} cancelled)", soft_wrap=False)
    keys = ["served_shipments", "unserved_shipments", "on_time_rate", "cost_eur",
            "co2e_wtw_kg", "co2e_ttw_kg", "nox_kg", "pm_kg"]
    # the on-time rate in % (its change in points); the JSON keeps the fraction
    scale = {"on_time_rate": 100.0}
    labels = {"on_time_rate": "on time %", "cost_eur": "cost EUR"}
    rows = [{"KPI": labels.get(k, header_of(k)),
             "baseline": _scaled(doc["baseline"][k], scale.get(k, 1.0)),
             "disrupted": _scaled(doc["disrupted"][k], scale.get(k, 1.0)),
             "change": ((doc["disrupted"][k] or 0) - (doc["baseline"][k] or 0))
             * scale.get(k, 1.0)} for k in keys]
    for mode in sorted(set(doc["baseline"]["tkm_by_mode"]) | set(doc["disrupted"]["tkm_by_mode"])):
        a = doc["baseline"]["tkm_by_mode"].get(mode, 0.0)
        b = doc["disrupted"]["tkm_by_mode"].get(mode, 0.0)
        rows.append({"KPI": f"{_mode(mode)} tkm", "baseline": a, "disrupted": b,
                     "change": b - a})
    console.print(rich_table("plan: baseline and disrupted", rows,
                             ["KPI", "baseline", "disrupted", "change"], 1))
    if doc["affected_terminals"]:
        console.print(rich_table("terminals", doc["affected_terminals"],
                                 ["terminal_id", "capacity_factor", "extra_handling_h"], 2))
    if doc["unserved"]:
        console.print(rich_table("unserved after re-planning", doc["unserved"],
                                 ["shipment_id", "units", "reason"], 1))


def disrupt_command(
    scenario: str | None = typer.Argument(
        None, help="Scenario file (YAML/JSON) or a template: " + ", ".join(TEMPLATES) + "."),
    template: str | None = typer.Option(None, "--template", "-t",
                                        help="Template with arguments, e.g. lowwater:800, "
                                             "betuweroute:14, suez:30, congestion:NLRTM-MV:0.6:"
                                             "48:10."),
    discharge: float | None = typer.Option(None, "--discharge",
                                           help="Lobith discharge in m3/s (lowwater)."),
    days: int | None = typer.Option(None, "--days", help="Duration in days (templates)."),
    demand: Path | None = DEMAND_OPTION,
    network: Path | None = NETWORK_OPTION,
    per_day: bool = typer.Option(False, "--per-day", help="Also print the per-day table."),
    plan: bool = typer.Option(False, "--plan", help="Re-plan a shipment portfolio on the "
                              "disrupted services instead of re-routing flows (demo portfolio "
                              "unless --shipments/--services are given)."),
    shipments: Path | None = typer.Option(None, "--shipments", help="Shipments for --plan."),
    services: Path | None = typer.Option(None, "--services", help="Services for --plan."),
    terminals: Path | None = typer.Option(None, "--terminals", help="Terminals for --plan."),
    carbon_price: float = typer.Option(100.0, "--carbon-price", help="EUR/t CO2e for --plan."),
    fmt: str = FORMAT_OPTION,
    out: Path | None = typer.Option(None, "--output", "-o", help="Write JSON here."),
) -> None:
    """Impact of a disruption scenario: unserved and late tonnes, extra cost, time, CO2e, NOx,
    PM and the modal shift against the undisrupted baseline, per day and in total. With
    --plan: the portfolio re-planned on the services the scenario leaves, against its plan."""
    check_format(fmt, ("table", "json"))
    spec = _template_spec(scenario, template, discharge, days)
    if plan:
        _disrupt_plan(spec, shipments, services, terminals, carbon_price, fmt, out)
        return
    with status("simulating the scenario day by day against the undisrupted baseline"):
        result = service.disrupt(spec, demand=demand, network=network)
    if fmt == "json" or out is not None:
        emit_json(result.as_dict(), out)
        return
    t = result.totals
    console.print(f"[bold]{result.scenario.name}[/] (simulated over "
                  f"{int(t['horizon_days'])} days)")
    # "time to recover days", not time_to_recover_days (the JSON keeps the field names)
    rows = [{"metric": header_of(k), "value": v} for k, v in t.items() if k != "horizon_days"]
    places = service.place_names(network)
    binding = sorted({_capacity_label(b, places) for day in result.days["binding_capacity"]
                      for b in str(day).split("; ") if b})
    if binding:
        console.print("capacity that ran out on some day: " + ", ".join(binding[:12])
                      + (f" and {len(binding) - 12} more" if len(binding) > 12 else ""),
                      soft_wrap=False)
    console.print(rich_table("totals against the undisrupted baseline", rows,
                             ["metric", "value"], 1))
    # keys with spaces are headers as they are: million tkm and shares in percent
    split = [{"mode": _mode(r["mode"]), "baseline share %": _pct(r["baseline_share"]),
              "disrupted share %": _pct(r["disrupted_share"]),
              "baseline Mtkm": r["baseline_tkm"] / 1e6,
              "disrupted Mtkm": r["disrupted_tkm"] / 1e6, "change Mtkm": r["change_tkm"] / 1e6}
             for r in _rows(result.modal_split)]
    console.print(rich_table("modal split (share of tkm in %, million tkm)", split,
                             list(split[0]) if split else ["mode"], 1))
    for target in result.resolved:
        factors = target.get("payload_factors")
        if factors:
            names = target.get("link_names", {})
            # one row per waterway and factor: the national network has many RWS sections
            grouped: dict[tuple[str, float], int] = {}
            for k, v in factors.items():
                key = (names.get(k, k), round(float(v), 4))
                grouped[key] = grouped.get(key, 0) + 1
            console.print(rich_table(f"payload factors ({target['id']}): a barge's load as % "
                                     "of its load at normal water",
                                     [{"link": name if n == 1 else f"{name} ({n} sections)",
                                       "payload %": _pct(v)}
                                      for (name, v), n in grouped.items()],
                                     ["link", "payload %"], 1))
        else:
            console.print(f"{target['id']} ({target['type']}): {target['link_count']} link(s)"
                          + (f", nodes {', '.join(target['nodes'])}" if target["nodes"] else ""))
    flows = result.flows[(result.flows["late_t"] > 0) | (result.flows["unserved_t"] > 0)
                         | (result.flows["extra_cost_eur"].abs() > 0.5)]
    if len(flows):
        named = [{**r, "origin": r.get("origin_name", r["origin"]),
                  "destination": r.get("destination_name", r["destination"])}
                 for r in _rows(flows)]
        console.print(rich_table("flows affected", named,
                                 ["flow_id", "origin", "destination", "late_t", "lost_t",
                                  "surcharge_eur", "extra_cost_eur", "extra_co2e_wtw_kg"], 0))
    if per_day:
        console.print(rich_table("per day", _rows(result.days),
                                 ["day", "disrupted_delivered_t", "disrupted_backlog_t",
                                  "disrupted_late_t", "disrupted_lost_t",
                                  "extra_cost_incl_surcharges_eur", "extra_co2e_wtw_kg"],
                                 0))


def criticality_command(
    network: Path | None = NETWORK_OPTION,
    demand: Path | None = typer.Option(
        None, "--demand", "-d", help="Demand matrix (CSV/JSON/Parquet: origin, destination, "
        "tonnes_per_day, modes) for freight-weighted criticality; default: keten's demo flows "
        "on the built-in network, none for a --network file (redundancy only)."),
    top: int = typer.Option(15, "--top", help="Rows to show per ranking (0: all)."),
    any_mode: bool = typer.Option(False, "--any-mode",
                                  help="Let detours use other modes' links too."),
    hazard_col: str | None = typer.Option(None, "--hazard-col", help="Hazard overlay: a link "
                                          "attribute (e.g. flood_depth_m)."),
    hazard_raster: Path | None = typer.Option(None, "--hazard-raster", help="Hazard overlay: "
                                              "a GeoTIFF sampled along each link (max)."),
    threshold: float | None = typer.Option(None, "--threshold", help="Links whose hazard "
                                           "value is at least this are all removed at once."),
    fmt: str = FORMAT_OPTION,
    out: Path | None = typer.Option(None, "--output", "-o", help="Write JSON here."),
) -> None:
    """Single-link redundancy (detour yes/no, extra km and h), bridges, and links ranked by
    the extra generalised cost and CO2e of the demand when they fail. With --hazard-col or
    --hazard-raster and --threshold: multi-link redundancy of every affected link."""
    check_format(fmt, ("table", "json"))
    if top < 0:
        raise ValidationError([Problem("--top must be >= 0", None, None, "top")])
    if hazard_col is not None or hazard_raster is not None or threshold is not None:
        _hazard(network, hazard_col, hazard_raster, threshold, not any_mode, top, fmt, out)
        return
    with status(f"taking out each link of the {which_network(network)} network in turn"):
        result = service.criticality(network, demand, same_mode=not any_mode)
    doc = result.as_dict(top or None)
    if fmt == "json" or out is not None:
        emit_json(doc, out)
        return
    console.print(f"{doc['links']} links, {doc['bridges']} bridges (links whose loss cuts the "
                  "network in two), "
                  f"{doc['without_detour']} without a detour"
                  + (f", {doc['self_loops']} self-loop(s)" if doc["self_loops"] else ""))
    console.print(rich_table("redundancy: no detour first, then largest extra time",
                             _named_links(doc["redundancy"]),
                             ["link", "mode", "is_bridge", "has_detour", "length_km",
                              "extra_length_km", "extra_time_h"], 1))
    if doc["freight"] is None:
        console.print("no demand given: freight-weighted criticality skipped (--demand FILE)")
        return
    console.print(rich_table("freight-weighted criticality", _named_links(doc["freight"]),
                             ["link", "mode", "flows", "tonnes_per_day",
                              "extra_cost_eur_per_day", "extra_co2e_wtw_kg_per_day",
                              "unserved_t_per_day"], 0))


def _named_links(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with a ``link`` column: the link's name where it has one (JSON keeps the id)."""
    return [{**r, "link": r.get("link_name") or r["link_id"], "mode": _mode(r["mode"])}
            for r in rows]


def _hazard(network: Path | None, column: str | None, raster: Path | None,
            threshold: float | None, same_mode: bool, top: int, fmt: str,
            out: Path | None) -> None:
    from keten.services.hazard import overlay

    result = overlay(network, threshold, column, raster, same_mode)
    doc = result.as_dict(top or None)
    if fmt == "json" or out is not None:
        emit_json(doc, out)
        return
    console.print(f"hazard {doc['hazard']} >= {doc['threshold']:g}: {doc['removed']} of "
                  f"{doc['links']} links removed at once; {doc['disconnected']} leave their "
                  f"ends cut off, {doc['detoured']} have a detour")
    console.print(rich_table("removed links: cut off first, then largest extra time",
                             _named_links(doc["removed_links"]),
                             ["link", "mode", "hazard_value", "connected", "length_km",
                              "extra_length_km", "extra_time_h"], 2))


def stress_test_command(
    supply_network: str = typer.Argument(
        ..., help="Supply network file (YAML/JSON, see docs/resilience.md) or 'demo'."),
    fmt: str = FORMAT_OPTION,
    out: Path | None = typer.Option(None, "--output", "-o", help="Write JSON here."),
) -> None:
    """Time-to-survive (LP) and time-to-recover per node; nodes ranked by TTR - TTS."""
    check_format(fmt, ("table", "json"))
    net, table = service.stress_test(supply_network)
    rows: list[dict[str, Any]] = [
        {k: (bool(v) if k in ("tts_unbounded", "at_risk") else v) for k, v in r.items()}
        for r in _rows(table)]
    if fmt == "json" or out is not None:
        emit_json({"supply_network": net.name, "horizon_days": net.horizon_days,
                   "nodes": rows}, out)
        return
    shown = [{**r, "lost_share_pct": _pct(r.get("lost_share"))} for r in rows]
    console.print(rich_table(f"{net.name}: time-to-survive vs time-to-recover (days)", shown,
                             ["node_id", "kind", "tts_days", "ttr_days", "gap_days", "at_risk",
                              "lost_share_pct", "lost_demand_units"], 2))


def sweep_command(
    distribution: str = typer.Argument(
        ..., help="Scenario distribution file (YAML/JSON, see docs/resilience.md) or 'demo'."),
    runs: int | None = typer.Option(None, "--runs", "-r", help="Number of runs."),
    scheduler: str | None = typer.Option(None, "--scheduler",
                                         help="An existing Dask scheduler, tcp://HOST:PORT; "
                                              "default: a LocalCluster."),
    workers: int = typer.Option(2, "--workers", help="LocalCluster workers."),
    threads: bool = typer.Option(False, "--threads",
                                 help="LocalCluster with threads instead of processes."),
    batch_size: int = typer.Option(10, "--batch-size", help="Runs per Dask task."),
    demand: Path | None = DEMAND_OPTION,
    network: Path | None = NETWORK_OPTION,
    out: Path | None = typer.Option(None, "--output", "-o",
                                    help="Results Parquet (summary next to it as "
                                         "NAME.summary.parquet)."),
    fmt: str = FORMAT_OPTION,
) -> None:
    """Monte Carlo sweep over a scenario distribution on Dask; Parquet + p5/p50/p95 summary."""
    check_format(fmt, ("table", "json"))
    if workers < 1 or batch_size < 1:
        raise ValidationError([Problem("--workers and --batch-size must be >= 1", None, None,
                                       "workers")])
    err = Console(stderr=True)
    with Progress(TextColumn("sweep"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task("runs", total=runs or None)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = service.sweep(distribution, runs=runs, scheduler=scheduler, output=out,
                               demand=demand, network=network, workers=workers,
                               processes=not threads, batch_size=batch_size, progress=tick)
    summary = _rows(result.summary)
    if fmt == "json":
        emit_json({"name": result.distribution.name, "runs": len(result.runs),
                   "scheduler": result.scheduler,
                   "output": None if out is None else str(out), "summary": summary}, None)
        return
    console.print(f"[bold]{result.distribution.name}[/]: {len(result.runs)} runs on "
                  f"{result.scheduler}" + (f", results in {out}" if out else ""))
    console.print(rich_table("percentiles over the runs",
                             [{**r, "metric": _sweep_metric(str(r["metric"]))} for r in summary],
                             ["metric", "mean", "p5", "p50", "p95"], 1))


def _sweep_metric(metric: str) -> str:
    """``param:disruptions.0.discharge_m3s`` as "discharge m3/s (sampled)", a result metric
    with its unit spelled out ("time to recover days"); the JSON keeps the names."""
    if metric.startswith("param:"):
        return f"{header_of(metric.rsplit('.', 1)[-1])} (sampled)"
    return header_of(metric).replace("inland waterway", "barge")


def risk_exposure_command(
    network: Path | None = NETWORK_OPTION,
    demand: Path | None = DEMAND_OPTION,
    top_links: int = typer.Option(8, "--links", help="Most freight-critical links to test."),
    top_terminals: int = typer.Option(6, "--terminals",
                                      help="Busiest terminals and ports to test."),
    fmt: str = FORMAT_OPTION,
    out: Path | None = typer.Option(None, "--output", "-o", help="Write JSON here."),
) -> None:
    """Risk exposure index (Simchi-Levi et al. 2015) per terminal, lock and link: each is taken
    out for its time to recover under the capacity of the alternatives; impact, TTS from
    inventory, redundancy and freight use in one ranking."""
    check_format(fmt, ("table", "json"))
    if top_links < 0 or top_terminals < 0:
        raise ValidationError([Problem("--links and --terminals must be >= 0", None, None,
                                       "links")])
    with status("taking out each terminal and link for its time to recover"):
        table = service.risk_exposure(network, demand, top_links, top_terminals)
    rows = [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
            for r in _rows(table)]
    if fmt == "json" or out is not None:
        emit_json({"method": "risk exposure index = financial impact over TTR / largest "
                             "(Simchi-Levi et al. 2015)", "elements": rows}, out)
        return
    console.print(rich_table("risk exposure: element out for its time to recover (TTR)",
                             [{**r, "element": r.get("element_name") or r["element_id"],
                               "kind": _mode(r["kind"])} for r in rows],
                             ["rank", "element", "kind", "risk_exposure_index",
                              "financial_impact_eur", "ttr_days", "tts_days", "at_risk",
                              "tonnes_per_day", "has_detour"], 2))


def backtest_command(
    network: Path | None = NETWORK_OPTION,
    demand: Path | None = DEMAND_OPTION,
    fmt: str = FORMAT_OPTION,
    out: Path | None = typer.Option(None, "--output", "-o", help="Write JSON here."),
) -> None:
    """The 2018 Rhine low water (1 Aug - 30 Nov) from published readings, compared with the
    published figures (CCNR transport performance, container traffic, Contargo surcharges)."""
    check_format(fmt, ("table", "json"))
    with status("simulating the 2018 Rhine low water day by day (1 Aug - 30 Nov)"):
        result, table = service.backtest_2018(network, demand)
    rows = _rows(table)
    if fmt == "json" or out is not None:
        emit_json({"scenario": result.scenario.name, "comparison": rows,
                   "totals": result.totals}, out)
        return
    console.print(f"[bold]{result.scenario.name}[/]")
    shown = [_backtest_row(r) for r in rows]
    console.print(rich_table("keten against published figures (deviation = keten - published)",
                             shown, ["metric", "keten", "published", "deviation", "period",
                                     "unit"], 1))
    prose("Changes are in %, their deviation in percentage points.")
    for r, s in zip(rows, shown, strict=True):
        prose(f"- {s['metric']} ({r['period']}): {r['source']}; {r['note']}")
    t = result.totals
    prose(f"keten: peak backlog {t['peak_backlog_t']:,.0f} t, late {t['late_t']:,.0f} t, "
                  f"lost {t['lost_t']:,.0f} t, surcharges EUR {t['surcharge_eur']:,.0f}, "
                  f"extra cost incl. surcharges EUR {t['extra_cost_incl_surcharges_eur']:,.0f}")


def _backtest_row(row: dict[str, Any]) -> dict[str, Any]:
    """A comparison row as a table shows it: a share as a percentage ("barge tkm change %"),
    the metric's unit spelled out ("surcharge EUR/TEU")."""
    if row["unit"] == "share":
        return {**row, "metric": f"{header_of(row['metric'])} %", "unit": "%",
                **{k: _pct(row[k]) for k in ("keten", "published", "deviation")}}
    return {**row, "metric": header_of(row["metric"])}


def register(app: typer.Typer) -> None:
    app.command("risk-exposure")(risk_exposure_command)
    app.command("backtest")(backtest_command)
    app.command("disrupt")(disrupt_command)
    app.command("criticality")(criticality_command)
    app.command("stress-test")(stress_test_command)
    app.command("sweep")(sweep_command)
