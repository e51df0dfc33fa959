"""One day's flows under the capacity of the alternatives: a path-based LP solved with HiGHS.

The day's assignment is a multi-commodity min-cost flow with shared capacities:

    min  sum_p c_p x_p + M sum_f u_f
    s.t. sum_{p of f} x_p + u_f = want_f                     every flow f (demand + backlog)
         sum_{p through e} x_p          <= cap_e              every link edge with a capacity
         sum_{p through n} x_p          <= cap_n              every node with a handling limit
         sum_p (sum_{e in p} a_ke) x_p  <= C_k                every pool k (rail paths are link
                                                              capacities; terminal handling per
                                                              node and mode; truck-days per
                                                              region; fleet deadweight-days)
         x, u >= 0

c_p is the path's generalised cost (EUR/t + value of time x h), u_f the tonnes of flow f that
wait for the next day (penalty M per tonne, above any path's cost, so as much as fits is
moved). It is solved by column generation: start from each flow's cheapest path, solve the
restricted LP, price with Dijkstra on the edge weights less the capacity rows' duals, add every
path with negative reduced cost, repeat until none is left (then the restricted LP's optimum is
the full LP's optimum). ``tests/resilience/test_capacity_lp.py`` checks it against networkx's
min-cost max-flow and against an arc-flow formulation of the same day solved by scipy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import highspy
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from keten.errors import KetenError
from keten.highs import quiet_highs
from keten.network.multimodal import ACCESS, LINK, MODE_CODE, TRANSSHIPMENT
from keten.resilience.assign import EPS_T, DayFlows, DayNetwork, day_flows
from keten.resilience.capacity import POOLED_MODES, CapacityAssumptions, default_capacity
from keten.resilience.flows import ImpactModel

UNSERVED_PENALTY_EUR_PER_T = 10_000.0  # M: above any path's generalised cost per tonne
MIN_FLEET_PAYLOAD = 0.05  # a waterway at a lower payload factor is closed anyway
_TOL = 1e-7
# paths per flow (every column priced in, the latest kept) that start the next day's LP: on
# the national network 60 beat both 40 used paths only and 200 (low water at 800 m3/s 4.0 s,
# against 5.0 and 3.8; two weeks without the Maasvlakte 30 s, against 29 and 35; without
# Duisburg 5.0 s, against 11.8 and 5.2; the same totals)
MAX_KNOWN_PATHS = 60


def _run(h: highspy.Highs) -> str:
    """Solve; when the warm-started dual simplex stops without a verdict ("Unknown": it can
    stall on the penalty columns' scale after many added columns), solve again from scratch
    with the primal simplex, then with interior point (HiGHS ``simplex_strategy`` 4,
    ``solver`` ipm); the defaults are restored for the next round."""
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    for option, value, default in (("simplex_strategy", 4, 1), ("solver", "ipm", "choose")):
        if status == "Optimal":
            break
        h.clearSolver()  # from scratch (primal simplex), then interior point
        h.setOptionValue(option, value)
        h.run()
        status = h.modelStatusToString(h.getModelStatus())
        h.setOptionValue(option, default)
    return status


@dataclass(frozen=True)
class Pools:
    """Shared daily capacities: coefficient per (pool, edge) and capacity per pool."""

    names: list[str]
    kinds: list[str]  # terminal, rail-border, trucks, fleet
    matrix: csr_matrix  # pools x edges
    capacity: np.ndarray


@dataclass
class _Calibration:
    fleet_dwt_t: float
    terminal_t: dict[tuple[int, int], float]  # (node row, mode code) -> t/day


@dataclass
class CapacityLpAssigner:
    """Routes a day's demand under link, node, rail-path, terminal, truck and fleet limits."""

    assumptions: CapacityAssumptions = field(default_factory=default_capacity)
    unserved_penalty_eur_per_t: float = UNSERVED_PENALTY_EUR_PER_T
    max_rounds: int = 200
    last_pool_use: dict[str, tuple[float, float]] = field(default_factory=dict)
    last_rounds: int = 0
    last_objective: float = 0.0
    _calibration: dict[int, _Calibration] = field(default_factory=dict)
    _known: dict[int, dict[int, list[list[int]]]] = field(default_factory=dict)

    def cache_key(self) -> str:
        return f"lp:{self.assumptions!r}"

    # --- the pools --------------------------------------------------------------------

    def _structure(self, model: ImpactModel
                   ) -> tuple[np.ndarray, list[tuple[str, int, int, np.ndarray]]]:
        """Per edge: the rail-path capacity (t/day, inf if none); terminal pools as
        (name, node row, mode code, edges)."""
        key = ("structure", self.cache_key())
        if key in model._derived:
            return model._derived[key]
        g = model.graph
        a = self.assumptions
        links = model.network.links
        given = links["capacity_t_per_day"].to_numpy(dtype=float)
        rail_t = np.full(len(g.src), np.inf)
        is_rail = (g.kind == LINK) & (g.mode == MODE_CODE["rail"])
        corridors = links["corridor"].astype(str).to_numpy()
        for e in np.flatnonzero(is_rail):
            lk = int(g.link[e])
            if np.isfinite(given[lk]) and given[lk] > 0:
                continue  # the network's own capacity wins
            rail_t[e] = a.rail_paths(corridors[lk]) * a.rail_net_t_per_train
        terminals: list[tuple[str, int, int, np.ndarray]] = []
        node_ids = model.network.node_ids
        layer_mode = np.where(g.vertex_mode[g.src] >= 0, g.vertex_mode[g.src],
                              g.vertex_mode[g.dst])
        # A node's handling is used by loading and unloading (the access edges of the flows'
        # ends) and by transshipment; the access edges of other nodes (every junction of a
        # national network has them) carry no flow, so they get no pool.
        handled = np.zeros(len(node_ids), dtype=bool)
        handled[np.asarray(model.origin_rows, dtype=np.int64)] = True
        handled[np.asarray(model.destination_rows, dtype=np.int64)] = True
        handled[model.edge_node[(g.kind == TRANSSHIPMENT) & (model.edge_node >= 0)]] = True
        for mode in POOLED_MODES:
            code = MODE_CODE[mode]
            uses = (((g.kind == ACCESS) & (layer_mode == code))
                    | ((g.kind == TRANSSHIPMENT) & ((g.mode == code) | (g.mode_to == code))))
            uses &= model.edge_node >= 0
            uses[uses] = handled[model.edge_node[uses]]
            for n in np.unique(model.edge_node[uses]):
                edges = np.flatnonzero(uses & (model.edge_node == n))
                terminals.append((f"terminal:{node_ids[n]}:{mode}", int(n), code, edges))
        model._derived[key] = (rail_t, terminals)
        return rail_t, terminals

    def _border_edges(self, model: ImpactModel) -> list[tuple[str, str, str, np.ndarray]]:
        """Rail edges that cross a national border, per direction: (name, from country, to
        country, edges). A link between nodes of two countries crosses; so does a link of
        country A (its ``country`` column) that enters a node also reached by rail links of
        country B (an OpenStreetMap line split at the border, whose nodes carry no country)
        from a node no B link reaches. Each crossing is counted on the link that enters the
        border node, so once per path."""
        key = ("rail-borders", "")
        if key in model._derived:
            return model._derived[key]
        g = model.graph
        links = model.network.links
        node_country = model.network.nodes["country"].fillna("").astype(str).to_numpy()
        link_country = (links["country"].fillna("").astype(str).to_numpy()
                        if "country" in links.columns else np.full(len(links), ""))
        rail = np.flatnonzero((g.kind == LINK) & (g.mode == MODE_CODE["rail"]))
        lk = g.link[rail]
        u, v = g.vertex_node[g.src[rail]], g.vertex_node[g.dst[rail]]
        # countries of the rail links that touch each node
        touching: dict[int, set[str]] = {}
        for n, c in zip(np.r_[u, v], np.r_[link_country[lk], link_country[lk]], strict=True):
            if c:
                touching.setdefault(int(n), set()).add(str(c))
        crossings: dict[tuple[str, str], list[int]] = {}
        for e, link, a_node, b_node in zip(rail, lk, u, v, strict=True):
            ca, cb = node_country[a_node], node_country[b_node]
            if ca and cb and ca != cb:
                crossings.setdefault((ca, cb), []).append(int(e))
                continue
            own = link_country[link]
            others = touching.get(int(b_node), set()) - {own}
            if own and len(others) == 1 and not others & touching.get(int(a_node), set()):
                crossings.setdefault((own, next(iter(others))), []).append(int(e))
        out = [(f"rail-border:{a}-{b}", a, b, np.array(sorted(es), dtype=np.int64))
               for (a, b), es in sorted(crossings.items())]
        model._derived[key] = out
        return out

    @staticmethod
    def _road_regions(model: ImpactModel) -> tuple[np.ndarray, np.ndarray]:
        """Road link edges and the region of each: the link's country, else that of its
        start node (cached on the model)."""
        key = ("road-regions", "")
        if key not in model._derived:
            g = model.graph
            road = np.flatnonzero((g.kind == LINK) & (g.mode == MODE_CODE["road"]))
            country = model.network.nodes["country"].fillna("").astype(str).to_numpy()
            region = country[g.vertex_node[g.src[road]]]
            if "country" in model.network.links.columns:
                own = model.network.links["country"].fillna("").astype(str).to_numpy()[
                    g.link[road]]
                region = np.where(own != "", own, region)
            model._derived[key] = (road, region)
        return model._derived[key]

    def pools(self, model: ImpactModel, day: DayNetwork, calibrated: bool = True) -> Pools:
        """The shared capacities on ``day`` (fleet and terminals need :meth:`calibrate`)."""
        g = model.graph
        a = self.assumptions
        n_edges = len(g.src)
        names: list[str] = []
        kinds: list[str] = []
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        caps: list[float] = []
        cal = self._calibration.get(id(model)) if calibrated else None
        _, terminals = self._structure(model)
        kinds_of = model.network.nodes["kind"].astype(str).to_numpy()
        node_ids = model.network.node_ids
        if cal is not None:
            for name, n, code, edges in terminals:
                mode = next(m for m in POOLED_MODES if MODE_CODE[m] == code)
                cap = a.terminal_t_per_day.get((node_ids[n], mode))
                if cap is None:
                    cap = cal.terminal_t.get((n, code), a.terminal_floor(kinds_of[n], mode))
                if not np.isfinite(cap):
                    continue
                names.append(name)
                kinds.append("terminal")
                rows.append(np.full(len(edges), len(caps)))
                cols.append(edges)
                vals.append(np.ones(len(edges)))
                caps.append(float(cap))
        # Rail paths across each border and direction, all its lines together.
        for name, a_country, b_country, edges in self._border_edges(model):
            names.append(name)
            kinds.append("rail-border")
            rows.append(np.full(len(edges), len(caps)))
            cols.append(edges)
            vals.append(np.ones(len(edges)))
            caps.append(a.border_paths(a_country, b_country) * a.rail_net_t_per_train)
        # Trucks with drivers: truck-days per tonne on each road link edge, by region (the
        # link's country, else that of its start node).
        road, region = self._road_regions(model)
        if len(road):
            coef = (day.attrs[road, 1] * (1.0 + a.road_empty_return_share)
                    / (a.road_payload_t_per_truck * a.road_driving_h_per_day))
            for r in sorted(set(region)):
                sel = region == r
                names.append(f"trucks:{r or '*'}")
                kinds.append("trucks")
                rows.append(np.full(int(sel.sum()), len(caps)))
                cols.append(road[sel])
                vals.append(coef[sel])
                caps.append(a.trucks(r))
        # The barge fleet: deadweight-tonne-days per tonne, more at a lower payload factor.
        barge = np.flatnonzero((g.kind == LINK) & (g.mode == MODE_CODE["inland_waterway"]))
        fleet = a.barge_fleet_dwt_t if a.barge_fleet_dwt_t else (
            cal.fleet_dwt_t if cal is not None else None)
        if len(barge) and fleet is not None:
            names.append("fleet:barge")
            kinds.append("fleet")
            rows.append(np.full(len(barge), len(caps)))
            cols.append(barge)
            vals.append(self._fleet_coef(day, barge))
            caps.append(float(fleet))
        if caps:
            matrix = csr_matrix((np.concatenate(vals), (np.concatenate(rows),
                                                        np.concatenate(cols))),
                                shape=(len(caps), n_edges))
        else:
            matrix = csr_matrix((0, n_edges))
        return Pools(names, kinds, matrix, np.array(caps, dtype=float))

    def _fleet_coef(self, day: DayNetwork, barge: np.ndarray) -> np.ndarray:
        raw = day.payload[barge] if len(day.payload) else np.ones(len(barge))
        payload = np.maximum(raw, MIN_FLEET_PAYLOAD)
        return (day.attrs[barge, 1] * (1.0 + self.assumptions.barge_empty_return_share)
                / (24.0 * payload))

    def calibrate(self, model: ImpactModel, base_day: DayNetwork, demand_t: np.ndarray) -> None:
        """Size the fleet and the terminals from the undisrupted day: fleet = baseline need /
        normal utilisation; terminal = max(floor, baseline throughput / normal utilisation)."""
        if id(model) in self._calibration:
            return
        cached = model._derived.get(("calibration", self.cache_key()))
        if cached is not None:  # the same settings calibrated on this model before
            self._calibration[id(model)], warm = cached
            self.restore_warm_start(model, warm)
            return
        flows = self._solve(model, base_day, demand_t, self.pools(model, base_day, False))
        g = model.graph
        a = self.assumptions
        barge = np.flatnonzero((g.kind == LINK) & (g.mode == MODE_CODE["inland_waterway"]))
        per_edge = np.zeros(len(g.src))
        for paths in flows.paths:
            for edges, x in paths:
                np.add.at(per_edge, np.asarray(edges), x)
        need = float((per_edge[barge] * self._fleet_coef(base_day, barge)).sum())
        _, terminals = self._structure(model)
        kinds_of = model.network.nodes["kind"].astype(str).to_numpy()
        term: dict[tuple[int, int], float] = {}
        for _, n, code, pool_edges in terminals:
            mode = next(m for m in POOLED_MODES if MODE_CODE[m] == code)
            through = float(per_edge[pool_edges].sum())
            term[(n, code)] = max(a.terminal_floor(kinds_of[n], mode),
                                  through / a.terminal_normal_utilisation)
        self._calibration[id(model)] = _Calibration(
            need / a.barge_normal_utilisation if need > 0 else 0.0, term)
        model._derived[("calibration", self.cache_key())] = (self._calibration[id(model)],
                                                             self.warm_start(model))

    def warm_start(self, model: ImpactModel) -> dict[int, list[list[int]]]:
        """The paths per flow the next day's LP starts from (a copy)."""
        return {f: list(paths) for f, paths in self._known.get(id(model), {}).items()}

    def restore_warm_start(self, model: ImpactModel, paths: dict[int, list[list[int]]]
                           ) -> None:
        self._known[id(model)] = {f: list(p) for f, p in paths.items()}

    # --- the LP ---------------------------------------------------------------------

    def assign_day(self, model: ImpactModel, day: DayNetwork, demand_t: np.ndarray) -> DayFlows:
        if not self.assumptions.enabled:
            return self._solve(model, day, demand_t, Pools([], [], csr_matrix(
                (0, len(model.graph.src))), np.zeros(0)), rail=False)
        return self._solve(model, day, demand_t, self.pools(model, day))

    def edge_capacity_t(self, model: ImpactModel, day: DayNetwork) -> np.ndarray:
        """Per edge: the day's capacity with rail links limited to paths x t per train (scaled
        by the day's capacity factor, so closures still close them)."""
        g = model.graph
        edge_cap = day.edge_capacity_t.copy()
        rail_t, _ = self._structure(model)
        link_e = g.kind == LINK
        scale = np.ones(len(g.src))
        base_cap = model.link_capacity_t[g.link[link_e]]
        with np.errstate(invalid="ignore", divide="ignore"):
            scale[link_e] = np.where(base_cap > 0, day.edge_capacity_t[link_e] / base_cap, 0.0)
        has_rail = np.isfinite(rail_t)
        scale = np.where(np.isfinite(scale), scale, 1.0)
        edge_cap[has_rail] = np.minimum(edge_cap[has_rail], rail_t[has_rail] * scale[has_rail])
        return edge_cap

    def _solve(self, model: ImpactModel, day: DayNetwork, demand_t: np.ndarray,
               pools: Pools, rail: bool = True) -> DayFlows:
        g = model.graph
        n_flows = len(model.flows)
        n_edges = len(g.src)
        inf = highspy.kHighsInf
        edge_cap = (self.edge_capacity_t(model, day) if rail and self.assumptions.enabled
                    else day.edge_capacity_t.copy())
        closed = day.closed | (edge_cap <= EPS_T)
        # Capacity rows are added when a path first uses their edge or node: a row no
        # column touches is slack at any solution (its capacity is >= 0), so leaving it out
        # changes no optimum and no dual (national networks have ~90,000 limited edges, and
        # HiGHS spends its time on the empty rows otherwise).
        edge_row = np.full(n_edges, -1, dtype=np.int64)
        edge_limited = np.isfinite(edge_cap) & ~closed
        node_cap = day.node_capacity_t
        node_rows_of = np.full(len(node_cap), -1, dtype=np.int64)
        node_limited = np.isfinite(node_cap)
        pool_base = n_flows
        n_pools = len(pools.capacity)
        want = np.maximum(np.asarray(demand_t, dtype=float), 0.0)
        lower = np.concatenate([want, np.full(n_pools, -inf)])
        upper = np.concatenate([want, pools.capacity])
        h = quiet_highs()
        n_rows = len(lower)
        h.addRows(n_rows, lower, upper, 0, np.zeros(n_rows, dtype=np.int32),
                  np.zeros(0, dtype=np.int32), np.zeros(0))
        rows_used = [n_rows]

        def rows_for(items: np.ndarray, row_of: np.ndarray, limited: np.ndarray,
                     cap: np.ndarray) -> np.ndarray:
            """The capacity rows of ``items`` (edges or nodes), adding the missing ones."""
            items = items[limited[items]]
            new = np.unique(items[row_of[items] < 0])
            if len(new):
                row_of[new] = rows_used[0] + np.arange(len(new))
                rows_used[0] += len(new)
                h.addRows(len(new), np.full(len(new), -inf), cap[new], 0,
                          np.zeros(len(new), dtype=np.int32), np.zeros(0, dtype=np.int32),
                          np.zeros(0))
            return row_of[items]

        for f in range(n_flows):  # unserved today (waits): one column per flow
            h.addCol(self.unserved_penalty_eur_per_t, 0.0, inf, 1,
                     np.array([f], dtype=np.int32), np.array([1.0]))
        pool_by_edge = pools.matrix.tocsc()  # a path's pool coefficients: its edges' columns
        columns: list[tuple[int, list[int]]] = []  # (flow, edges) per path column
        seen: set[tuple[int, tuple[int, ...]]] = set()
        groups: dict[tuple[frozenset[str], int], list[int]] = {}
        for f, flow in enumerate(model.flows):
            if want[f] > EPS_T:
                groups.setdefault((flow.modes, int(model.origin_rows[f])), []).append(f)
        masks = {modes: model.mode_mask(modes) & ~closed for modes, _ in groups}

        def add_path(f: int, edges: list[int]) -> bool:
            key = (f, tuple(edges))
            if key in seen:
                return False
            seen.add(key)
            e = np.asarray(edges, dtype=np.int64)
            nodes = model.edge_node[e]
            rows = [np.array([f], dtype=np.int64),
                    rows_for(e, edge_row, edge_limited, edge_cap),
                    rows_for(nodes[nodes >= 0], node_rows_of, node_limited, node_cap)]
            values = [np.ones(sum(len(r) for r in rows))]
            if n_pools:  # the pool coefficients of the path's edges (CSC columns)
                lo, hi = pool_by_edge.indptr[e], pool_by_edge.indptr[e + 1]
                at = np.repeat(lo - np.cumsum(np.r_[0, (hi - lo)[:-1]]), hi - lo) + \
                    np.arange(int((hi - lo).sum()))
                rows.append(pool_base + pool_by_edge.indices[at].astype(np.int64))
                values.append(pool_by_edge.data[at])
            idx, inverse = np.unique(np.concatenate(rows), return_inverse=True)
            coef = np.bincount(inverse, weights=np.concatenate(values),
                               minlength=len(idx)).astype(float)
            h.addCol(float(day.weight[e].sum()), 0.0, inf, len(idx), idx.astype(np.int32),
                     coef)
            columns.append((f, edges))
            return True

        by_modes: dict[frozenset[str], list[int]] = {}
        for modes, origin in groups:
            by_modes.setdefault(modes, []).append(origin)

        patterns = {modes: model.pricing_pattern(modes) for modes in by_modes}
        entry_of = {o: int(g.entry[o]) for _, o in groups}
        # Each flow is priced on its own modes and on every smaller mode set some flow has:
        # when a pool binds (the trucks of a region, the barge fleet) the paths that avoid
        # its mode are the ones the LP needs next, and one round then brings them all in.
        searches: dict[tuple[frozenset[str], int], list[int]] = {}
        for (modes, origin), members in groups.items():
            for sub in by_modes:
                if sub <= modes:
                    searches.setdefault((sub, origin), []).extend(members)

        def price(weight: np.ndarray, flow_dual: np.ndarray | None) -> int:
            added = 0
            open_weight = np.where(closed, np.inf, weight)
            for sub in by_modes:
                csr = patterns[sub].graph(open_weight)
                for (modes, o), members in searches.items():
                    if modes != sub or (flow_dual is None and modes != model.flows[
                            members[0]].modes):
                        continue
                    bound = np.inf
                    if flow_dual is not None:
                        # a path only enters if it costs less than its flow's dual, so the
                        # search stops at the largest dual of the origin's flows
                        bound = max(float(flow_dual[f]) for f in members)
                        if bound <= 0:
                            continue
                        bound *= 1 + 1e-9
                    dist, pred = dijkstra(csr.matrix, directed=True, indices=entry_of[o],
                                          return_predecessors=True, limit=bound)
                    for f in members:
                        if flow_dual is None and model.flows[f].modes != sub:
                            continue
                        target = int(g.exit[int(model.destination_rows[f])])
                        if not np.isfinite(dist[target]):
                            continue
                        edges = csr.path(pred, entry_of[o], target)
                        if edges is None:
                            continue
                        if flow_dual is not None:
                            reduced = float(weight[np.asarray(edges)].sum()) - flow_dual[f]
                            if reduced >= -_TOL * max(1.0, abs(flow_dual[f])):
                                continue
                        added += add_path(f, edges)
            return added

        known = self._known.setdefault(id(model), {})
        started = 0  # flows with an open path from an earlier day
        for f in range(n_flows):
            if want[f] <= EPS_T:
                continue
            opened = False
            for edges in known.get(f, ()):
                if not closed[np.asarray(edges)].any() and masks[model.flows[f].modes][
                        np.asarray(edges)].all():
                    add_path(f, edges)
                    opened = True
            started += opened
        if started < int((want > EPS_T).sum()):  # else pricing on the duals finds the rest
            price(day.weight, None)
        rounds = 0
        solution = None
        while True:
            rounds += 1
            status = _run(h)
            if status != "Optimal":
                raise KetenError(f"the day's capacity LP did not solve ({status})")
            solution = h.getSolution()
            if rounds >= self.max_rounds:
                break
            dual = np.asarray(solution.row_dual, dtype=float)
            reduced_w = day.weight.copy()
            has_row = edge_row >= 0
            reduced_w[has_row] -= dual[edge_row[has_row]]
            has_node = model.edge_node >= 0
            nr = np.full(n_edges, -1, dtype=np.int64)
            nr[has_node] = node_rows_of[model.edge_node[has_node]]
            reduced_w[nr >= 0] -= dual[nr[nr >= 0]]
            if n_pools:
                reduced_w -= pools.matrix.T @ dual[pool_base:pool_base + n_pools]
            reduced_w = np.maximum(reduced_w, 0.0)  # duals of <= rows are <= 0 (round-off)
            if not price(reduced_w, dual[:n_flows]):
                break
        self.last_rounds = rounds
        self.last_objective = float(h.getInfo().objective_function_value)
        x = np.asarray(solution.col_value, dtype=float)[n_flows:]
        # remember the paths, the latest last (the next day's warm start)
        have = {(f, tuple(p)) for f, paths_f in known.items() for p in paths_f}
        for f, edges in columns:
            if (f, tuple(edges)) not in have:
                known.setdefault(f, []).append(edges)
        for paths_f in known.values():
            del paths_f[:-MAX_KNOWN_PATHS]
        row_value = np.asarray(solution.row_value, dtype=float)
        self.last_pool_use = {name: (float(row_value[pool_base + k]), float(pools.capacity[k]))
                              for k, name in enumerate(pools.names)}
        return day_flows(model, day, columns, x)

