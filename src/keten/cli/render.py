"""Shared rendering for CLI commands: rich tables, JSON, and writing to -o atomically."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from keten.io.tables import write_text_atomic

console = Console()


def fmt_number(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value != 0 and abs(value) < 10**-digits:
            return f"{value:.2e}"
        return f"{value:,.{digits}f}"
    return str(value)


HEADERS = {
    "shipment_id": "shipment",
    "mass_kg": "mass kg",
    "transport_activity_tkm": "tkm",
    "co2e_wtw_kg": "CO2e WTW kg",
    "co2e_ttw_kg": "CO2e TTW kg",
    "co2e_wtt_kg": "CO2e WTT kg",
    "nox_kg": "NOx kg",
    "pm_kg": "PM kg",
    "sox_kg": "SOx kg",
    "tce_count": "TCEs",
    "co2e_intensity_wtw_kg_per_tkm": "kg CO2e/tkm",
    "primary_data_share": "primary share",
    "group": "mode / hub",
    "distance_km": "km",
    "time_h": "h",
    "cost_eur": "EUR",
}


def rich_table(
    title: str,
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    digits: int | dict[str, int] = 3,
) -> Table:
    """A table of ``rows``; ``digits`` is one precision for all numbers or one per column."""
    table = Table(title=title, title_justify="left", header_style="bold")
    for c in columns:
        numeric = any(isinstance(r.get(c), float | int) for r in rows)
        table.add_column(HEADERS.get(c, c), justify="right" if numeric else "left", overflow="fold")
    per_column = digits if isinstance(digits, dict) else {}
    default = digits if isinstance(digits, int) else 3
    for r in rows:
        table.add_row(*(fmt_number(r.get(c), per_column.get(c, default)) for c in columns))
    return table


def emit_text(text: str, out: Path | None) -> None:
    """Print ``text`` or write it atomically to ``out``."""
    if out is None:
        typer.echo(text, nl=not text.endswith("\n"))
    else:
        write_text_atomic(out, text if text.endswith("\n") else text + "\n")
        Console(stderr=True).print(f"wrote {out}")


def emit_json(doc: Any, out: Path | None) -> None:
    emit_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str), out)


def check_format(fmt: str, allowed: Sequence[str]) -> str:
    if fmt not in allowed:
        raise typer.BadParameter(
            f"'{fmt}' is not one of {', '.join(allowed)}", param_hint="--format"
        )
    return fmt
