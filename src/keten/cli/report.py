"""``keten report scope3``: CSRD (ESRS E1) scope 3 transport totals, categories 4 and 9."""

from __future__ import annotations

import csv
import io
import json

import typer

from keten.cli.render import console, rich_table
from keten.errors import Problem, ValidationError
from keten.services.report import scope3_report
from keten.settings import Settings
from keten.store import open_store

report_app = typer.Typer(help="Reports from the keten store.", no_args_is_help=True)

SHORT_LABELS = {4: "4 upstream", 9: "9 downstream", None: "unclassified"}
COLUMNS = [
    "company_id",
    "year",
    "scope3_category",
    "label",
    "shipments",
    "transport_activity_tkm",
    "co2e_wtw_kg",
    "co2e_ttw_kg",
    "primary_data_share_pct",
    "source",
    "statements_verified",
]


@report_app.command("scope3")
def scope3(
    year: int = typer.Option(..., "--year", help="Reporting year (shipments' reference year)."),
    company: str | None = typer.Option(None, "--company", help="Only this company."),
    fmt: str = typer.Option("table", "--format", help="table, csv or json."),
) -> None:
    """Upstream (category 4) and downstream (category 9) transport emissions with the
    primary-data share: your own shipments (classified on import, --direction) and, on
    their own rows, the footprints received from partners (keten partner fetch)."""
    if fmt not in ("table", "csv", "json"):
        raise ValidationError([Problem("use table, csv or json", column="--format")])
    rows = [r.as_dict() for r in scope3_report(open_store(Settings()), year, company)]
    if fmt == "json":
        typer.echo(json.dumps({"year": year, "rows": rows}, indent=2))
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        # 12 significant digits: the sums' binary noise (96991.24678427822) is not a digit
        writer.writerows({k: float(f"{v:.12g}") if isinstance(v, float) else v
                          for k, v in r.items()} for r in rows)
        typer.echo(buffer.getvalue(), nl=False)
    else:
        shown = [{**r, "category": SHORT_LABELS.get(r["scope3_category"], "?")} for r in rows]
        console.print(rich_table(
            f"Scope 3 transport, {year}", shown,
            ["company_id", "category", "source", "co2e_wtw_kg", "primary_data_share_pct",
             "shipments", "transport_activity_tkm", "co2e_ttw_kg"],
            digits={"transport_activity_tkm": 1, "co2e_wtw_kg": 2, "co2e_ttw_kg": 2,
                    "primary_data_share_pct": 1}))
        if not rows:
            console.print("no shipments stored for this year")


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
