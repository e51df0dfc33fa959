"""``keten construction``: NOx/NH3 (nitrogen), CO2e and cost of a construction project's
logistics per scenario, and the IMAER file for AERIUS."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import typer

from keten.cli.render import check_format, console, emit_json, emit_text, rich_table
from keten.construction.model import SCENARIOS
from keten.errors import KetenError
from keten.services.construction import (
    DEMO_PROJECT,
    ConstructionResult,
    construction,
    result_document,
    write_imaer_file,
)

FORMATS = ("table", "json", "csv")
SHOWN_SOURCES = 25
METRICS = [
    ("NOx on site kg", "nox_site_kg"), ("NH3 on site kg", "nh3_site_kg"),
    ("NOx routes kg", "nox_routes_kg"), ("NH3 routes kg", "nh3_routes_kg"),
    ("N total kg N", "nitrogen_kg_n"), ("CO2e WTW t", "co2e_wtw_t"), ("PM kg", "pm_kg"),
    ("cost kEUR", "cost_keur"),
]
SHORT = {"as_planned": "planned", "construction_hub": "hub", "by_water": "water",
         "electric_machinery": "e-machines"}


def _summary_rows(result: ConstructionResult) -> list[dict[str, Any]]:
    summary = result.summary()
    for s in summary:
        s["co2e_wtw_t"] = s["co2e_wtw_kg"] / 1000.0
        s["cost_keur"] = None if s["cost_eur"] is None else s["cost_eur"] / 1000.0
    return [{"metric": label, **{SHORT.get(s["scenario"], s["scenario"]): s[key]
                                 for s in summary}} for label, key in METRICS]


def _print(result: ConstructionResult) -> None:
    p = result.project
    cols = ["metric", *[SHORT.get(n, n) for n in result.scenarios]]
    console.print(rich_table(
        f"{p.name}: nitrogen within {p.distance_limit_km:g} km (AERIUS), CO2e and cost",
        _summary_rows(result), cols, 1))
    # the year apart: in the table it made every number a text of six decimals
    peaks = {SHORT.get(s["scenario"], s["scenario"]): s["peak_year"] for s in result.summary()}
    console.print("peak year (AERIUS): " + (str(next(iter(peaks.values())))
                                            if len(set(peaks.values())) == 1
                                            else ", ".join(f"{k} {v}" for k, v in peaks.items())))
    first = next(iter(result.scenarios.values()))
    by_source = first.by("source_id")
    labels = {r.source_id: r.label for r in first.rows}
    rows = [{"source": sid, "what": labels[sid], "NOx kg": v["nox_kg"], "NH3 kg": v["nh3_kg"],
             "CO2e t": v["co2e_wtw_kg"] / 1000.0}
            for sid, v in sorted(by_source.items(), key=lambda kv: -kv[1]["nitrogen_kg_n"])]
    title = f"Sources in '{first.scenario}' (by nitrogen"
    title += f", first {SHOWN_SOURCES})" if len(rows) > SHOWN_SOURCES else ")"
    console.print(rich_table(title, rows[:SHOWN_SOURCES],
                             ["source", "what", "NOx kg", "NH3 kg", "CO2e t"],
                             {"NOx kg": 1, "NH3 kg": 2, "CO2e t": 1}))
    years = [{"year": str(y), **{SHORT.get(n, n): r.by("year").get(y, {}).get("nitrogen_kg_n", 0.0)
                            for n, r in result.scenarios.items()}}
             for y in sorted({y for r in result.scenarios.values() for y in r.by("year")})]
    console.print(rich_table("kg N per year (NOx as NO2 and NH3, within the limit)", years,
                             ["year", *cols[1:]], 1))


def _csv(result: ConstructionResult) -> str:
    rows = [r.as_dict() for res in result.scenarios.values() for r in res.rows]
    buf = io.StringIO()
    fields = list(rows[0]) if rows else ["scenario", "source_id"]
    w = csv.DictWriter(buf, fields, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def construction_command(
    project: Path | None = typer.Argument(None, help="Project file (YAML or JSON); "
                                          "default with --demo: the packaged demo project."),
    scenario: list[str] | None = typer.Option(
        None, "--scenario", "-s", help=f"Scenario to compute (repeatable): {', '.join(SCENARIOS)}"
        " (default: all). --imaer writes the first one."),
    imaer: Path | None = typer.Option(None, "--imaer", help="Write an IMAER 6.0 GML file "
                                      "for AERIUS Calculator / Connect."),
    year: int | None = typer.Option(None, "--year", help="Calendar year for --imaer "
                                    "(default: the year with the most nitrogen)."),
    demo: bool = typer.Option(False, "--demo", help="Use the packaged demo project."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, json or csv."),
    out: Path | None = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
) -> None:
    """NOx and NH3 of a construction project's deliveries, machinery and barges on site and on
    the access routes within 25 km, with CO2e and cost, per scenario; IMAER export."""
    check_format(fmt, FORMATS)
    if demo and project is not None:
        raise KetenError("--demo uses the packaged project; do not give a file as well")
    if project is None and not demo:
        raise KetenError("give a PROJECT file (or --demo)")
    result = construction(project or DEMO_PROJECT, scenario or None)
    if imaer is not None:
        first = scenario[0] if scenario else next(iter(result.scenarios))
        path, chosen = write_imaer_file(result, imaer, first, year)
        console.print(f"wrote {path} (IMAER 6.0, scenario {first}, year {chosen})",
                      highlight=False)
    if fmt == "json":
        emit_json(result_document(result), out)
    elif fmt == "csv":
        emit_text(_csv(result), out)
    else:
        _print(result)


def register(app: typer.Typer) -> None:
    app.command("construction")(construction_command)
