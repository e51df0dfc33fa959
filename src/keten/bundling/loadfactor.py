"""Load factor and empty running from a carrier's trip log, per vehicle type and lane.

Definitions (GLEC Framework / iLEAP TOC fields ``loadFactor`` and ``emptyDistanceFactor``):
- load factor = sum of load (t) x km / sum of payload capacity (t) x km, over loaded legs;
- empty distance factor (EDF) = empty km / total km.
A trip is the legs of one ``trip_id`` (else of one vehicle on one date); its lane is the
trip's own ``lane`` if the log gives one, else its first origin and its first loaded
destination (the outbound lane; a loaded backhaul stays on that lane). Empty legs count for
the lane of their trip.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Leg:
    vehicle_id: str
    vehicle_type: str
    trip_id: str
    origin: str
    destination: str
    distance_km: float
    load_kg: float  # 0 for an empty leg
    capacity_kg: float
    energy_carrier: str = ""
    energy: float | None = None  # in the carrier's unit; None if not logged
    emission_standard: str = ""
    row: int | None = None
    lane: str = ""


@dataclass(frozen=True)
class LaneStats:
    vehicle_type: str
    lane: str
    trips: int
    vehicle_km: float
    loaded_km: float
    empty_km: float
    tkm: float
    capacity_tkm: float
    energy: float | None
    energy_carrier: str
    emission_standard: str

    @property
    def load_factor(self) -> float | None:
        return self.tkm / self.capacity_tkm if self.capacity_tkm > 0 else None

    @property
    def empty_distance_factor(self) -> float | None:
        return self.empty_km / self.vehicle_km if self.vehicle_km > 0 else None

    def km_at_load_factor(self, target: float) -> float:
        """Vehicle-km for the same tkm at ``target`` load factor, empty share unchanged."""
        lf = self.load_factor
        if not lf or target <= lf:
            return self.vehicle_km
        return self.vehicle_km * lf / target


def lane_stats(legs: Sequence[Leg]) -> list[LaneStats]:
    trips: dict[tuple[str, str], list[Leg]] = defaultdict(list)
    for leg in legs:
        trips[(leg.vehicle_id, leg.trip_id)].append(leg)
    groups: dict[tuple[str, str], list[list[Leg]]] = defaultdict(list)
    for trip in trips.values():
        loaded = [g for g in trip if g.load_kg > 0]
        lane = trip[0].lane or (f"{trip[0].origin}>{loaded[0].destination}" if loaded
                                else f"{trip[0].origin}>(empty)")
        groups[(trip[0].vehicle_type, lane)].append(trip)
    out = []
    for (vt, lane), ts in sorted(groups.items()):
        legs_ = [g for t in ts for g in t]
        km = sum(g.distance_km for g in legs_)
        loaded_km = sum(g.distance_km for g in legs_ if g.load_kg > 0)
        energy_known = all(g.energy is not None for g in legs_)
        carriers = sorted({g.energy_carrier for g in legs_ if g.energy_carrier})
        out.append(LaneStats(
            vt, lane, len(ts), km, loaded_km, km - loaded_km,
            sum(g.load_kg / 1000 * g.distance_km for g in legs_ if g.load_kg > 0),
            sum(g.capacity_kg / 1000 * g.distance_km for g in legs_ if g.load_kg > 0),
            sum(g.energy or 0.0 for g in legs_) if energy_known else None,
            ";".join(carriers),
            ";".join(sorted({g.emission_standard for g in legs_} - {""}))))
    return out
