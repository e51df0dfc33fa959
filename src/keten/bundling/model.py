"""Domain records of bundling: shipments, vehicle types, working-time rules, planned routes."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Site:
    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Shipment:
    """One order of one shipper: from ``pickup`` to ``delivery`` within the time windows
    (minutes from 00:00 of the planning day)."""

    shipment_id: str
    shipper: str
    pickup: Site
    delivery: Site
    mass_kg: float
    pallets: int = 0
    pickup_earliest_min: int = 0
    pickup_latest_min: int = 24 * 60
    delivery_earliest_min: int = 0
    delivery_latest_min: int = 24 * 60
    service_min: float = 15.0  # at each of pickup and delivery
    direction: str = "outbound"  # or "return" (packaging, circular material flows)
    row: int | None = None


@dataclass(frozen=True)
class VehicleType:
    """A vehicle type of the fleet, with its depot, capacity, cost and energy model.

    Energy per km (in the carrier's unit: l or kWh) is linear in the load between
    ``energy_per_km_empty`` and ``energy_per_km_full``."""

    vehicle_type: str
    count: int
    depot: Site
    capacity_kg: float
    energy_carrier: str
    energy_per_km_empty: float
    energy_per_km_full: float
    capacity_pallets: int = 0  # 0: not limited by pallets
    cost_per_km_eur: float = 0.0
    cost_per_hour_eur: float = 0.0
    fixed_cost_eur: float = 0.0
    speed_kmh: float = 60.0
    emission_standard: str = ""
    range_km: float | None = None  # electric vehicles: one charge, at the depot
    zero_emission: bool = False
    shift_start_min: int = 6 * 60
    shift_end_min: int = 20 * 60
    row: int | None = None


@dataclass(frozen=True)
class WorkingTime:
    """Drivers' limits. Defaults from Regulation (EC) No 561/2006: daily driving at most 9 h
    (Art. 6(1)), a 45 min break after 4.5 h of driving (Art. 7), and 11 h of daily rest in
    24 h (Art. 8(2)), which leaves at most 13 h of duty."""

    max_driving_h: float = 9.0
    max_duty_h: float = 13.0
    break_after_driving_h: float = 4.5
    break_min: float = 45.0


@dataclass(frozen=True)
class Stop:
    shipment_id: str
    kind: str  # pickup or delivery
    site: Site
    arrival_min: float
    load_kg_after: float


@dataclass(frozen=True)
class Route:
    vehicle_id: str
    vehicle_type: str
    depot: Site
    stops: tuple[Stop, ...]
    distance_km: float
    loaded_km: float
    empty_km: float
    load_tkm: float  # sum over legs of load (t) x leg km
    capacity_tkm: float  # capacity (t) x loaded km
    driving_h: float
    duty_h: float
    start_min: float
    end_min: float
    cost_eur: float
    energy: float  # in the carrier's unit
    energy_carrier: str
    zone_km: float = 0.0  # km driven inside zero-emission zones (straight legs)
    path: tuple[tuple[float, float], ...] = ()  # (lat, lon) from depot to depot

    @property
    def load_factor(self) -> float | None:
        return self.load_tkm / self.capacity_tkm if self.capacity_tkm > 0 else None


@dataclass(frozen=True)
class Unserved:
    shipment_id: str
    shipper: str
    reason: str
    row: int | None = None


@dataclass
class RoutePlan:
    """The routes of one scenario, and the shipments it could not serve, each with a reason."""

    name: str
    routes: list[Route]
    unserved: list[Unserved]
    served: list[str]
    status: str
    solve_time_s: float
    vehicles_available: int
    notes: list[str] = field(default_factory=list)
