"""Path pre-generation on the time-expanded network: every feasible option per shipment.

An option is either *direct road* (leave at release, arrive after the road time) or
*pre-haul road -> lift at terminal A -> scheduled service A->B -> lift at B -> post-haul road*.
A service option is feasible when the container reaches A (release + pre-haul + handling time)
no later than the departure, and is delivered no later than ``due + max_lateness_h``. Each
option is a path in the time-expanded network (terminal-time nodes joined by service arcs,
waiting arcs and road arcs), so choosing options under capacities is a path-based
multicommodity flow. The arrays below are one row per (shipment, option).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from keten.errors import KetenError
from keten.factors import FactorSet
from keten.planning.intensity import Intensity, default_toc_id, hoc_intensity, toc_intensity
from keten.planning.model import ModeDistance, PlanningProblem, RoadDistance

ROAD = -1  # service index of the direct road option

REASON_NO_PATH = "no path"
REASON_TIME = "time window"
REASON_CAPACITY = "capacity"


@dataclass
class Options:
    """One row per (shipment, option); money and emissions are per planning unit."""

    shipment: np.ndarray  # int, index into problem.shipments
    service: np.ndarray  # int, index into problem.services, ROAD for direct road
    pre_km: np.ndarray
    main_km: np.ndarray
    post_km: np.ndarray
    start_h: np.ndarray  # leaves the origin
    main_departure_h: np.ndarray
    main_arrival_h: np.ndarray
    delivery_h: np.ndarray
    late_h: np.ndarray
    money_eur: np.ndarray  # transport + handling + service price, per unit
    penalty_eur: np.ndarray  # lateness penalty + value of time, per unit
    co2e_wtw_kg: np.ndarray
    co2e_ttw_kg: np.ndarray
    nox_kg: np.ndarray
    pm_kg: np.ndarray
    teu_per_unit: np.ndarray  # TEU (or TEU-equivalent) per unit, for capacity rows
    t_per_unit: np.ndarray
    from_day: np.ndarray  # day of the lift at the service's origin terminal (-1: road)
    to_day: np.ndarray  # day of the lift at the service's destination terminal (-1: road)
    road_day: np.ndarray  # departure day of a direct road trip (-1: service option)
    no_option_reason: dict[int, str] = field(default_factory=dict)
    road_toc_id: str = ""

    def __len__(self) -> int:
        return len(self.shipment)

    def objective_per_unit(self, carbon_price_eur_per_t: float, nox_price_eur_per_kg: float
                           ) -> np.ndarray:
        """Cost + carbon price x CO2e WTW + NOx price x NOx + penalties, EUR per unit."""
        return (self.money_eur + self.penalty_eur
                + carbon_price_eur_per_t / 1000.0 * self.co2e_wtw_kg
                + nox_price_eur_per_kg * self.nox_kg)


def _day(hours: np.ndarray) -> np.ndarray:
    return np.floor(hours / 24.0).astype(np.int64)


def _distance_matrix(rows: list[str], cols: list[str], road_km: RoadDistance) -> np.ndarray:
    out = np.full((len(rows), len(cols)), np.inf)
    for i, a in enumerate(rows):
        for j, b in enumerate(cols):
            if a == b:
                out[i, j] = 0.0
                continue
            try:
                out[i, j] = float(road_km(a, b))
            except KetenError:
                out[i, j] = np.inf
    return out


def _handling(problem: PlanningProblem, fs: FactorSet, terminal: str
              ) -> tuple[float, float, float, Intensity]:
    """(cost EUR per TEU, cost EUR per t, time h, HOC intensity) of one lift at ``terminal``."""
    term = problem.terminals.get(terminal)
    if term is None:
        raise KetenError(f"terminal '{terminal}' has no handling data")
    hoc = hoc_intensity(fs, term.hoc_id or "hub_transshipment_ambient")
    return (term.handling_cost_eur_per_teu or 0.0, term.handling_cost_eur_per_t or 0.0,
            term.handling_time_h or 0.0, hoc)


def generate_options(problem: PlanningProblem, fs: FactorSet, road_km: RoadDistance,
                     mode_km: ModeDistance) -> Options:
    """Every feasible option of every shipment (see the module docstring)."""
    p = problem.parameters
    ships, services = problem.shipments, problem.services
    n = len(ships)
    road_toc = p.road_toc_id or default_toc_id("road")
    road_int = toc_intensity(fs, road_toc)
    origins = sorted({s.origin for s in ships})
    dests = sorted({s.destination for s in ships})
    terms = sorted({t for k in services for t in (k.from_terminal, k.to_terminal)})
    o_idx = {x: i for i, x in enumerate(origins)}
    d_idx = {x: i for i, x in enumerate(dests)}
    t_idx = {x: i for i, x in enumerate(terms)}
    so = np.array([o_idx[s.origin] for s in ships], dtype=np.int64)
    sd = np.array([d_idx[s.destination] for s in ships], dtype=np.int64)
    release = np.array([s.release_h for s in ships], dtype=float)
    due = np.array([s.due_h for s in ships], dtype=float)
    units = np.array([s.units for s in ships], dtype=float)
    t_unit = np.array([s.mass_t_per_unit for s in ships], dtype=float)
    teu_unit = np.array([1.0 if s.teu else s.mass_kg / 1000.0 / p.mass_per_teu_t
                         for s in ships], dtype=float)
    vot = np.array([s.value_of_time_eur_per_h for s in ships], dtype=float)
    horizon_end = math.inf if p.horizon_days is None else p.horizon_days * 24.0

    # Direct road, per shipment.
    pairs = sorted({(s.origin, s.destination) for s in ships})
    direct: dict[tuple[str, str], float] = {}
    for a, b in pairs:
        try:
            direct[(a, b)] = 0.0 if a == b else float(road_km(a, b))
        except KetenError:
            direct[(a, b)] = math.inf
    road_d = np.array([direct[(s.origin, s.destination)] for s in ships])
    road_h = road_d / p.road_speed_kmh
    road_late = np.maximum(0.0, release + road_h - due)
    road_ok = (np.isfinite(road_d) & (road_late <= p.max_lateness_h + 1e-9)
               & (release < horizon_end))
    reason: dict[int, str] = {}
    for i in np.flatnonzero(~np.isfinite(road_d)).tolist():
        reason[i] = REASON_NO_PATH
    for i in np.flatnonzero(np.isfinite(road_d) & ~road_ok).tolist():
        reason[i] = REASON_TIME

    parts: dict[str, list[np.ndarray]] = {}

    def add(**cols: np.ndarray) -> None:
        for k, v in cols.items():
            parts.setdefault(k, []).append(v)

    rw, rt, rn, rp = road_int.per_unit(t_unit, teu_unit, 1.0)  # type: ignore[arg-type]
    idx = np.flatnonzero(road_ok)
    zero = np.zeros(len(idx))
    add(shipment=idx, service=np.full(len(idx), ROAD), pre_km=zero, main_km=road_d[idx],
        post_km=zero, start_h=release[idx], main_departure_h=release[idx],
        main_arrival_h=release[idx] + road_h[idx], delivery_h=release[idx] + road_h[idx],
        late_h=road_late[idx],
        money_eur=p.road_cost_eur_per_tkm * t_unit[idx] * road_d[idx],
        penalty_eur=(p.lateness_penalty_eur_per_h * road_late[idx] + vot[idx] * road_h[idx])
        / units[idx],
        co2e_wtw_kg=np.asarray(rw)[idx] * road_d[idx], co2e_ttw_kg=np.asarray(rt)[idx]
        * road_d[idx], nox_kg=np.asarray(rn)[idx] * road_d[idx],
        pm_kg=np.asarray(rp)[idx] * road_d[idx],
        teu_per_unit=teu_unit[idx], t_per_unit=t_unit[idx], from_day=np.full(len(idx), -1),
        to_day=np.full(len(idx), -1), road_day=_day(release[idx]))

    if services:
        pre = _distance_matrix(origins, terms, road_km)  # origin x terminal
        post = _distance_matrix(terms, dests, road_km)  # terminal x destination
        handling = {t: _handling(problem, fs, t) for t in terms}
        for k_i, k in enumerate(services):
            if k.departure_h > horizon_end:
                continue
            ti_a, ti_b = t_idx[k.from_terminal], t_idx[k.to_terminal]
            km = k.distance_km if k.distance_km is not None else float(
                mode_km(k.from_terminal, k.to_terminal, k.mode))
            ha, hb = handling[k.from_terminal], handling[k.to_terminal]
            pre_s, post_s = pre[so, ti_a], post[ti_b, sd]
            ok = (np.isfinite(pre_s) & np.isfinite(post_s) & (pre_s <= p.max_drayage_km)
                  & (post_s <= p.max_drayage_km) & (pre_s + post_s < road_d))
            ready = release + pre_s / p.road_speed_kmh + ha[2]
            delivery = k.arrival_h + hb[2] + post_s / p.road_speed_kmh
            late = np.maximum(0.0, delivery - due)
            ok &= (ready <= k.departure_h + 1e-9) & (late <= p.max_lateness_h + 1e-9)
            sel = np.flatnonzero(ok)
            if not len(sel):
                continue
            tu, eu, pk, qk = t_unit[sel], teu_unit[sel], pre_s[sel], post_s[sel]
            main = toc_intensity(fs, k.toc_id or default_toc_id(k.mode))
            mw, mt, mn, mp = main.per_unit(tu, eu, km)  # type: ignore[arg-type]
            aw, at, an, ap = ha[3].per_unit(tu, eu)  # type: ignore[arg-type]
            bw, bt, bn, bp = hb[3].per_unit(tu, eu)  # type: ignore[arg-type]
            dray = pk + qk
            money = (p.road_cost_eur_per_tkm * tu * dray + k.price_eur_per_teu * eu
                     + k.price_eur_per_t * tu + (ha[0] + hb[0]) * eu + (ha[1] + hb[1]) * tu)
            start = k.departure_h - ha[2] - pk / p.road_speed_kmh
            add(shipment=sel, service=np.full(len(sel), k_i), pre_km=pk,
                main_km=np.full(len(sel), km), post_km=qk, start_h=start,
                main_departure_h=np.full(len(sel), k.departure_h),
                main_arrival_h=np.full(len(sel), k.arrival_h), delivery_h=delivery[sel],
                late_h=late[sel], money_eur=money,
                penalty_eur=(p.lateness_penalty_eur_per_h * late[sel]
                             + vot[sel] * (delivery[sel] - release[sel])) / units[sel],
                co2e_wtw_kg=road_int.co2e_wtw_kg * _act(road_int, tu, eu) * dray + mw + aw + bw,
                co2e_ttw_kg=road_int.co2e_ttw_kg * _act(road_int, tu, eu) * dray + mt + at + bt,
                nox_kg=road_int.nox_kg * _act(road_int, tu, eu) * dray + mn + an + bn,
                pm_kg=road_int.pm_kg * _act(road_int, tu, eu) * dray + mp + ap + bp,
                teu_per_unit=eu, t_per_unit=tu,
                from_day=np.full(len(sel), _day(np.array([k.departure_h]))[0]),
                to_day=np.full(len(sel), _day(np.array([k.arrival_h]))[0]),
                road_day=np.full(len(sel), -1))
            for i in sel.tolist():
                reason.pop(i, None)
    cols = {name: np.concatenate(v) for name, v in parts.items()}
    order = np.lexsort((cols["service"], cols["shipment"]))
    cols = {name: v[order] for name, v in cols.items()}
    for name in ("shipment", "service", "from_day", "to_day", "road_day"):
        cols[name] = cols[name].astype(np.int64)
    for i in range(n):
        if i not in reason and not _has_option(cols["shipment"], i):
            reason[i] = REASON_TIME
    return Options(**cols, no_option_reason=reason, road_toc_id=road_toc)


def _act(intensity: Intensity, t_unit: np.ndarray, teu_unit: np.ndarray) -> np.ndarray:
    return teu_unit if intensity.per_teu else t_unit


def _has_option(shipment_col: np.ndarray, i: int) -> bool:
    lo = np.searchsorted(shipment_col, i, side="left")
    return bool(lo < len(shipment_col) and shipment_col[lo] == i)
