"""``keten report iso14083``: the ISO 14083 / CountEmissionsEU disclosure of a reporting period,
as HTML and JSON. Registers onto the ``report`` group of ``keten.cli.report``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from keten.errors import Problem, ValidationError


def _date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            [Problem(f"'{text}' is not a date (YYYY-MM-DD)", column=option)]
        ) from None


def iso14083(
    input: Path = typer.Argument(..., help="TCE file (CSV, JSON or Parquet), one row per TCE."),
    output: Path | None = typer.Option(
        None, "-o", "--output", dir_okay=False, help="HTML report to write."
    ),
    json_out: Path | None = typer.Option(
        None, "--json", dir_okay=False, help="JSON report to write (the verifier's copy)."
    ),
    year: int | None = typer.Option(None, "--year", help="Reporting year (sets --from/--to)."),
    start: str | None = typer.Option(None, "--from", help="Period start, YYYY-MM-DD."),
    end: str | None = typer.Option(None, "--to", help="Period end (inclusive), YYYY-MM-DD."),
    tocs: Path | None = typer.Option(None, "--tocs", help="Your TOC intensities (CSV/JSON)."),
    hocs: Path | None = typer.Option(None, "--hocs", help="Your HOC intensities (CSV/JSON)."),
    factor_set: str | None = typer.Option(None, "--factor-set", help="Pin a factor-set version."),
    organisation: str = typer.Option("", "--organisation", help="Reporting organisation."),
) -> None:
    """Disclosure per ISO 14083: chains, TCEs, emissions per TOC/HOC, data shares, distance
    basis, every factor used with its source, allocation and exclusions."""
    from keten.services.footprint import footprint
    from keten.services.report_iso14083 import iso14083_report, write_iso14083_report

    if output is None and json_out is None:
        raise ValidationError(
            [Problem("give -o REPORT.html and/or --json REPORT.json", column="--output")],
            title="nothing to write",
        )
    period_start, period_end = _date(start, "--from"), _date(end, "--to")
    if year is not None:
        period_start, period_end = date(year, 1, 1), date(year, 12, 31)
    result = footprint(input, tocs, hocs, factor_set)
    doc = iso14083_report(result, period_start, period_end, organisation)
    for path in write_iso14083_report(doc, output, json_out):
        typer.echo(f"wrote {path}")
    t = doc["totals"]
    typer.echo(
        f"{t['shipment_count']} shipments, {t['tce_count']} TCEs: "
        f"{float(t['co2e_wtw_kg'] or 0):,.1f} kg CO2e WTW; factor set "
        f"{doc['factor_set']['version']}; {len(doc['exclusions']['shipments'])} shipments "
        "outside the period"
    )


def register(app: typer.Typer) -> None:
    from keten.cli.report import report_app

    report_app.command("iso14083")(iso14083)
