"""The result of a footprint run: per-TCE table (bulk, float64) and exact shipment results."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from keten.emissions.exact import hub_tce, to_decimal, transport_tce
from keten.emissions.results import ShipmentResult, TCEResult
from keten.emissions.shipment import group_shipments
from keten.factors.library import FactorSet

METHOD = "ISO 14083:2023; GLEC Framework v3.1"
# Recorded in ``method`` when a GLEC v2.0 planned-distance default met an actual distance.
PLANNED_DISTANCE_RULE = (
    "GLEC Framework v2.0 planned-distance rule: defaults built on planned distances lowered "
    "when the actual distance is given (-5 % road, -15 % sea trade lanes; "
    "see TCE distance_adjustment)"
)
SUM_COLUMNS = (
    "transport_activity_tkm",
    "co2e_wtw_kg",
    "co2e_ttw_kg",
    "co2e_wtt_kg",
    "nox_kg",
    "pm_kg",
    "sox_kg",
    "co2_biogenic_kg",
)


def _decimal_or_none(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return to_decimal(value)


def exact_tces(tces: pa.Table, fs: FactorSet) -> list[TCEResult]:
    """Recompute every TCE in exact decimal arithmetic from the validated inputs.

    Input numbers come back as ``Decimal(repr(float))``, the shortest decimal that reads back
    to the same float, which is the text the user wrote for any value with <= 15 digits.
    """
    out: list[TCEResult] = []
    for rec in tces.to_pylist():
        row = {
            k: (None if v is None else (repr(v) if isinstance(v, float) else str(v)))
            for k, v in rec.items()
        }
        if rec["kind"] == "hub":
            out.append(hub_tce(row, fs.hoc(rec["hoc_id"])))
        else:
            dist = _decimal_or_none(rec["distance_km"])
            assert dist is not None
            out.append(transport_tce(row, fs.toc(rec["toc_id"]), dist, rec["distance_type"]))
    return out


@dataclass
class FootprintResult:
    """Footprint of a set of TCEs: what was computed, how, and with which factors."""

    tce_table: pa.Table
    factor_set: str
    method: str = METHOD
    factors: FactorSet | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if PLANNED_DISTANCE_RULE in self.method or (
            "distance_adjustment" not in self.tce_table.column_names
        ):
            return
        adjusted = pc.sum(pc.not_equal(self.tce_table.column("distance_adjustment"), 0.0))
        if (adjusted.as_py() or 0) > 0:
            self.method = f"{self.method}; {PLANNED_DISTANCE_RULE}"

    @cached_property
    def tces(self) -> list[TCEResult]:
        if self.factors is None:
            raise ValueError("exact results need the factor set")
        return exact_tces(self.tce_table, self.factors)

    @cached_property
    def shipments(self) -> list[ShipmentResult]:
        """Exact per-shipment results, TCEs in chain order."""
        return group_shipments(self.tces)

    def totals(self) -> dict[str, float]:
        t = self.tce_table
        out = {c: float(pc.sum(t.column(c)).as_py() or 0.0) for c in SUM_COLUMNS}
        out["tce_count"] = float(t.num_rows)
        out["shipment_count"] = float(pc.count_distinct(t.column("shipment_id")).as_py())
        return out

    def by_mode(self) -> pa.Table:
        """Totals per transport mode, and per hub type for hub TCEs."""
        return totals_by_mode(self.tce_table)


def decode_dictionaries(table: pa.Table) -> pa.Table:
    """The same table with dictionary-encoded columns as plain strings."""
    return pa.table(
        {
            name: (col.cast(pa.string()) if pa.types.is_dictionary(col.type) else col)
            for name, col in zip(table.column_names, table.columns, strict=True)
        }
    )


def totals_by_mode(tce_table: pa.Table) -> pa.Table:
    tce_table = decode_dictionaries(tce_table.select(["mode", "hub_type", "tce_id", *SUM_COLUMNS]))
    group = pc.coalesce(
        tce_table.column("mode"),
        pc.binary_join_element_wise("hub:", tce_table.column("hub_type"), ""),
    )
    t = tce_table.append_column("group", group)
    agg = t.group_by("group").aggregate([(c, "sum") for c in SUM_COLUMNS] + [("tce_id", "count")])
    names = {f"{c}_sum": c for c in SUM_COLUMNS} | {"tce_id_count": "tce_count"}
    agg = agg.rename_columns([names.get(n, n) for n in agg.column_names])
    return agg.sort_by("group")
