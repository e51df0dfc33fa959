"""A nearest-neighbour construction for depot deliveries with time windows (Solomon 1987's
time-oriented nearest neighbour, with distance as the closeness): a baseline the routing
solver is compared with in the same benchmark run."""

from __future__ import annotations

import numpy as np

from keten.bundling.routing import RoutingProblem


def nearest_neighbour(p: RoutingProblem) -> list[list[int]]:
    """Routes (depot 0 to depot 0) serving every order node that fits; one vehicle type."""
    v = p.vehicles[0]
    cap = v.capacity[0]
    n = len(p.nodes)
    todo = set(range(1, n))
    routes: list[list[int]] = []
    while todo:
        route, load, t, here = [0], 0, float(v.earliest_start), 0
        while True:
            best, best_d, best_t = -1, np.inf, 0.0
            for j in todo:
                nd = p.nodes[j]
                if load + p.demand[j, 0] > cap:
                    continue
                arrive = max(t + p.nodes[here].service + p.travel_time[here, j], nd.earliest)
                if arrive > nd.latest:
                    continue
                if arrive + nd.service + p.travel_time[j, 0] > v.latest_end:
                    continue
                d = p.distance[here, j]
                if d < best_d:
                    best, best_d, best_t = j, d, arrive
            if best < 0:
                break
            route.append(best)
            todo.discard(best)
            load += int(p.demand[best, 0])
            t, here = best_t, best
        if len(route) == 1:
            break  # the rest fits no new route on its own
        routes.append([*route, 0])
        if len(routes) >= len(p.vehicles):
            break
    return routes
