"""Capacity of the alternatives: rail paths, terminal handling, trucks and drivers, barge fleet.

During a disruption the other modes cannot take any volume at once. keten limits, per day:

* **rail paths** per corridor and direction: a rail link carries at most
  paths/day x net tonnes per train (the corridor's figure, else the ``*`` figure); and per
  national border and direction, all its lines together (``border_paths_per_day``), so the
  spare paths across a border do not grow with the number of parallel lines a network draws;
* **terminal handling** per node and mode (rail, road, barge): loading, unloading and
  transshipment there use handling capacity = max(floor for the node's kind, baseline
  throughput / normal utilisation), or the figure set for that node;
* **trucks with drivers** per region (country of the road link's start) and day: a tonne on a
  road link of t hours uses t x (1 + empty return) / (payload x driving hours per day)
  truck-days;
* **the barge fleet** serving the modelled flows: a tonne on a waterway link of t hours at
  payload factor p uses t x (1 + empty return) / (24 x p) deadweight-tonne-days, so at low
  water the same fleet carries less (at p = 0.25 it needs four times the tonnage). The fleet is
  the baseline need / normal utilisation unless ``fleet_dwt_t`` is given.

Defaults: ``data/alternative_capacity.csv`` (each row sourced or labelled "keten assumption");
a scenario's ``capacity:`` section overrides any of them. Pure: no I/O beyond package data.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from typing import Any

from keten.errors import Problem

DATA_PACKAGE = "keten.resilience.data"
POOLED_MODES = ("rail", "road", "inland_waterway")
SEAPORT_KINDS = frozenset({"seaport"})


@lru_cache(maxsize=1)
def capacity_rows() -> tuple[dict[str, str], ...]:
    """The rows of ``alternative_capacity.csv`` (group, key, value, unit, source)."""
    text = resources.files(DATA_PACKAGE).joinpath("alternative_capacity.csv").read_text(
        encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return tuple(csv.DictReader(io.StringIO(body)))


@dataclass(frozen=True)
class CapacityAssumptions:
    """Daily capacity of the alternatives (see the module docstring); units in the names."""

    enabled: bool = True
    rail_net_t_per_train: float = 1000.0
    rail_paths_per_day: Mapping[str, float] = field(default_factory=dict)  # corridor or "*"
    # paths/day per direction across a national border, all its lines together: "NL-DE" or "*"
    rail_border_paths_per_day: Mapping[str, float] = field(default_factory=dict)
    road_payload_t_per_truck: float = 20.0
    road_driving_h_per_day: float = 9.0
    road_empty_return_share: float = 1.0
    trucks_per_day: Mapping[str, float] = field(default_factory=dict)  # country or "*"
    barge_normal_utilisation: float = 0.85
    barge_empty_return_share: float = 1.0
    barge_fleet_dwt_t: float | None = None  # None: baseline need / normal utilisation
    terminal_normal_utilisation: float = 0.8
    terminal_floor_t_per_day: Mapping[tuple[str, str], float] = field(default_factory=dict)
    terminal_t_per_day: Mapping[tuple[str, str], float] = field(default_factory=dict)
    max_wait_days: int = 14
    overridden: tuple[str, ...] = ()  # the settings the scenario changed

    def rail_paths(self, corridor: str) -> float:
        """Paths/day for a rail link whose corridor text is ``corridor`` (longest match)."""
        best, size = self.rail_paths_per_day.get("*", 8.0), -1
        low = corridor.lower()
        for name, paths in self.rail_paths_per_day.items():
            if name != "*" and name.lower() in low and len(name) > size:
                best, size = paths, len(name)
        return best

    def border_paths(self, country_a: str, country_b: str) -> float:
        """Paths/day per direction across the border of two countries (either order)."""
        m = self.rail_border_paths_per_day
        return m.get(f"{country_a}-{country_b}", m.get(f"{country_b}-{country_a}",
                                                       m.get("*", 8.0)))

    def trucks(self, region: str) -> float:
        return self.trucks_per_day.get(region, self.trucks_per_day.get("*", 200.0))

    def terminal_floor(self, kind: str, mode: str) -> float:
        group = "seaport" if kind in SEAPORT_KINDS else "*"
        return self.terminal_floor_t_per_day.get(
            (group, mode), self.terminal_floor_t_per_day.get(("*", mode), float("inf")))

    def as_rows(self) -> list[dict[str, Any]]:
        """The assumptions as (setting, value, unit, source) rows, for reports and the page."""
        sources = {(r["group"], r["key"]): r for r in capacity_rows()}

        def src(group: str, key: str, name: str) -> str:
            if name in self.overridden:
                return "scenario file"
            row = sources.get((group, key))
            return row["source"] if row else "keten assumption"

        rows: list[dict[str, Any]] = [
            {"setting": "rail.net_t_per_train", "value": self.rail_net_t_per_train,
             "unit": "t", "source": src("rail", "net_t_per_train", "rail.net_t_per_train")}]
        for name, v in sorted(self.rail_paths_per_day.items()):
            rows.append({"setting": f"rail.paths_per_day.{name}", "value": v,
                         "unit": "paths/day per direction",
                         "source": src("rail", f"paths_per_day:{name}",
                                       f"rail.paths_per_day.{name}")})
        for name, v in sorted(self.rail_border_paths_per_day.items()):
            rows.append({"setting": f"rail.border_paths_per_day.{name}", "value": v,
                         "unit": "paths/day per direction",
                         "source": src("rail", f"border_paths_per_day:{name}",
                                       f"rail.border_paths_per_day.{name}")})
        for key, v, unit in (("payload_t_per_truck", self.road_payload_t_per_truck, "t"),
                             ("driving_h_per_day", self.road_driving_h_per_day, "h"),
                             ("empty_return_share", self.road_empty_return_share, "share")):
            rows.append({"setting": f"road.{key}", "value": v, "unit": unit,
                         "source": src("road", key, f"road.{key}")})
        for name, v in sorted(self.trucks_per_day.items()):
            rows.append({"setting": f"road.trucks_per_day.{name}", "value": v,
                         "unit": "trucks/day",
                         "source": src("road", f"trucks_per_day:{name}",
                                       f"road.trucks_per_day.{name}")})
        rows.append({"setting": "barge.normal_utilisation",
                     "value": self.barge_normal_utilisation, "unit": "share",
                     "source": src("barge", "normal_utilisation", "barge.normal_utilisation")})
        rows.append({"setting": "barge.fleet_dwt_t",
                     "value": self.barge_fleet_dwt_t if self.barge_fleet_dwt_t else "baseline",
                     "unit": "t deadweight",
                     "source": "scenario file" if self.barge_fleet_dwt_t else
                     "baseline need / barge.normal_utilisation"})
        rows.append({"setting": "terminals.normal_utilisation",
                     "value": self.terminal_normal_utilisation, "unit": "share",
                     "source": src("terminal", "normal_utilisation",
                                   "terminals.normal_utilisation")})
        for (kind, mode), v in sorted(self.terminal_floor_t_per_day.items()):
            rows.append({"setting": f"terminals.floor_t_per_day.{kind}.{mode}", "value": v,
                         "unit": "t/day", "source": src("terminal",
                                                        f"floor_t_per_day:{kind}:{mode}", "")})
        for (node, mode), v in sorted(self.terminal_t_per_day.items()):
            rows.append({"setting": f"terminals.nodes.{node}.{mode}", "value": v,
                         "unit": "t/day", "source": "scenario file"})
        rows.append({"setting": "max_wait_days", "value": self.max_wait_days, "unit": "days",
                     "source": src("lost", "max_wait_days", "max_wait_days")})
        return rows


@lru_cache(maxsize=1)
def default_capacity() -> CapacityAssumptions:
    """keten's defaults from ``alternative_capacity.csv``."""
    values: dict[tuple[str, str], float] = {(r["group"], r["key"]): float(r["value"])
                                            for r in capacity_rows()}
    rail_paths = {k.split(":", 1)[1]: v for (g, k), v in values.items()
                  if g == "rail" and k.startswith("paths_per_day:")}
    trucks = {k.split(":", 1)[1]: v for (g, k), v in values.items()
              if g == "road" and k.startswith("trucks_per_day:")}
    floors = {(k.split(":")[1], k.split(":")[2]): v for (g, k), v in values.items()
              if g == "terminal" and k.startswith("floor_t_per_day:")}
    borders = {k.split(":", 1)[1]: v for (g, k), v in values.items()
               if g == "rail" and k.startswith("border_paths_per_day:")}
    return CapacityAssumptions(
        enabled=True, rail_net_t_per_train=values["rail", "net_t_per_train"],
        rail_paths_per_day=rail_paths, rail_border_paths_per_day=borders,
        road_payload_t_per_truck=values["road", "payload_t_per_truck"],
        road_driving_h_per_day=values["road", "driving_h_per_day"],
        road_empty_return_share=values["road", "empty_return_share"], trucks_per_day=trucks,
        barge_normal_utilisation=values["barge", "normal_utilisation"],
        barge_empty_return_share=values["barge", "empty_return_share"],
        barge_fleet_dwt_t=None, terminal_normal_utilisation=values["terminal",
                                                                   "normal_utilisation"],
        terminal_floor_t_per_day=floors, terminal_t_per_day={},
        max_wait_days=int(values["lost", "max_wait_days"]))


def _number(raw: Any, where: str, problems: list[Problem], file: str | None,
            minimum: float = 0.0, maximum: float | None = None,
            above: bool = False) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        problems.append(Problem(f"'{raw}' is not a number", file, None, where))
        return None
    value = float(raw)
    if value != value or value in (float("inf"), float("-inf")):
        problems.append(Problem(f"{raw} is not a finite number", file, None, where))
        return None
    if (above and value <= minimum) or value < minimum:
        problems.append(Problem(f"{value:g} must be {'>' if above else '>='} {minimum:g}",
                                file, None, where))
        return None
    if maximum is not None and value > maximum:
        problems.append(Problem(f"{value:g} must be <= {maximum:g}", file, None, where))
        return None
    return value


_SECTIONS: dict[str, dict[str, tuple[str, float, float | None, bool]]] = {
    # section -> key -> (field, minimum, maximum, strictly above the minimum)
    "rail": {"net_t_per_train": ("rail_net_t_per_train", 0.0, None, True)},
    "road": {"payload_t_per_truck": ("road_payload_t_per_truck", 0.0, None, True),
             "driving_h_per_day": ("road_driving_h_per_day", 0.0, 24.0, True),
             "empty_return_share": ("road_empty_return_share", 0.0, 1.0, False)},
    "barge": {"normal_utilisation": ("barge_normal_utilisation", 0.0, 1.0, True),
              "empty_return_share": ("barge_empty_return_share", 0.0, 1.0, False),
              "fleet_dwt_t": ("barge_fleet_dwt_t", 0.0, None, False)},
    "terminals": {"normal_utilisation": ("terminal_normal_utilisation", 0.0, 1.0, True)},
}
_MAPS = {"rail": {"paths_per_day": "rail_paths_per_day",
                  "border_paths_per_day": "rail_border_paths_per_day"},
         "road": {"trucks_per_day": "trucks_per_day"}}


def parse_capacity(doc: Any, file: str | None = None, path: str = "capacity"
                   ) -> tuple[CapacityAssumptions, list[Problem]]:
    """Merge a scenario's ``capacity:`` section into keten's defaults; problems gathered.

    ``capacity: false`` (or ``{enabled: false}``) switches the limits off: every alternative
    then takes any volume at once (only the links' own capacities apply).
    """
    base = default_capacity()
    problems: list[Problem] = []
    if doc is None:
        return base, problems
    if isinstance(doc, bool):
        return replace(base, enabled=doc), problems
    if not isinstance(doc, Mapping):
        problems.append(Problem("expected an object (rail, road, barge, terminals, "
                                "max_wait_days, enabled) or false", file, None, path))
        return base, problems
    known = {"enabled", "max_wait_days", *_SECTIONS}
    changes: dict[str, Any] = {}
    overridden: list[str] = []
    for key in doc:
        if key not in known:
            problems.append(Problem(f"unknown field (known: {', '.join(sorted(known))})", file,
                                    None, f"{path}.{key}"))
    if "enabled" in doc:
        if not isinstance(doc["enabled"], bool):
            problems.append(Problem("expected true or false", file, None, f"{path}.enabled"))
        else:
            changes["enabled"] = doc["enabled"]
    if "max_wait_days" in doc:
        v = _number(doc["max_wait_days"], f"{path}.max_wait_days", problems, file, 1.0, 3650.0)
        if v is not None:
            changes["max_wait_days"] = int(v)
            overridden.append("max_wait_days")
    for section, fields in _SECTIONS.items():
        sub = doc.get(section)
        if sub is None:
            continue
        where = f"{path}.{section}"
        if not isinstance(sub, Mapping):
            problems.append(Problem("expected an object", file, None, where))
            continue
        allowed = set(fields) | set(_MAPS.get(section, {})) | (
            {"nodes", "floor_t_per_day"} if section == "terminals" else set())
        for key in sub:
            if key not in allowed:
                problems.append(Problem(f"unknown field (known: {', '.join(sorted(allowed))})",
                                        file, None, f"{where}.{key}"))
        for key, (name, lo, hi, above) in fields.items():
            if key in sub:
                v = _number(sub[key], f"{where}.{key}", problems, file, lo, hi, above)
                if v is not None:
                    changes[name] = v
                    overridden.append(f"{section}.{key}")
        for key, target in _MAPS.get(section, {}).items():
            if key not in sub:
                continue
            m = sub[key]
            mwhere = f"{where}.{key}"
            if not isinstance(m, Mapping):
                problems.append(Problem("expected an object NAME: number", file, None, mwhere))
                continue
            merged = dict(getattr(base, target))
            for name, raw in m.items():
                v = _number(raw, f"{mwhere}.{name}", problems, file)
                if v is not None:
                    merged[str(name)] = v
                    overridden.append(f"{section}.{key}.{name}")
            changes[target] = merged
        if section == "terminals":
            for key, target in (("nodes", "terminal_t_per_day"),
                                ("floor_t_per_day", "terminal_floor_t_per_day")):
                m = sub.get(key)
                if m is None:
                    continue
                if not isinstance(m, Mapping):
                    problems.append(Problem("expected an object NAME: {mode: t/day}", file,
                                            None, f"{where}.{key}"))
                    continue
                merged_t = dict(getattr(base, target))
                for name, modes in m.items():
                    if not isinstance(modes, Mapping):
                        problems.append(Problem("expected {rail|road|inland_waterway: t/day}",
                                                file, None, f"{where}.{key}.{name}"))
                        continue
                    for mode, raw in modes.items():
                        if mode not in POOLED_MODES:
                            problems.append(Problem(f"'{mode}' is not one of "
                                                    f"{', '.join(POOLED_MODES)}", file, None,
                                                    f"{where}.{key}.{name}.{mode}"))
                            continue
                        v = _number(raw, f"{where}.{key}.{name}.{mode}", problems, file)
                        if v is not None:
                            merged_t[(str(name), str(mode))] = v
                            overridden.append(f"terminals.{key}.{name}.{mode}")
                changes[target] = merged_t
    return replace(base, **changes, overridden=tuple(overridden)), problems
