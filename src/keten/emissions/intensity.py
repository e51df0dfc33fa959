"""TOC and HOC intensities from primary or modelled data (ISO 14083 6.2 and 6.4).

Primary: intensity = sum of emissions of the category over a period / its transport (or hub)
activity in the same period, with emissions = energy used x the carrier's factor.
Modelled: intensity per tkm = fuel per vehicle-km x factor / (1 - EDF) / (payload capacity x
load factor), with the empty distance factor EDF = empty km / total km, 0 <= EDF < 1
(GLEC Framework v3 / iLEAP TOC ``emptyDistanceFactor``): per loaded km the vehicle runs
1 / (1 - EDF) km in total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from keten.factors.blend import ZERO_TTW_FAMILIES
from keten.factors.library import FactorSet
from keten.factors.records import HOC, TOC
from keten.model.enums import (
    ActivityUnit,
    DataSource,
    HubActivityUnit,
    HubType,
    Mode,
    Pollutant,
)


@dataclass(frozen=True)
class EnergyUse:
    """Energy one TOC or HOC used in a period, and the activity it did with it."""

    category_id: str
    energy_carrier: str
    amount: Decimal  # in the carrier's unit (l, kg or kWh)
    activity: Decimal  # tkm or TEU-km (TOC); t or TEU (HOC)
    emission_standard: str = ""


@dataclass(frozen=True)
class ModelledUse:
    """A vehicle model: fuel per km, payload capacity and utilisation (GLEC modelling)."""

    toc_id: str
    energy_carrier: str
    fuel_per_km: Decimal
    payload_capacity_t: Decimal
    load_factor: Decimal
    empty_distance_factor: Decimal
    emission_standard: str = ""


@dataclass(frozen=True)
class Totals:
    wtw_kg: Decimal
    ttw_kg: Decimal
    pollutants_g: dict[Pollutant, Decimal | None]
    energy_mj: Decimal | None = None
    biogenic_co2_kg: Decimal = Decimal(0)


def energy_emissions(fs: FactorSet, carrier_id: str, amount: Decimal, standard: str) -> Totals:
    """CO2e WTW/TTW (kg) and NOx/PM/SOx (g) of burning ``amount`` of one carrier."""
    carrier = fs.carrier(carrier_id)
    pollutants: dict[Pollutant, Decimal | None] = {}
    for p in Pollutant:
        if carrier.family in ZERO_TTW_FAMILIES:
            pollutants[p] = Decimal(0)
            continue
        g_per_kg = fs.pollutant_g_per_kg_fuel(carrier.family, standard, p)
        kg = carrier.kg_per_unit
        pollutants[p] = None if g_per_kg is None or kg is None else amount * kg * g_per_kg
    mj = carrier.lhv_mj_per_unit if carrier.unit != "kWh" else Decimal("3.6")
    return Totals(
        wtw_kg=amount * carrier.wtw_kgco2e_per_unit,
        ttw_kg=amount * carrier.ttw_kgco2e_per_unit,
        pollutants_g=pollutants,
        energy_mj=None if mj is None else amount * mj,
        biogenic_co2_kg=amount * carrier.biogenic_co2_kg_per_unit,
    )


def _sum(totals: Sequence[Totals]) -> Totals:
    pol: dict[Pollutant, Decimal | None] = {}
    for p in Pollutant:
        values = [t.pollutants_g[p] for t in totals]
        pol[p] = (
            None
            if any(v is None for v in values)
            else sum((v for v in values if v is not None), Decimal(0))
        )
    energies = [t.energy_mj for t in totals]
    return Totals(
        wtw_kg=sum((t.wtw_kg for t in totals), Decimal(0)),
        ttw_kg=sum((t.ttw_kg for t in totals), Decimal(0)),
        pollutants_g=pol,
        energy_mj=None
        if any(e is None for e in energies)
        else sum((e for e in energies if e is not None), Decimal(0)),
        biogenic_co2_kg=sum((t.biogenic_co2_kg for t in totals), Decimal(0)),
    )


def _per(value: Decimal | None, activity: Decimal) -> Decimal | None:
    return None if value is None else value / activity


def _pooled(fs: FactorSet, uses: Sequence[EnergyUse], what: str) -> dict[str, Any]:
    """Intensities of a category from all its energy use over all its activity (ISO 14083 6.2,
    6.4): the CO2e and pollutant fields of a TOC or HOC."""
    activity = sum((u.activity for u in uses), Decimal(0))
    if activity <= 0:
        raise ValueError(f"{what} must be greater than zero")
    totals = _sum(
        [energy_emissions(fs, u.energy_carrier, u.amount, u.emission_standard) for u in uses]
    )
    return {
        "co2e_wtw_kg_per_unit": totals.wtw_kg / activity,
        "co2e_ttw_kg_per_unit": totals.ttw_kg / activity,
        "nox_g_per_unit": _per(totals.pollutants_g[Pollutant.NOX], activity),
        "pm_g_per_unit": _per(totals.pollutants_g[Pollutant.PM], activity),
        "sox_g_per_unit": _per(totals.pollutants_g[Pollutant.SOX], activity),
        "energy_mj_per_unit": _per(totals.energy_mj, activity),
        "biogenic_co2_kg_per_unit": totals.biogenic_co2_kg / activity,
        "status": "user",
    }


def energy_blend(fs: FactorSet, uses: Sequence[EnergyUse]) -> str:
    """The carriers a category used: one id, or ``a:0.7;b:0.3`` with shares of the energy
    (MJ, lower heating value; 3.6 MJ per kWh) where it used several."""
    from keten.factors.blend import energy_per_unit_mj

    energy: dict[str, Decimal] = {}
    for u in uses:
        mj = energy_per_unit_mj(fs.carrier(u.energy_carrier)) or Decimal(0)
        energy[u.energy_carrier] = energy.get(u.energy_carrier, Decimal(0)) + u.amount * mj
    if len(energy) == 1:
        return next(iter(energy))
    total = sum(energy.values(), Decimal(0))
    if total <= 0:
        return ";".join(sorted(energy))
    shares = [(c, (e / total).quantize(Decimal("0.000001"))) for c, e in sorted(energy.items())]
    return ";".join(f"{c}:{share}" for c, share in shares if share > 0)


def toc_from_energy(
    fs: FactorSet,
    toc_id: str,
    mode: Mode,
    activity_unit: ActivityUnit,
    uses: Sequence[EnergyUse],
    description: str = "",
) -> TOC:
    """TOC intensity from primary data: all energy used / all transport activity."""
    intensities = _pooled(fs, uses, f"TOC '{toc_id}': transport activity")
    return TOC(
        toc_id=toc_id,
        mode=mode,
        activity_unit=activity_unit,
        energy_carrier=energy_blend(fs, uses),
        description=description or f"{toc_id} from primary energy data",
        emission_standard=";".join(sorted({u.emission_standard for u in uses} - {""})),
        data_source=DataSource.PRIMARY,
        source="primary energy and activity data (ISO 14083 6.2)",
        **intensities,
        factor_set=fs.version,
    )


def toc_from_model(fs: FactorSet, mode: Mode, model: ModelledUse, description: str = "") -> TOC:
    """TOC intensity per tkm from a vehicle model (GLEC Framework modelled approach)."""
    if model.payload_capacity_t <= 0 or not (0 < model.load_factor <= 1):
        raise ValueError(
            f"TOC '{model.toc_id}': payload capacity must be > 0 and load factor in (0, 1]"
        )
    if not (0 <= model.empty_distance_factor < 1):
        raise ValueError(
            f"TOC '{model.toc_id}': empty distance factor {model.empty_distance_factor} must be"
            " >= 0 and < 1 (empty km / total km)"
        )
    # Fuel per tkm: each loaded km carries capacity x load factor; the vehicle drives
    # 1 / (1 - EDF) km in total per loaded km (EDF = empty / total distance).
    fuel_per_tkm = model.fuel_per_km / (
        (1 - model.empty_distance_factor) * model.payload_capacity_t * model.load_factor
    )
    t = energy_emissions(fs, model.energy_carrier, fuel_per_tkm, model.emission_standard)
    return TOC(
        toc_id=model.toc_id,
        mode=mode,
        activity_unit=ActivityUnit.TKM,
        co2e_wtw_kg_per_unit=t.wtw_kg,
        co2e_ttw_kg_per_unit=t.ttw_kg,
        energy_carrier=model.energy_carrier,
        description=description or f"{model.toc_id} modelled from vehicle data",
        emission_standard=model.emission_standard,
        nox_g_per_unit=t.pollutants_g[Pollutant.NOX],
        pm_g_per_unit=t.pollutants_g[Pollutant.PM],
        sox_g_per_unit=t.pollutants_g[Pollutant.SOX],
        energy_mj_per_unit=t.energy_mj,
        biogenic_co2_kg_per_unit=t.biogenic_co2_kg,
        status="user",
        load_factor=model.load_factor,
        empty_distance_factor=model.empty_distance_factor,
        data_source=DataSource.MODELLED,
        source="modelled: fuel per km, payload, load and empty distance factors (GLEC)",
        factor_set=fs.version,
    )


def hoc_from_energy(
    fs: FactorSet,
    hoc_id: str,
    hub_type: HubType,
    activity_unit: HubActivityUnit,
    uses: Sequence[EnergyUse],
    description: str = "",
) -> HOC:
    """HOC intensity from hub energy use and throughput (ISO 14083 6.4)."""
    intensities = _pooled(fs, uses, f"HOC '{hoc_id}': throughput")
    return HOC(
        hoc_id=hoc_id,
        hub_type=hub_type,
        activity_unit=activity_unit,
        energy_carrier=energy_blend(fs, uses),
        description=description or f"{hoc_id} from primary energy data",
        data_source=DataSource.PRIMARY,
        source="primary hub energy and throughput data (ISO 14083 6.4)",
        **intensities,
        factor_set=fs.version,
    )
