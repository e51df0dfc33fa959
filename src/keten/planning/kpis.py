"""KPIs of a plan. Emissions and tonne-km come from the ISO 14083 engine: the plan is written
as TCE rows (road legs, terminal lifts, services) that ``keten.footprint`` computes, so the
reported figures are the engine's, with the same TOC/HOC ids the objective used."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, Protocol

from keten.planning.intensity import default_toc_id
from keten.planning.model import PlanningProblem
from keten.planning.results import Assignment, KPIs, Unserved


class FootprintLike(Protocol):
    factor_set: str

    def totals(self) -> dict[str, float]: ...

    def by_mode(self) -> Any: ...


def tce_rows(problem: PlanningProblem, assignments: Sequence[Assignment], road_toc_id: str
             ) -> list[dict[str, Any]]:
    """TCE rows of the plan: each assignment is one chain of transport and hub elements."""
    services = {k.service_id: k for k in problem.services}
    per_teu_t = problem.parameters.mass_per_teu_t
    rows: list[dict[str, Any]] = []
    parts: dict[str, int] = defaultdict(int)
    for a in assignments:
        parts[a.shipment_id] += 1
        base = f"{a.shipment_id}#{parts[a.shipment_id]}"
        teu = a.teu if a.teu is not None else a.mass_kg / 1000.0 / per_teu_t
        prev: str | None = None

        def add(suffix: str, extra: dict[str, Any], a: Assignment = a, base: str = base,
                teu: float = teu) -> None:
            nonlocal prev
            tce_id = f"{base}:{suffix}"
            rows.append({"shipment_id": a.shipment_id, "tce_id": tce_id, "prev_tce_ids": prev,
                         "mass_kg": a.mass_kg, "teu": teu, **extra})
            prev = tce_id

        for i, leg in enumerate(a.legs):
            if leg.kind == "service" and leg.service_id is not None:
                k = services[leg.service_id]
                add(f"lift{i}a", {"hoc_id": _hoc(problem, k.from_terminal)})
                add(f"{i}:{k.mode}", {"toc_id": k.toc_id or default_toc_id(k.mode),
                                      "distance_km": leg.distance_km})
                add(f"lift{i}b", {"hoc_id": _hoc(problem, k.to_terminal)})
            else:
                add(f"{i}:road", {"toc_id": road_toc_id, "distance_km": leg.distance_km})
    return rows


def _hoc(problem: PlanningProblem, terminal: str) -> str:
    term = problem.terminals.get(terminal)
    return (term.hoc_id if term and term.hoc_id else "hub_transshipment_ambient")


def plan_kpis(problem: PlanningProblem, assignments: Sequence[Assignment],
              unserved: Sequence[Unserved], footprint: FootprintLike | None) -> KPIs:
    """KPIs of one plan; ``footprint`` is the engine's result for :func:`tce_rows` (None when
    nothing is served)."""
    p = problem.parameters
    totals = footprint.totals() if footprint is not None else {}
    tkm: dict[str, float] = {}
    if footprint is not None:
        for rec in footprint.by_mode().to_pylist():
            group = str(rec["group"])
            if not group.startswith("hub:"):
                tkm[group] = float(rec["transport_activity_tkm"] or 0.0)
    by_mode: dict[str, float] = defaultdict(float)
    served: dict[str, float] = defaultdict(float)
    on_time = 0.0
    for a in assignments:
        by_mode[a.main_mode] += a.share
        served[a.shipment_id] += a.share
        on_time += a.share if a.on_time else 0.0
    n_served = sum(served.values())
    wtw = float(totals.get("co2e_wtw_kg", 0.0))
    return KPIs(
        shipments=len(problem.shipments),
        served_shipments=n_served,
        unserved_shipments=len({u.shipment_id for u in unserved}),
        cost_eur=sum(a.cost_eur for a in assignments),
        lateness_penalty_eur=sum(p.lateness_penalty_eur_per_h * a.late_h * a.share
                                 for a in assignments),
        carbon_cost_eur=p.carbon_price_eur_per_t * wtw / 1000.0,
        co2e_wtw_kg=wtw,
        co2e_ttw_kg=float(totals.get("co2e_ttw_kg", 0.0)),
        nox_kg=float(totals.get("nox_kg", 0.0)),
        pm_kg=float(totals.get("pm_kg", 0.0)),
        tkm_by_mode=dict(sorted(tkm.items())),
        shipments_by_mode=dict(sorted(by_mode.items())),
        on_time_rate=on_time / n_served if n_served else None,
        factor_set=footprint.factor_set if footprint is not None else "",
    )
