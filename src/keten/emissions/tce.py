"""Emissions per transport chain element, vectorised over a table (ISO 14083 clauses 6 and 7).

Transport TCE: activity = mass_t x distance_km (tkm), or TEU x distance_km where the TOC is
per TEU-km; emissions = activity x TOC intensity. Hub TCE: activity = mass_t (or TEU);
emissions = activity x HOC intensity. WTW = WTT + TTW for every element. NOx, PM and SOx are
tank-to-wheel, from the intensity's g per activity unit, reported in kg.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from keten.factors.library import FactorSet
from keten.factors.records import HOC, TOC
from keten.model.enums import ActivityUnit, HubActivityUnit

CONTEXT_COLUMNS = (
    "origin",
    "destination",
    "departure_at",
    "arrival_at",
    "scope3_category",
    "packaging_or_tr_eq_type",
)

# How a TCE's distance was obtained (ISO 14083 6.3): given, shortest feasible, great-circle x DAF.
DISTANCE_TYPES = ("actual", "sfd", "gcd")


def _f(value: object) -> float:
    return float(value) if value is not None else np.nan  # type: ignore[arg-type]


MATRIX_COLUMNS = (
    "wtw",
    "ttw",
    "nox_g",
    "pm_g",
    "sox_g",
    "per_teu",
    "mass_per_teu_t",
    "bio",
    "actual_adj",
)


@dataclass(frozen=True)
class IntensityTable:
    """Factor intensities as arrays aligned with ``ids``, for vectorised lookup."""

    ids: pa.Array
    wtw: np.ndarray
    ttw: np.ndarray
    nox_g: np.ndarray
    pm_g: np.ndarray
    sox_g: np.ndarray
    per_teu: np.ndarray
    mass_per_teu_t: np.ndarray
    category: np.ndarray  # mode (TOC) or hub type (HOC)
    unit: np.ndarray
    data_source: np.ndarray
    status: np.ndarray  # published / derived / user: provenance of each factor
    biogenic: np.ndarray  # kg biogenic CO2 per activity unit (NaN: unknown)
    # fraction applied when the distance is actual (GLEC v2 planned-distance defaults), else 0
    actual_adj: np.ndarray

    @property
    def matrix(self) -> np.ndarray:
        """One row per factor: wtw, ttw, nox_g, pm_g, sox_g, per_teu, mass_per_teu_t, so a
        single gather fetches every intensity of every row."""
        if len(self.wtw) == 0:
            return np.full((1, len(MATRIX_COLUMNS)), np.nan)
        return np.column_stack(
            [
                self.wtw,
                self.ttw,
                self.nox_g,
                self.pm_g,
                self.sox_g,
                self.per_teu.astype(float),
                self.mass_per_teu_t,
                self.biogenic,
                self.actual_adj,
            ]
        )

    def index(self, ids: pa.Array | pa.ChunkedArray) -> np.ndarray:
        """Position of each id in this table, -1 where absent or null."""
        idx = pc.index_in(ids, value_set=self.ids)
        return np.asarray(pc.fill_null(idx, -1).to_numpy(zero_copy_only=False), dtype=np.int64)


def _intensity_table(
    records: list[TOC] | list[HOC], ids: list[str], categories: list[str], per_teu: list[bool]
) -> IntensityTable:
    return IntensityTable(
        ids=pa.array(ids, pa.string()),
        wtw=np.array([_f(r.co2e_wtw_kg_per_unit) for r in records]),
        ttw=np.array([_f(r.co2e_ttw_kg_per_unit) for r in records]),
        nox_g=np.array([_f(r.nox_g_per_unit) for r in records]),
        pm_g=np.array([_f(r.pm_g_per_unit) for r in records]),
        sox_g=np.array([_f(r.sox_g_per_unit) for r in records]),
        per_teu=np.array(per_teu, dtype=bool),
        mass_per_teu_t=np.array([_f(r.mass_per_teu_t) for r in records]),
        category=np.array(categories, dtype=object),
        unit=np.array([r.activity_unit.value for r in records], dtype=object),
        data_source=np.array([r.data_source.value for r in records], dtype=object),
        status=np.array([r.status for r in records], dtype=object),
        biogenic=np.array([_f(r.biogenic_co2_kg_per_unit) for r in records]),
        actual_adj=np.array(
            [float(getattr(r, "actual_distance_adjustment", None) or 0) for r in records]
        ),
    )


def toc_table(fs: FactorSet) -> IntensityTable:
    tocs = list(fs.tocs.values())
    return _intensity_table(
        tocs,
        [t.toc_id for t in tocs],
        [t.mode.value for t in tocs],
        [t.activity_unit is ActivityUnit.TEUKM for t in tocs],
    )


def hoc_table(fs: FactorSet) -> IntensityTable:
    hocs = list(fs.hocs.values())
    return _intensity_table(
        hocs,
        [h.hoc_id for h in hocs],
        [h.hub_type.value for h in hocs],
        [h.activity_unit is HubActivityUnit.TEU for h in hocs],
    )


def compute_tce_emissions(
    canonical: pa.Table,
    tocs: IntensityTable,
    hocs: IntensityTable,
    distance_km: np.ndarray,
    distance_type: np.ndarray,
    factor_set: str,
) -> pa.Table:
    """Per-TCE activity and emissions for a validated canonical table.

    ``distance_km`` holds the resolved distance of each row (NaN for hub TCEs) and
    ``distance_type`` its kind as a code into ``DISTANCE_TYPES`` (-1: none).
    """
    n = canonical.num_rows
    ti = tocs.index(canonical.column("toc_id"))
    hi = hocs.index(canonical.column("hoc_id"))
    is_hub = (ti < 0) & (hi >= 0)

    # one gather per table: every intensity of every row at once
    factors = np.where(
        is_hub[:, None], hocs.matrix[np.clip(hi, 0, None)], tocs.matrix[np.clip(ti, 0, None)]
    )
    wtw_i, ttw_i, nox_i, pm_i, sox_i, per_teu_f, mass_per_teu, bio_i, adj_i = factors.T

    mass_kg = canonical.column("mass_kg").to_numpy(zero_copy_only=False)
    mass_t = mass_kg / 1000.0
    teu_given = canonical.column("teu").to_numpy(zero_copy_only=False)
    per_teu = per_teu_f == 1.0
    teu = np.where(np.isnan(teu_given), mass_t / mass_per_teu, teu_given)
    dist = np.where(is_hub, np.nan, distance_km)

    # ISO 14083 6.3.2: transport activity = mass x distance (tkm), or TEU x distance.
    tkm = np.where(is_hub, 0.0, mass_t * dist)
    activity = np.where(is_hub, np.where(per_teu, teu, mass_t), np.where(per_teu, teu * dist, tkm))
    # GLEC Framework v2.0: a default built on planned distances is lowered (-5 % road, -15 %
    # sea lanes) when the actual distance is used; the activity itself stays the actual one.
    actual = DISTANCE_TYPES.index("actual")
    adjustment = np.where(~is_hub & (distance_type == actual), adj_i, 0.0)
    emitted = activity * (1.0 + adjustment)
    wtw = emitted * wtw_i
    ttw = emitted * ttw_i

    def col(name: str) -> pa.Array | pa.ChunkedArray:
        return canonical.column(name)

    return pa.table(
        {
            "shipment_id": col("shipment_id"),
            "tce_id": col("tce_id"),
            "consignment_id": col("consignment_id"),
            "prev_tce_ids": col("prev_tce_ids"),
            "kind": _dictionary(is_hub.astype(np.int32), np.array(["transport", "hub"])),
            "toc_id": col("toc_id"),
            "hoc_id": col("hoc_id"),
            "mode": _dictionary(np.where(is_hub, -1, ti), tocs.category),
            "hub_type": _dictionary(np.where(is_hub, hi, -1), hocs.category),
            "mass_kg": pa.array(mass_kg, pa.float64()),
            "distance_km": pa.array(dist, pa.float64(), from_pandas=True),
            "distance_type": _dictionary(
                np.where(is_hub, -1, distance_type), np.array(DISTANCE_TYPES)
            ),
            "teu": pa.array(np.where(per_teu, teu, np.nan), pa.float64(), from_pandas=True),
            "transport_activity_tkm": pa.array(tkm, pa.float64()),
            "activity": pa.array(activity, pa.float64()),
            "activity_unit": _combined(is_hub, ti, hi, tocs.unit, hocs.unit),
            "co2e_wtw_kg": pa.array(wtw, pa.float64()),
            "co2e_ttw_kg": pa.array(ttw, pa.float64()),
            "co2e_wtt_kg": pa.array(wtw - ttw, pa.float64()),
            "nox_kg": pa.array(emitted * nox_i / 1000.0, pa.float64(), from_pandas=True),
            "pm_kg": pa.array(emitted * pm_i / 1000.0, pa.float64(), from_pandas=True),
            "sox_kg": pa.array(emitted * sox_i / 1000.0, pa.float64(), from_pandas=True),
            "co2_biogenic_kg": pa.array(emitted * bio_i, pa.float64(), from_pandas=True),
            "distance_adjustment": pa.array(adjustment, pa.float64()),
            "data_source": _combined(is_hub, ti, hi, tocs.data_source, hocs.data_source),
            "factor_status": _combined(is_hub, ti, hi, tocs.status, hocs.status),
            "factor_set": _dictionary(np.zeros(n, dtype=np.int32), np.array([factor_set])),
            # context carried through from the input, for exchange formats and reporting
            **{c: col(c) for c in CONTEXT_COLUMNS},
        }
    )


def _dictionary(codes: np.ndarray, values: np.ndarray) -> pa.DictionaryArray:
    """Codes into ``values`` as an Arrow dictionary column (null where the code is < 0)."""
    codes = np.asarray(codes, dtype=np.int32)
    indices = pa.array(codes, pa.int32(), mask=codes < 0)
    dictionary = pa.array(values.tolist() if len(values) else [], pa.string())
    return pa.DictionaryArray.from_arrays(indices, dictionary)


def _combined(
    is_hub: np.ndarray,
    ti: np.ndarray,
    hi: np.ndarray,
    toc_values: np.ndarray,
    hoc_values: np.ndarray,
) -> pa.DictionaryArray:
    """One dictionary column drawn from the TOC table for transport rows, HOC for hub rows."""
    values, inverse = np.unique(
        np.concatenate([toc_values, hoc_values]).astype(str), return_inverse=True
    )
    toc_codes, hoc_codes = inverse[: len(toc_values)], inverse[len(toc_values) :]
    codes = np.where(
        is_hub,
        hoc_codes[np.clip(hi, 0, None)] if len(hoc_codes) else -1,
        toc_codes[np.clip(ti, 0, None)] if len(toc_codes) else -1,
    )
    codes = np.where((is_hub & (hi < 0)) | (~is_hub & (ti < 0)), -1, codes)
    return _dictionary(codes, values)
