"""``keten footprint``, ``keten toc`` and ``keten hoc``: ISO 14083 footprints and intensities."""

from __future__ import annotations

import io
from pathlib import Path

import typer
from rich.console import Console

from keten.cli.render import (
    WIDE_OPTION,
    check_format,
    console,
    emit_json,
    emit_text,
    progress,
    rich_table,
    status,
)
from keten.errors import KetenError, Problem, ValidationError
from keten.factors.library import load_factor_set
from keten.factors.records import HOC, TOC
from keten.io.factor_input import read_energy_file, read_hub_energy_file
from keten.io.factor_output import hoc_file_row, toc_file_row
from keten.services.footprint import footprint as run_footprint
from keten.services.footprint import write_footprint
from keten.services.footprint_output import csv_text, json_document, shipments_table

FORMATS = ("table", "json", "csv", "parquet", "ileap")
SHOWN_SHIPMENTS = 50


def footprint_command(
    input: Path = typer.Argument(..., help="TCE file: CSV, JSON or Parquet, one row per TCE."),
    tocs: Path | None = typer.Option(None, "--tocs", help="Your TOC intensities (CSV/JSON)."),
    hocs: Path | None = typer.Option(None, "--hocs", help="Your HOC intensities (CSV/JSON)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, json, csv, parquet, ileap."),
    out: Path | None = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
    pact_version: int = typer.Option(
        3, "--pact-version", help="ileap: PACT 3 (v3.0) or 2 (v2.3, what iLEAP v1.0.0 binds to)."
    ),
    company: str | None = typer.Option(
        None, "--company", help="ileap: publishing company (an id in the keten store)."
    ),
    company_name: str | None = typer.Option(
        None, "--company-name", help="ileap: companyName, for a company not in the store."
    ),
    company_urn: list[str] = typer.Option(
        [], "--company-urn", help="ileap: companyIds URN (repeatable), with --company-name."
    ),
    factor_set: str | None = typer.Option(
        None, "--factor-set", help="Pin a factor-set version (default: the newest, keten-2026.3)."
    ),
    wide: bool = WIDE_OPTION,
) -> None:
    """Footprint of transport chains per ISO 14083 / GLEC v3.1: CO2e WTW/TTW, NOx, PM, SOx."""
    check_format(fmt, FORMATS)
    if pact_version not in (2, 3):
        raise ValidationError([Problem("use 2 or 3", column="--pact-version")])
    try:
        _footprint(input, tocs, hocs, fmt, out, wide, factor_set, company, company_name,
                   company_urn, pact_version)
    except ValidationError as exc:
        raise _with_factor_file_hint(exc, tocs, hocs) from None


def _with_factor_file_hint(exc: ValidationError, tocs: Path | None,
                           hocs: Path | None) -> ValidationError:
    """Unknown TOC/HOC ids on many rows without a --tocs/--hocs file: one hint instead."""
    problems = list(exc.problems)
    for kind, given in (("TOC", tocs), ("HOC", hocs)):
        if given is not None:
            continue
        unknown = [p for p in problems if p.reason.startswith(f"unknown {kind} '")]
        if len(unknown) < 2:
            continue
        ids = sorted({p.reason.split("'")[1] for p in unknown})
        shown = ", ".join(ids[:4]) + (f" and {len(ids) - 4} more" if len(ids) > 4 else "")
        hint = Problem(f"{len(unknown)} rows use {kind} ids that are not built-in defaults "
                       f"({shown}): give your {kind} file with --{kind.lower()}s FILE",
                       unknown[0].file, None, f"{kind.lower()}_id")
        problems = [p for p in problems if p not in unknown] + [hint]
    return ValidationError(problems, title=exc.title) if problems != exc.problems else exc


def _footprint(input: Path, tocs: Path | None, hocs: Path | None, fmt: str, out: Path | None,
               wide: bool, factor_set: str | None, company: str | None,
               company_name: str | None, company_urn: list[str], pact_version: int) -> None:
    if fmt in ("csv", "parquet") and out is not None:
        with progress(f"footprint of {input.name}: TCEs computed") as done:
            summary = write_footprint(input, out, fmt, tocs, hocs, factor_set, progress=done)
        err = Console(stderr=True)
        err.print(f"wrote {summary.rows:,} TCE results to {out} (factor set {summary.factor_set})")
        print_mode_totals(console, "Totals by mode", summary.by_mode.to_pylist(), wide)
        return
    if fmt == "parquet":
        raise KetenError("--format parquet needs -o FILE")
    with progress(f"footprint of {input.name}: TCEs computed") as done:
        result = run_footprint(input, tocs, hocs, factor_set, progress=done)
    if fmt == "json":
        emit_json(json_document(result), out)
    elif fmt == "ileap":
        from keten.services.pact_documents import footprint_documents, publisher
        from keten.settings import Settings
        from keten.store import open_store

        needs_store = company is not None or company_name is None
        store = open_store(Settings()) if needs_store else None
        who = publisher(store, company, company_name, company_urn)
        emit_json(footprint_documents(result, who, pact_version), out)
    elif fmt == "csv":
        emit_text(csv_text(result.tce_table), out)
    else:
        _print_table(result, out, wide)


HUB_TKM_KEY = "tkm –: does not apply to a hub (it moves no freight over a distance)."


MODE_TOTAL_COLUMNS = ["group", "tce_count", "transport_activity_tkm", "co2e_wtw_kg",
                      "co2e_ttw_kg", "nox_kg", "pm_kg", "sox_kg"]


def print_mode_totals(target: Console, title: str, rows: list[dict[str, object]],
                      wide: bool) -> None:
    """Totals by mode / hub type with no tonne-km for the hub rows, and the key saying why: a
    hub handles tonnes, it has no transport activity (ISO 14083 counts its emissions per
    tonne), so "0.0" would read as a measured zero."""
    hub = [str(r.get("group", "")).startswith("hub") for r in rows]
    shown = [{**r, "transport_activity_tkm": None} if h else r
             for r, h in zip(rows, hub, strict=True)]
    target.print(rich_table(title, shown, MODE_TOTAL_COLUMNS, wide=wide))
    if any(hub):
        target.print(HUB_TKM_KEY)


def _print_table(result: object, out: Path | None, wide: bool = False) -> None:
    from keten.emissions.footprint import FootprintResult

    assert isinstance(result, FootprintResult)
    rows = shipments_table(result).to_pylist()
    shown = sorted(rows, key=lambda r: -(r["co2e_wtw_kg"] or 0))[:SHOWN_SHIPMENTS]
    cols = [
        "shipment_id",
        "mass_kg",
        "transport_activity_tkm",
        "co2e_wtw_kg",
        "co2e_ttw_kg",
        "nox_kg",
        "pm_kg",
        "sox_kg",
        "co2e_intensity_wtw_kg_per_tkm",
        "primary_data_share",
    ]
    title = (
        f"Shipments ({len(rows)}"
        + (f", top {SHOWN_SHIPMENTS} by CO2e" if len(rows) > SHOWN_SHIPMENTS else "")
        + ")"
    )
    target = console if out is None else Console(record=True, width=200, file=io.StringIO())
    precision = {"mass_kg": 0, "transport_activity_tkm": 1, "co2e_wtw_kg": 3, "co2e_ttw_kg": 3,
                 "nox_kg": 4, "pm_kg": 5, "sox_kg": 5, "co2e_intensity_wtw_kg_per_tkm": 4,
                 "primary_data_share": 3}
    target.print(rich_table(title, shown, cols, digits=precision, wide=wide or out is not None))
    print_mode_totals(target, "Totals by mode / hub type", result.by_mode().to_pylist(),
                      wide or out is not None)
    t = result.totals()
    target.print(
        f"Total: {t['co2e_wtw_kg']:,.3f} kg CO2e WTW ({t['co2e_ttw_kg']:,.3f} TTW), "
        f"{t['transport_activity_tkm']:,.1f} tkm, {int(t['shipment_count'])} shipments. "
        f"Method: {result.method}; factor set {result.factor_set}.",
        soft_wrap=False,  # wrapped on words at the terminal's width: never inside a number
    )
    if out is not None:
        emit_text(target.export_text(), out)


def _intensity_rows(items: dict[str, TOC] | dict[str, HOC]) -> list[dict[str, object]]:
    rows = []
    for rec in items.values():
        rows.append(
            {
                "id": getattr(rec, "toc_id", None) or getattr(rec, "hoc_id", None),
                "category": getattr(rec, "mode", None) or getattr(rec, "hub_type", None),
                "activity_unit": rec.activity_unit.value,
                "co2e_wtw_kg_per_unit": float(rec.co2e_wtw_kg_per_unit),
                "co2e_ttw_kg_per_unit": float(rec.co2e_ttw_kg_per_unit),
                "nox_g_per_unit": None if rec.nox_g_per_unit is None else float(rec.nox_g_per_unit),
                "pm_g_per_unit": None if rec.pm_g_per_unit is None else float(rec.pm_g_per_unit),
                "sox_g_per_unit": None if rec.sox_g_per_unit is None else float(rec.sox_g_per_unit),
                "data_source": rec.data_source.value,
                "energy_carrier": rec.energy_carrier,
            }
        )
    return rows


def _emit_intensities(
    rows: list[dict[str, object]],
    file_rows: list[dict[str, str]],
    fmt: str,
    out: Path | None,
    label: str,
    kind: str,
) -> None:
    """JSON or a table of the intensities; CSV in the file format ``--tocs/--hocs`` reads."""
    if fmt == "json":
        emit_json(rows, out)
    elif fmt == "csv":
        import pyarrow as pa

        emit_text(csv_text(pa.Table.from_pylist(file_rows)), out)
    else:
        title = f"{label} intensities from primary data"
        console.print(rich_table(title, rows, list(rows[0]) if rows else [], digits=5))
        console.print(
            f"Use the CSV output as `keten footprint --{kind}s FILE` (columns: see README)."
        )


def toc_command(
    input: Path = typer.Argument(..., help="Fuel and activity file (CSV/JSON)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, json or csv."),
    out: Path | None = typer.Option(None, "--output", "-o"),
) -> None:
    """TOC intensities from primary fuel/energy data (or a vehicle model), ISO 14083 6.2."""
    check_format(fmt, ("table", "json", "csv"))
    with status(f"computing TOC intensities from {input.name} (ISO 14083 6.2)"):
        tocs = read_energy_file(input, load_factor_set())
    file_rows = [toc_file_row(t) for t in tocs.values()]
    _emit_intensities(_intensity_rows(tocs), file_rows, fmt, out, "TOC", "toc")


def hoc_command(
    input: Path = typer.Argument(..., help="Hub energy and throughput file (CSV/JSON)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, json or csv."),
    out: Path | None = typer.Option(None, "--output", "-o"),
) -> None:
    """HOC intensities from hub energy use and throughput, ISO 14083 6.4."""
    check_format(fmt, ("table", "json", "csv"))
    with status(f"computing HOC intensities from {input.name} (ISO 14083 6.4)"):
        hocs = read_hub_energy_file(input, load_factor_set())
    file_rows = [hoc_file_row(h) for h in hocs.values()]
    _emit_intensities(_intensity_rows(hocs), file_rows, fmt, out, "HOC", "hoc")


def register(app: typer.Typer) -> None:
    app.command("footprint")(footprint_command)
    app.command("toc")(toc_command)
    app.command("hoc")(hoc_command)
