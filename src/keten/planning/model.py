"""Canonical planning inputs: shipments, scheduled services, terminals and parameters.

Times are hours from the plan start (``t0``; the earliest given date floored to midnight, or
hour 0 when every time is given as a number of hours). Units are in the field names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

# A shipment's road distance lookup: (from location, to location) -> km.
RoadDistance = Callable[[str, str], float]
# A service's distance lookup: (from terminal, to terminal, mode) -> km.
ModeDistance = Callable[[str, str, str], float]


@dataclass(frozen=True)
class Shipment:
    """A load to move from ``origin`` to ``destination`` between ``release_h`` and ``due_h``.

    ``teu`` given: the plan moves whole or fractional TEU (integer TEU with ``integer``);
    no ``teu``: the shipment is one unit of ``mass_kg`` (unsplittable with ``integer``).
    """

    shipment_id: str
    origin: str
    destination: str
    mass_kg: float
    release_h: float
    due_h: float
    teu: float | None = None
    value_of_time_eur_per_h: float = 0.0

    @property
    def units(self) -> float:
        return float(self.teu) if self.teu else 1.0

    @property
    def mass_t_per_unit(self) -> float:
        return self.mass_kg / 1000.0 / self.units


@dataclass(frozen=True)
class Service:
    """One scheduled departure of a barge, train (or short-sea vessel) between two terminals."""

    service_id: str
    mode: str
    from_terminal: str
    to_terminal: str
    departure_h: float
    arrival_h: float
    capacity_teu: float | None = None
    capacity_t: float | None = None
    price_eur_per_teu: float = 0.0
    price_eur_per_t: float = 0.0
    distance_km: float | None = None
    toc_id: str | None = None


@dataclass(frozen=True)
class Terminal:
    """Handling at a terminal: cost, time and daily capacity (TEU lifts per day)."""

    terminal_id: str
    handling_cost_eur_per_teu: float | None = None
    handling_cost_eur_per_t: float | None = None
    handling_time_h: float | None = None
    capacity_teu_per_day: float | None = None
    hoc_id: str | None = None


@dataclass(frozen=True)
class PlanningParameters:
    """Prices and rules of the plan.

    ``carbon_price_eur_per_t`` prices CO2e well-to-wheel; ``nox_price_eur_per_kg`` NOx (TTW).
    ``lateness_penalty_eur_per_h`` is per shipment and hour late; options later than
    ``max_lateness_h`` are not offered. ``unserved_penalty_eur`` per shipment left unserved.
    Road costs ``road_cost_eur_per_tkm`` at ``road_speed_kmh`` (the network's road defaults).
    ``road_capacity_teu_per_day`` limits direct road trips (long-haul trucks) departing per
    day; pre- and post-haul drayage is not limited. A shipment without TEU counts
    ``mass / mass_per_teu_t`` TEU against TEU capacities. Service options need pre- and
    post-haul of at most ``max_drayage_km`` each and together shorter than the direct road.
    ``horizon_days`` drops services departing after that many days from the plan start.
    """

    carbon_price_eur_per_t: float = 100.0
    nox_price_eur_per_kg: float = 0.0
    lateness_penalty_eur_per_h: float = 25.0
    max_lateness_h: float = 48.0
    unserved_penalty_eur: float = 100_000.0
    road_cost_eur_per_tkm: float = 0.10
    road_speed_kmh: float = 75.0
    road_capacity_teu_per_day: float | None = None
    mass_per_teu_t: float = 10.0
    max_drayage_km: float = 150.0
    horizon_days: float | None = None
    integer: bool = False
    road_toc_id: str | None = None

    def with_carbon_price(self, price: float) -> PlanningParameters:
        from dataclasses import replace

        return replace(self, carbon_price_eur_per_t=price)


@dataclass(frozen=True)
class PlanningProblem:
    """Validated inputs of one planning run (locations are node ids or ``lat,lon`` texts)."""

    shipments: tuple[Shipment, ...]
    services: tuple[Service, ...]
    terminals: dict[str, Terminal]
    parameters: PlanningParameters = field(default_factory=PlanningParameters)
    t0: datetime | None = None
