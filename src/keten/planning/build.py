"""Build the planning LP/MIP as plain arrays (no solver needed to inspect it).

Variables: ``y[o]`` units of a shipment on option ``o`` (0..units; integer with ``integer``),
``u[s]`` units of shipment ``s`` left unserved (priced at ``unserved_penalty_eur``).
Rows: per shipment ``sum_o y[o] + u[s] = units[s]``; per service ``sum TEU <= capacity_teu``
and ``sum t <= capacity_t``; per terminal and day ``lifts (TEU) <= capacity_teu_per_day``;
per day ``direct road TEU <= road_capacity_teu_per_day``.
Objective: ``sum_o c[o] y[o] + sum_s penalty/units[s] u[s]`` with ``c`` from
:meth:`Options.objective_per_unit`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix

from keten.planning.model import PlanningProblem
from keten.planning.options import ROAD, Options

RowLabel = tuple[str, str, int]  # (kind, id, day); day -1 when not per day


@dataclass
class BuiltModel:
    """A linear model in row-wise (CSR) form, with labels for each row and column block."""

    col_cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: bool
    row_lower: np.ndarray
    row_upper: np.ndarray
    a_start: np.ndarray
    a_index: np.ndarray
    a_value: np.ndarray
    row_labels: list[RowLabel]
    n_option_cols: int
    n_shipments: int
    capacitated: bool

    @property
    def n_cols(self) -> int:
        return len(self.col_cost)

    @property
    def n_rows(self) -> int:
        return len(self.row_lower)

    def rows_of(self, kind: str) -> list[int]:
        return [i for i, lab in enumerate(self.row_labels) if lab[0] == kind]

    def row_activity(self, x: np.ndarray) -> np.ndarray:
        """``A x`` per row (to check capacities of any solution)."""
        out = np.zeros(self.n_rows)
        for r in range(self.n_rows):
            lo, hi = self.a_start[r], self.a_start[r + 1]
            out[r] = float(np.dot(self.a_value[lo:hi], x[self.a_index[lo:hi]]))
        return out

    def with_costs(self, options: Options, problem: PlanningProblem,
                   carbon_price_eur_per_t: float) -> BuiltModel:
        """The same model with the objective for another carbon price (for sweeps)."""
        from dataclasses import replace

        cost = self.col_cost.copy()
        cost[: self.n_option_cols] = options.objective_per_unit(
            carbon_price_eur_per_t, problem.parameters.nox_price_eur_per_kg)
        return replace(self, col_cost=cost)


def build_model(problem: PlanningProblem, options: Options, capacitated: bool = True
                ) -> BuiltModel:
    """The LP/MIP of ``problem`` over ``options`` (capacity rows only when ``capacitated``)."""
    p = problem.parameters
    ships = problem.shipments
    n_opt, n_ship = len(options), len(ships)
    units = np.array([s.units for s in ships], dtype=float)
    cost = np.concatenate([
        options.objective_per_unit(p.carbon_price_eur_per_t, p.nox_price_eur_per_kg),
        p.unserved_penalty_eur / units])
    upper = np.concatenate([units[options.shipment], units])
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    lower_b: list[float] = []
    upper_b: list[float] = []
    labels: list[RowLabel] = []
    # Demand rows: one per shipment, its options and its unserved column.
    rows += [options.shipment, np.arange(n_ship)]
    cols += [np.arange(n_opt), n_opt + np.arange(n_ship)]
    vals += [np.ones(n_opt), np.ones(n_ship)]
    lower_b += units.tolist()
    upper_b += units.tolist()
    labels += [("demand", s.shipment_id, -1) for s in ships]
    if capacitated:
        _capacity_rows(problem, options, rows, cols, vals, upper_b, labels)
    n_rows = len(labels)
    lower_b += [-np.inf] * (n_rows - len(lower_b))
    r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    a = coo_matrix((v, (r, c)), shape=(n_rows, n_opt + n_ship)).tocsr()
    a.sort_indices()
    return BuiltModel(
        col_cost=cost, col_lower=np.zeros(n_opt + n_ship), col_upper=upper,
        integer=p.integer, row_lower=np.array(lower_b, dtype=float),
        row_upper=np.array(upper_b, dtype=float), a_start=a.indptr.astype(np.int64),
        a_index=a.indices.astype(np.int64), a_value=a.data.astype(float), row_labels=labels,
        n_option_cols=n_opt, n_shipments=n_ship, capacitated=capacitated)


def _capacity_rows(problem: PlanningProblem, options: Options, rows: list[np.ndarray],
                   cols: list[np.ndarray], vals: list[np.ndarray], upper_b: list[float],
                   labels: list[RowLabel]) -> None:
    services = problem.services
    on_service = options.service != ROAD
    opt_ids = np.flatnonzero(on_service)
    svc = options.service[opt_ids]
    order = np.argsort(svc, kind="stable")
    opt_sorted, svc_sorted = opt_ids[order], svc[order]
    bounds = np.searchsorted(svc_sorted, np.arange(len(services) + 1))

    def add_row(label: RowLabel, members: np.ndarray, coef: np.ndarray, cap: float) -> None:
        rows.append(np.full(len(members), len(labels)))
        cols.append(members)
        vals.append(coef)
        upper_b.append(cap)
        labels.append(label)

    for k_i, k in enumerate(services):
        members = opt_sorted[bounds[k_i]:bounds[k_i + 1]]
        if not len(members):
            continue
        if k.capacity_teu is not None:
            add_row(("service_teu", k.service_id, -1), members, options.teu_per_unit[members],
                    k.capacity_teu)
        if k.capacity_t is not None:
            add_row(("service_t", k.service_id, -1), members, options.t_per_unit[members],
                    k.capacity_t)
    # Terminal lifts per day: on at the service's origin, off at its destination.
    lifts: dict[tuple[str, int], list[np.ndarray]] = {}
    if len(opt_ids):
        frm = np.array([services[i].from_terminal for i in range(len(services))], dtype=object)
        to = np.array([services[i].to_terminal for i in range(len(services))], dtype=object)
        capped = {t for t, term in problem.terminals.items()
                  if term.capacity_teu_per_day is not None}
        for ends, days in ((frm, options.from_day), (to, options.to_day)):
            names = ends[svc]
            for t in capped:
                hit = opt_ids[names == t]
                for day in np.unique(days[hit]).tolist():
                    lifts.setdefault((t, int(day)), []).append(hit[days[hit] == day])
    for (t, day), parts in sorted(lifts.items()):
        members = np.concatenate(parts)
        cap = problem.terminals[t].capacity_teu_per_day
        assert cap is not None
        add_row(("terminal", t, day), members, options.teu_per_unit[members], cap)
    cap_road = problem.parameters.road_capacity_teu_per_day
    if cap_road is not None:
        road = np.flatnonzero(~on_service)
        for day in np.unique(options.road_day[road]).tolist():
            members = road[options.road_day[road] == day]
            add_row(("road", "road", int(day)), members, options.teu_per_unit[members],
                    cap_road)
