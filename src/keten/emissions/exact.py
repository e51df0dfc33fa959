"""Exact decimal arithmetic per record, for results that go into exchange formats.

iLEAP and PACT carry numbers as decimal strings; computing them from the input's own decimal
text avoids binary floating-point error in what partners receive.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from keten.emissions.results import TCEResult, rounded, rounded_or_none
from keten.factors.records import HOC, TOC
from keten.model.enums import ActivityUnit, HubActivityUnit

THOUSAND = Decimal(1000)


def to_decimal(text: str | float | int | None) -> Decimal | None:
    if text is None or text == "":
        return None
    if isinstance(text, float):
        return Decimal(repr(text))
    return Decimal(str(text).strip())


def _teu(given: Decimal | None, mass_t: Decimal, per_teu_t: Decimal | None) -> Decimal:
    if given is not None:
        return given
    if not per_teu_t:
        raise ValueError("a TEU-based intensity needs `teu` or the factor's mass_per_teu_t")
    return mass_t / per_teu_t


def _pollutant(activity: Decimal, g_per_unit: Decimal | None) -> Decimal | None:
    return None if g_per_unit is None else rounded(activity * g_per_unit / THOUSAND)


def _emissions(
    activity: Decimal, category: TOC | HOC, scale: Decimal = Decimal(1)
) -> dict[str, Any]:
    """Emissions of ``activity`` units at a TOC's or HOC's intensities (kg), the intensities
    multiplied by ``scale`` (the GLEC v2 planned-distance adjustment, else 1). Each figure is
    computed exactly from the unrounded activity, then rounded once (``rounded``)."""
    emitted = activity * scale
    return {
        "activity": rounded(activity),
        "activity_unit": category.activity_unit.value,
        "co2e_wtw_kg": rounded(emitted * category.co2e_wtw_kg_per_unit),
        "co2e_ttw_kg": rounded(emitted * category.co2e_ttw_kg_per_unit),
        "nox_kg": _pollutant(emitted, category.nox_g_per_unit),
        "pm_kg": _pollutant(emitted, category.pm_g_per_unit),
        "sox_kg": _pollutant(emitted, category.sox_g_per_unit),
        "data_source": category.data_source.value,
        "factor_status": category.status,
        "co2_biogenic_kg": None
        if category.biogenic_co2_kg_per_unit is None
        else rounded(emitted * category.biogenic_co2_kg_per_unit),
        "distance_adjustment": rounded(scale - 1),
    }


def transport_tce(
    row: Mapping[str, str | None],
    toc: TOC,
    distance_km: Decimal,
    distance_type: str,
) -> TCEResult:
    """ISO 14083 6.3: activity = mass x distance (or TEU x distance), emissions = activity x
    intensity. The distance is taken at the result precision first, so the distance a TCE
    reports times its mass is its activity."""
    distance_km = rounded(distance_km)
    mass_kg = to_decimal(row["mass_kg"])
    assert mass_kg is not None
    mass_t = mass_kg / THOUSAND
    tkm = mass_t * distance_km
    teu: Decimal | None = None
    if toc.activity_unit is ActivityUnit.TEUKM:
        teu = _teu(to_decimal(row.get("teu")), mass_t, toc.mass_per_teu_t)
        activity = teu * distance_km
    else:
        activity = tkm
    return TCEResult(
        shipment_id=str(row["shipment_id"]),
        tce_id=str(row["tce_id"]),
        kind="transport",
        mass_kg=mass_kg,
        transport_activity_tkm=rounded(tkm),
        toc_id=toc.toc_id,
        mode=toc.mode.value,
        distance_km=distance_km,
        distance_type=distance_type,
        teu=rounded_or_none(teu),
        **_emissions(activity, toc, toc.distance_scale(distance_type)),
        **_context(row),
    )


def hub_tce(row: Mapping[str, str | None], hoc: HOC) -> TCEResult:
    """ISO 14083 6.4: hub activity = mass handled (t) or TEU; emissions = activity x HOC."""
    mass_kg = to_decimal(row["mass_kg"])
    assert mass_kg is not None
    mass_t = mass_kg / THOUSAND
    teu: Decimal | None = None
    if hoc.activity_unit is HubActivityUnit.TEU:
        teu = _teu(to_decimal(row.get("teu")), mass_t, hoc.mass_per_teu_t)
        activity = teu
    else:
        activity = mass_t
    return TCEResult(
        shipment_id=str(row["shipment_id"]),
        tce_id=str(row["tce_id"]),
        kind="hub",
        mass_kg=mass_kg,
        transport_activity_tkm=Decimal(0),
        hoc_id=hoc.hoc_id,
        hub_type=hoc.hub_type.value,
        teu=rounded_or_none(teu),
        **_emissions(activity, hoc),
        **_context(row),
    )


def _context(row: Mapping[str, str | None]) -> dict[str, Any]:
    prev = row.get("prev_tce_ids") or ""
    return {
        "prev_tce_ids": tuple(p.strip() for p in prev.split(";") if p.strip()),
        "consignment_id": row.get("consignment_id") or None,
        "origin": row.get("origin") or None,
        "destination": row.get("destination") or None,
        "departure_at": row.get("departure_at") or None,
        "arrival_at": row.get("arrival_at") or None,
        "scope3_category": row.get("scope3_category") or None,
        "packaging_or_tr_eq_type": row.get("packaging_or_tr_eq_type") or None,
    }
