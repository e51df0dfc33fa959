"""Distances for TCEs given by origin and destination instead of a distance.

Order of preference (ISO 14083 6.3): the actual distance given in the input; else the shortest
feasible distance on keten's network for the TOC's mode; else the great-circle distance between
the two locations x the mode's distance adjustment factor (DAF).
"""

from __future__ import annotations

from collections.abc import Callable

from keten.emissions.distance import great_circle_km, parse_lat_lon
from keten.errors import KetenError, UnknownLocationError
from keten.factors.library import FactorSet

Locate = Callable[[str], tuple[float, float]]
Sfd = Callable[[str, str, str], float]


class DistanceResolver:
    """Resolves (origin, destination, mode) to (distance_km, distance_type), with a cache."""

    def __init__(self, fs: FactorSet, locate: Locate | None = None, sfd: Sfd | None = None):
        self.fs = fs
        self.locate_fn = locate
        self.sfd_fn = sfd
        self.cache: dict[tuple[str, str, str], tuple[float, str]] = {}

    def locate(self, location: str) -> tuple[float, float]:
        coords = parse_lat_lon(location)
        if coords is not None:
            return coords
        if self.locate_fn is None:
            raise UnknownLocationError(location)
        return self.locate_fn(location)

    def can_locate(self, location: str) -> bool:
        try:
            self.locate(location)
        except KetenError:
            return False
        return True

    def suggestions(self, location: str) -> list[str]:
        """Close matches for a location that cannot be located (places, then nodes)."""
        try:
            self.locate(location)
        except UnknownLocationError as exc:
            return exc.labels
        except KetenError:
            return []
        return []

    def __call__(self, origin: str, destination: str, mode: str) -> tuple[float, str]:
        key = (origin, destination, mode)
        if key not in self.cache:
            self.cache[key] = self._resolve(origin, destination, mode)
        return self.cache[key]

    def _resolve(self, origin: str, destination: str, mode: str) -> tuple[float, str]:
        # Air has no network path: GLEC / ISO 14083 use GCD + 95 km however the airports are
        # given (UN/LOCODE or coordinates), labelled gcd; sfd is only a real network path.
        if self.sfd_fn is not None and mode != "air":
            try:
                return self.sfd_fn(origin, destination, mode), "sfd"
            except KetenError:
                pass  # not on the network for this mode: fall back to GCD x DAF
        a, b = self.locate(origin), self.locate(destination)
        return self.fs.daf(mode).apply(great_circle_km(*a, *b)), "gcd"


def default_resolver(fs: FactorSet) -> DistanceResolver:
    """The resolver keten uses by default: locations and shortest feasible distances on the
    built-in network, great-circle x DAF where the network has no path for the mode."""
    # the network (pandas, scipy) is imported only when a TCE needs a distance: a file that
    # gives every distance starts in half the time (python -X importtime)

    def locate(text: str) -> tuple[float, float]:
        from keten.network.locate import resolve_location

        _, lat, lon = resolve_location(text)
        return lat, lon

    def sfd(origin: str, destination: str, mode: str) -> float:
        from keten.network.api import shortest_feasible_distance_km

        return shortest_feasible_distance_km(origin, destination, mode)

    return DistanceResolver(fs, locate=locate, sfd=sfd)
