"""Factor records: one row of the factor library each, with its source and factor-set version.

Values are ``Decimal`` so the exact (exchange) path stays exact; the bulk path converts them
to float64 once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from keten.model.enums import (
    ActivityUnit,
    DataSource,
    HubActivityUnit,
    HubType,
    Mode,
    TemperatureControl,
)


@dataclass(frozen=True)
class EnergyCarrierFactor:
    """Emission factors of one energy carrier per unit (l, kg or kWh), WTW = WTT + TTW."""

    carrier_id: str
    family: str
    name: str
    region: str
    unit: str
    wtt_kgco2e_per_unit: Decimal
    ttw_kgco2e_per_unit: Decimal
    wtw_kgco2e_per_unit: Decimal
    lhv_mj_per_unit: Decimal | None
    density_kg_per_l: Decimal | None
    ileap_energy_carrier: str
    ileap_feedstock: str | None
    source: str
    year: int
    factor_set: str
    # CO2 of biogenic origin released on combustion, per unit; reported apart from TTW CO2e.
    biogenic_co2_kg_per_unit: Decimal = Decimal(0)
    status: str = "published"
    table: str = ""
    edition: str = ""
    note: str = ""

    @property
    def kg_per_unit(self) -> Decimal | None:
        """Mass of one unit of this carrier in kg (for pollutant factors given per kg fuel)."""
        if self.unit == "kg":
            return Decimal(1)
        if self.unit == "l" and self.density_kg_per_l is not None:
            return self.density_kg_per_l
        return None


@dataclass(frozen=True)
class PollutantFactor:
    """Air pollutant emitted per kg of fuel burnt, for a fuel family and an engine standard."""

    factor_id: str
    fuel_family: str
    emission_standard: str
    pollutant: str
    g_per_kg_fuel: Decimal
    source: str
    year: int
    factor_set: str
    note: str = ""
    # Provenance as for TOCs: "published" (the cited table's value) or "derived" (see note).
    status: str = "published"
    table: str = ""
    edition: str = ""


@dataclass(frozen=True)
class TOC:
    """Transport operation category with its emission intensities per activity unit.

    ``co2e_*_kg_per_unit`` are kg CO2e per tkm or per TEU-km (see ``activity_unit``);
    pollutant intensities are grams per the same unit, TTW (ISO 14083 reports pollutants
    tank-to-wheel; iLEAP noxTTW, pmTTW, soxTTW).
    """

    toc_id: str
    mode: Mode
    activity_unit: ActivityUnit
    co2e_wtw_kg_per_unit: Decimal
    co2e_ttw_kg_per_unit: Decimal
    energy_carrier: str = ""
    description: str = ""
    vehicle_class: str = ""
    temperature_control: TemperatureControl = TemperatureControl.AMBIENT
    emission_standard: str = ""
    nox_g_per_unit: Decimal | None = None
    pm_g_per_unit: Decimal | None = None
    sox_g_per_unit: Decimal | None = None
    load_factor: Decimal | None = None
    empty_distance_factor: Decimal | None = None
    mass_per_teu_t: Decimal | None = None
    data_source: DataSource = DataSource.DEFAULT
    source: str = ""
    year: int | None = None
    factor_set: str = ""
    # Provenance of a library value: "published" (read from the cited table) or "derived"
    # (computed by keten, see ``note``); a user's own factor is "user".
    status: str = "published"
    table: str = ""
    edition: str = ""
    note: str = ""
    # Energy per activity unit (MJ) and the biogenic CO2 (kg) it releases, when known.
    energy_mj_per_unit: Decimal | None = None
    biogenic_co2_kg_per_unit: Decimal | None = None
    # Fraction applied to the intensity when the user gives the actual distance, for a
    # default built on planned distances (GLEC Framework v2.0: -5 % road, -15 % sea lanes).
    actual_distance_adjustment: Decimal | None = None

    @property
    def co2e_wtt_kg_per_unit(self) -> Decimal:
        return self.co2e_wtw_kg_per_unit - self.co2e_ttw_kg_per_unit

    def distance_scale(self, distance_type: str | None) -> Decimal:
        """Multiplier on this TOC's emissions for a TCE whose distance is of ``distance_type``:
        1 + ``actual_distance_adjustment`` for an actual distance, else 1."""
        if distance_type == "actual" and self.actual_distance_adjustment:
            return 1 + self.actual_distance_adjustment
        return Decimal(1)


@dataclass(frozen=True)
class HOC:
    """Hub operation category with emission intensities per tonne or per TEU handled."""

    hoc_id: str
    hub_type: HubType
    activity_unit: HubActivityUnit
    co2e_wtw_kg_per_unit: Decimal
    co2e_ttw_kg_per_unit: Decimal
    energy_carrier: str = ""
    description: str = ""
    temperature_control: TemperatureControl = TemperatureControl.AMBIENT
    nox_g_per_unit: Decimal | None = None
    pm_g_per_unit: Decimal | None = None
    sox_g_per_unit: Decimal | None = None
    mass_per_teu_t: Decimal | None = None
    data_source: DataSource = DataSource.DEFAULT
    source: str = ""
    year: int | None = None
    factor_set: str = ""
    # Provenance of a library value: "published" (read from the cited table) or "derived"
    # (computed by keten, see ``note``); a user's own factor is "user".
    status: str = "published"
    table: str = ""
    edition: str = ""
    note: str = ""
    # Energy per activity unit (MJ) and the biogenic CO2 (kg) it releases, when known.
    energy_mj_per_unit: Decimal | None = None
    biogenic_co2_kg_per_unit: Decimal | None = None

    @property
    def co2e_wtt_kg_per_unit(self) -> Decimal:
        return self.co2e_wtw_kg_per_unit - self.co2e_ttw_kg_per_unit
