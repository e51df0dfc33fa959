"""Controlled vocabularies: transport modes, hub types, activity units, temperature control.

Names follow ISO 14083 and iLEAP v1.0.0 (Smart Freight Centre & SINE); each enum maps to the
exact iLEAP string where iLEAP has one.
"""

from __future__ import annotations

from enum import StrEnum


def _squash(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


class Mode(StrEnum):
    ROAD = "road"
    RAIL = "rail"
    INLAND_WATERWAY = "inland_waterway"
    SEA = "sea"
    AIR = "air"
    PIPELINE = "pipeline"

    @classmethod
    def _missing_(cls, value: object) -> Mode | None:
        """iLEAP spellings (``Road``, ``InlandWaterway``) and any case are accepted."""
        key = _squash(str(value))
        return next((m for m in cls if _squash(m.value) == key), None)

    @property
    def ileap(self) -> str | None:
        """iLEAP TransportMode; iLEAP v1.0.0 has no pipeline mode."""
        return _ILEAP_MODE.get(self)


_ILEAP_MODE = {
    Mode.ROAD: "Road",
    Mode.RAIL: "Rail",
    Mode.INLAND_WATERWAY: "InlandWaterway",
    Mode.SEA: "Sea",
    Mode.AIR: "Air",
}


class HubType(StrEnum):
    """Hub types as iLEAP v1.0.0 lists them (HOC.hubType)."""

    TRANSSHIPMENT = "transshipment"
    STORAGE_AND_TRANSSHIPMENT = "storage_and_transshipment"
    WAREHOUSE = "warehouse"
    LIQUID_BULK_TERMINAL = "liquid_bulk_terminal"
    MARITIME_CONTAINER_TERMINAL = "maritime_container_terminal"

    @classmethod
    def _missing_(cls, value: object) -> HubType | None:
        """iLEAP spellings (``StorageAndTransshipment``, ``MaritimeContainerTerminal``)."""
        key = _squash(str(value))
        return next((h for h in cls if _squash(h.value) == key), None)

    @property
    def ileap(self) -> str:
        return "".join(part.capitalize() for part in self.value.split("_"))


class EnergyCarrierType(StrEnum):
    """Energy carrier types exactly as iLEAP v1.0.0 lists them (EnergyCarrier.energyCarrier).

    keten's factor library has finer carriers (e.g. ``diesel_nl_b7``, ``hvo_nl``,
    ``electricity_nl_grid``, biogas as bio-CNG/bio-LNG); each maps to one of these.
    """

    DIESEL = "Diesel"
    HVO = "HVO"
    PETROL = "Petrol"
    CNG = "CNG"
    LNG = "LNG"
    LPG = "LPG"
    HFO = "HFO"
    MGO = "MGO"
    AVIATION_FUEL = "Aviation fuel"
    HYDROGEN = "Hydrogen"
    METHANOL = "Methanol"
    ELECTRIC = "Electric"


class ActivityUnit(StrEnum):
    """Transport activity units: tonne-km, or TEU-km for containers (ISO 14083 5.2)."""

    TKM = "tkm"
    TEUKM = "TEUkm"


class HubActivityUnit(StrEnum):
    TONNES = "t"
    TEU = "TEU"

    @property
    def ileap(self) -> str:
        return "tonnes" if self is HubActivityUnit.TONNES else "TEU"


class TemperatureControl(StrEnum):
    AMBIENT = "ambient"
    REFRIGERATED = "refrigerated"
    MIXED = "mixed"


class DataSource(StrEnum):
    """Where an intensity came from (ISO 14083 data-quality hierarchy)."""

    PRIMARY = "primary"
    MODELLED = "modelled"
    DEFAULT = "default"


class Pollutant(StrEnum):
    NOX = "nox"
    PM = "pm"
    SOX = "sox"
