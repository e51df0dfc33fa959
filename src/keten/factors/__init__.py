"""The factor library (package data with sources) and its loader."""

from keten.factors.library import FACTOR_KINDS, FactorSet, load_factor_set
from keten.factors.records import HOC, TOC, EnergyCarrierFactor, PollutantFactor
from keten.model.enums import Mode

# The TOC used for a mode when nothing more specific is known (routing, planning, defaults).
DEFAULT_TOC_BY_MODE: dict[Mode, str] = {
    Mode.ROAD: "road_artic_40t_diesel",
    Mode.RAIL: "rail_electric_intermodal",
    Mode.INLAND_WATERWAY: "iww_container_barge",
    Mode.SEA: "sea_container_deepsea",
    Mode.AIR: "air_freighter_long_haul",
    Mode.PIPELINE: "pipeline_products",
}

__all__ = [
    "DEFAULT_TOC_BY_MODE",
    "FACTOR_KINDS",
    "HOC",
    "TOC",
    "EnergyCarrierFactor",
    "FactorSet",
    "PollutantFactor",
    "load_factor_set",
]
