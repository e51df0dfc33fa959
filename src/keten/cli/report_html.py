"""``keten report html``: a self-contained HTML report (plotly.js inlined, charts embedded) of
a footprint, a plan or a disruption scenario. Registers onto the ``report`` group of
``keten.cli.report``."""

from __future__ import annotations

from pathlib import Path

import typer

from keten.errors import Problem, ValidationError


def html(
    output: Path = typer.Option(..., "-o", "--output", dir_okay=False,
                                help="Report file to write (replaced atomically)."),
    footprint: Path | None = typer.Option(None, "--footprint", dir_okay=False,
                                          help="TCE file (CSV, Parquet or JSON)."),
    tocs: Path | None = typer.Option(None, "--tocs", help="TOC file for --footprint."),
    hocs: Path | None = typer.Option(None, "--hocs", help="HOC file for --footprint."),
    company: str | None = typer.Option(None, "--company", help="Company named in a "
                                       "--footprint report."),
    plan: bool = typer.Option(False, "--plan", help="A plan (demo portfolio unless "
                              "--shipments/--services are given)."),
    shipments: Path | None = typer.Option(None, "--shipments", help="Shipments for --plan."),
    services: Path | None = typer.Option(None, "--services", help="Services for --plan."),
    terminals: Path | None = typer.Option(None, "--terminals", help="Terminals for --plan."),
    carbon_price: float = typer.Option(100.0, "--carbon-price",
                                       help="EUR per tonne CO2e for --plan."),
    scenario: str | None = typer.Option(None, "--scenario", help="Scenario file (YAML/JSON) or "
                                        "template such as lowwater:800 (demo demand)."),
) -> None:
    """Write one HTML file that opens offline: totals, tables and interactive charts."""
    from keten.services import report_html

    chosen = [name for name, on in (("--footprint", footprint is not None), ("--plan", plan),
                                    ("--scenario", scenario is not None)) if on]
    if len(chosen) != 1:
        raise ValidationError([Problem("give exactly one of --footprint FILE, --plan, "
                                       "--scenario SPEC", column="--footprint")],
                              title="nothing to report" if not chosen else "too many reports")
    from keten.cli.render import progress

    with progress(f"writing the {chosen[0].lstrip('-')} report {output.name}", unit="") as _:
        if footprint is not None:
            document = report_html.footprint_report(footprint, tocs, hocs, company)
        elif plan:
            document = report_html.plan_report(shipments, services, terminals, carbon_price)
        else:
            from keten.settings import Settings

            document = report_html.scenario_report(str(scenario), Settings().tile_url)
        path = report_html.write_report(document, output)
    typer.echo(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB, self-contained)")


def register(app: typer.Typer) -> None:
    from keten.cli.report import report_app

    report_app.command("html")(html)
