"""Public network functions: ``route``, ``shortest_feasible_distance_km``, typed results.

Locations are node ids / UN/LOCODEs, node names, port UN/LOCODEs known to searoute (joined
by deep-sea legs), or ``"lat,lon"`` (joined to the nearest nodes by an access link).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from keten.emissions.distance import parse_lat_lon
from keten.errors import KetenError, NoRouteError, Problem, ValidationError
from keten.factors import FactorSet, load_factor_set
from keten.model.enums import Mode
from keten.network.build import default_mode_defaults, default_network
from keten.network.locate import find_node, find_place, place_node, resolve_location, with_point
from keten.network.model import Network
from keten.network.multimodal import MultimodalGraph, build_graph
from keten.network.routing import (
    Leg,
    Path,
    best_path,
    edge_weights,
    graph_csr,
    legs_of,
    parse_objective,
)
from keten.network.routing import alternatives as k_alternatives
from keten.network.sea import check_passages, sea_distance_km, sea_ports, with_foreign_port

ALL_MODES = frozenset(m.value for m in Mode)
# Routes use every mode but pipeline unless asked: pipelines carry only liquid bulk.
DEFAULT_ROUTE_MODES = ALL_MODES - {"pipeline"}
_GRAPHS: OrderedDict[tuple[int, int], tuple[Network, FactorSet, MultimodalGraph]] = OrderedDict()


def graph_for(net: Network, fs: FactorSet) -> MultimodalGraph:
    """The layered graph of ``net`` (cached for the few most recent networks)."""
    key = (id(net), id(fs))
    if key in _GRAPHS:
        _GRAPHS.move_to_end(key)
        return _GRAPHS[key][2]
    g = build_graph(net, fs, default_mode_defaults())
    _GRAPHS[key] = (net, fs, g)
    while len(_GRAPHS) > 8:
        _GRAPHS.popitem(last=False)
    return g


def parse_modes(modes: str | Iterable[str] | None) -> frozenset[str]:
    """``"road,rail"`` or a list -> a set of valid mode names (None: all modes)."""
    if modes is None:
        return ALL_MODES
    items = [m.strip() for m in (modes.split(",") if isinstance(modes, str) else modes)]
    aliases = {"iww": "inland_waterway", "barge": "inland_waterway", "water": "inland_waterway"}
    names = frozenset(aliases.get(m.lower(), m.lower()) for m in items if m)
    bad = sorted(names - ALL_MODES)
    if bad or not names:
        raise KetenError(f"unknown mode(s) {', '.join(bad) or '(none given)'}; "
                         f"use {', '.join(sorted(ALL_MODES))}")
    return names


@dataclass(frozen=True)
class RouteLeg:
    mode: str
    from_node: str
    to_node: str
    distance_km: float
    time_h: float
    link_ids: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "from": self.from_node, "to": self.to_node,
                "distance_km": round(self.distance_km, 3), "time_h": round(self.time_h, 3)}


@dataclass(frozen=True)
class RouteOption:
    """One way to go, with totals including transshipment (cost, time, hub emissions)."""

    modes: list[str]
    legs: list[RouteLeg]
    distance_km: float
    time_h: float
    cost_eur: float
    co2e_wtw_kg: float
    co2e_ttw_kg: float
    nox_kg: float
    pm_kg: float
    objective: float
    hubs: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"modes": list(self.modes), "legs": [leg.as_dict() for leg in self.legs],
                "distance_km": round(self.distance_km, 3), "time_h": round(self.time_h, 3),
                "cost_eur": round(self.cost_eur, 2), "co2e_wtw_kg": round(self.co2e_wtw_kg, 4),
                "co2e_ttw_kg": round(self.co2e_ttw_kg, 4), "nox_kg": round(self.nox_kg, 6),
                "pm_kg": round(self.pm_kg, 6)}


@dataclass(frozen=True)
class RouteResult:
    """Options from ``origin`` to ``destination``, best first by ``objective_weights``."""

    origin: str
    destination: str
    mass_kg: float
    teu: float | None
    objective_weights: dict[str, float]
    options: list[RouteOption]
    network: Network = field(repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {"origin": self.origin, "destination": self.destination,
                "options": [o.as_dict() for o in self.options]}

    def to_geojson(self) -> dict[str, Any]:
        """Each leg of each option as a LineString feature (WGS84)."""
        net = self.network
        xy = {str(n): [float(lon), float(lat)] for n, lat, lon in
              zip(net.nodes["node_id"], net.nodes["lat"], net.nodes["lon"], strict=True)}
        ends = {str(k): (str(a), str(b)) for k, a, b in
                zip(net.links["link_id"], net.links["from_node"], net.links["to_node"],
                    strict=True)}
        features = []
        for rank, option in enumerate(self.options, start=1):
            for leg in option.legs:
                coords: list[list[float]] = []
                at = leg.from_node
                for lid in leg.link_ids:
                    a, b = ends[lid]
                    nxt = b if a == at else a
                    if not coords:
                        coords.append(xy[at])
                    coords.append(xy[nxt])
                    at = nxt
                features.append({"type": "Feature",
                                 "geometry": {"type": "LineString", "coordinates": coords},
                                 "properties": {"option": rank, **leg.as_dict()}})
        return {"type": "FeatureCollection", "features": features}


def _place(net: Network, text: str, role: str, mode: str, avoid: tuple[str, ...]
           ) -> tuple[Network, str]:
    """Make ``text`` a node of (a copy of) ``net``; returns the network and the node id."""
    coords = parse_lat_lon(text)
    if coords is not None:
        pid = f"{role}@{coords[0]:.5f},{coords[1]:.5f}"
        return with_point(net, pid, coords[0], coords[1], mode), pid
    row = find_node(net, text)
    if row is not None:
        return net, net.node_ids[row]
    place = find_place(text)
    if place is not None and place_node(net, place) is None:  # a place away from the nodes
        pid = f"{role}@{place.name}"
        return with_point(net, pid, place.lat, place.lon, mode), pid
    node_id, _, _ = resolve_location(text, net)  # raises UnknownLocationError
    if node_id in sea_ports():
        return with_foreign_port(net, node_id, avoid), node_id
    return net, node_id


def _option(g: MultimodalGraph, path: Path, times: np.ndarray) -> RouteOption:
    legs: list[Leg] = legs_of(g, path, times)
    ids = g.network.links["link_id"].astype(str).to_numpy()
    route_legs = [RouteLeg(leg.mode, leg.from_node, leg.to_node, leg.distance_km, leg.time_h,
                           tuple(ids[leg.link_rows])) for leg in legs]
    hubs = [leg.to_node for leg in legs[:-1]]
    t = path.totals
    return RouteOption([leg.mode for leg in legs], route_legs, t["distance_km"], t["time_h"],
                       t["cost_eur"], t["co2e_wtw_kg"], t["co2e_ttw_kg"], t["nox_kg"],
                       t["pm_kg"], path.objective, hubs)


def route(origin: str, destination: str, *, mass_kg: float, teu: float | None = None,
          modes: str | Iterable[str] | None = None, objective: str | dict[str, float] = "cost",
          alternatives: int = 1, pareto: bool = False, avoid: Sequence[str] = (),
          network: Network | None = None, factor_set: FactorSet | None = None) -> RouteResult:
    """Best routes from ``origin`` to ``destination`` for ``mass_kg`` (and ``teu``).

    ``modes`` restricts the modes (default all but pipeline); ``objective`` is ``cost``, ``time``,
    ``co2e``, ``nox``, ``pm`` or weights like ``"cost=1,co2e=100"``; ``alternatives`` > 1
    gives that many options with distinct mode chains; ``pareto`` keeps only options not
    dominated on cost, time and CO2e WTW; ``avoid`` lists sea passages.
    Raises UnknownLocationError (with close matches) or NoRouteError (naming the modes).
    """
    problems = []
    if not (np.isfinite(mass_kg) and mass_kg > 0):
        problems.append(Problem(f"mass must be > 0 kg, got {mass_kg}", column="mass_kg"))
    if teu is not None and not (np.isfinite(teu) and teu > 0):
        problems.append(Problem(f"TEU must be > 0, got {teu}", column="teu"))
    if alternatives < 1:
        problems.append(Problem("alternatives must be >= 1", column="alternatives"))
    if problems:
        raise ValidationError(problems, title="invalid route request")
    allowed = DEFAULT_ROUTE_MODES if modes is None else parse_modes(modes)
    weights = parse_objective(objective)
    passages = check_passages(avoid)
    net = network if network is not None else default_network()
    fs = factor_set if factor_set is not None else load_factor_set()
    access_mode = "road" if "road" in allowed else sorted(allowed)[0]
    net, o_id = _place(net, origin, "origin", access_mode, passages)
    net, d_id = _place(net, destination, "destination", access_mode, passages)
    g = graph_for(net, fs)
    attrs = g.attributes(mass_kg / 1000.0, teu)
    weight = edge_weights(attrs, weights)
    index = net.node_index()
    paths = k_alternatives(g, attrs, weight, index[o_id], index[d_id], allowed, alternatives,
                           pareto)
    if not paths:
        raise NoRouteError(f"no route from {o_id} to {d_id} with modes tried: "
                           f"{', '.join(sorted(allowed))}")
    times = net.link_time_h(default_mode_defaults())
    return RouteResult(o_id, d_id, float(mass_kg), teu, weights,
                       [_option(g, p, times) for p in paths], net)


def shortest_feasible_distance_km(origin: str, destination: str, mode: str,
                                  network: Network | None = None) -> float:
    """Shortest feasible distance in km between two locations by one mode (ISO 14083 SFD).

    ``origin``/``destination``: UN/LOCODE or node id, node name, or ``"lat,lon"`` (joined to
    the nearest nodes of the mode). Sea: searoute when a port is not a network node.
    Raises UnknownLocationError (with close matches) or NoRouteError (naming the mode tried).
    """
    if network is None:
        return _default_sfd(origin, destination, mode)
    return _sfd(origin, destination, mode, network)


@lru_cache(maxsize=65536)
def _default_sfd(origin: str, destination: str, mode: str) -> float:
    """SFD on the built-in network, cached (the emissions engine asks for the same pairs)."""
    return _sfd(origin, destination, mode, default_network())


def _sfd(origin: str, destination: str, mode: str, net: Network) -> float:
    (m,) = parse_modes([mode])
    if m == "sea":
        a, b = resolve_location(origin, net), resolve_location(destination, net)
        rows = [None if parse_lat_lon(t) is not None else find_node(net, t)
                for t in (origin, destination)]
        modes_of = net.node_modes()
        if any(r is None or "sea" not in modes_of[r] for r in rows):
            return sea_distance_km(a[1], a[2], b[1], b[2])  # a free point or a foreign port
    net, o_id = _place(net, origin, "origin", m, ())
    net, d_id = _place(net, destination, "destination", m, ())
    g = graph_for(net, load_factor_set())
    attrs = g.fixed  # distance does not depend on the shipment
    weight = edge_weights(attrs, {"distance_km": 1.0})
    index = net.node_index()
    path = best_path(g, graph_csr(g, weight, frozenset({m})), attrs, weight, index[o_id],
                     index[d_id])
    if path is None:
        raise NoRouteError(f"no {m} route from {o_id} to {d_id} (modes tried: {m})")
    return path.totals["distance_km"]
