"""Street turns: reuse an import container, emptied at a consignee, for a nearby export load,
instead of returning it empty to the port and fetching another empty from there.

As an assignment problem (solved with scipy's ``linear_sum_assignment``, a Hungarian-type
algorithm): the saving of matching import i to export j is the empty km of the two port
trips minus the direct empty km, when the container types match and the box can reach the
shipper in time. Unmatched containers use the nearest empty depot (port or inland) when
inland depots are allowed. All distances in km; empty TEU-km = km x TEU of the box.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

TEU = {"20": 1.0, "40": 2.0, "45": 2.25}


@dataclass(frozen=True)
class ImportBox:
    container_id: str
    size: str  # 20, 40 or 45 (ft)
    kind: str  # e.g. dry, reefer
    site: int  # index into the distance matrix (consignee)
    port: int  # index of its port terminal (where it would be returned)
    empty_at_h: float  # hours from the period start
    row: int | None = None


@dataclass(frozen=True)
class ExportLoad:
    booking_id: str
    size: str
    kind: str
    site: int  # shipper
    port: int  # terminal an empty would come from
    needed_by_h: float
    row: int | None = None


@dataclass(frozen=True)
class Move:
    """One empty container move."""

    container: str
    what: str  # street_turn, return_to_port, return_to_depot, from_port, from_depot
    from_site: int
    to_site: int
    km: float
    teu: float

    @property
    def teu_km(self) -> float:
        return self.km * self.teu


@dataclass
class Matching:
    pairs: list[tuple[int, int]]  # (import index, export index)
    moves: list[Move]
    reasons: dict[str, str]  # why a container was not street-turned

    @property
    def empty_km(self) -> float:
        return sum(m.km for m in self.moves)

    @property
    def empty_teu_km(self) -> float:
        return sum(m.teu_km for m in self.moves)


def feasible(i: ImportBox, e: ExportLoad, km: np.ndarray, speed_kmh: float,
             max_wait_h: float) -> bool:
    if i.size != e.size or i.kind != e.kind:
        return False
    arrive = i.empty_at_h + km[i.site, e.site] / speed_kmh
    return arrive <= e.needed_by_h and e.needed_by_h - i.empty_at_h <= max_wait_h


def savings_matrix(imports: Sequence[ImportBox], exports: Sequence[ExportLoad], km: np.ndarray,
                   depots: Sequence[int], speed_kmh: float, max_wait_h: float) -> np.ndarray:
    """Empty km saved by each (import, export) street turn; -inf where not feasible."""
    s = np.full((len(imports), len(exports)), -np.inf)
    for a, i in enumerate(imports):
        back = _return_km(i, km, depots)
        for b, e in enumerate(exports):
            if feasible(i, e, km, speed_kmh, max_wait_h):
                s[a, b] = back + _fetch_km(e, km, depots) - km[i.site, e.site]
    return s


def _return_km(i: ImportBox, km: np.ndarray, depots: Sequence[int]) -> float:
    return float(min([km[i.site, i.port], *(km[i.site, d] for d in depots)]))


def _fetch_km(e: ExportLoad, km: np.ndarray, depots: Sequence[int]) -> float:
    return float(min([km[e.port, e.site], *(km[d, e.site] for d in depots)]))


def match(imports: Sequence[ImportBox], exports: Sequence[ExportLoad], km: np.ndarray,
          depots: Sequence[int] = (), street_turns: bool = True, speed_kmh: float = 60.0,
          max_wait_h: float = 72.0) -> Matching:
    """The empty moves with the largest total saving (``depots``: inland empty depots)."""
    pairs: list[tuple[int, int]] = []
    if street_turns and imports and exports:
        s = savings_matrix(imports, exports, km, depots, speed_kmh, max_wait_h)
        gain = np.where(np.isfinite(s) & (s > 0), s, 0.0)
        rows, cols = linear_sum_assignment(gain, maximize=True)
        pairs = [(int(a), int(b)) for a, b in zip(rows, cols, strict=True) if gain[a, b] > 0]
    moves: list[Move] = []
    reasons: dict[str, str] = {}
    used_i = {a for a, _ in pairs}
    used_e = {b for _, b in pairs}
    for a, b in pairs:
        i, e = imports[a], exports[b]
        moves.append(Move(i.container_id, "street_turn", i.site, e.site,
                          float(km[i.site, e.site]), TEU[i.size]))
    for a, i in enumerate(imports):
        if a in used_i:
            continue
        best = min([(float(km[i.site, i.port]), i.port, "return_to_port"),
                    *((float(km[i.site, d]), d, "return_to_depot") for d in depots)])
        moves.append(Move(i.container_id, best[2], i.site, best[1], best[0], TEU[i.size]))
        if street_turns:
            reasons[i.container_id] = _why(i, exports, km, depots, speed_kmh, max_wait_h)
    for b, e in enumerate(exports):
        if b in used_e:
            continue
        best = min([(float(km[e.port, e.site]), e.port, "from_port"),
                    *((float(km[d, e.site]), d, "from_depot") for d in depots)])
        moves.append(Move(e.booking_id, best[2], best[1], e.site, best[0], TEU[e.size]))
    return Matching(pairs, moves, reasons)


def _why(i: ImportBox, exports: Sequence[ExportLoad], km: np.ndarray, depots: Sequence[int],
         speed_kmh: float, max_wait_h: float) -> str:
    same = [e for e in exports if e.size == i.size and e.kind == i.kind]
    if not same:
        return f"no export load needs a {i.size} ft {i.kind} container"
    ok = [e for e in same if feasible(i, e, km, speed_kmh, max_wait_h)]
    if not ok:
        return "no matching export load within the time window"
    back = _return_km(i, km, depots)
    if all(back + _fetch_km(e, km, depots) - km[i.site, e.site] <= 0 for e in ok):
        return "a street turn saves no empty km against the nearest depot"
    return "a matching export load was given a better-placed container"
