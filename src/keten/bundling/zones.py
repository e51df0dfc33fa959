"""Zero-emission zones: which stops lie inside, and how many km a route drives inside.

Geometry in WGS84 (lon, lat) as shapely polygons; lengths are measured in the Dutch RD New
projection (EPSG:28992), in metres, on straight legs between stops (a route's streets are not
modelled; the in-zone share is an estimate of where its NOx and PM are emitted)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np
import shapely
from shapely import LineString, Point
from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class Zone:
    zone_id: str
    name: str
    geometry: BaseGeometry  # (lon, lat)
    valid_from: str = ""  # ISO date the zone rule starts; "" for always
    source: str = ""
    municipality: str = ""
    traffic_decree: str = ""  # e.g. gmb-2024-262530 (Gemeenteblad), the legal basis


def in_force(zones: Sequence[Zone], on: date) -> list[Zone]:
    """The zones whose rule applies on ``on`` (a zone without a start date always does)."""
    day = on.isoformat()
    return [z for z in zones if not z.valid_from or z.valid_from[:10] <= day]


@lru_cache(maxsize=1)
def _to_rd() -> object:
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)


def zone_of(zones: Sequence[Zone], lat: float, lon: float) -> str | None:
    """The id of the first zone containing the point, or None."""
    p = Point(lon, lat)
    for z in zones:
        if z.geometry.covers(p):
            return z.zone_id
    return None


def _rd(g: BaseGeometry) -> BaseGeometry:
    tr = _to_rd()
    return shapely.transform(g, lambda xy: np.column_stack(
        tr.transform(xy[:, 0], xy[:, 1])))  # type: ignore[attr-defined]


def area_km2(zone: Zone) -> float:
    """The zone's area in km2, measured in RD New (EPSG:28992)."""
    return float(_rd(zone.geometry).area) / 1e6


def km_inside(zones: Sequence[Zone], path: Sequence[tuple[float, float]]) -> float:
    """Km of the straight legs of ``path`` ((lat, lon) points) inside any zone."""
    if len(path) < 2 or not zones:
        return 0.0
    line = _rd(LineString([(lon, lat) for lat, lon in path]))
    total = 0.0
    for z in zones:
        total += line.intersection(_rd(z.geometry)).length
    return total / 1000.0
