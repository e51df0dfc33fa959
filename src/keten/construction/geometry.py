"""Geometry for AERIUS: WGS84 <-> RD New (EPSG:28992) and the part of an access route within
the AERIUS distance limit, measured along the route from the site."""

from __future__ import annotations

from functools import lru_cache

from pyproj import Transformer
from shapely.geometry import LineString, Point
from shapely.ops import substring

RD_NEW = "EPSG:28992"


@lru_cache(maxsize=2)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def to_rd(lat: float, lon: float) -> Point:
    """A WGS84 latitude/longitude as an RD New point (metres)."""
    x, y = _transformer("EPSG:4326", RD_NEW).transform(lon, lat)
    return Point(x, y)


def to_wgs84(point: Point) -> tuple[float, float]:
    """An RD New point as (lat, lon)."""
    lon, lat = _transformer(RD_NEW, "EPSG:4326").transform(point.x, point.y)
    return float(lat), float(lon)


def line_to_wgs84(line: LineString) -> list[tuple[float, float]]:
    return [to_wgs84(Point(x, y)) for x, y in line.coords]


def from_site(line: LineString, site: Point) -> LineString:
    """The line drawn so that it starts at the end nearest the site."""
    start, end = Point(line.coords[0]), Point(line.coords[-1])
    return line if start.distance(site) <= end.distance(site) else LineString(line.coords[::-1])


def clip_km(line: LineString, km: float) -> LineString:
    """The first ``km`` of the line (the whole line if it is shorter)."""
    if km * 1000.0 >= line.length:
        return line
    return substring(line, 0.0, km * 1000.0)


def toward(start: Point, target: Point, km: float) -> LineString:
    """A straight line of at most ``km`` from ``start`` toward ``target``."""
    dist = start.distance(target)
    if dist == 0:
        return LineString([start, Point(start.x + 1.0, start.y)])
    f = min(1.0, km * 1000.0 / dist)
    return LineString([start, Point(start.x + (target.x - start.x) * f,
                                    start.y + (target.y - start.y) * f)])
