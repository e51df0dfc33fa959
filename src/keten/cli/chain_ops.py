"""``keten load-factor``, ``keten ze-zones`` and ``keten street-turns``: chain effectiveness
from trip logs, zero-emission zones and empty container moves."""

from __future__ import annotations

import csv
import io
from pathlib import Path

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


def load_factor_command(
    trip_log: Path | None = typer.Argument(None, help="Trip log CSV/JSON (default: demo)."),
    target: float | None = typer.Option(None, "--target",
                                        help="Target load factor (0-1) for the savings."),
    fmt: str = typer.Option("table", "--format", "-f",
                            help="table, json, or toc (the fuel file `keten toc` reads)."),
    out: Path | None = typer.Option(None, "--output", "-o"),
) -> None:
    """Load factor and empty distance factor per vehicle type and lane from a trip log."""
    from keten.services.load_factor import load_factors

    check_format(fmt, ("table", "json", "toc"))
    r = load_factors(trip_log, target)
    if fmt == "json":
        emit_json(r.as_dict(), out)
        return
    if fmt == "toc":
        if not r.toc_rows:
            raise KetenError("no lane has energy data: the trip log needs energy_amount")
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(r.toc_rows[0]))
        w.writeheader()
        w.writerows(r.toc_rows)
        emit_text(buf.getvalue(), out)
        return
    label = {"vehicle_type": "vehicle type", "vehicle_km": "km", "empty_km": "empty km",
             "empty_distance_factor": "EDF", "load_factor": "LF",
             "intensity_kgco2e_per_tkm": "kgCO2e/tkm", "km_saved": "km saved",
             "co2e_wtw_saved_kg": "kgCO2e saved"}
    cols = ["vehicle_type", "lane", "trips", "vehicle_km", "empty_km", "empty_distance_factor",
            "load_factor", "intensity_kgco2e_per_tkm"]
    digits = {"km": 0, "empty km": 0, "EDF": 3, "LF": 3, "kgCO2e/tkm": 4, "km saved": 0,
              "kgCO2e saved": 1}
    if target is not None:
        cols = [*cols[:3], "empty_distance_factor", "load_factor", "km_saved",
                "co2e_wtw_saved_kg"]
    rows = [{label.get(k, k): (v.replace("_", " ") if k == "vehicle_type" else v)
             for k, v in x.items()} for x in r.lanes]
    console.print(rich_table("Load factor (LF) and empty distance factor (EDF), iLEAP "
                             "definitions", rows, [label.get(c, c) for c in cols], digits))
    t = r.totals()
    line = (f"All lanes: {t['vehicle_km']:,.0f} km, empty distance factor "
            f"{t['empty_distance_factor']:.3f}, load factor {t['load_factor']:.3f}")
    if target is not None and t["km_saved"] is not None:
        line += (f"; at load factor {target:g}: {t['km_saved']:,.0f} km and "
                 f"{t['co2e_wtw_saved_kg']:,.0f} kg CO2e WTW less")
    prose(line + ".")
    prose("TOC intensities: `keten load-factor LOG --format toc -o tocs_in.csv`, then "
                  "`keten toc tocs_in.csv`.")


def ze_zones_command(
    shipments: Path | None = typer.Argument(None, help="Shipments CSV/JSON (default: demo)."),
    fleet: Path | None = typer.Option(None, "--fleet", help="Fleet CSV/JSON (default: demo)."),
    zones: Path | None = typer.Option(None, "--zones",
                                      help="Zone polygons, GeoJSON (default: keten's shipped "
                                           "Dutch ZE zones, NDW open data)."),
    on: str | None = typer.Option(None, "--on", help="Apply the zones in force on this date, "
                                  "YYYY-MM-DD (default: today)."),
    list_zones: bool = typer.Option(False, "--list", help="List the zones and their sources."),
    time_limit: float = typer.Option(2.0, "--time-limit", help="Solver seconds per plan."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
    out: Path | None = typer.Option(None, "--output", "-o"),
) -> None:
    """Deliveries in zero-emission zones, the zero-emission vehicles they take, and the CO2e,
    NOx and PM the zone rule avoids (inside the zones too)."""
    from datetime import date

    from keten.services.ze_zones import shipped_snapshot, shipped_zones, ze_zones

    check_format(fmt, ("table", "json"))
    try:
        day = date.fromisoformat(on) if on else date.today()
    except ValueError:
        raise KetenError(f"--on: '{on}' is not a date (YYYY-MM-DD)") from None
    if list_zones:
        from keten.bundling.zones import area_km2
        from keten.io.bundling_input import read_zones

        zs = read_zones(zones) if zones else shipped_zones()
        rows = [{"zone": z.zone_id, "area km2": area_km2(z), "from": z.valid_from,
                 "in force": "yes" if not z.valid_from or z.valid_from <= day.isoformat()
                 else "no", "decree": z.traffic_decree, "municipality": z.municipality,
                 "source": z.source} for z in zs]
        if fmt == "json":
            emit_json(rows, out)
            return
        console.print(rich_table(f"Zero-emission zones ({len(rows)}; in force on "
                                 f"{day.isoformat()}: "
                                 f"{sum(r['in force'] == 'yes' for r in rows)})", rows,
                                 ["zone", "area km2", "from", "in force", "decree"], 2))
        if not zones:
            prose("Source: NDW open data 'Emissiezones' (CC0), DATEX II snapshot "
                          f"published {shipped_snapshot()}; each zone's NDW record, version and "
                          "decree (gmb = Gemeenteblad) in -f json. Other polygons: --zones FILE.")
        return
    if (shipments is None) != (fleet is None):
        raise KetenError("give SHIPMENTS and --fleet FLEET together (or neither, for the demo)")
    with status("routing the deliveries with and without the zone rule (OR-Tools)"):
        r = ze_zones(shipments, fleet, zones, time_limit_s=time_limit, on=day)
    doc = r.as_dict()
    if fmt == "json":
        emit_json(doc, out)
        return
    a, b = doc["scenarios"]
    keys = [("shipments served", "shipments_served"), ("vehicles used", "vehicles_used"),
            ("zero-emission vehicles", "zero_emission_vehicles_used"),
            ("vehicle-km", "vehicle_km"), ("km inside zones", "zone_km"),
            ("cost EUR", "cost_eur"), ("CO2e WTW kg", "co2e_wtw_kg"), ("NOx kg", "nox_kg"),
            ("NOx in zones kg", "nox_in_zone_kg"), ("PM in zones kg", "pm_in_zone_kg")]
    rows = [{"KPI": label, "no zone rule": a[k], "zone rule": b[k]} for label, k in keys]
    console.print(rich_table(f"Zero-emission zones: {doc['in_zone']} of "
                             f"{len(doc['deliveries'])} shipments have a stop in a zone", rows,
                             ["KPI", "no zone rule", "zone rule"], 3))
    prose(f"Zero-emission vehicles needed: {doc['zero_emission_vehicles_needed']} "
                  f"({', '.join(doc['zero_emission_vehicle_types']) or '-'}); "
                  f"{doc['zero_emission_vehicles_added']} more than the fleet file has.")
    if doc["unserved"]:
        console.print(rich_table("Unserved under the zone rule", doc["unserved"],
                                 ["shipment_id", "row", "reason"], cut_text=False))
    prose(f"Zones in force on {doc['zones_in_force_on']}: {len(doc['zones'])} "
                  f"({'--zones file' if zones else 'NDW open data, see --list'}).")


def street_turns_command(
    imports: Path | None = typer.Argument(None, help="Import containers (default: demo)."),
    exports: Path | None = typer.Option(None, "--exports", help="Export loads CSV/JSON."),
    depots: Path | None = typer.Option(None, "--depots", help="Inland empty depots CSV/JSON."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
    out: Path | None = typer.Option(None, "--output", "-o"),
) -> None:
    """Street turns of empty containers: reuse import boxes for exports nearby, and empty
    depots inland; empty TEU-km, cost and emissions avoided."""
    from keten.services.street_turns import street_turns

    check_format(fmt, ("table", "json"))
    if (imports is None) != (exports is None):
        raise KetenError("give IMPORTS and --exports EXPORTS together (or neither, demo)")
    with status("matching import and export containers on the road network"):
        doc = street_turns(imports, exports, depots).as_dict()
    if fmt == "json":
        emit_json(doc, out)
        return
    sc = doc["scenarios"]
    keys = [("street turns", "street_turns"), ("empty moves", "empty_moves"),
            ("empty km", "empty_km"), ("empty TEU-km", "empty_teu_km"), ("cost EUR", "cost_eur"),
            ("CO2e WTW kg", "co2e_wtw_kg"), ("NOx kg", "nox_kg")]
    names = ["via port", "inland depots", "+ street turns"]
    rows = [{"KPI": label, **{n: s[k] for n, s in zip(names, sc, strict=True)}}
            for label, k in keys]
    console.print(rich_table("Empty container moves (emissions: ISO 14083 engine)", rows,
                             ["KPI", *names], 2))
    if doc["street_turns"]:
        console.print(rich_table("Street turns", doc["street_turns"],
                                 ["import", "export", "size"]))
    why = [{"container": k, "reason": v} for k, v in doc["not_street_turned"].items()]
    if why:
        console.print(rich_table("Not street-turned", why, ["container", "reason"],
                                 cut_text=False))


def register(app: typer.Typer) -> None:
    app.command("load-factor")(load_factor_command)
    app.command("ze-zones")(ze_zones_command)
    app.command("street-turns")(street_turns_command)
