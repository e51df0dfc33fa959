"""Low water on the Rhine: Lobith discharge -> water depth -> allowed draught -> payload factor.

1. Water depth at the gauges from the Lobith discharge (m3/s): linear interpolation in the
   relation of Deltares-research/digitaltwin-waterway (MIT), package data
   ``lobith_discharge_depth.csv`` (500-2,000 m3/s; outside that range is an error).
2. Allowed draught = depth - under-keel clearance (0.30 m by default, the default of the
   OpenTNSim implementation of van Dorsser et al. 2020).
3. Payload factor = deadweight at the allowed draught / design deadweight, from the
   regression model of van Dorsser, Vinke, Hekkenberg & van Koningsveld (2020), "The effect of
   low water on loading capacity of inland ships", EJTIR 20(3) 47-70 (Tables 3-6): the design
   and empty draught follow from ship type, length and beam; the capacity index
   CI(T_empty, T) is quadratic; DWT(T) / DWT(T_design) = CI(T_empty, T) / CI(T_empty, T_design).

Every function here is pure (package data in, numbers out).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from keten.errors import Problem, ValidationError

DATA_PACKAGE = "keten.resilience.data"
DEFAULT_UNDER_KEEL_CLEARANCE_M = 0.30  # OpenTNSim default for van Dorsser et al. (2020)
DEPTH_SOURCE = "Deltares-research/digitaltwin-waterway, MIT"
PAYLOAD_SOURCE = ("van Dorsser et al. (2020), The effect of low water on loading capacity of "
                  "inland ships, EJTIR 20(3) 47-70, doi:10.18757/ejtir.2020.20.3.3981")
VESSEL_TYPES = ("container", "dry_single_hull", "dry_double_hull", "barge", "tanker")


def _package_rows(name: str) -> list[dict[str, str]]:
    text = resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return list(csv.DictReader(io.StringIO(body)))


@dataclass(frozen=True)
class DepthRelation:
    """Depth (m) at each gauge as a function of the Lobith discharge (m3/s)."""

    discharge_m3s: np.ndarray
    depth_m: dict[str, np.ndarray]

    @property
    def gauges(self) -> list[str]:
        return list(self.depth_m)

    @property
    def range_m3s(self) -> tuple[float, float]:
        return float(self.discharge_m3s[0]), float(self.discharge_m3s[-1])

    def check(self, discharge_m3s: float, field: str = "discharge_m3s",
              file: str | None = None) -> list[Problem]:
        lo, hi = self.range_m3s
        if not (isinstance(discharge_m3s, int | float) and math.isfinite(discharge_m3s)):
            return [Problem(f"discharge '{discharge_m3s}' is not a number", file, None, field)]
        if not lo <= discharge_m3s <= hi:
            return [Problem(f"Lobith discharge {discharge_m3s:g} m3/s is outside the depth "
                            f"relation's range {lo:g}-{hi:g} m3/s", file, None, field)]
        return []

    def depth_at(self, discharge_m3s: float) -> dict[str, float]:
        """Depth (m) at every gauge for one discharge; raises ValidationError out of range."""
        problems = self.check(discharge_m3s)
        if problems:
            raise ValidationError(problems, title="invalid low-water input")
        return {g: float(np.interp(discharge_m3s, self.discharge_m3s, d))
                for g, d in self.depth_m.items()}


@lru_cache(maxsize=1)
def depth_relation() -> DepthRelation:
    """The Lobith discharge -> gauge depth relation shipped with keten."""
    by_gauge: dict[str, list[tuple[float, float]]] = {}
    for r in _package_rows("lobith_discharge_depth.csv"):
        by_gauge.setdefault(r["gauge"], []).append((float(r["discharge_m3s"]),
                                                    float(r["depth_m"])))
    first = sorted(next(iter(by_gauge.values())))
    q = np.array([x for x, _ in first])
    return DepthRelation(q, {g: np.array([d for _, d in sorted(v)]) for g, v in
                             by_gauge.items()})


@dataclass(frozen=True)
class VesselClass:
    cemt_class: str
    vessel: str
    vessel_type: str
    length_m: float
    beam_m: float


@lru_cache(maxsize=1)
def vessel_classes() -> dict[str, VesselClass]:
    """Representative vessel per CEMT class (ECMT Resolution No. 92/2)."""
    return {r["cemt_class"]: VesselClass(r["cemt_class"], r["vessel"], r["vessel_type"],
                                         float(r["length_m"]), float(r["beam_m"]))
            for r in _package_rows("vessel_classes.csv")}


@lru_cache(maxsize=1)
def _coefficients() -> dict[tuple[str, str], float]:
    return {(r["table"], r["term"]): float(r["value"])
            for r in _package_rows("van_dorsser_2020_coefficients.csv")}


def _dummies(vessel_type: str) -> tuple[int, int, int, int]:
    """(container, dry, barge, tanker) indicators of van Dorsser's Table 5."""
    return {"container": (1, 0, 0, 0), "dry_single_hull": (0, 1, 0, 0),
            "dry_double_hull": (0, 1, 0, 0), "barge": (0, 0, 1, 0),
            "tanker": (0, 0, 0, 1)}[vessel_type]


def design_draught_m(vessel_type: str, length_m: float, beam_m: float) -> float:
    """Design (maximum) draught in m, van Dorsser et al. (2020) Table 5."""
    c = _coefficients()
    con, dry, barge, tank = _dummies(vessel_type)
    L, B = length_m, beam_m
    return (con * c["design_draught", "container"] + dry * c["design_draught", "dry"]
            + barge * c["design_draught", "barge"] + tank * c["design_draught", "tanker"]
            + con * c["design_draught", "container_L0.4_B0.6"] * L ** 0.4 * B ** 0.6
            + dry * c["design_draught", "dry_L0.7_B2.6"] * L ** 0.7 * B ** 2.6
            + barge * c["design_draught", "barge_L0.3_B1.8"] * L ** 0.3 * B ** 1.8
            + tank * c["design_draught", "tanker_L0.1_B0.3"] * L ** 0.1 * B ** 0.3)


def empty_draught_m(vessel_type: str, length_m: float, beam_m: float,
                    design_m: float) -> float:
    """Empty draught in m, van Dorsser et al. (2020) Table 4 (single-hull dry: reference)."""
    c = _coefficients()
    L, B, T = length_m, beam_m, design_m
    con_or_dh = 1 if vessel_type in ("container", "dry_double_hull") else 0
    return (c["empty_draught", "intercept"] + c["empty_draught", "B"] * B
            + c["empty_draught", "L_Tdesign_over_B"] * L * T / B
            + c["empty_draught", "sqrt_LB"] * math.sqrt(L * B)
            + c["empty_draught", "L_B_Tdesign"] * L * B * T
            + c["empty_draught", "container_or_dry_double_hull"] * con_or_dh
            + c["empty_draught", "tanker"] * (vessel_type == "tanker")
            + c["empty_draught", "barge"] * (vessel_type == "barge"))


def capacity_index(empty_m: float, draught_m: float) -> float:
    """Capacity index CI(T_empty, T), van Dorsser et al. (2020) Table 3 / eq. 2."""
    c = _coefficients()
    return (c["capacity_index", "intercept"] + c["capacity_index", "Tempty"] * empty_m
            + c["capacity_index", "Tempty2"] * empty_m ** 2 + c["capacity_index", "T"] * draught_m
            + c["capacity_index", "T2"] * draught_m ** 2
            + c["capacity_index", "Tempty_T"] * empty_m * draught_m)


def design_deadweight_t(vessel_type: str, length_m: float, beam_m: float) -> float:
    """Design deadweight in t, van Dorsser et al. (2020) Table 6 / eq. 3."""
    c = _coefficients()
    t_design = design_draught_m(vessel_type, length_m, beam_m)
    t_empty = empty_draught_m(vessel_type, length_m, beam_m, t_design)
    lb = length_m * beam_m
    return (c["dwt_design", "intercept"] + c["dwt_design", "L_B_Tdesign"] * lb * t_design
            + c["dwt_design", "L_B_Tempty"] * lb * t_empty)


def payload_factor(vessel_type: str, length_m: float, beam_m: float,
                   allowed_draught_m: float) -> float:
    """Share (0..1) of the design deadweight a vessel can load at ``allowed_draught_m``."""
    t_design = design_draught_m(vessel_type, length_m, beam_m)
    if allowed_draught_m >= t_design:
        return 1.0
    t_empty = empty_draught_m(vessel_type, length_m, beam_m, t_design)
    if allowed_draught_m <= t_empty:
        return 0.0
    ratio = capacity_index(t_empty, allowed_draught_m) / capacity_index(t_empty, t_design)
    return float(min(1.0, max(0.0, ratio)))


@dataclass(frozen=True)
class GaugeAssignment:
    link_id: str
    gauges: tuple[str, ...]  # empty: not limited by the Lobith discharge
    proxy: bool
    note: str
    from_network: bool = False  # the network's own depth_gauge column (no reference check)


@lru_cache(maxsize=1)
def link_gauges() -> dict[str, GaugeAssignment]:
    """Which gauges govern each Rhine-branch link of the default network (package data)."""
    out = {}
    for r in _package_rows("gauges.csv"):
        gauges = () if r["gauges"] == "none" else tuple(r["gauges"].split("|"))
        out[r["link_id"]] = GaugeAssignment(r["link_id"], gauges, r["proxy"] == "true",
                                            r["note"])
    return out


# A gauge the Deltares relation does not carry, and the relation's gauge that stands in for it
# when the scenario gives no reading of its own (the Rhine Duisburg-Koeln is read at Koeln;
# without a Koeln reading Duisburg-Ruhrort, the nearest gauge of the relation, is used).
STAND_IN_GAUGES = {"Koeln": "Duisburg-Ruhrort"}


def _depth_gauges(links: Any) -> list[tuple[int, str, tuple[str, ...]]]:
    """(row, link id, gauge names) of every link with a ``depth_gauge`` (``|``-separated)."""
    if "depth_gauge" not in links.columns:
        return []
    gauge = links["depth_gauge"].fillna("").astype(str).to_numpy()
    ids = links["link_id"].astype(str).to_numpy()
    return [(int(i), str(ids[i]), tuple(x.strip() for x in gauge[i].split("|") if x.strip()))
            for i in np.flatnonzero(gauge != "")]


def network_gauges(links: Any) -> dict[str, GaugeAssignment]:
    """The gauge assignment a network carries itself: its ``depth_gauge`` (``|``-separated
    names) and ``depth_gauge_proxy`` columns, as keten's national network has them
    (scripts/network_spec/depth_gauges.csv). A link governed by a gauge outside the Deltares
    relation (Koeln) is assigned its stand-in and marked a proxy; see :func:`gauge_overrides`.
    Empty when the network has no such column (the sketch: ``data/gauges.csv``)."""
    proxy = (links["depth_gauge_proxy"].fillna(False).astype(bool).to_numpy()
             if "depth_gauge_proxy" in links.columns else np.zeros(len(links), dtype=bool))
    out = {}
    for row, link_id, names in _depth_gauges(links):
        stood_in = tuple(STAND_IN_GAUGES.get(g, g) for g in names)
        out[link_id] = GaugeAssignment(link_id, stood_in, bool(proxy[row]) or stood_in != names,
                                       "network depth_gauge " + "|".join(names), True)
    return out


def gauge_overrides(links: Any) -> dict[str, str]:
    """Per link governed by a stand-in gauge: the gauge that governs it when it was read."""
    out = {}
    for _, link_id, names in _depth_gauges(links):
        read = [g for g in names if g in STAND_IN_GAUGES]
        if read:
            out[link_id] = read[0]
    return out


def assignment_for(links: Any) -> dict[str, GaugeAssignment]:
    """The gauges of a network's links: its own ``depth_gauge`` column where it has one, and
    keten's table (``data/gauges.csv``) for the corridor links it shares with the sketch (the
    national network keeps the sketch's Rhine-branch corridors beside the RWS sections)."""
    own = network_gauges(links)
    ids = set(links["link_id"].astype(str))
    return {**{k: v for k, v in link_gauges().items() if k in ids}, **own}


@dataclass(frozen=True)
class LowWaterLink:
    """Effect of low water on one link."""

    link_id: str
    cemt_class: str
    gauges: tuple[str, ...]
    depth_m: float
    allowed_draught_m: float
    payload_factor: float
    proxy: bool


def class_payload_factors(discharge_m3s: float, gauge: str = "Nijmegen",
                          ukc_m: float = DEFAULT_UNDER_KEEL_CLEARANCE_M
                          ) -> list[dict[str, object]]:
    """Payload factor of each CEMT class's representative vessel at one gauge."""
    depth = depth_relation().depth_at(discharge_m3s)[gauge]
    rows: list[dict[str, object]] = []
    for vc in vessel_classes().values():
        t_design = design_draught_m(vc.vessel_type, vc.length_m, vc.beam_m)
        rows.append({"cemt_class": vc.cemt_class, "vessel": vc.vessel, "gauge": gauge,
                     "depth_m": depth, "allowed_draught_m": depth - ukc_m,
                     "design_draught_m": t_design,
                     "design_deadweight_t": design_deadweight_t(vc.vessel_type, vc.length_m,
                                                                vc.beam_m),
                     "payload_factor": payload_factor(vc.vessel_type, vc.length_m, vc.beam_m,
                                                      depth - ukc_m)})
    return rows


def low_water_links(discharge_m3s: float, links: Iterable[tuple[str, str, str]],
                    ukc_m: float = DEFAULT_UNDER_KEEL_CLEARANCE_M,
                    gauges: Mapping[str, GaugeAssignment] | None = None
                    ) -> list[LowWaterLink]:
    """Payload factor per link for ``links`` = (link_id, cemt_class, reference_gauge).

    Only links whose reference gauge is Lobith and that have a gauge assignment are affected;
    a link spanning several gauges takes the shallowest. Unknown CEMT classes use class Va.
    """
    return low_water_links_at(depth_relation().depth_at(discharge_m3s), links, ukc_m, gauges)


def low_water_links_at(depth: Mapping[str, float], links: Iterable[tuple[str, str, str]],
                       ukc_m: float = DEFAULT_UNDER_KEEL_CLEARANCE_M,
                       gauges: Mapping[str, GaugeAssignment] | None = None,
                       overrides: Mapping[str, str] | None = None) -> list[LowWaterLink]:
    """Like :func:`low_water_links` for a depth (m) per gauge; ``overrides`` maps a link id to
    the gauge that governs it instead (used when that gauge was read, e.g. Koeln)."""
    assign = link_gauges() if gauges is None else gauges
    classes = vessel_classes()
    out = []
    for link_id, cemt, ref in links:
        ga = assign.get(link_id)
        if ga is None or (not ga.from_network and ref.strip().lower() != "lobith"):
            continue
        if not ga.gauges:
            continue
        names = ga.gauges
        proxy = ga.proxy
        if overrides and link_id in overrides and overrides[link_id] in depth:
            names, proxy = (overrides[link_id],), False
        d = min(depth[g] for g in names)
        vc = classes.get(cemt) or classes["Va"]
        allowed = d - ukc_m
        out.append(LowWaterLink(link_id, cemt, names, d, allowed,
                                payload_factor(vc.vessel_type, vc.length_m, vc.beam_m, allowed),
                                proxy))
    return out
