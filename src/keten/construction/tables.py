"""The construction factor tables (``data/*.csv``): road NH3 per vehicle-km (COPERT/EMEP-EEA), NH3
slip limits, machinery g/kWh by EU Stage and power class, machine types, road vehicles, inland
vessels. Every row names its source."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

DATA_PACKAGE = "keten.construction.data"


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return [{k: (v or "").strip() for k, v in r.items()} for r in csv.DictReader(lines)]


@dataclass(frozen=True)
class Nh3Slip:
    fuel_family: str
    emission_standard: str
    nh3_g_per_kg_fuel: float
    scr: bool
    source: str
    table: str
    edition: str


@dataclass(frozen=True)
class RoadNh3:
    """Inventory NH3 of a road vehicle class per vehicle-km (road_nh3.csv)."""

    aerius_vehicle_type: str
    fuel_family: str
    emission_standard: str
    nh3_g_per_vkm: float
    source: str
    table: str
    edition: str


@dataclass(frozen=True)
class MachineryFactor:
    stage: str
    power_min_kw: float
    power_max_kw: float  # exclusive
    nox_g_per_kwh: float
    pm_g_per_kwh: float
    nh3_g_per_kwh: float
    scr: bool
    source: str
    table: str
    edition: str


@dataclass(frozen=True)
class MachineType:
    machine_type: str
    description: str
    load_factor: float
    sfc_g_per_kwh: float
    electric_variant: bool
    source: str


@dataclass(frozen=True)
class Vehicle:
    vehicle_type: str
    description: str
    toc_id: str
    payload_t: float
    aerius_vehicle_type: str
    emission_standards: tuple[str, ...]
    source: str

    @property
    def electric(self) -> bool:
        return self.emission_standards == ("electric",)


@dataclass(frozen=True)
class Vessel:
    vessel_type: str
    description: str
    toc_id: str
    payload_t: float
    aerius_ship_type: str
    waterway_class: str
    source: str


@dataclass(frozen=True)
class ConstructionTables:
    nh3_slip: dict[tuple[str, str], Nh3Slip]
    machinery: list[MachineryFactor]
    machine_types: dict[str, MachineType]
    vehicles: dict[str, Vehicle]
    vessels: dict[str, Vessel]
    road_nh3: dict[tuple[str, str, str], RoadNh3] = field(default_factory=dict)

    @property
    def stages(self) -> list[str]:
        return [*sorted({f.stage for f in self.machinery}), "electric"]

    def machinery_factor(self, stage: str, power_kw: float) -> MachineryFactor | None:
        for f in self.machinery:
            if f.stage == stage and f.power_min_kw <= power_kw < f.power_max_kw:
                return f
        return None

    def power_classes(self, stage: str) -> list[str]:
        return [
            f"{f.power_min_kw:g}-{f.power_max_kw:g} kW" if f.power_max_kw < 1e5
            else f">= {f.power_min_kw:g} kW"
            for f in self.machinery
            if f.stage == stage
        ]


def _yes(text: str) -> bool:
    return text.lower() in ("yes", "true", "1")


@lru_cache(maxsize=1)
def load_tables() -> ConstructionTables:
    """The tables shipped with keten (cached; they are read-only)."""
    nh3 = {
        (r["fuel_family"], r["emission_standard"]): Nh3Slip(
            r["fuel_family"], r["emission_standard"], float(r["nh3_g_per_kg_fuel"]),
            _yes(r["scr"]), r["source"], r["table"], r["edition"],
        )
        for r in _rows("nh3_slip.csv")
    }
    machinery = [
        MachineryFactor(
            r["stage"], float(r["power_min_kw"]), float(r["power_max_kw"]),
            float(r["nox_g_per_kwh"]), float(r["pm_g_per_kwh"]), float(r["nh3_g_per_kwh"]),
            _yes(r["scr"]), r["source"], r["table"], r["edition"],
        )
        for r in _rows("machinery_factors.csv")
    ]
    types = {
        r["machine_type"]: MachineType(
            r["machine_type"], r["description"], float(r["load_factor"]),
            float(r["sfc_g_per_kwh"]), _yes(r["electric_variant"]), r["source"],
        )
        for r in _rows("machine_types.csv")
    }
    vehicles = {
        r["vehicle_type"]: Vehicle(
            r["vehicle_type"], r["description"], r["toc_id"], float(r["payload_t"]),
            r["aerius_vehicle_type"], tuple(r["emission_standards"].split(";")), r["source"],
        )
        for r in _rows("vehicles.csv")
    }
    vessels = {
        r["vessel_type"]: Vessel(
            r["vessel_type"], r["description"], r["toc_id"], float(r["payload_t"]),
            r["aerius_ship_type"], r["waterway_class"], r["source"],
        )
        for r in _rows("vessels.csv")
    }
    road_nh3 = {
        (r["aerius_vehicle_type"], r["fuel_family"], r["emission_standard"]): RoadNh3(
            r["aerius_vehicle_type"], r["fuel_family"], r["emission_standard"],
            float(r["nh3_g_per_vkm"]), r["source"], r["table"], r["edition"],
        )
        for r in _rows("road_nh3.csv")
    }
    return ConstructionTables(nh3, machinery, types, vehicles, vessels, road_nh3)
