"""``keten bundle``: bundling shipments of several shippers (vehicle routing), with each
shipper's share of the bundled cost and emissions."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import typer

from keten.cli.render import (
    check_format,
    console,
    emit_json,
    emit_text,
    prose,
    rich_table,
    status,
)
from keten.errors import KetenError

FORMATS = ("table", "json", "csv")
KPI_ROWS = [("shipments served", "shipments_served"), ("unserved", "shipments_unserved"),
            ("return flows served", "return_flows_served"),
            ("vehicles used", "vehicles_used"), ("vehicle-km", "vehicle_km"),
            ("empty km", "empty_km"), ("empty distance factor", "empty_distance_factor"),
            ("load factor", "load_factor"), ("driver hours", "driver_hours"),
            ("cost EUR", "cost_eur"), ("tkm", "transport_activity_tkm"),
            ("CO2e WTW kg", "co2e_wtw_kg"), ("CO2e TTW kg", "co2e_ttw_kg"),
            ("NOx kg", "nox_kg"), ("PM kg", "pm_kg")]


def kpi_rows(summary: list[dict[str, Any]], compare: bool) -> list[dict[str, Any]]:
    """KPIs as rows, scenarios as columns (fits an 80-column terminal)."""
    rows = []
    for label, key in KPI_ROWS:
        row: dict[str, Any] = {"KPI": label}
        for s in summary:
            row[s["scenario"]] = s.get(key)
        if compare and len(summary) == 2:
            a, b = summary[0].get(key), summary[1].get(key)
            change = (100.0 * (b - a) / a) if a and b is not None else None
            row["change %"] = 0.0 if change is not None and abs(change) < 1e-9 else change
        rows.append(row)
    return rows


def bundle_command(
    shipments: Path | None = typer.Argument(None, help="Shipments CSV/JSON (default: demo)."),
    fleet: Path | None = typer.Option(None, "--fleet", help="Fleet CSV/JSON (default: demo)."),
    together: bool = typer.Option(False, "--together", help="Only the bundled plan."),
    per_shipper: bool = typer.Option(False, "--per-shipper", help="Only each shipper alone."),
    allocation: str = typer.Option("auto", "--allocation",
                                   help="Cost split: shapley, alone (by stand-alone cost), tkm, "
                                        "or auto (shapley up to 5 shippers, else alone)."),
    zones: Path | None = typer.Option(None, "--zones",
                                      help="Zero-emission zones (GeoJSON): zone stops only by "
                                           "zero-emission vehicles."),
    time_limit: float = typer.Option(2.0, "--time-limit", help="Solver seconds per plan."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, json or csv (routes)."),
    out: Path | None = typer.Option(None, "--output", "-o", help="Write here instead."),
) -> None:
    """Bundle deliveries across shippers: vehicles, km, empty km, load factor, driver hours,
    cost and CO2e/NOx/PM (ISO 14083 engine), per shipper alone and together."""
    from keten.services.bundling import bundle

    check_format(fmt, FORMATS)
    if together and per_shipper:
        raise KetenError("give --together or --per-shipper, not both (neither compares them)")
    if (shipments is None) != (fleet is None):
        raise KetenError("give SHIPMENTS and --fleet FLEET together (or neither, for the demo)")
    mode = "together" if together else "per-shipper" if per_shipper else "compare"
    with status("routing each shipper alone and all together (OR-Tools), then the "
                "Shapley shares"):
        result = bundle(shipments, fleet, mode=mode, allocation=allocation, zones=zones,
                        time_limit_s=time_limit)
    doc = result.as_dict()
    if fmt == "json":
        emit_json(doc, out)
        return
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["scenario", "vehicle_id", "vehicle_type", "seq", "shipment_id", "kind",
                    "arrival", "lat", "lon", "load_kg_after"])
        for r in doc["routes"]:
            for i, st in enumerate(r["stops"], start=1):
                w.writerow([r["scenario"], r["vehicle_id"], r["vehicle_type"], i,
                            st["shipment_id"], st["kind"], st["arrival"], st["lat"], st["lon"],
                            st["load_kg_after"]])
        emit_text(buf.getvalue(), out)
        return
    summary = doc["summary"]
    rows = kpi_rows(summary, mode == "compare")
    cols = ["KPI", *[s["scenario"] for s in summary]]
    if mode == "compare":
        cols.append("change %")
    console.print(rich_table("Bundling (emissions: keten's ISO 14083 engine)", rows, cols, 2))
    if doc["allocation"]:
        shares = [{"shipper": a["shipper"], "EUR alone": a["cost_alone_eur"],
                   "EUR share": a["cost_share_eur"], "EUR saved": a["saving_eur"],
                   "CO2e kg alone": a["co2e_wtw_alone_kg"],
                   "CO2e kg share": a["co2e_wtw_share_kg"]} for a in doc["allocation"]]
        console.print(rich_table(
            f"Shares of the bundled plan (cost: {doc['allocation_rule']}; emissions: ISO "
            "14083, tkm within each TOC)", shares, list(shares[0]), 1))
        if any(a["co2e_wtw_share_kg"] > a["co2e_wtw_alone_kg"] for a in doc["allocation"]):
            prose("A CO2e share can exceed the shipper's CO2e alone: ISO 14083 splits "
                          "each bundled vehicle's emissions by tkm, not by the savings.")
    if doc["unserved"]:
        console.print(rich_table("Unserved shipments", doc["unserved"],
                                 ["shipment_id", "row", "reason"], cut_text=False))
    prose(f"Distances: {doc['method']['distance']}. Factor set {doc['factor_set']}.")
    if out is not None:
        emit_json(doc, out)


def register(app: typer.Typer) -> None:
    app.command("bundle")(bundle_command)
