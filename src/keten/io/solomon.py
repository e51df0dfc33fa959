"""Solomon VRPTW instances in the LKH-3 ``.vrptw`` text format, as a routing problem.

Distances follow the exact-method convention (Euclidean, truncated to one decimal) under which
the published optimal values are stated; keten works in tenths as integers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from keten.bundling.routing import Node, RoutingProblem, Vehicle
from keten.errors import Problem, ValidationError


@dataclass(frozen=True)
class SolomonInstance:
    name: str
    xy: np.ndarray  # (n, 2); row 0 is the depot
    demand: np.ndarray
    ready: np.ndarray
    due: np.ndarray
    service: float
    capacity: int
    vehicles: int

    def truncated(self, customers: int) -> SolomonInstance:
        """The depot and the first ``customers`` customers (Solomon's 25/50 instances)."""
        k = customers + 1
        return SolomonInstance(self.name, self.xy[:k], self.demand[:k], self.ready[:k],
                               self.due[:k], self.service, self.capacity, self.vehicles)

    def distance_tenths(self) -> np.ndarray:
        d = np.hypot(*(self.xy[:, None, :] - self.xy[None, :, :]).transpose(2, 0, 1))
        return np.floor(d * 10 + 1e-9).astype(np.int64)

    def distance_scaled(self, scale: int) -> np.ndarray:
        """Euclidean distances x ``scale``, rounded (double-precision convention)."""
        d = np.hypot(*(self.xy[:, None, :] - self.xy[None, :, :]).transpose(2, 0, 1))
        return np.round(d * scale).astype(np.int64)

    def problem(self, vehicles: int | None = None, scale: int | None = None) -> RoutingProblem:
        """Minimise distance with ``vehicles`` (default: the instance's) of its capacity.

        Distances in tenths, truncated (Solomon's exact convention), unless ``scale`` is
        given: then Euclidean x ``scale``, rounded (Gehring-Homberger best-known results)."""
        k = 10 if scale is None else scale
        d = self.distance_tenths() if scale is None else self.distance_scaled(scale)
        svc = round(self.service * k)
        nodes = [Node("depot", earliest=int(self.ready[0] * k), latest=int(self.due[0] * k))]
        nodes += [Node("delivery", order=i - 1, earliest=int(self.ready[i] * k),
                       latest=int(self.due[i] * k), service=svc)
                  for i in range(1, len(self.xy))]
        veh = [Vehicle(0, 0, (self.capacity,), latest_end=int(self.due[0] * k))
               for _ in range(vehicles or self.vehicles)]
        return RoutingProblem(nodes, d, d, self.demand.astype(np.int64)[:, None], veh)


def read_solomon(path: str | Path) -> SolomonInstance:
    """Read an LKH-3 CVRPTW file (NODE_COORD, DEMAND, TIME_WINDOW sections)."""
    path = Path(path)
    head: dict[str, str] = {}
    sections: dict[str, list[list[float]]] = {}
    current = None
    for line in path.read_text().splitlines():
        s = line.strip()
        if not s or s == "EOF":
            continue
        if s.endswith("_SECTION"):
            current = s
            sections[current] = []
        elif ":" in s and current is None:
            key, _, value = s.partition(":")
            head[key.strip()] = value.strip()
        elif current is not None and s != "-1":
            sections[current].append([float(x) for x in s.split()])
    try:
        xy = np.array([r[1:3] for r in sections["NODE_COORD_SECTION"]])
        demand = np.array([r[1] for r in sections["DEMAND_SECTION"]])
        tw = np.array([r[1:3] for r in sections["TIME_WINDOW_SECTION"]])
        return SolomonInstance(head["NAME"], xy, demand, tw[:, 0], tw[:, 1],
                               float(head.get("SERVICE_TIME", 0)), int(head["CAPACITY"]),
                               int(head["VEHICLES"]))
    except (KeyError, IndexError, ValueError) as exc:
        raise ValidationError([Problem(f"not an LKH-3 CVRPTW file: {exc}", str(path))]) from None


