"""TOC and HOC records as rows of the file format ``keten footprint --tocs/--hocs`` reads."""

from __future__ import annotations

from decimal import Decimal

from keten.factors.records import HOC, TOC


def _opt(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def toc_file_row(t: TOC) -> dict[str, str]:
    return {
        "toc_id": t.toc_id,
        "mode": t.mode.value,
        "co2e_intensity_wtw": str(t.co2e_wtw_kg_per_unit),
        "co2e_intensity_ttw": str(t.co2e_ttw_kg_per_unit),
        "intensity_unit": f"kgCO2e/{t.activity_unit.value}",
        "energy_carrier": t.energy_carrier,
        "nox_intensity_g": _opt(t.nox_g_per_unit),
        "pm_intensity_g": _opt(t.pm_g_per_unit),
        "sox_intensity_g": _opt(t.sox_g_per_unit),
        "load_factor": _opt(t.load_factor),
        "empty_distance_factor": _opt(t.empty_distance_factor),
        "data_source": t.data_source.value,
        "description": t.description,
    }


def hoc_file_row(h: HOC) -> dict[str, str]:
    return {
        "hoc_id": h.hoc_id,
        "hub_type": h.hub_type.value,
        "co2e_intensity_wtw": str(h.co2e_wtw_kg_per_unit),
        "co2e_intensity_ttw": str(h.co2e_ttw_kg_per_unit),
        "intensity_unit": f"kgCO2e/{h.activity_unit.value}",
        "energy_carrier": h.energy_carrier,
        "nox_intensity_g": _opt(h.nox_g_per_unit),
        "pm_intensity_g": _opt(h.pm_g_per_unit),
        "sox_intensity_g": _opt(h.sox_g_per_unit),
        "data_source": h.data_source.value,
        "description": h.description,
    }
