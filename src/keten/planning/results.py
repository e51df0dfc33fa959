"""Typed planning results: assignments, unserved shipments, utilisation, KPIs, sweeps."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class PlanLeg:
    """One leg of an assignment: road (pre-haul, post-haul, direct) or a scheduled service."""

    kind: str  # direct_road, pre_haul, service, post_haul
    mode: str
    from_location: str
    to_location: str
    distance_km: float
    departure_h: float
    arrival_h: float
    service_id: str | None = None


@dataclass(frozen=True)
class Assignment:
    """Units of one shipment on one option (a shipment may be split over options)."""

    shipment_id: str
    option: str  # "road" or the service id
    main_mode: str
    units: float
    share: float
    mass_kg: float
    teu: float | None
    legs: tuple[PlanLeg, ...]
    departure_h: float
    delivery_h: float
    due_h: float
    late_h: float
    cost_eur: float  # transport + handling + service price
    co2e_wtw_kg: float  # the planner's own figure; KPIs come from the footprint engine

    @property
    def on_time(self) -> bool:
        return self.late_h <= 1e-6


@dataclass(frozen=True)
class Unserved:
    shipment_id: str
    units: float
    reason: str  # no path, time window, capacity


@dataclass(frozen=True)
class Utilisation:
    """Use of a service (whole departure), a terminal on a day, or road trips on a day."""

    kind: str  # service, terminal, road
    resource_id: str
    day: int | None
    used_teu: float
    capacity_teu: float | None
    used_t: float
    capacity_t: float | None

    @property
    def share(self) -> float | None:
        shares = [u / c for u, c in ((self.used_teu, self.capacity_teu),
                                     (self.used_t, self.capacity_t)) if c]
        return max(shares) if shares else None


@dataclass(frozen=True)
class KPIs:
    """Key figures of one plan; emissions and tkm come from ``keten.footprint``."""

    shipments: int
    served_shipments: float
    unserved_shipments: int
    cost_eur: float
    lateness_penalty_eur: float
    carbon_cost_eur: float
    co2e_wtw_kg: float
    co2e_ttw_kg: float
    nox_kg: float
    pm_kg: float
    tkm_by_mode: dict[str, float]
    shipments_by_mode: dict[str, float]
    on_time_rate: float | None
    factor_set: str

    @property
    def road_tkm_share(self) -> float | None:
        total = sum(self.tkm_by_mode.values())
        return self.tkm_by_mode.get("road", 0.0) / total if total else None


@dataclass(frozen=True)
class Scenario:
    """One plan (optimised, all-road baseline, uncapacitated cheapest, greedy, ...)."""

    name: str
    assignments: tuple[Assignment, ...]
    unserved: tuple[Unserved, ...]
    utilisation: tuple[Utilisation, ...]
    kpis: KPIs
    status: str = ""
    objective_eur: float | None = None
    mip_gap: float | None = None
    solve_time_s: float | None = None


@dataclass(frozen=True)
class SweepPoint:
    carbon_price_eur_per_t: float
    cost_eur: float
    co2e_wtw_kg: float
    nox_kg: float
    road_tkm_share: float | None
    unserved_shipments: int


@dataclass(frozen=True)
class PlanResult:
    """The plan, its baselines (together: the modal-shift potential) and a carbon-price sweep."""

    plan: Scenario
    all_road: Scenario
    uncapacitated: Scenario
    sweep: tuple[SweepPoint, ...]
    parameters: dict[str, Any]
    t0: datetime | None = None

    def clock(self, hours: float) -> str:
        """An hour offset as an ISO date-time (``h+12.0`` when the input had no dates)."""
        if self.t0 is None:
            return f"h+{hours:.1f}"
        return (self.t0 + timedelta(hours=hours)).isoformat(timespec="minutes")

    def assignment_rows(self) -> list[dict[str, Any]]:
        """One flat row per assignment (legs as text), for tables and CSV."""
        out = []
        for a in self.plan.assignments:
            legs = " > ".join(
                f"{leg.mode}{'[' + leg.service_id + ']' if leg.service_id else ''} "
                f"{leg.from_location}-{leg.to_location}" for leg in a.legs)
            out.append({"shipment_id": a.shipment_id, "option": a.option,
                        "main_mode": a.main_mode, "units": round(a.units, 6),
                        "share": round(a.share, 6), "mass_kg": round(a.mass_kg, 3),
                        "departure_at": self.clock(a.departure_h),
                        "delivery_at": self.clock(a.delivery_h), "due_at": self.clock(a.due_h),
                        "late_h": round(a.late_h, 3), "on_time": a.on_time,
                        "cost_eur": round(a.cost_eur, 2),
                        "co2e_wtw_kg": round(a.co2e_wtw_kg, 3), "legs": legs})
        return out

    def modal_shift(self) -> dict[str, dict[str, float]]:
        """Savings of the plan and of the uncapacitated plan against all-road."""
        base = self.all_road.kpis
        out: dict[str, dict[str, float]] = {}
        for sc in (self.plan, self.uncapacitated):
            k = sc.kpis
            out[sc.name] = {
                "co2e_wtw_saved_kg": base.co2e_wtw_kg - k.co2e_wtw_kg,
                "co2e_wtw_saved_share": (1 - k.co2e_wtw_kg / base.co2e_wtw_kg)
                if base.co2e_wtw_kg else 0.0,
                "nox_saved_kg": base.nox_kg - k.nox_kg,
                "pm_saved_kg": base.pm_kg - k.pm_kg,
                "cost_saved_eur": base.cost_eur - k.cost_eur,
                "road_tkm_shifted": base.tkm_by_mode.get("road", 0.0)
                - k.tkm_by_mode.get("road", 0.0),
            }
        return out

    def as_dict(self) -> dict[str, Any]:
        def scenario(sc: Scenario) -> dict[str, Any]:
            return {"name": sc.name, "status": sc.status, "objective_eur": sc.objective_eur,
                    "mip_gap": sc.mip_gap, "kpis": {**asdict(sc.kpis),
                                                    "road_tkm_share": sc.kpis.road_tkm_share}}
        return {
            "parameters": self.parameters,
            "scenarios": [scenario(s) for s in (self.plan, self.all_road, self.uncapacitated)],
            "modal_shift": self.modal_shift(),
            "assignments": [asdict(a) | {"on_time": a.on_time,
                                         "departure_at": self.clock(a.departure_h),
                                         "delivery_at": self.clock(a.delivery_h)}
                            for a in self.plan.assignments],
            "unserved": [asdict(u) for u in self.plan.unserved],
            "utilisation": [asdict(u) | {"share": u.share} for u in self.plan.utilisation],
            "sweep": [asdict(p) for p in self.sweep],
        }
