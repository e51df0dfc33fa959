"""keten: freight logistics for the Netherlands and its hinterland.

ISO 14083 / GLEC emissions, a multimodal network with routing, synchromodal planning,
resilience analysis, and PACT/iLEAP data exchange with signed Carbon Added statements.

Public API::

    import keten
    result = keten.footprint("tces.csv", tocs="my_tocs.csv")
    result.shipments[0].co2e_wtw_kg
"""

from keten.emissions.footprint import FootprintResult
from keten.emissions.results import ShipmentResult, TCEResult
from keten.errors import KetenError, ValidationError
from keten.factors import load_factor_set
from keten.network import route
from keten.services.footprint import footprint
from keten.services.planning import plan

__version__ = "0.1.0"

__all__ = [
    "FootprintResult",
    "KetenError",
    "ShipmentResult",
    "TCEResult",
    "ValidationError",
    "__version__",
    "footprint",
    "load_factor_set",
    "plan",
    "route",
]
