"""Bundling inputs at the edge: shipments, a fleet, zero-emission zones.

Every row is checked and every problem gathered (file, row, column, reason) before one
ValidationError. Rows that are well formed but cannot be served (overweight, impossible time
windows, unreachable places) are not errors: the plan reports them as unserved, per row.

Shipments: ``shipment_id``, ``shipper``, ``pickup``, ``delivery`` (``lat,lon``, a UN/LOCODE
or a place of keten's network), ``mass_kg``; optional ``pallets``, ``pickup_from``,
``pickup_to``, ``delivery_from``, ``delivery_to`` (``HH:MM`` on the planning day),
``service_min`` (per stop, default 15), ``direction`` (``outbound`` or ``return``),
``description``.

Fleet: ``vehicle_type``, ``count``, ``depot``, ``capacity_kg``, ``energy_carrier``,
``energy_per_km_empty``, ``energy_per_km_full`` (carrier unit per km); optional
``capacity_pallets``, ``cost_per_km_eur``, ``cost_per_hour_eur``, ``fixed_cost_eur``,
``speed_kmh`` (default 60), ``emission_standard``, ``range_km``, ``shift_start``,
``shift_end``, ``zero_emission`` (default: true for electricity and hydrogen), ``source``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from keten.bundling.model import Shipment, Site, VehicleType
from keten.bundling.zones import Zone
from keten.errors import KetenError, Problem, ValidationError
from keten.factors.library import FactorSet
from keten.io.checked_table import checked_table
from keten.io.rows import RowParser, text_rows

Locate = Callable[[str], tuple[float, float]]

SHIPMENT_REQUIRED = {"shipment_id", "shipper", "pickup", "delivery", "mass_kg"}
SHIPMENT_OPTIONAL = {"pallets", "pickup_from", "pickup_to", "delivery_from", "delivery_to",
                     "service_min", "direction", "description"}
FLEET_REQUIRED = {"vehicle_type", "count", "depot", "capacity_kg", "energy_carrier",
                  "energy_per_km_empty", "energy_per_km_full"}
FLEET_OPTIONAL = {"capacity_pallets", "cost_per_km_eur", "cost_per_hour_eur", "fixed_cost_eur",
                  "speed_kmh", "emission_standard", "range_km", "shift_start", "shift_end",
                  "zero_emission", "source", "description"}
ZERO_EMISSION_FAMILIES = {"electricity", "hydrogen"}


def _clock(p: RowParser, r: dict[str, str], column: str, default: int) -> int:
    raw = (r.get(column) or "").strip()
    if not raw:
        return default
    try:
        if ":" in raw:
            h, m = raw.split(":", 1)
            value = int(h) * 60 + int(m)
            if not (0 <= int(m) < 60):
                raise ValueError
        else:
            value = round(float(raw))
    except ValueError:
        p.bad(column, f"'{raw}' is not a time of day (HH:MM)")
        return default
    if not 0 <= value <= 48 * 60:
        p.bad(column, f"'{raw}' is outside 00:00-48:00")
        return default
    return value


def _site(p: RowParser, r: dict[str, str], column: str, locate: Locate) -> Site | None:
    text = p.text(r, column)
    if not text:
        return None
    try:
        lat, lon = locate(text)
    except KetenError as exc:
        p.bad(column, str(exc))
        return None
    return Site(text, lat, lon)


def read_shipments(data: Any, locate: Locate) -> list[Shipment]:
    """Validated shipments; raises one ValidationError listing every bad row."""
    table, label, first = checked_table(data, "shipments", SHIPMENT_REQUIRED, SHIPMENT_OPTIONAL)
    p = RowParser(label)
    out: list[Shipment] = []
    seen: set[str] = set()
    for row, r in text_rows(table, first):
        p.row = row
        before = len(p.problems)
        sid = p.text(r, "shipment_id")
        if sid in seen:
            p.bad("shipment_id", f"duplicate shipment_id '{sid}'")
        seen.add(sid)
        shipper = p.text(r, "shipper")
        pick = _site(p, r, "pickup", locate)
        drop = _site(p, r, "delivery", locate)
        mass = p.positive(r, "mass_kg")
        pallets = p.positive(r, "pallets", optional=True, allow_zero=True)
        if pallets is not None and pallets != pallets.to_integral_value():
            p.bad("pallets", f"{pallets} is not a whole number")
        service = p.positive(r, "service_min", optional=True, allow_zero=True)
        direction = (r.get("direction") or "outbound").strip()
        if direction not in ("outbound", "return"):
            p.bad("direction", f"'{direction}' is not outbound or return")
        pf = _clock(p, r, "pickup_from", 0)
        pt = _clock(p, r, "pickup_to", 24 * 60)
        df = _clock(p, r, "delivery_from", 0)
        dt = _clock(p, r, "delivery_to", 24 * 60)
        if len(p.problems) > before or pick is None or drop is None or mass is None:
            continue
        out.append(Shipment(sid, shipper, pick, drop, float(mass), int(pallets or 0), pf, pt, df,
                            dt, float(service) if service is not None else 15.0, direction, row))
    if p.problems:
        raise ValidationError(p.problems, title=f"{label}: invalid shipments")
    if not out:
        raise ValidationError([Problem("no shipments", label)])
    return out


def read_fleet(data: Any, locate: Locate, fs: FactorSet) -> list[VehicleType]:
    """Validated vehicle types; raises one ValidationError listing every bad row."""
    table, label, first = checked_table(data, "fleet", FLEET_REQUIRED, FLEET_OPTIONAL)
    p = RowParser(label)
    out: list[VehicleType] = []
    for row, r in text_rows(table, first):
        p.row = row
        before = len(p.problems)
        vt = p.text(r, "vehicle_type")
        count = p.positive(r, "count")
        if count is not None and count != count.to_integral_value():
            p.bad("count", f"{count} is not a whole number")
        depot = _site(p, r, "depot", locate)
        cap = p.positive(r, "capacity_kg")
        carrier = p.text(r, "energy_carrier")
        family = ""
        if carrier and carrier not in fs.energy_carriers:
            p.bad("energy_carrier",
                  f"unknown energy carrier '{carrier}' (see `keten factors list --kind fuel`)")
        elif carrier:
            family = fs.carrier(carrier).family
        e0 = p.positive(r, "energy_per_km_empty")
        e1 = p.positive(r, "energy_per_km_full")
        if e0 is not None and e1 is not None and e1 < e0:
            p.bad("energy_per_km_full", f"{e1} is below the empty consumption {e0}")
        pallets = p.positive(r, "capacity_pallets", optional=True, allow_zero=True)
        speed = p.positive(r, "speed_kmh", optional=True)
        rng = p.positive(r, "range_km", optional=True)
        start = _clock(p, r, "shift_start", 6 * 60)
        end = _clock(p, r, "shift_end", 20 * 60)
        if end <= start:
            p.bad("shift_end", "the shift ends before it starts")
        ze_raw = (r.get("zero_emission") or "").strip().lower()
        if ze_raw and ze_raw not in ("true", "false", "yes", "no", "1", "0"):
            p.bad("zero_emission", f"'{ze_raw}' is not true or false")
        ze = ze_raw in ("true", "yes", "1") if ze_raw else family in ZERO_EMISSION_FAMILIES
        money = {c: p.positive(r, c, optional=True, allow_zero=True)
                 for c in ("cost_per_km_eur", "cost_per_hour_eur", "fixed_cost_eur")}
        if len(p.problems) > before or None in (count, depot, cap, e0, e1):
            continue
        assert depot is not None
        out.append(VehicleType(
            vehicle_type=vt, count=int(count or 0), depot=depot, capacity_kg=float(cap or 0),
            energy_carrier=carrier, energy_per_km_empty=float(e0 or 0),
            energy_per_km_full=float(e1 or 0), capacity_pallets=int(pallets or 0),
            cost_per_km_eur=float(money["cost_per_km_eur"] or 0),
            cost_per_hour_eur=float(money["cost_per_hour_eur"] or 0),
            fixed_cost_eur=float(money["fixed_cost_eur"] or 0),
            speed_kmh=float(speed) if speed is not None else 60.0,
            emission_standard=(r.get("emission_standard") or "").strip(),
            range_km=float(rng) if rng is not None else None, zero_emission=ze,
            shift_start_min=start, shift_end_min=end, row=row))
    if p.problems:
        raise ValidationError(p.problems, title=f"{label}: invalid fleet")
    if not out:
        raise ValidationError([Problem("no vehicle types", label)])
    return out


def read_zones(path: str | Path) -> list[Zone]:
    """Polygons from a GeoJSON FeatureCollection in WGS84 (``zone_id`` / ``name`` properties)
    or any file geopandas reads (reprojected to WGS84)."""
    from shapely.geometry import shape

    path = Path(path)
    if not path.is_file():
        raise ValidationError([Problem("file not found", str(path))])
    problems: list[Problem] = []
    zones: list[Zone] = []
    if path.suffix.lower() in (".geojson", ".json"):
        try:
            doc = json.loads(path.read_text())
            features = doc["features"] if doc.get("type") == "FeatureCollection" else [doc]
        except (ValueError, KeyError, AttributeError) as exc:
            raise ValidationError([Problem(f"not GeoJSON: {exc}", str(path))]) from None
        for i, f in enumerate(features, start=1):
            props = f.get("properties") or {}
            try:
                geom = shape(f["geometry"])
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                problems.append(Problem(f"bad geometry: {exc}", str(path), i, "geometry"))
                continue
            if geom.geom_type not in ("Polygon", "MultiPolygon") or not geom.is_valid:
                problems.append(Problem(f"{geom.geom_type} is not a valid polygon", str(path),
                                        i, "geometry"))
                continue
            zid = str(props.get("zone_id") or props.get("id") or props.get("name") or f"zone{i}")
            start = str(props.get("valid_from") or "")
            try:
                if start:
                    date.fromisoformat(start[:10])
            except ValueError:
                problems.append(Problem(f"valid_from '{start}' is not a date (YYYY-MM-DD)",
                                        str(path), i, "valid_from"))
                continue
            zones.append(Zone(zid, str(props.get("name") or zid), geom, start,
                              str(props.get("source") or ""),
                              str(props.get("municipality") or ""),
                              str(props.get("traffic_decree") or "")))
    else:
        import geopandas as gpd

        gdf = gpd.read_file(path).to_crs(4326)
        for i, rec in enumerate(gdf.itertuples(), start=1):
            geom = rec.geometry
            zid = str(getattr(rec, "zone_id", None) or getattr(rec, "name", None) or f"zone{i}")
            zones.append(Zone(zid, str(getattr(rec, "name", zid)), geom, "", str(path)))
    if problems:
        raise ValidationError(problems, title=f"{path}: invalid zones")
    return zones
