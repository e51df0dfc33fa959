"""keten: freight logistics for the Netherlands and its hinterland.

ISO 14083 / GLEC emissions, a multimodal network with routing, synchromodal planning,
resilience analysis, and PACT/iLEAP data exchange with signed Carbon Added statements.

Public API::

    import keten
    result = keten.footprint("tces.csv", tocs="my_tocs.csv")
    result.shipments[0].co2e_wtw_kg
    keten.route("NLRTM", "DEDUI", mass_kg=20000)
    keten.construction("project.yaml").summary()   # NOx/NH3 of construction logistics

Names are imported on first use, so ``import keten`` (and the CLI) start quickly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "FootprintResult": "keten.emissions.footprint",
    "ShipmentResult": "keten.emissions.results",
    "TCEResult": "keten.emissions.results",
    "KetenError": "keten.errors",
    "ValidationError": "keten.errors",
    "load_factor_set": "keten.factors",
    "footprint": "keten.services.footprint",
    "route": "keten.network",
    "plan": "keten.services.planning",
    "construction": "keten.services.construction",
    "ConstructionResult": "keten.services.construction",
    "bundle": "keten.services.bundling",
    "BundleResult": "keten.services.bundling",
    "load_factors": "keten.services.load_factor",
    "ze_zones": "keten.services.ze_zones",
    "street_turns": "keten.services.street_turns",
}

__all__ = [
    "BundleResult",
    "ConstructionResult",
    "FootprintResult",
    "KetenError",
    "ShipmentResult",
    "TCEResult",
    "ValidationError",
    "__version__",
    "bundle",
    "construction",
    "footprint",
    "load_factor_set",
    "load_factors",
    "plan",
    "route",
    "street_turns",
    "ze_zones",
]


def __dir__() -> list[str]:
    """The public API only (not this module's helpers such as ``importlib``)."""
    return sorted(__all__)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'keten' has no attribute '{name}'")


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from keten.emissions.footprint import FootprintResult
    from keten.emissions.results import ShipmentResult, TCEResult
    from keten.errors import KetenError, ValidationError
    from keten.factors import load_factor_set
    from keten.network import route
    from keten.services.bundling import BundleResult, bundle
    from keten.services.construction import ConstructionResult, construction
    from keten.services.footprint import footprint
    from keten.services.load_factor import load_factors
    from keten.services.planning import plan
    from keten.services.street_turns import street_turns
    from keten.services.ze_zones import ze_zones
