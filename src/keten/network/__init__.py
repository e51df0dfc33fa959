"""The multimodal network of the Netherlands and its hinterland, with fast routing.

``route`` finds the best options (cost, time, emissions) across mode chains;
``shortest_feasible_distance_km`` gives the emissions engine a distance by one mode;
``resolve_location`` turns a UN/LOCODE, node id, name or "lat,lon" into a node.
"""

from keten.network.api import (
    RouteLeg,
    RouteOption,
    RouteResult,
    route,
    shortest_feasible_distance_km,
)
from keten.network.build import (
    default_network,
    national_network,
    network_from_frames,
    sketch_network,
)
from keten.network.locate import resolve_location
from keten.network.model import Network, NodeKind
from keten.network.validate import ValidationReport, check_network, validate_network

__all__ = [
    "Network",
    "NodeKind",
    "RouteLeg",
    "RouteOption",
    "RouteResult",
    "ValidationReport",
    "check_network",
    "default_network",
    "national_network",
    "network_from_frames",
    "resolve_location",
    "route",
    "shortest_feasible_distance_km",
    "sketch_network",
    "validate_network",
]
