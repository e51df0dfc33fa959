"""Gauges: a reading (cm, or m +NAP at Lobith, or a Lobith discharge) -> depth -> payload ->
surcharge, per day.

1. **Reading -> depth** per gauge (``data/gauge_relations.csv``): for Kaub, Koeln, Ruhrort and
   Emmerich depth = (reading - GlW) / 100 + the fairway depth the WSV guarantees at the GlW;
   Lobith (m +NAP) goes through a rating to a discharge.
2. **Equivalent discharge**: a reading at a gauge of the Deltares discharge-depth relation
   (Kaub, Duisburg-Ruhrort, Emmerich) is inverted to the Lobith discharge that gives that depth
   there; the day's discharge is the one given, else the lowest equivalent (the binding gauge).
   Gauges without a reading take their depth from that discharge; a gauge with a reading keeps
   its own depth.
3. **Depth -> payload factor** per link and CEMT class: :mod:`keten.resilience.lowwater`.
4. **Reading -> surcharge** (EUR per full container) from the carriers' published steps
   (``data/lowwater_surcharges.csv``), charged on barge container flows to or from the terminals
   listed in ``data/surcharge_terminals.csv``.

A *series* gives readings per day (or per date): values between two readings are interpolated
linearly, before the first and after the last reading a gauge holds its nearest reading.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from keten.network.multimodal import DEFAULT_TEU_MASS_T
from keten.resilience.lowwater import depth_relation

DATA_PACKAGE = "keten.resilience.data"
READING_GAUGES = ("Kaub", "Koeln", "Ruhrort", "Emmerich", "Lobith")
GAUGE_ALIASES = {"köln": "Koeln", "koln": "Koeln", "cologne": "Koeln", "koeln": "Koeln",
                 "duisburg-ruhrort": "Ruhrort", "ruhrort": "Ruhrort", "kaub": "Kaub",
                 "emmerich": "Emmerich", "lobith": "Lobith"}
DEFAULT_SURCHARGE_EDITION = "contargo-2018"
# A link whose gauge assignment names this gauge takes the Koeln reading when one is given
# (the Rhine Neuss-Koeln; otherwise it is a marked Duisburg-Ruhrort proxy).
KOELN_LINKS = frozenset({"inland_waterway:DENSS:DECGN"})


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return list(csv.DictReader(io.StringIO(body)))


def gauge_name(text: str) -> str | None:
    """The canonical gauge name for ``text`` (Kaub, Koeln, Ruhrort, Emmerich, Lobith)."""
    return GAUGE_ALIASES.get(text.strip().lower())


@dataclass(frozen=True)
class GaugeRelation:
    gauge: str
    unit: str
    relation: str  # glw or rating
    glw_cm: float
    depth_at_glw_m: float
    governs: str  # the gauge name in the depth relation / link assignment
    source: str

    def depth_m(self, reading: float) -> float:
        """Fairway depth (m) for a reading in this gauge's unit (GlW relations only)."""
        return (reading - self.glw_cm) / 100.0 + self.depth_at_glw_m


@lru_cache(maxsize=1)
def gauge_relations() -> dict[str, GaugeRelation]:
    out = {}
    for r in _rows("gauge_relations.csv"):
        out[r["gauge"]] = GaugeRelation(r["gauge"], r["unit"], r["relation"],
                                        float(r["glw_cm"] or "nan"),
                                        float(r["depth_at_glw_m"] or "nan"), r["governs"],
                                        r["source"])
    return out


# Lobith rating through two published pairs (gauge_relations.csv): level m +NAP -> m3/s.
_LOBITH_PAIRS = ((6.61, 757.0), (6.87, 858.0))


def lobith_discharge_m3s(level_m_nap: float) -> float:
    """Lobith discharge (m3/s) for a water level (m +NAP), linear through the published pairs."""
    (h0, q0), (h1, q1) = _LOBITH_PAIRS
    return q0 + (level_m_nap - h0) * (q1 - q0) / (h1 - h0)


def equivalent_discharge_m3s(gauge: str, depth_m: float) -> float:
    """The Lobith discharge at which the Deltares relation gives ``depth_m`` at ``gauge``
    (clipped to the relation's range)."""
    rel = depth_relation()
    depths = rel.depth_m[gauge]
    q = float(np.interp(depth_m, depths, rel.discharge_m3s))  # depth rises with discharge
    lo, hi = rel.range_m3s
    return min(max(q, lo), hi)


@dataclass(frozen=True)
class GaugeDay:
    """One day's state of the river: discharge, depth per gauge, readings (for surcharges)."""

    discharge_m3s: float
    depth_m: dict[str, float]  # per gauge of the depth relation (+ Koeln when read)
    readings: dict[str, float]  # canonical gauge -> reading in its unit


def gauge_day(readings: Mapping[str, float], discharge_m3s: float | None = None) -> GaugeDay:
    """Depths at every gauge from the day's readings and/or Lobith discharge."""
    rel = gauge_relations()
    lo, hi = depth_relation().range_m3s
    direct: dict[str, float] = {}
    equivalents: list[float] = []
    q = discharge_m3s
    for gauge, value in readings.items():
        r = rel[gauge]
        if r.relation == "rating":
            equivalents.append(min(max(lobith_discharge_m3s(value), lo), hi))
            continue
        d = r.depth_m(value)
        direct[r.governs] = d
        if r.governs in depth_relation().depth_m:
            equivalents.append(equivalent_discharge_m3s(r.governs, d))
    if q is None:
        q = min(equivalents) if equivalents else hi
    q = min(max(q, lo), hi)
    depth = depth_relation().depth_at(q)
    depth.update(direct)
    return GaugeDay(q, depth, dict(readings))


@lru_cache(maxsize=4)
def surcharge_steps(edition: str = DEFAULT_SURCHARGE_EDITION
                    ) -> dict[str, list[tuple[float, float, float, float]]]:
    """Per gauge: (level_min_cm, level_max_cm, EUR per 20', EUR per 40') steps."""
    out: dict[str, list[tuple[float, float, float, float]]] = {}
    for r in _rows("lowwater_surcharges.csv"):
        if r["edition"] == edition:
            out.setdefault(r["gauge"], []).append(
                (float(r["level_min_cm"]), float(r["level_max_cm"]), float(r["eur_per_20ft"]),
                 float(r["eur_per_40ft"])))
    return out


def surcharge_eur_per_20ft(gauge: str, reading_cm: float,
                           edition: str = DEFAULT_SURCHARGE_EDITION) -> float:
    """The published surcharge per full 20' container at a reading (0 above the steps)."""
    level = math.floor(reading_cm)
    for lo, hi, eur20, _ in surcharge_steps(edition).get(gauge, []):
        if lo <= level <= hi:
            return eur20
    return 0.0


def surcharge_eur_per_t(gauge: str, reading_cm: float,
                        edition: str = DEFAULT_SURCHARGE_EDITION) -> float:
    """Surcharge per tonne of container cargo: EUR per 20' / keten's t per TEU (10 t)."""
    return surcharge_eur_per_20ft(gauge, reading_cm, edition) / DEFAULT_TEU_MASS_T


@lru_cache(maxsize=1)
def surcharge_terminals() -> dict[str, tuple[str, bool]]:
    """node_id -> (gauge whose surcharge applies, proxy?)."""
    return {r["node_id"]: (r["gauge"], r["proxy"] == "true") for r in _rows(
        "surcharge_terminals.csv")}


def reading_for_surcharge(day: GaugeDay, gauge: str) -> float | None:
    """The day's reading at ``gauge`` in cm: the reading given, else the one implied by the
    day's depth there (inverse of the GlW relation)."""
    if gauge in day.readings:
        return day.readings[gauge]
    rel = gauge_relations().get(gauge)
    if rel is None or rel.relation != "glw" or rel.governs not in day.depth_m:
        return None
    return (day.depth_m[rel.governs] - rel.depth_at_glw_m) * 100.0 + rel.glw_cm


def interpolate_series(points: Sequence[tuple[int, float]], days: int) -> np.ndarray:
    """Daily values 0..days-1 from (day, value) points: linear between, held outside."""
    pts = sorted(points)
    x = np.array([p[0] for p in pts], dtype=float)
    y = np.array([p[1] for p in pts], dtype=float)
    return np.interp(np.arange(days, dtype=float), x, y)
