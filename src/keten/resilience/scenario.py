"""Disruption scenarios: the spec (validated, every problem gathered), templates, daily severity.

A scenario is a list of disruptions. Each has a target (link ids, a corridor such as a named
waterway or rail line, a node, a mode within an area, a sea chokepoint), a type (closure,
capacity_factor, speed_factor, cost_factor, emission_factor, congestion, low_water), a start
day, a duration in days and a recovery curve (none, linear over N days, or steps). On day d a
disruption's severity s(d) is 1 while it lasts and falls back to 0 along its recovery curve;
its factor on that day is ``1 + s(d) * (factor - 1)`` (a closure has factor 0).

``parse_scenario(doc)`` checks the document's shape; ``resolve_targets(scenario, network)``
checks names against a network. Both gather every problem (file, field, reason) and raise one
``ValidationError``. Nothing here reads files.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from keten.errors import Problem, ValidationError
from keten.network.model import Network
from keten.network.sea import PASSAGES
from keten.resilience.capacity import CapacityAssumptions, default_capacity, parse_capacity
from keten.resilience.gauges import (
    DEFAULT_SURCHARGE_EDITION,
    READING_GAUGES,
    gauge_name,
    surcharge_steps,
)
from keten.resilience.lowwater import DEFAULT_UNDER_KEEL_CLEARANCE_M, depth_relation

DISRUPTION_TYPES = ("closure", "capacity_factor", "speed_factor", "cost_factor",
                    "emission_factor", "congestion", "low_water")
RECOVERY_KINDS = ("none", "linear", "steps")
TARGET_KEYS = ("links", "corridor", "node", "mode", "bbox", "center", "radius_km",
               "chokepoint", "hazard")
MODES = ("road", "rail", "inland_waterway", "sea", "air", "pipeline")
DEFAULT_VALUE_OF_TIME_EUR_PER_T_H = 0.1  # keten default generalised-cost weight of time
PADDING_DAYS = 14  # days simulated after the last recovery, so backlogs can clear
# A congested node's normal handling capacity = its baseline throughput / this utilisation
# (keten default: terminals run at about 80 % of capacity), so backlogs clear gradually.
DEFAULT_NODE_UTILISATION = 0.8
# Days of demand the receiver holds in stock (time-to-survive of a flow); keten assumption.
DEFAULT_INVENTORY_DAYS = 7.0


@dataclass(frozen=True)
class Recovery:
    """How a disruption fades: none (back at once), linear over ``days``, or ``steps``
    [(days after the end, share restored 0..1), ...]."""

    kind: str = "none"
    days: int = 0
    steps: tuple[tuple[int, float], ...] = ()

    @property
    def length_days(self) -> int:
        if self.kind == "linear":
            return self.days
        if self.kind == "steps" and self.steps:
            return self.steps[-1][0] + 1
        return 0

    def severity_after(self, k: int) -> float:
        """Severity on the k-th day (0-based) after the disruption's duration ended."""
        if self.kind == "linear":
            return max(0.0, 1.0 - (k + 1) / (self.days + 1))
        if self.kind == "steps":
            restored = 0.0
            for after, share in self.steps:
                if after <= k:
                    restored = share
            return 1.0 - restored
        return 0.0


@dataclass(frozen=True)
class Target:
    links: tuple[str, ...] = ()
    corridor: str | None = None
    node: str | None = None
    mode: str | None = None
    bbox: tuple[float, float, float, float] | None = None  # min_lon, min_lat, max_lon, max_lat
    center: tuple[float, float] | None = None  # lat, lon
    radius_km: float | None = None
    chokepoint: str | None = None
    # hazard overlay: links whose attribute reaches at_least (see keten.resilience.hazard)
    hazard_attribute: str | None = None
    hazard_at_least: float | None = None

    def describe(self) -> str:
        parts = []
        if self.links:
            parts.append("links " + ", ".join(self.links))
        for name in ("corridor", "node", "mode", "chokepoint"):
            if getattr(self, name):
                parts.append(f"{name} {getattr(self, name)}")
        if self.bbox:
            parts.append(f"bbox {self.bbox}")
        if self.center:
            parts.append(f"within {self.radius_km:g} km of {self.center}")
        if self.hazard_attribute:
            parts.append(f"hazard {self.hazard_attribute} >= {self.hazard_at_least:g}")
        return "; ".join(parts) or "(default)"


@dataclass(frozen=True)
class Disruption:
    id: str
    type: str
    target: Target
    start_day: int
    duration_days: int
    factor: float = 0.0
    recovery: Recovery = field(default_factory=Recovery)
    dwell_time_h: float = 0.0
    discharge_m3s: float | None = None
    under_keel_clearance_m: float = DEFAULT_UNDER_KEEL_CLEARANCE_M
    normal_utilisation: float = DEFAULT_NODE_UTILISATION
    index: int = -1  # position in the scenario document (for messages)
    # low water by gauge: constant readings (gauge -> cm, Lobith m +NAP), or a daily series
    # (key -> [(day, value), ...]; key a gauge or "discharge_m3s")
    readings: tuple[tuple[str, float], ...] = ()
    series: tuple[tuple[str, tuple[tuple[int, float], ...]], ...] = ()
    surcharges: str = DEFAULT_SURCHARGE_EDITION  # or "none"

    @property
    def end_day(self) -> int:
        """First day after the disruption and its recovery."""
        return self.start_day + self.duration_days + self.recovery.length_days

    def severity(self, day: int) -> float:
        if day < self.start_day:
            return 0.0
        if day < self.start_day + self.duration_days:
            return 1.0
        return self.recovery.severity_after(day - self.start_day - self.duration_days)

    def factor_on(self, day: int) -> float:
        return 1.0 + self.severity(day) * (self.factor - 1.0)


@dataclass(frozen=True)
class Scenario:
    name: str
    disruptions: tuple[Disruption, ...]
    horizon_days: int
    description: str = ""
    value_of_time_eur_per_t_h: float = DEFAULT_VALUE_OF_TIME_EUR_PER_T_H
    late_tolerance_h: float = 24.0
    source: str | None = None
    capacity: CapacityAssumptions = field(default_factory=default_capacity)
    inventory_days: float = DEFAULT_INVENTORY_DAYS
    start_date: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description,
                "horizon_days": self.horizon_days,
                **({"start_date": self.start_date} if self.start_date else {}),
                "capacity_limits": self.capacity.enabled,
                "inventory_days": self.inventory_days,
                "disruptions": [{"id": d.id, "type": d.type, "target": d.target.describe(),
                                 "start_day": d.start_day, "duration_days": d.duration_days,
                                 "factor": d.factor, "recovery": d.recovery.kind,
                                 "recovery_days": d.recovery.length_days,
                                 **({"discharge_m3s": d.discharge_m3s}
                                    if d.discharge_m3s is not None else {}),
                                 **({"readings": dict(d.readings)} if d.readings else {}),
                                 **({"series_days": d.duration_days} if d.series else {}),
                                 **({"dwell_time_h": d.dwell_time_h} if d.dwell_time_h else {})}
                                for d in self.disruptions]}


class _Checker:
    """Collects problems with a dotted field path."""

    def __init__(self, file: str | None) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def bad(self, path: str, reason: str) -> None:
        self.problems.append(Problem(reason, self.file, None, path))

    def number(self, doc: Mapping[str, Any], key: str, path: str, default: float | None = None,
               minimum: float | None = None, maximum: float | None = None,
               integer: bool = False) -> float | None:
        raw = doc.get(key, default)
        if raw is None:
            self.bad(f"{path}.{key}" if path else key, "missing value")
            return None
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            self.bad(f"{path}.{key}" if path else key, f"'{raw}' is not a number")
            return None
        try:
            value = float(raw)
        except ValueError:
            self.bad(f"{path}.{key}" if path else key, f"'{raw}' is not a number")
            return None
        where = f"{path}.{key}" if path else key
        if not math.isfinite(value):
            self.bad(where, f"{raw} is not a finite number")
            return None
        if integer and value != int(value):
            self.bad(where, f"{raw} must be a whole number of days")
            return None
        if minimum is not None and value < minimum:
            self.bad(where, f"{value:g} must be >= {minimum:g}")
            return None
        if maximum is not None and value > maximum:
            self.bad(where, f"{value:g} must be <= {maximum:g}")
            return None
        return value


def _recovery(doc: Any, path: str, ck: _Checker) -> Recovery:
    if doc is None:
        return Recovery()
    if isinstance(doc, str):
        doc = {"kind": doc}
    if not isinstance(doc, Mapping):
        ck.bad(path, "expected an object with 'kind' (none, linear, steps)")
        return Recovery()
    kind = str(doc.get("kind", "none"))
    if kind not in RECOVERY_KINDS:
        ck.bad(f"{path}.kind", f"'{kind}' is not one of {', '.join(RECOVERY_KINDS)}")
        return Recovery()
    if kind == "linear":
        days = ck.number(doc, "days", path, minimum=0, integer=True)
        return Recovery("linear", int(days or 0))
    if kind == "steps":
        raw = doc.get("steps")
        if not isinstance(raw, list) or not raw:
            ck.bad(f"{path}.steps", "expected a list of {after_days, restored}")
            return Recovery()
        steps: list[tuple[int, float]] = []
        for i, s in enumerate(raw):
            where = f"{path}.steps[{i}]"
            if not isinstance(s, Mapping):
                ck.bad(where, "expected an object {after_days, restored}")
                continue
            after = ck.number(s, "after_days", where, minimum=0, integer=True)
            share = ck.number(s, "restored", where, minimum=0, maximum=1)
            if after is not None and share is not None:
                if steps and (after <= steps[-1][0] or share < steps[-1][1]):
                    ck.bad(where, "steps must have increasing after_days and non-decreasing "
                                  "restored shares")
                steps.append((int(after), share))
        return Recovery("steps", 0, tuple(steps))
    return Recovery()


def _target(doc: Any, path: str, ck: _Checker) -> Target:
    if doc is None:
        return Target()
    if isinstance(doc, str):
        doc = {"corridor": doc}
    if not isinstance(doc, Mapping):
        ck.bad(path, "expected an object with links, corridor, node, mode, bbox, center/"
                     "radius_km or chokepoint")
        return Target()
    for key in doc:
        if key not in TARGET_KEYS:
            ck.bad(f"{path}.{key}", f"unknown target key (known: {', '.join(TARGET_KEYS)})")
    links_raw = doc.get("links", [])
    if isinstance(links_raw, str):
        links_raw = [links_raw]
    if not isinstance(links_raw, list):
        ck.bad(f"{path}.links", "expected a list of link ids")
        links_raw = []
    mode = doc.get("mode")
    if mode is not None and str(mode) not in MODES:
        ck.bad(f"{path}.mode", f"'{mode}' is not one of {', '.join(MODES)}")
    bbox = doc.get("bbox")
    bbox_t: tuple[float, float, float, float] | None = None
    if bbox is not None:
        ok = isinstance(bbox, list) and len(bbox) == 4 and all(
            isinstance(x, int | float) and not isinstance(x, bool) for x in bbox)
        if not ok or not (bbox[0] < bbox[2] and bbox[1] < bbox[3]):
            ck.bad(f"{path}.bbox", "expected [min_lon, min_lat, max_lon, max_lat] with min < max")
        else:
            bbox_t = (float(bbox[0]), float(bbox[1]), float(bbox[2]), float(bbox[3]))
    center = doc.get("center")
    center_t: tuple[float, float] | None = None
    radius: float | None = None
    if center is not None:
        if not (isinstance(center, list) and len(center) == 2
                and all(isinstance(x, int | float) for x in center)):
            ck.bad(f"{path}.center", "expected [lat, lon]")
        else:
            center_t = (float(center[0]), float(center[1]))
        radius = ck.number(doc, "radius_km", path, minimum=0)
    choke = doc.get("chokepoint")
    if choke is not None:
        choke = str(choke).strip().lower().replace("-", "").replace("_", "")
        if choke not in PASSAGES:
            ck.bad(f"{path}.chokepoint", f"'{doc.get('chokepoint')}' is not one of "
                                         f"{', '.join(PASSAGES)}")
    hazard_attr, hazard_min = _hazard_target(doc.get("hazard"), f"{path}.hazard", ck)
    return Target(tuple(str(x) for x in links_raw),
                  None if doc.get("corridor") is None else str(doc["corridor"]),
                  None if doc.get("node") is None else str(doc["node"]),
                  None if mode is None else str(mode), bbox_t, center_t, radius,
                  None if choke is None else str(choke), hazard_attr, hazard_min)


def _hazard_target(doc: Any, path: str, ck: _Checker) -> tuple[str | None, float | None]:
    """``hazard: {attribute: flood_depth_m, at_least: 0.5}`` (a raster is turned into an
    attribute by the service that reads it: ``{raster: depth.tif, at_least: 0.5}``)."""
    if doc is None:
        return None, None
    if not isinstance(doc, Mapping) or not (doc.get("attribute") or doc.get("raster")):
        ck.bad(path, "expected {attribute: NAME, at_least: VALUE} or {raster: FILE, "
                     "at_least: VALUE}")
        return None, None
    if doc.get("raster") and not doc.get("attribute"):
        ck.bad(f"{path}.raster", "a raster hazard is sampled when the scenario is run on a "
                                 "network (keten disrupt); it cannot be checked on its own")
        return None, None
    at_least = ck.number(doc, "at_least", path)
    return str(doc["attribute"]), at_least


def _disruption(doc: Any, i: int, ck: _Checker,
                start_date: str | None = None) -> Disruption | None:
    path = f"disruptions[{i}]"
    if not isinstance(doc, Mapping):
        ck.bad(path, "expected an object")
        return None
    kind = str(doc.get("type", ""))
    if kind not in DISRUPTION_TYPES:
        ck.bad(f"{path}.type", f"'{kind}' is not one of {', '.join(DISRUPTION_TYPES)}")
    start = ck.number(doc, "start_day", path, default=0, minimum=0, integer=True)
    duration = (ck.number(doc, "duration_days", path, minimum=0, integer=True)
                if not (kind == "low_water" and doc.get("duration_days") is None
                        and doc.get("series") is not None) else 0.0)
    target = _target(doc.get("target"), f"{path}.target", ck)
    recovery = _recovery(doc.get("recovery"), f"{path}.recovery", ck)
    factor: float | None = 0.0
    if kind in ("capacity_factor", "emission_factor"):
        factor = ck.number(doc, "factor", path, minimum=0)
        if kind == "capacity_factor" and factor is not None and factor > 1:
            ck.bad(f"{path}.factor", f"a capacity factor must be in 0..1, got {factor:g}")
    elif kind in ("speed_factor",):
        factor = ck.number(doc, "factor", path, minimum=0)
        if factor is not None and factor <= 0:
            ck.bad(f"{path}.factor", "a speed factor must be above 0 (use a closure)")
    elif kind == "cost_factor":
        factor = ck.number(doc, "factor", path, minimum=0)
    elif kind == "congestion":
        factor = ck.number(doc, "factor", path, default=1.0, minimum=0, maximum=1)
    dwell = ck.number(doc, "dwell_time_h", path, default=0.0, minimum=0) or 0.0
    utilisation = ck.number(doc, "normal_utilisation", path, default=DEFAULT_NODE_UTILISATION,
                            minimum=0.01, maximum=1.0) or DEFAULT_NODE_UTILISATION
    discharge: float | None = None
    ukc = ck.number(doc, "under_keel_clearance_m", path,
                    default=DEFAULT_UNDER_KEEL_CLEARANCE_M, minimum=0) or 0.0
    readings: tuple[tuple[str, float], ...] = ()
    series: tuple[tuple[str, tuple[tuple[int, float], ...]], ...] = ()
    surcharges = str(doc.get("surcharges", DEFAULT_SURCHARGE_EDITION))
    if kind == "low_water":
        readings, series = _gauge_inputs(doc, path, ck, start_date)
        if doc.get("discharge_m3s") is not None or not (readings or series):
            discharge = ck.number(doc, "discharge_m3s", path)
            if discharge is not None:
                ck.problems += depth_relation().check(discharge, f"{path}.discharge_m3s",
                                                      ck.file)
        if series and doc.get("duration_days") is None:
            duration = float(max(day for _, pts in series for day, _ in pts) + 1)
        if surcharges != "none" and not surcharge_steps(surcharges):
            ck.bad(f"{path}.surcharges", f"unknown surcharge edition '{surcharges}' (use "
                                         f"{DEFAULT_SURCHARGE_EDITION} or none)")
        factor = 1.0
    if kind == "congestion" and target.node is None:
        ck.bad(f"{path}.target.node", "a congestion needs a node (port or terminal)")
    if target.chokepoint and kind != "closure":
        ck.bad(f"{path}.type", "a chokepoint can only be closed (type: closure)")
    if kind not in ("low_water",) and target == Target():
        ck.bad(f"{path}.target", "missing target")
    if start is None or duration is None or kind not in DISRUPTION_TYPES or factor is None:
        return None
    return Disruption(str(doc.get("id", f"d{i + 1}")), kind, target, int(start), int(duration),
                      float(factor), recovery, float(dwell), discharge, float(ukc),
                      float(utilisation), i, readings, series, surcharges)


def _reading_value(raw: Any, where: str, gauge: str, ck: _Checker) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        ck.bad(where, f"'{raw}' is not a number")
        return None
    value = float(raw)
    lo, hi = (4.0, 16.0) if gauge == "Lobith" else (-100.0, 1500.0)
    if not (math.isfinite(value) and lo <= value <= hi):
        unit = "m +NAP" if gauge == "Lobith" else "cm"
        ck.bad(where, f"{raw} is not a {gauge} reading in {unit} ({lo:g} to {hi:g})")
        return None
    return value


def _day_of(row: Mapping[str, Any], where: str, ck: _Checker,
            start_date: str | None) -> int | None:
    import datetime as dt

    if "day" in row:
        v = ck.number(row, "day", where, minimum=0, integer=True)
        return None if v is None else int(v)
    if "date" in row:
        if start_date is None:
            ck.bad(f"{where}.date", "a dated series needs the scenario's start_date")
            return None
        try:
            d = dt.date.fromisoformat(str(row["date"]))
            d0 = dt.date.fromisoformat(start_date)
        except ValueError:
            ck.bad(f"{where}.date", f"'{row['date']}' is not a date YYYY-MM-DD")
            return None
        if d < d0:
            ck.bad(f"{where}.date", f"{d} is before the start_date {d0}")
            return None
        return (d - d0).days
    ck.bad(where, "each series row needs a day (0, 1, ...) or a date")
    return None


def _gauge_inputs(doc: Mapping[str, Any], path: str, ck: _Checker, start_date: str | None
                  ) -> tuple[tuple[tuple[str, float], ...],
                             tuple[tuple[str, tuple[tuple[int, float], ...]], ...]]:
    """Constant ``readings: {gauge: value}`` and a ``series`` of daily rows."""
    readings: list[tuple[str, float]] = []
    raw = doc.get("readings")
    if raw is not None:
        if not isinstance(raw, Mapping) or not raw:
            ck.bad(f"{path}.readings", f"expected {{gauge: reading}}, gauges "
                                       f"{', '.join(READING_GAUGES)}")
        else:
            for key, value in raw.items():
                g = gauge_name(str(key))
                if g is None:
                    ck.bad(f"{path}.readings.{key}", f"unknown gauge (use "
                                                     f"{', '.join(READING_GAUGES)})")
                    continue
                v = _reading_value(value, f"{path}.readings.{key}", g, ck)
                if v is not None:
                    readings.append((g, v))
    points: dict[str, list[tuple[int, float]]] = {}
    rows = doc.get("series")
    if rows is not None:
        if not isinstance(rows, list) or not rows:
            ck.bad(f"{path}.series", "expected a list of {day or date, gauge: reading, ...}")
            rows = []
        for j, row in enumerate(rows):
            where = f"{path}.series[{j}]"
            if not isinstance(row, Mapping):
                ck.bad(where, "expected an object")
                continue
            day = _day_of(row, where, ck, start_date)
            values = 0
            for key, value in row.items():
                if key in ("day", "date", "source", "note"):
                    continue
                if key == "discharge_m3s":
                    v = ck.number(row, key, where)
                    if v is not None:
                        bad = depth_relation().check(v, f"{where}.discharge_m3s", ck.file)
                        ck.problems += bad
                        if not bad and day is not None:
                            points.setdefault("discharge_m3s", []).append((day, v))
                            values += 1
                    continue
                g = gauge_name(str(key))
                if g is None:
                    ck.bad(f"{where}.{key}", f"unknown gauge (use {', '.join(READING_GAUGES)} "
                                             "or discharge_m3s)")
                    continue
                v = _reading_value(value, f"{where}.{key}", g, ck)
                if v is not None and day is not None:
                    points.setdefault(g, []).append((day, v))
                    values += 1
            if values == 0 and day is not None and not any(
                    p.column and p.column.startswith(where) for p in ck.problems):
                ck.bad(where, "no reading in this row")
    series = tuple((k, tuple(sorted(v))) for k, v in sorted(points.items()))
    return tuple(readings), series


def parse_scenario(doc: Any, file: str | None = None) -> Scenario:
    """Check a scenario document (a dict from YAML/JSON) and turn it into a :class:`Scenario`."""
    scenario, problems = _parse(doc, file)
    if problems:
        raise ValidationError(problems, title="invalid scenario")
    return scenario


def check_scenario(doc: Any, net: Network, file: str | None = None
                   ) -> tuple[Scenario, list[ResolvedDisruption]]:
    """Parse a scenario document and resolve its targets on ``net``, gathering the problems
    of both steps (shape and names) into one ValidationError."""
    scenario, problems = _parse(doc, file)
    resolved: list[ResolvedDisruption] = []
    try:
        resolved = resolve_targets(scenario, net, file)
    except ValidationError as exc:
        problems = problems + exc.problems
    if problems:
        raise ValidationError(problems, title="invalid scenario")
    return scenario, resolved


def _parse(doc: Any, file: str | None) -> tuple[Scenario, list[Problem]]:
    """The scenario made of the valid parts of ``doc``, and the problems found."""
    ck = _Checker(file)
    if not isinstance(doc, Mapping):
        raise ValidationError([Problem("expected a scenario object with 'disruptions'", file)],
                              title="invalid scenario")
    known = {"name", "description", "horizon_days", "disruptions", "value_of_time_eur_per_t_h",
             "late_tolerance_h", "template", "capacity", "inventory_days", "start_date",
             "source"}
    for key in doc:
        if key not in known:
            ck.bad(str(key), f"unknown field (known: {', '.join(sorted(known))})")
    raw = doc.get("disruptions")
    if not isinstance(raw, list) or not raw:
        ck.bad("disruptions", "expected a non-empty list of disruptions")
        raw = []
    start_date = doc.get("start_date")
    if start_date is not None:
        import datetime as dt

        try:
            start_date = dt.date.fromisoformat(str(start_date)).isoformat()
        except ValueError:
            ck.bad("start_date", f"'{start_date}' is not a date YYYY-MM-DD")
            start_date = None
    items = [_disruption(d, i, ck, start_date) for i, d in enumerate(raw)]
    disruptions = tuple(d for d in items if d is not None)
    ids = [d.id for d in disruptions]
    for dup in sorted({x for x in ids if ids.count(x) > 1}):
        ck.bad("disruptions", f"disruption id '{dup}' is used more than once")
    vot = ck.number(doc, "value_of_time_eur_per_t_h", "",
                    default=DEFAULT_VALUE_OF_TIME_EUR_PER_T_H, minimum=0)
    late = ck.number(doc, "late_tolerance_h", "", default=24.0, minimum=0)
    natural = max((d.end_day for d in disruptions), default=0) + PADDING_DAYS
    horizon = ck.number(doc, "horizon_days", "", default=natural, minimum=1, maximum=3650,
                        integer=True)
    capacity, cap_problems = parse_capacity(doc.get("capacity"), file)
    ck.problems += cap_problems
    inventory = ck.number(doc, "inventory_days", "", default=DEFAULT_INVENTORY_DAYS, minimum=0)
    return Scenario(str(doc.get("name", "scenario")), disruptions, int(horizon or natural),
                    str(doc.get("description", "")), float(vot or 0.0), float(late or 0.0),
                    file, capacity, float(inventory if inventory is not None else
                                          DEFAULT_INVENTORY_DAYS), start_date), ck.problems


# --- targets on a network ---------------------------------------------------------------

@dataclass(frozen=True)
class ResolvedDisruption:
    """A disruption with the link rows and node rows of the network it touches."""

    disruption: Disruption
    link_rows: np.ndarray
    node_rows: np.ndarray
    link_factors: np.ndarray | None = None  # low water: payload factor per entry of link_rows
    # low water by day (series): days x link_rows payload factors, from start_day on
    daily_factors: np.ndarray | None = None
    # low-water surcharges: terminal node rows and EUR per tonne of container cargo per day
    surcharge_nodes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    surcharge_eur_per_t: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    gauge_days: tuple[Any, ...] = ()  # GaugeDay per day of the disruption (low water)

    def payload_on(self, day: int) -> np.ndarray | None:
        """Payload factor per link row on ``day`` (severity and recovery applied)."""
        d = self.disruption
        if self.link_factors is None:
            return None
        s = d.severity(day)
        if s <= 0:
            return np.ones(len(self.link_rows))
        if self.daily_factors is not None and len(self.daily_factors):
            k = min(max(day - d.start_day, 0), len(self.daily_factors) - 1)
            worst = self.daily_factors[k]
        else:
            worst = self.link_factors
        return 1.0 + s * (worst - 1.0)

    def surcharge_on(self, day: int) -> np.ndarray:
        """EUR per tonne of container cargo per surcharge node on ``day`` (0 outside)."""
        d = self.disruption
        if not len(self.surcharge_nodes) or day < d.start_day:
            return np.zeros(len(self.surcharge_nodes))
        k = day - d.start_day
        if k >= d.duration_days or not len(self.surcharge_eur_per_t):
            return np.zeros(len(self.surcharge_nodes))
        return self.surcharge_eur_per_t[min(k, len(self.surcharge_eur_per_t) - 1)]


def _suggest(name: str, options: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(options), n=3, cutoff=0.5)
    return f"; did you mean {', '.join(close)}?" if close else ""


def _haversine_km(lat: np.ndarray, lon: np.ndarray, lat0: float, lon0: float) -> np.ndarray:
    p = np.radians
    a = (np.sin((p(lat) - p(lat0)) / 2) ** 2
         + np.cos(p(lat0)) * np.cos(p(lat)) * np.sin((p(lon) - p(lon0)) / 2) ** 2)
    return np.asarray(2 * 6371.0088 * np.arcsin(np.sqrt(a)))


def _link_mask(t: Target, net: Network, path: str, ck: _Checker) -> np.ndarray:
    links = net.links
    n = len(links)
    mask = np.ones(n, dtype=bool)
    ids = links["link_id"].astype(str).to_numpy()
    chosen = False
    if t.links:
        known = set(ids)
        for j, lid in enumerate(t.links):
            if lid not in known:
                ck.bad(f"{path}.links[{j}]", f"unknown link '{lid}'{_suggest(lid, list(known))}")
        mask &= np.isin(ids, list(t.links))
        chosen = True
    if t.corridor:
        corr = links["corridor"].astype(str).str.lower()
        hit = corr.str.contains(t.corridor.lower(), regex=False).to_numpy()
        if not hit.any():
            names = sorted(set(links["corridor"].astype(str)) - {""})
            ck.bad(f"{path}.corridor", f"no link's corridor mentions '{t.corridor}'"
                                       f"{_suggest(t.corridor, names)}")
        mask &= hit
        chosen = True
    if t.mode:
        mask &= (links["mode"].astype(str) == t.mode).to_numpy()
    if t.hazard_attribute and t.hazard_at_least is not None:
        from keten.resilience.hazard import affected, attribute_values

        try:
            mask &= affected(attribute_values(net, t.hazard_attribute), t.hazard_at_least)
        except ValidationError as exc:
            ck.bad(f"{path}.hazard.attribute", exc.problems[0].reason)
        chosen = True
    if t.bbox or t.center:
        index = net.node_index()
        lat = net.nodes["lat"].to_numpy(dtype=float)
        lon = net.nodes["lon"].to_numpy(dtype=float)
        inside = np.zeros(len(lat), dtype=bool)
        if t.bbox:
            x0, y0, x1, y1 = t.bbox
            inside = (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
        if t.center and t.radius_km is not None:
            inside = _haversine_km(lat, lon, *t.center) <= t.radius_km
        a = np.array([inside[index[x]] if x in index else False for x in links["from_node"]])
        b = np.array([inside[index[x]] if x in index else False for x in links["to_node"]])
        mask &= a | b  # a link with either end in the area
        chosen = True
    if t.mode and not chosen:
        chosen = True
    if not chosen:
        mask[:] = False
    return mask


def _gauge_days(d: Disruption) -> list[Any]:
    """The river's state per day of a low-water disruption (one day if constant)."""
    from keten.resilience.gauges import gauge_day, interpolate_series

    if not d.series:
        return [gauge_day(dict(d.readings), d.discharge_m3s)]
    days = max(d.duration_days, 1)
    daily = {key: interpolate_series(points, days) for key, points in d.series}
    out = []
    for k in range(days):
        readings = dict(d.readings)
        readings.update({g: float(v[k]) for g, v in daily.items() if g != "discharge_m3s"})
        q = float(daily["discharge_m3s"][k]) if "discharge_m3s" in daily else d.discharge_m3s
        out.append(gauge_day(readings, q))
    return out


def _resolve_low_water(d: Disruption, net: Network, rows_all: np.ndarray, link_ids: np.ndarray,
                       index: Mapping[str, int]) -> ResolvedDisruption | None:
    from keten.resilience.gauges import (
        KOELN_LINKS,
        reading_for_surcharge,
        surcharge_eur_per_t,
        surcharge_terminals,
    )
    from keten.resilience.lowwater import assignment_for, gauge_overrides, low_water_links_at

    cemt = net.links["cemt_class"].fillna("").astype(str).to_numpy()
    ref = net.links["reference_gauge"].fillna("").astype(str).to_numpy()
    triples = list(zip(link_ids[rows_all], cemt[rows_all], ref[rows_all], strict=True))
    gauges = assignment_for(net.links)
    overrides = {lid: "Koeln" for lid in KOELN_LINKS} | gauge_overrides(net.links)
    days = _gauge_days(d)
    per_day = []
    for gd in days:
        lw = low_water_links_at(gd.depth_m, triples, d.under_keel_clearance_m, gauges=gauges,
                                overrides=overrides)
        per_day.append({x.link_id: x.payload_factor for x in lw})
    rows = np.array([r for r in rows_all if link_ids[r] in per_day[0]], dtype=int)
    if len(rows) == 0:
        return None
    daily = np.array([[pd_[link_ids[r]] for r in rows] for pd_ in per_day])
    nodes: list[int] = []
    charges: list[list[float]] = []
    if d.surcharges != "none":
        terminals = [(n, g) for n, (g, _) in surcharge_terminals().items() if n in index]
        nodes = [index[n] for n, _ in terminals]
        for gd in days:
            row = []
            for _, g in terminals:
                level = reading_for_surcharge(gd, g)
                row.append(0.0 if level is None else surcharge_eur_per_t(g, level, d.surcharges))
            charges.append(row)
    return ResolvedDisruption(
        d, rows, np.zeros(0, dtype=int), daily.min(axis=0),
        daily if d.series else None, np.array(nodes, dtype=int),
        np.array(charges, dtype=float).reshape(len(days) if nodes else 0, len(nodes))
        if nodes else np.zeros((0, 0)), tuple(days))


def resolve_targets(scenario: Scenario, net: Network,
                    file: str | None = None) -> list[ResolvedDisruption]:
    """Link and node rows each disruption touches; unknown names are gathered as problems."""

    ck = _Checker(file if file is not None else scenario.source)
    out: list[ResolvedDisruption] = []
    ids = net.node_ids
    index = net.node_index()
    link_ids = net.links["link_id"].astype(str).to_numpy()
    for i, d in enumerate(scenario.disruptions):
        path = f"disruptions[{d.index if d.index >= 0 else i}].target"
        t = d.target
        node_rows = np.zeros(0, dtype=int)
        if t.node is not None:
            row = index.get(t.node)
            if row is None:
                lower = {x.lower(): x for x in ids}
                row = index.get(lower.get(t.node.lower(), ""))
            if row is None:
                ck.bad(f"{path}.node", f"unknown node '{t.node}'{_suggest(t.node, ids)}")
                continue
            node_rows = np.array([row])
            node_id = ids[row]
            touches = ((net.links["from_node"] == node_id) | (net.links["to_node"] == node_id))
            rows = np.flatnonzero(touches.to_numpy()) if d.type == "closure" else \
                np.zeros(0, dtype=int)
            out.append(ResolvedDisruption(d, rows, node_rows))
            continue
        if t.chokepoint is not None:
            out.append(ResolvedDisruption(d, np.zeros(0, dtype=int), node_rows))
            continue
        if d.type == "low_water":
            base = (_link_mask(t, net, path, ck) if t != Target()
                    else np.ones(len(link_ids), dtype=bool))
            resolved_lw = _resolve_low_water(d, net, np.flatnonzero(base), link_ids, index)
            if resolved_lw is None:
                ck.bad(path, "no link of the network is governed by the Lobith gauges")
                continue
            out.append(resolved_lw)
            continue
        mask = _link_mask(t, net, path, ck)
        if not mask.any() and not any(p.column and p.column.startswith(path)
                                      for p in ck.problems):
            ck.bad(path, f"the target ({t.describe()}) matches no link of the network")
        out.append(ResolvedDisruption(d, np.flatnonzero(mask), node_rows))
    if ck.problems:
        raise ValidationError(ck.problems, title="invalid scenario")
    return [_with_twins(r, net) for r in out]


def _with_twins(rd: ResolvedDisruption, net: Network) -> ResolvedDisruption:
    """Carry a disruption from corridor links to the layer links they are drawn over, and
    back (:mod:`keten.network.overlay`), so no freight detours over the twin of a disrupted
    link. A closure or capacity cut reaches every twin; under low water a corridor link takes
    the length-weighted harmonic mean of its sections' payload factors (so the fleet and cost
    of a voyage do not depend on which twin it takes); the sections under a corridor none of
    whose sections has a factor take the corridor's."""
    from keten.network.overlay import cached_layer_paths

    if not len(rd.link_rows):
        return rd
    lp = cached_layer_paths(net)
    if not lp.paths:
        return rd
    rows = [int(r) for r in rd.link_rows]
    if rd.link_factors is None:
        extra: set[int] = set()
        for r in rows:
            extra.update(int(x) for x in lp.paths.get(r, ()))
        extra.update(lp.covering(rd.link_rows))
        extra -= set(rows)
        if not extra:
            return rd
        return replace(rd, link_rows=np.array(rows + sorted(extra), dtype=int))
    # low water: factors per row (and per day for a series)
    daily = rd.daily_factors if rd.daily_factors is not None and len(rd.daily_factors) else None
    table = np.vstack([rd.link_factors[None, :], daily]) if daily is not None else \
        rd.link_factors[None, :]
    col = {r: i for i, r in enumerate(rows)}
    columns = [table[:, i] for i in range(len(rows))]
    km = net.links["length_km"].to_numpy(dtype=float)
    gauged = lp.covering(rows)  # corridors over a section with a factor
    for corridor in gauged:
        path = lp.paths[corridor]
        # the same voyage over the corridor or over its sections needs the same fleet and
        # cost: sum(km / payload) agrees, so the corridor's factor is the length-weighted
        # harmonic mean of its sections' (1 where a section is not limited)
        length = km[np.asarray(path)]
        with np.errstate(divide="ignore"):  # a section at factor 0 closes the corridor
            per_km = sum(length[j] / (columns[col[int(x)]] if int(x) in col else 1.0)
                         for j, x in enumerate(path))
        factor = np.where(np.isfinite(per_km), np.sum(length) / np.maximum(per_km, 1e-12), 0.0)
        if corridor in col:
            columns[col[corridor]] = factor
        else:
            col[corridor] = len(columns)
            columns.append(factor)
    for r in rows:  # the sections under a corridor whose only factor is the corridor's
        if r in gauged:
            continue
        for x in lp.paths.get(r, ()):
            if int(x) not in col:
                col[int(x)] = len(columns)
                columns.append(columns[col[r]])
    if len(columns) == len(rows) and all(
            np.array_equal(columns[i], table[:, i]) for i in range(len(rows))):
        return rd
    out = np.stack(columns, axis=1)
    return replace(rd, link_rows=np.array(list(col), dtype=int), link_factors=out[0],
                   daily_factors=out[1:] if daily is not None else rd.daily_factors)


def __getattr__(name: str) -> Any:
    """The templates moved to :mod:`keten.resilience.templates`; still importable from here."""
    if name in ("TEMPLATES", "VOLKERAK_LOCKS_LINK", "template_document", "template_scenario"):
        from keten.resilience import templates

        return getattr(templates, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
