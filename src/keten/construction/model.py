"""The construction project as plain, validated records (the YAML reader builds these).

Geometry is in RD New (EPSG:28992, metres), the CRS IMAER requires; lengths in km.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from shapely.geometry import LineString, Point, Polygon

SCENARIOS = ("as_planned", "construction_hub", "by_water", "electric_machinery")


@dataclass(frozen=True)
class Site:
    name: str
    geometry: Point | Polygon  # EPSG:28992

    @property
    def point(self) -> Point:
        """The point the access routes start from (a polygon's representative point)."""
        g = self.geometry
        return g if isinstance(g, Point) else g.representative_point()


@dataclass(frozen=True)
class Phase:
    phase_id: str
    name: str
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def share_by_year(self) -> dict[int, float]:
        """Share of the phase's days falling in each calendar year (activity spread evenly)."""
        out: dict[int, float] = {}
        for year in range(self.start.year, self.end.year + 1):
            first = max(self.start, date(year, 1, 1))
            last = min(self.end, date(year, 12, 31))
            out[year] = ((last - first).days + 1) / self.days
        return out


@dataclass(frozen=True)
class Route:
    """An access route drawn from the site outward (road or waterway), EPSG:28992."""

    route_id: str
    mode: str  # "road" | "water"
    line: LineString
    road_type: str = "NON_URBAN_ROAD_NATIONAL"  # IMAER SRM2Road roadType (AERIUS code)
    label: str = ""
    max_speed_kmh: int | None = None


@dataclass(frozen=True)
class WaterOption:
    """How a delivery would come by water in the by-water scenario."""

    vessel_type: str
    distance_km: float
    route_id: str | None = None
    origin_point: Point | None = None
    price_eur_per_t: float | None = None


@dataclass(frozen=True)
class Delivery:
    delivery_id: str
    phase_id: str
    material: str
    tonnes: float
    origin: str
    distance_km: float  # one way, origin to site
    mode: str  # "road" | "water"
    vehicle_type: str  # a vehicles.csv type (road) or vessels.csv type (water)
    emission_standard: str = ""  # road only: euro_vi, euro_v, euro_6, electric
    trips: int | None = None  # loaded trips to the site; else tonnes / payload
    route_id: str | None = None
    origin_point: Point | None = None  # EPSG:28992
    via_hub: bool = True  # bundled through the hub in the construction-hub scenario
    by_water: WaterOption | None = None
    price_eur_per_trip: float | None = None
    price_eur_per_t: float | None = None


@dataclass(frozen=True)
class Machine:
    machine_id: str
    phase_id: str
    machine_type: str
    power_kw: float
    stage: str  # stage_iiia .. stage_v, or electric
    count: int = 1
    hours: float | None = None  # operating hours per machine over the phase
    fuel_l: float | None = None  # diesel per machine over the phase
    adblue_l: float | None = None
    load_factor: float | None = None  # else the machine type's default
    aerius_code: str | None = None  # AERIUS StandardOffRoadMobileSource code, if known
    label: str = ""
    price_eur_per_hour: float | None = None
    electric_price_eur_per_hour: float | None = None
    # measured NOx of this engine (g/kWh, e.g. from an emission test or PEMS): replaces the
    # Stage limit, which is often below the real-world NOx of Stage IIIA and older engines
    nox_g_per_kwh: float | None = None


@dataclass(frozen=True)
class Hub:
    name: str
    point: Point  # EPSG:28992
    distance_to_site_km: float
    last_mile_vehicle: str = "electric_truck"
    route_id: str | None = None
    fill_rate: float = 0.9  # share of the last-mile payload used after bundling
    handling_eur_per_t: float | None = None
    last_mile_eur_per_trip: float | None = None


@dataclass(frozen=True)
class Project:
    name: str
    site: Site
    phases: dict[str, Phase]
    deliveries: list[Delivery]
    machines: list[Machine]
    routes: dict[str, Route] = field(default_factory=dict)
    hub: Hub | None = None
    corporation: str = ""
    description: str = ""
    distance_limit_km: float = 25.0
    source_file: str = ""
