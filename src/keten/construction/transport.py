"""Transport legs through keten's ISO 14083 engine, and the NH3 the engine does not give.

Each leg becomes up to two TCE rows: the part within the AERIUS distance limit of the site and
the rest, so NOx/NH3 near the site and CO2e/PM of the whole leg come from the same engine run.
A vehicle's Euro class that differs from its default TOC's gets a TOC variant with the same
CO2e intensity and that class's pollutant factors (factor library). NH3 of a road leg =
vehicle-km x the inventory g/km of its AERIUS vehicle class, fuel and Euro class (road_nh3.csv,
COPERT / EMEP-EEA), vehicle-km = 2 x loaded trips x km. Where that table has no row (other
fuels, waterway legs), NH3 = the engine's NOx x (NH3 / NOx per kg fuel) from the type-approval
slip limits (nh3_slip.csv): both per kg fuel burnt, so the ratio carries the fuel use.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from keten.construction.scenarios import Leg, ScenarioPlan
from keten.construction.tables import ConstructionTables, RoadNh3
from keten.errors import FactorNotFoundError
from keten.factors.library import FactorSet
from keten.factors.records import TOC
from keten.model.enums import Pollutant

IN, OUT = "in", "out"  # TCE id suffixes: within / beyond the distance limit


def variant_toc_id(leg: Leg, fs: FactorSet) -> str:
    if leg.mode != "road":
        return leg.toc_id
    base = fs.toc(leg.toc_id)
    if leg.emission_standard in ("", "electric", base.emission_standard):
        return leg.toc_id
    return f"{leg.toc_id}@{leg.emission_standard}"


def toc_variants(plans: list[ScenarioPlan], fs: FactorSet) -> dict[str, TOC]:
    """TOCs for Euro classes other than the default TOC's, keyed by variant id."""
    out: dict[str, TOC] = {}
    for plan in plans:
        for leg in plan.legs:
            vid = variant_toc_id(leg, fs)
            if vid == leg.toc_id or vid in out:
                continue
            base = fs.toc(leg.toc_id)
            pol = fs.pollutant_intensities(base.energy_carrier, leg.emission_standard,
                                           base.co2e_ttw_kg_per_unit, base.co2e_wtw_kg_per_unit)
            out[vid] = replace(
                base, toc_id=vid, emission_standard=leg.emission_standard,
                description=f"{base.description}, {leg.emission_standard}",
                nox_g_per_unit=pol[Pollutant.NOX], pm_g_per_unit=pol[Pollutant.PM],
                sox_g_per_unit=pol[Pollutant.SOX],
            )
    return out


def tce_rows(plan: ScenarioPlan, fs: FactorSet) -> list[dict[str, Any]]:
    """TCE input rows (keten.footprint's canonical columns) for every leg of a plan."""
    rows: list[dict[str, Any]] = []
    for leg in plan.legs:
        base = {"shipment_id": leg.source_id, "mass_kg": leg.tonnes * 1000.0}
        if leg.mode == "hub":
            rows.append({**base, "tce_id": f"{leg.source_id}|{IN}", "hoc_id": leg.toc_id})
            continue
        toc_id = variant_toc_id(leg, fs)
        for suffix, km in ((IN, leg.within_km), (OUT, leg.distance_km - leg.within_km)):
            if km > 1e-9:
                rows.append({**base, "tce_id": f"{leg.source_id}|{suffix}", "toc_id": toc_id,
                             "distance_km": km})
    return rows


def nh3_per_nox(toc: TOC, fs: FactorSet, tables: ConstructionTables) -> float:
    """kg NH3 per kg NOx for a TOC's fuel and emission standard (0 without SCR slip)."""
    try:
        family = fs.carrier(toc.energy_carrier).family
    except FactorNotFoundError:
        return 0.0
    slip = tables.nh3_slip.get((family, toc.emission_standard))
    nox = fs.pollutant_g_per_kg_fuel(family, toc.emission_standard, Pollutant.NOX)
    if slip is None or not nox:
        return 0.0
    return slip.nh3_g_per_kg_fuel / float(nox)


def road_nh3_factor(leg: Leg, toc: TOC, fs: FactorSet,
                    tables: ConstructionTables) -> RoadNh3 | None:
    """The inventory NH3 row (g per vehicle-km) for a road leg, or None to use the slip ratio."""
    vehicle = tables.vehicles.get(leg.vehicle_type)
    if leg.mode != "road" or vehicle is None:
        return None
    try:
        family = fs.carrier(toc.energy_carrier).family
    except FactorNotFoundError:
        return None
    return tables.road_nh3.get((vehicle.aerius_vehicle_type, family, toc.emission_standard))


def road_nh3_kg(leg: Leg, factor: RoadNh3) -> tuple[float, float]:
    """kg NH3 within and beyond the AERIUS distance limit: 2 x trips x km x g/vkm."""
    g = factor.nh3_g_per_vkm * 2.0 * leg.trips
    return (g * leg.within_km / 1000.0, g * (leg.distance_km - leg.within_km) / 1000.0)
