"""Domain vocabulary and records, with units in every name."""

from keten.model.enums import (
    ActivityUnit,
    DataSource,
    EnergyCarrierType,
    HubActivityUnit,
    HubType,
    Mode,
    Pollutant,
    TemperatureControl,
)

__all__ = [
    "ActivityUnit",
    "DataSource",
    "EnergyCarrierType",
    "HubActivityUnit",
    "HubType",
    "Mode",
    "Pollutant",
    "TemperatureControl",
]
