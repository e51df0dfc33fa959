"""Footprint results in the shapes keten hands out: JSON document, tables, iLEAP."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from keten.emissions.footprint import FootprintResult
from keten.emissions.results import ShipmentResult, TCEResult
from keten.exchange.decimals import decimal_float

TCE_FIELDS = (
    "tce_id",
    "kind",
    "toc_id",
    "hoc_id",
    "mode",
    "hub_type",
    "mass_kg",
    "distance_km",
    "distance_type",
    "teu",
    "transport_activity_tkm",
    "activity",
    "activity_unit",
    "co2e_wtw_kg",
    "co2e_ttw_kg",
    "co2e_wtt_kg",
    "nox_kg",
    "pm_kg",
    "sox_kg",
    "co2_biogenic_kg",
    "data_source",
    "factor_status",
    "prev_tce_ids",
    "consignment_id",
    "origin",
    "destination",
    "departure_at",
    "arrival_at",
)


def _num(value: Any) -> Any:
    return decimal_float(value) if isinstance(value, Decimal) else value


def tce_dict(t: TCEResult) -> dict[str, Any]:
    out = {f: _num(getattr(t, f)) for f in TCE_FIELDS}
    out["prev_tce_ids"] = list(t.prev_tce_ids)
    return out


def shipment_dict(s: ShipmentResult) -> dict[str, Any]:
    intensity = s.co2e_intensity_wtw_kg_per_tkm
    return {
        "shipment_id": s.shipment_id,
        "mass_kg": _num(s.mass_kg),
        "transport_activity_tkm": _num(s.transport_activity_tkm),
        "co2e_wtw_kg": _num(s.co2e_wtw_kg),
        "co2e_ttw_kg": _num(s.co2e_ttw_kg),
        "co2e_wtt_kg": _num(s.co2e_wtt_kg),
        "nox_kg": _num(s.nox_kg),
        "pm_kg": _num(s.pm_kg),
        "sox_kg": _num(s.sox_kg),
        "co2e_intensity_wtw_kg_per_tkm": _num(intensity),
        "co2e_intensity_basis": s.intensity_basis,
        "co2e_intensity_wtw_incl_hubs_kg_per_tkm": _num(s.co2e_intensity_wtw_incl_hubs_kg_per_tkm),
        "co2_biogenic_kg": _num(s.co2_biogenic_kg),
        "primary_data_share": _num(s.primary_data_share),
        "factor_status_shares": {k: _num(v) for k, v in s.factor_status_shares.items()},
        "tces": [tce_dict(t) for t in s.tces],
    }


def json_document(result: FootprintResult) -> dict[str, Any]:
    """The ``keten footprint --format json`` document."""
    shipments = [shipment_dict(s) for s in result.shipments]
    totals = {
        k: sum((s[k] or 0.0) for s in shipments)
        for k in (
            "transport_activity_tkm",
            "co2e_wtw_kg",
            "co2e_ttw_kg",
            "nox_kg",
            "pm_kg",
            "sox_kg",
        )
    }
    return {
        "shipments": shipments,
        "totals": totals,
        "by_mode": result.by_mode().to_pylist(),
        "factor_set": result.factor_set,
        "method": result.method,
        "generated_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
    }


def shipments_table(result: FootprintResult) -> pa.Table:
    nested = ("tces", "factor_status_shares")
    rows = [
        {k: v for k, v in shipment_dict(s).items() if k not in nested} for s in result.shipments
    ]
    return pa.Table.from_pylist(rows)


# float64 results keep 12 significant digits in CSV: float64 carries 15-16, so this drops only
# the noise of binary arithmetic (162.23999999999998 -> 162.24), never a measured digit
CSV_SIGNIFICANT_DIGITS = 12


def without_float_noise(table: pa.Table, digits: int = CSV_SIGNIFICANT_DIGITS) -> pa.Table:
    """``table`` with its float columns rounded to ``digits`` significant digits, so that a
    CSV writer's shortest round-trip text shows no binary noise."""
    import numpy as np

    columns = []
    for column in table.columns:
        if not pa.types.is_floating(column.type):
            columns.append(column)
            continue
        values = column.to_numpy(zero_copy_only=False).astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            magnitude = np.floor(np.log10(np.abs(values)))
            scale = np.where(np.isfinite(magnitude), 10.0 ** (digits - 1 - magnitude), 1.0)
            rounded = np.where(np.isfinite(values) & (values != 0),
                               np.round(values * scale) / scale, values)
        mask = column.is_null().to_numpy(zero_copy_only=False)
        columns.append(pa.array(rounded, pa.float64(), mask=mask).cast(column.type))
    return pa.Table.from_arrays(columns, schema=table.schema)


def csv_text(table: pa.Table) -> str:
    sink = io.BytesIO()
    pacsv.write_csv(without_float_noise(table), sink)
    return sink.getvalue().decode("utf-8")
