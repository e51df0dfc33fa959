"""``keten factors list|show``: the factor library with its sources."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import typer

from keten.cli.render import WIDE_OPTION, check_format, console, emit_json, rich_table
from keten.errors import FactorNotFoundError
from keten.factors.library import FACTOR_KINDS, FactorSet, load_factor_set
from keten.factors.vocabulary import standard_names_for

factors_app = typer.Typer(
    help="The factor library: energy carriers, TOC/HOC defaults, pollutants.", no_args_is_help=True
)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Enum):
        return value.value
    return value


def _records(fs: FactorSet, kind: str) -> list[dict[str, Any]]:
    tables: dict[str, dict[str, Any]] = {
        "fuel": fs.energy_carriers,
        "toc": fs.tocs,
        "hoc": fs.hocs,
        "pollutant": fs.pollutant_factors,
    }
    source = tables[kind]
    rows = [
        {"kind": kind, **{k: _plain(v) for k, v in asdict(rec).items()}} for rec in source.values()
    ]
    if kind == "fuel":
        # the iLEAP/PACT names (any case) that select this carrier in input files
        for row in rows:
            row["accepted_names"] = ", ".join(standard_names_for(row["carrier_id"]))
    return rows


# most important first: a narrow terminal drops the columns from the end
SUMMARY = {
    "fuel": ["carrier_id", "wtw_kgco2e_per_unit", "unit", "ttw_kgco2e_per_unit", "status",
             "accepted_names"],
    "toc": ["toc_id", "co2e_wtw_kg_per_unit", "activity_unit", "mode", "co2e_ttw_kg_per_unit",
            "nox_g_per_unit", "status", "source"],
    "hoc": ["hoc_id", "co2e_wtw_kg_per_unit", "activity_unit", "hub_type",
            "co2e_ttw_kg_per_unit", "status", "source"],
    "pollutant": ["factor_id", "pollutant", "g_per_kg_fuel", "emission_standard", "fuel_family",
                  "source"],
}


@factors_app.command("list")
def list_command(
    kind: str | None = typer.Option(None, "--kind", "-k", help="fuel, toc, hoc or pollutant."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
    out: Path | None = typer.Option(None, "--output", "-o"),
    factor_set: str | None = typer.Option(
        None, "--factor-set", help="A factor-set version (default: the newest)."
    ),
    wide: bool = WIDE_OPTION,
) -> None:
    """List factors (all kinds, or one) with value, unit, status and source; fuels show the
    iLEAP/PACT names accepted for them in input files."""
    check_format(fmt, ("table", "json"))
    if kind is not None and kind not in FACTOR_KINDS:
        raise typer.BadParameter(
            f"'{kind}' is not one of {', '.join(FACTOR_KINDS)}", param_hint="--kind"
        )
    fs = load_factor_set(factor_set)
    kinds = [kind] if kind else list(FACTOR_KINDS)
    if fmt == "json":
        emit_json(
            {
                "factor_set": fs.version,
                "description": fs.description,
                "bases": fs.bases,
                "factors": [r for k in kinds for r in _records(fs, k)],
            },
            out,
        )
        return
    for k in kinds:
        console.print(
            rich_table(f"{k} factors ({fs.version})", _records(fs, k), SUMMARY[k], digits=4,
                       wide=wide)
        )


@factors_app.command("show")
def show_command(
    factor_id: str = typer.Argument(..., help="A carrier, TOC, HOC or pollutant factor id."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
    factor_set: str | None = typer.Option(None, "--factor-set", help="A factor-set version."),
) -> None:
    """Everything about one factor, including its source, status and factor-set version."""
    check_format(fmt, ("table", "json"))
    fs = load_factor_set(factor_set)
    for kind in FACTOR_KINDS:
        for rec in _records(fs, kind):
            key = next(iter(v for k, v in rec.items() if k.endswith("_id")))
            if key == factor_id:
                if fmt == "json":
                    emit_json(rec, None)
                else:
                    rows = [{"field": k, "value": str(v) if k == "year" else v}
                            for k, v in rec.items()]
                    console.print(rich_table(factor_id, rows, ["field", "value"], digits=6,
                                             cut_text=False))
                return
    known = [
        next(iter(v for k, v in r.items() if k.endswith("_id")))
        for kd in FACTOR_KINDS
        for r in _records(fs, kd)
    ]
    import difflib

    close = difflib.get_close_matches(factor_id, known, n=5, cutoff=0.5)
    raise FactorNotFoundError(
        f"unknown factor '{factor_id}'" + (f"; close matches: {', '.join(close)}" if close else "")
    )


def register(app: typer.Typer) -> None:
    app.add_typer(factors_app, name="factors")
