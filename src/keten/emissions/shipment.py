"""Shipment footprints: the sum of a shipment's TCEs, ordered along ``prev_tce_ids``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal, localcontext

from keten.emissions.results import RESULT_CONTEXT, ShipmentResult, TCEResult, rounded
from keten.model.enums import DataSource


def chain_order(tces: Sequence[TCEResult]) -> list[TCEResult]:
    """Topological order of a shipment's TCEs by ``prev_tce_ids`` (Kahn), stable by input.

    Assumes links were validated (no unknown ids, no cycles).
    """
    by_id = {t.tce_id: t for t in tces}
    position = {t.tce_id: i for i, t in enumerate(tces)}
    pending = {t.tce_id: sum(1 for p in t.prev_tce_ids if p in by_id) for t in tces}
    successors: dict[str, list[str]] = defaultdict(list)
    for t in tces:
        for p in t.prev_tce_ids:
            if p in by_id:
                successors[p].append(t.tce_id)
    ready = sorted((i for i, n in pending.items() if n == 0), key=position.__getitem__)
    out: list[TCEResult] = []
    while ready:
        current = ready.pop(0)
        out.append(by_id[current])
        for nxt in successors[current]:
            pending[nxt] -= 1
            if pending[nxt] == 0:
                ready.append(nxt)
                ready.sort(key=position.__getitem__)
    if len(out) != len(tces):
        raise ValueError("prev_tce_ids form a cycle")
    return out


def _sum_optional(values: Iterable[Decimal | None]) -> Decimal | None:
    """Sum of pollutant masses; None only if no element has a factor for it."""
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None


def shipment_footprint(shipment_id: str, tces: Sequence[TCEResult]) -> ShipmentResult:
    """ISO 14083 clause 7: a transport chain's emissions are the sum of its elements'.

    The TCEs' figures are already rounded (``keten.emissions.results.rounded``); their sums
    are exact, so a shipment's totals equal the sum of its TCEs. Shares are rounded."""
    with localcontext(RESULT_CONTEXT):  # exact sums, whatever the caller's context
        return _shipment_footprint(shipment_id, tces)


def _shipment_footprint(shipment_id: str, tces: Sequence[TCEResult]) -> ShipmentResult:
    ordered = tuple(chain_order(tces))
    wtw = sum((t.co2e_wtw_kg for t in ordered), Decimal(0))
    primary = sum(
        (t.co2e_wtw_kg for t in ordered if t.data_source == DataSource.PRIMARY.value), Decimal(0)
    )
    transport = [t for t in ordered if t.kind == "transport"]
    by_source: dict[str, Decimal] = {}
    by_status: dict[str, Decimal] = {}
    for t in ordered:
        by_source[t.data_source] = by_source.get(t.data_source, Decimal(0)) + t.co2e_wtw_kg
        by_status[t.factor_status] = by_status.get(t.factor_status, Decimal(0)) + t.co2e_wtw_kg
    mass = max((t.mass_kg for t in (transport or ordered)), default=Decimal(0))
    return ShipmentResult(
        shipment_id=shipment_id,
        mass_kg=mass,
        transport_activity_tkm=sum((t.transport_activity_tkm for t in ordered), Decimal(0)),
        co2e_wtw_kg=wtw,
        co2e_ttw_kg=sum((t.co2e_ttw_kg for t in ordered), Decimal(0)),
        nox_kg=_sum_optional(t.nox_kg for t in ordered),
        pm_kg=_sum_optional(t.pm_kg for t in ordered),
        sox_kg=_sum_optional(t.sox_kg for t in ordered),
        primary_data_share=rounded(primary / wtw) if wtw else Decimal(0),
        tces=ordered,
        co2_biogenic_kg=_sum_optional(t.co2_biogenic_kg for t in ordered),
        data_source_shares={k: _share(v, wtw) for k, v in by_source.items()},
        factor_status_shares={k: _share(v, wtw) for k, v in by_status.items()},
    )


def _share(part: Decimal, whole: Decimal) -> Decimal:
    return rounded(part / whole) if whole else Decimal(0)


def group_shipments(tces: Iterable[TCEResult]) -> list[ShipmentResult]:
    groups: dict[str, list[TCEResult]] = {}
    for t in tces:
        groups.setdefault(t.shipment_id, []).append(t)
    return [shipment_footprint(sid, items) for sid, items in groups.items()]
