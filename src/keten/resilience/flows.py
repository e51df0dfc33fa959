"""The flows to route and the prepared model the day-by-day assignment works on.

A demand matrix is a list of :class:`Flow` (origin, destination, tonnes per day, allowed modes).
``prepare_model`` joins ports that are not network nodes (e.g. CNSHA) by searoute sea legs,
builds the layered graph once, and keeps per-tonne edge attributes and link capacities, so a
scenario run (or thousands of them in a sweep) only applies factors to arrays.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from keten.errors import Problem, UnknownLocationError, ValidationError
from keten.factors import FactorSet, load_factor_set
from keten.network.build import default_mode_defaults
from keten.network.contraction import ContractedPattern
from keten.network.locate import find_node, resolve_location
from keten.network.model import Network
from keten.network.multimodal import ACCESS, TRANSSHIPMENT, MultimodalGraph, build_graph
from keten.network.sea import sea_distance_km, sea_ports, with_foreign_port

DATA_PACKAGE = "keten.resilience.data"
FLOW_MODES = frozenset({"road", "rail", "inland_waterway", "sea", "air", "pipeline"})


@dataclass(frozen=True)
class Flow:
    """A daily freight flow between two locations."""

    flow_id: str
    origin: str
    destination: str
    tonnes_per_day: float
    modes: frozenset[str]
    cargo: str = ""


def _package_rows(name: str) -> list[dict[str, str]]:
    text = resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return list(csv.DictReader(io.StringIO(body)))


def flows_from_records(records: Sequence[dict[str, str]], file: str | None = None,
                       first_row: int = 2) -> list[Flow]:
    """Validate text records (flow_id, origin, destination, tonnes_per_day, modes, cargo)."""
    problems: list[Problem] = []
    flows: list[Flow] = []
    seen: set[str] = set()
    for i, r in enumerate(records, start=first_row):
        fid = (r.get("flow_id") or "").strip() or f"flow-{i - first_row + 1}"
        if fid in seen:
            problems.append(Problem(f"flow id '{fid}' is used more than once", file, i,
                                    "flow_id"))
        seen.add(fid)
        origin = (r.get("origin") or "").strip()
        dest = (r.get("destination") or "").strip()
        for col, val in (("origin", origin), ("destination", dest)):
            if not val:
                problems.append(Problem("missing value", file, i, col))
        raw = (r.get("tonnes_per_day") or "").strip()
        try:
            tonnes = float(raw)
            if not np.isfinite(tonnes) or tonnes <= 0:
                problems.append(Problem(f"{raw} must be a number above zero", file, i,
                                        "tonnes_per_day"))
        except ValueError:
            problems.append(Problem(f"'{raw}' is not a number" if raw else "missing value",
                                    file, i, "tonnes_per_day"))
            tonnes = 0.0
        modes_raw = (r.get("modes") or "").strip()
        modes = frozenset(m.strip() for m in modes_raw.replace(",", "|").split("|")
                          if m.strip()) or FLOW_MODES - {"pipeline", "air"}
        bad = sorted(modes - FLOW_MODES)
        if bad:
            problems.append(Problem(f"unknown mode(s) {', '.join(bad)}; use "
                                    f"{', '.join(sorted(FLOW_MODES))}", file, i, "modes"))
        flows.append(Flow(fid, origin, dest, tonnes, modes, (r.get("cargo") or "").strip()))
    if not records:
        problems.append(Problem("the demand matrix has no flows", file))
    if problems:
        raise ValidationError(problems, title="invalid demand matrix")
    return flows


def demo_demand() -> list[Flow]:
    """The demo demand matrix shipped with keten (seaports -> hinterland terminals)."""
    return flows_from_records(_package_rows("demo_demand.csv"),
                              file="keten/resilience/data/demo_demand.csv")


@lru_cache(maxsize=1)
def capacity_defaults() -> list[tuple[str, str, str, float]]:
    """(mode, cemt_class, corridor, t/day) rows; the most specific match wins."""
    return [(r["mode"], r["cemt_class"], r["corridor"], float(r["capacity_t_per_day"]))
            for r in _package_rows("capacity_defaults.csv")]


def link_capacities_t_per_day(net: Network) -> np.ndarray:
    """Per link: its own capacity_t_per_day, else keten's default for its mode/class/corridor."""
    given = net.links["capacity_t_per_day"].to_numpy(dtype=float)
    out = np.empty(len(given))
    rules = capacity_defaults()
    for k, (mode, cemt, corridor) in enumerate(zip(
            net.links["mode"].astype(str), net.links["cemt_class"].astype(str),
            net.links["corridor"].astype(str), strict=True)):
        if np.isfinite(given[k]) and given[k] > 0:
            out[k] = given[k]
            continue
        best, score = np.inf, -1
        for r_mode, r_cemt, r_corr, cap in rules:
            if r_mode != mode or (r_cemt and r_cemt != cemt):
                continue
            if r_corr and r_corr.lower() not in corridor.lower():
                continue
            s = (2 if r_corr else 0) + (1 if r_cemt else 0)
            if s > score:
                best, score = cap, s
        out[k] = best
    return out


@dataclass
class ImpactModel:
    """A network, its layered graph and a demand matrix, prepared for repeated runs."""

    network: Network
    graph: MultimodalGraph
    flows: list[Flow]
    origin_rows: np.ndarray
    destination_rows: np.ndarray
    link_capacity_t: np.ndarray  # per link, per direction
    unit_attrs: np.ndarray  # edges x ATTRIBUTES for one tonne (distance, time per vehicle)
    edge_node: np.ndarray  # node whose handling an edge uses (transshipment/access), else -1
    foreign_ports: tuple[str, ...]
    factor_set_version: str = ""
    _sea_factor_cache: dict[tuple[str, ...], np.ndarray] = field(default_factory=dict)
    _mode_masks: dict[frozenset[str], np.ndarray] = field(default_factory=dict)
    _baseline: dict[tuple[float, str], Any] = field(default_factory=dict)
    _pricing: dict[frozenset[str], ContractedPattern] = field(default_factory=dict)
    # what an assigner derives from the model alone (per its settings): kept across runs
    _derived: dict[tuple[str, str], Any] = field(default_factory=dict)

    def pricing_pattern(self, modes: frozenset[str]) -> ContractedPattern:
        """The layered graph of ``modes`` for the flows' searches, chains contracted
        (cached): the access edges of nodes where no flow starts or ends are left out (a
        junction's entry and exit vertices carry nothing through), so the junctions between
        two sections become chain vertices."""
        if modes not in self._pricing:
            g = self.graph
            starts = np.zeros(len(self.network.node_ids), dtype=bool)
            ends = np.zeros(len(self.network.node_ids), dtype=bool)
            starts[np.asarray(self.origin_rows, dtype=np.int64)] = True
            ends[np.asarray(self.destination_rows, dtype=np.int64)] = True
            entry = np.zeros(g.n_vertices, dtype=bool)
            exit_ = np.zeros(g.n_vertices, dtype=bool)
            entry[g.entry[starts]] = True
            exit_[g.exit[ends]] = True
            usable = self.mode_mask(modes) & ((g.kind != ACCESS) | entry[g.src] | exit_[g.dst])
            edges = np.flatnonzero(usable)
            keep = np.concatenate([g.entry[starts], g.exit[ends]])
            self._pricing[modes] = ContractedPattern.build(
                g.n_vertices, g.src[edges], g.dst[edges], edges, keep)
        return self._pricing[modes]

    def mode_mask(self, modes: frozenset[str]) -> np.ndarray:
        """Edges of the layered graph usable with ``modes`` (cached)."""
        if modes not in self._mode_masks:
            self._mode_masks[modes] = self.graph.edge_mask(modes)
        return self._mode_masks[modes]

    @property
    def demand_t(self) -> np.ndarray:
        return np.array([f.tonnes_per_day for f in self.flows], dtype=float)

    def sea_distance_factors(self, avoid: tuple[str, ...]) -> np.ndarray:
        """Per link: length avoiding the passages / normal length (deep-sea legs only)."""
        if avoid in self._sea_factor_cache:
            return self._sea_factor_cache[avoid]
        out = np.ones(len(self.network.links))
        if avoid:
            nodes = self.network.nodes.set_index("node_id")
            for k, (lid, a, b, length) in enumerate(zip(
                    self.network.links["link_id"].astype(str), self.network.links["from_node"],
                    self.network.links["to_node"], self.network.links["length_km"],
                    strict=True)):
                if not lid.startswith("sea:") or a not in self.foreign_ports:
                    continue
                lat = nodes["lat"].astype(float)
                lon = nodes["lon"].astype(float)
                km = sea_distance_km(lat[a], lon[a], lat[b], lon[b], avoid)
                out[k] = km / float(length)
        self._sea_factor_cache[avoid] = out
        return out


def prepare_model(flows: Sequence[Flow], network: Network, factor_set: FactorSet | None = None,
                  file: str | None = None) -> ImpactModel:
    """Resolve every flow's ends on ``network`` (adding foreign sea ports) and build the graph.

    Unknown locations are gathered (row, column) into one ValidationError.
    """
    fs = factor_set if factor_set is not None else load_factor_set()
    net = network
    problems: list[Problem] = []
    ends: list[tuple[str, str]] = []
    foreign: list[str] = []
    for i, f in enumerate(flows, start=2):
        ids = []
        for col, text in (("origin", f.origin), ("destination", f.destination)):
            row = find_node(net, text)
            if row is not None:
                ids.append(net.node_ids[row])
                continue
            try:
                node_id, _, _ = resolve_location(text, net)
            except UnknownLocationError as exc:
                problems.append(Problem(str(exc), file, i, col))
                ids.append("")
                continue
            if node_id in sea_ports() and node_id not in net.node_ids:
                if "sea" not in f.modes:
                    problems.append(Problem(f"'{text}' is reached by sea only; add 'sea' to "
                                            "the flow's modes", file, i, "modes"))
                if node_id not in foreign:
                    foreign.append(node_id)
                    net = with_foreign_port(net, node_id)
            ids.append(node_id)
        ends.append((ids[0], ids[1]))
    if problems:
        raise ValidationError(problems, title="invalid demand matrix")
    g = build_graph(net, fs, default_mode_defaults())
    index = net.node_index()
    unit = g.per_t + g.per_teu / g.teu_mass_t[:, None]
    unit[:, 0] = g.fixed[:, 0]
    unit[:, 1] = g.fixed[:, 1]
    edge_node = np.full(len(g.src), -1, dtype=np.int64)
    tr = g.kind == TRANSSHIPMENT
    edge_node[tr] = g.vertex_node[g.src[tr]]
    acc = g.kind == ACCESS
    edge_node[acc] = g.vertex_node[g.src[acc]]
    return ImpactModel(net, g, list(flows), np.array([index[o] for o, _ in ends], dtype=int),
                       np.array([index[d] for _, d in ends], dtype=int),
                       link_capacities_t_per_day(net), unit, edge_node, tuple(foreign),
                       str(getattr(fs, "version", "")))
