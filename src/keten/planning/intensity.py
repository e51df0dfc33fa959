"""Emission intensities the planner uses, read from the same TOCs/HOCs as the footprint engine.

The objective prices CO2e and NOx with exactly these numbers, and the KPIs recompute the plan
through ``keten.footprint`` with the same TOC/HOC ids, so the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from keten.factors import DEFAULT_TOC_BY_MODE, FactorSet
from keten.model.enums import ActivityUnit, HubActivityUnit, HubType, Mode
from keten.network.multimodal import DEFAULT_HOC_BY_HUB_TYPE


@dataclass(frozen=True)
class Intensity:
    """Per activity unit (tkm or TEU-km for transport, t or TEU for hubs): kg CO2e, kg NOx/PM."""

    factor_id: str
    per_teu: bool
    co2e_wtw_kg: float
    co2e_ttw_kg: float
    nox_kg: float
    pm_kg: float

    def per_unit(self, t_per_unit: float, teu_per_unit: float, km: float = 1.0
                 ) -> tuple[float, float, float, float]:
        """(WTW, TTW, NOx, PM) in kg for one planning unit moved ``km`` (or handled once)."""
        activity = (teu_per_unit if self.per_teu else t_per_unit) * km
        return (self.co2e_wtw_kg * activity, self.co2e_ttw_kg * activity,
                self.nox_kg * activity, self.pm_kg * activity)


def _f(value: object) -> float:
    return 0.0 if value is None else float(value)  # type: ignore[arg-type]


def toc_intensity(fs: FactorSet, toc_id: str) -> Intensity:
    toc = fs.toc(toc_id)
    return Intensity(toc_id, toc.activity_unit == ActivityUnit.TEUKM,
                     _f(toc.co2e_wtw_kg_per_unit), _f(toc.co2e_ttw_kg_per_unit),
                     _f(toc.nox_g_per_unit) / 1000.0, _f(toc.pm_g_per_unit) / 1000.0)


def hoc_intensity(fs: FactorSet, hoc_id: str) -> Intensity:
    hoc = fs.hoc(hoc_id)
    return Intensity(hoc_id, hoc.activity_unit == HubActivityUnit.TEU,
                     _f(hoc.co2e_wtw_kg_per_unit), _f(hoc.co2e_ttw_kg_per_unit),
                     _f(hoc.nox_g_per_unit) / 1000.0, _f(hoc.pm_g_per_unit) / 1000.0)


def default_toc_id(mode: str) -> str:
    """The factor library's default TOC of a mode (``inland_waterway``, ``rail``, ...)."""
    return DEFAULT_TOC_BY_MODE[Mode(mode)]


def default_hoc_id(hub_type: str | None) -> str:
    """The default HOC of a terminal's hub type (transshipment when none is given)."""
    kind = HubType(hub_type) if hub_type else HubType.TRANSSHIPMENT
    return DEFAULT_HOC_BY_HUB_TYPE.get(kind, DEFAULT_HOC_BY_HUB_TYPE[HubType.TRANSSHIPMENT])
