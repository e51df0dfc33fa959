"""A plan's energy as TOC intensities, and its shipments as TCE rows for the ISO 14083 engine.

Per scenario and vehicle type, the TOC's intensity is its routes' energy (linear in the load
between empty and full consumption per km) over the transport activity of the shipments it
carried, mass x shortest feasible distance (ISO 14083 6.2 and 6.3: the TOC pools all its
operations, empty running included; every shipment is then charged its tkm x intensity). The
engine computes the emissions from those rows: nothing is multiplied here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np

from keten.bundling.model import RoutePlan, Shipment, VehicleType
from keten.bundling.vrp import distance_matrix_km
from keten.emissions.intensity import EnergyUse, toc_from_energy
from keten.factors.library import FactorSet
from keten.factors.records import TOC
from keten.model.enums import ActivityUnit, Mode


def shipment_km(shipments: Sequence[Shipment], detour_factor: float) -> dict[str, float]:
    """Shortest feasible distance of each shipment, pickup to delivery (GCD x DAF)."""
    out = {}
    for s in shipments:
        km = distance_matrix_km([s.pickup, s.delivery], detour_factor)[0, 1]
        out[s.shipment_id] = float(km)
    return out


def plan_tocs(plan: RoutePlan, shipments: Sequence[Shipment], fleet: Sequence[VehicleType],
              sfd_km: dict[str, float], fs: FactorSet) -> dict[str, TOC]:
    """One TOC per vehicle type used in ``plan``, from its routes' energy and tkm."""
    mass = {s.shipment_id: s.mass_kg for s in shipments}
    by_type = {v.vehicle_type: v for v in fleet}
    energy: dict[str, float] = defaultdict(float)
    tkm: dict[str, float] = defaultdict(float)
    for r in plan.routes:
        energy[r.vehicle_type] += r.energy
        for st in r.stops:
            if st.kind == "delivery":
                tkm[r.vehicle_type] += mass[st.shipment_id] / 1000.0 * sfd_km[st.shipment_id]
    out: dict[str, TOC] = {}
    for vt, e in energy.items():
        if tkm[vt] <= 0:
            continue
        v = by_type[vt]
        toc_id = toc_id_of(plan.name, vt)
        use = EnergyUse(toc_id, v.energy_carrier, Decimal(repr(e)), Decimal(repr(tkm[vt])),
                        v.emission_standard)
        out[toc_id] = toc_from_energy(
            fs, toc_id, Mode.ROAD, ActivityUnit.TKM, [use],
            f"{vt} in plan '{plan.name}': modelled route energy over shipment tkm")
    return out


def toc_id_of(plan_name: str, vehicle_type: str) -> str:
    return f"bundle:{plan_name}:{vehicle_type}"


def tce_rows(plan: RoutePlan, shipments: Sequence[Shipment], sfd_km: dict[str, float]
             ) -> list[dict[str, Any]]:
    """One road TCE per served shipment, on its vehicle type's TOC of this plan."""
    by_id = {s.shipment_id: s for s in shipments}
    rows = []
    for r in plan.routes:
        for st in r.stops:
            if st.kind != "delivery":
                continue
            s = by_id[st.shipment_id]
            rows.append({"shipment_id": s.shipment_id, "tce_id": f"{s.shipment_id}:road",
                         "toc_id": toc_id_of(plan.name, r.vehicle_type), "mass_kg": s.mass_kg,
                         "distance_km": round(sfd_km[s.shipment_id], 6),
                         "origin": f"{s.pickup.lat:.6f},{s.pickup.lon:.6f}",
                         "destination": f"{s.delivery.lat:.6f},{s.delivery.lon:.6f}",
                         "consignment_id": s.shipper})
    return rows


def zone_shares(plan: RoutePlan) -> np.ndarray:
    """Share of each route's km inside zero-emission zones (for in-zone NOx and PM)."""
    return np.array([r.zone_km / r.distance_km if r.distance_km > 0 else 0.0
                     for r in plan.routes])
