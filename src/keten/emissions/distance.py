"""Distances for TCEs: actual, shortest feasible (from the network), or great-circle x DAF.

ISO 14083:2023 6.3 lets a TCE use the actual distance, the shortest feasible distance (SFD), or
the great-circle distance (GCD) corrected with a distance adjustment factor (DAF) per mode.
"""

from __future__ import annotations

import math

import numpy as np

# Mean Earth radius, IUGG (Moritz 2000, Geodetic Reference System 1980): 6371.0088 km.
EARTH_RADIUS_KM = 6371.0088


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine great-circle distance in km on a sphere of the IUGG mean radius."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def great_circle_km_array(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h))))


def parse_lat_lon(text: str) -> tuple[float, float] | None:
    """``'51.95,4.05'`` -> (51.95, 4.05); None if the text is not a coordinate pair."""
    parts = text.replace(" ", "").split(",")
    if len(parts) != 2:
        return None
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon
