"""Typed results of a footprint: per TCE and per shipment, exact ``Decimal`` values."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Context, Decimal

# Precision of every computed result value: 1e-12 of its unit (kg -> nanograms, far below any
# measurement). Each TCE's figures are computed exactly from the input's decimal text and
# rounded once, half to even; a shipment's totals are the exact sums of its rounded TCEs, so
# totals equal the sum of the parts. iLEAP/PACT carry figures at the same precision.
RESULT_QUANTUM = Decimal("1e-12")
RESULT_CONTEXT = Context(prec=60, rounding=ROUND_HALF_EVEN)


def rounded(value: Decimal) -> Decimal:
    """``value`` at :data:`RESULT_QUANTUM` (at most 12 decimals, never an exponent form)."""
    text = format(value.quantize(RESULT_QUANTUM, context=RESULT_CONTEXT), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return RESULT_CONTEXT.plus(Decimal(text))  # plus: -0 -> 0


def rounded_or_none(value: Decimal | None) -> Decimal | None:
    return None if value is None else rounded(value)


@dataclass(frozen=True)
class TCEResult:
    """One transport or hub chain element with its activity and emissions (ISO 14083)."""

    shipment_id: str
    tce_id: str
    kind: str  # "transport" or "hub"
    mass_kg: Decimal
    transport_activity_tkm: Decimal
    activity: Decimal
    activity_unit: str
    co2e_wtw_kg: Decimal
    co2e_ttw_kg: Decimal
    nox_kg: Decimal | None
    pm_kg: Decimal | None
    sox_kg: Decimal | None
    data_source: str
    factor_status: str = "published"  # published / derived / user (the factor's provenance)
    co2_biogenic_kg: Decimal | None = None  # biogenic CO2, reported apart from CO2e
    toc_id: str | None = None
    hoc_id: str | None = None
    mode: str | None = None
    hub_type: str | None = None
    distance_km: Decimal | None = None
    distance_type: str | None = None
    teu: Decimal | None = None
    prev_tce_ids: tuple[str, ...] = ()
    consignment_id: str | None = None
    origin: str | None = None
    destination: str | None = None
    departure_at: str | None = None
    arrival_at: str | None = None
    scope3_category: str | None = None
    packaging_or_tr_eq_type: str | None = None
    # Fraction applied to the TOC intensity for an actual distance (GLEC v2 planned-distance
    # defaults: -0.05 road, -0.15 sea lanes); 0 where no adjustment applies.
    distance_adjustment: Decimal = Decimal(0)

    @property
    def co2e_wtt_kg(self) -> Decimal:
        return self.co2e_wtw_kg - self.co2e_ttw_kg


@dataclass(frozen=True)
class ShipmentResult:
    """A shipment's footprint: the sum of its TCEs, in chain order (``prev_tce_ids``)."""

    shipment_id: str
    mass_kg: Decimal
    transport_activity_tkm: Decimal
    co2e_wtw_kg: Decimal
    co2e_ttw_kg: Decimal
    nox_kg: Decimal | None
    pm_kg: Decimal | None
    sox_kg: Decimal | None
    primary_data_share: Decimal
    tces: tuple[TCEResult, ...] = field(default_factory=tuple)
    co2_biogenic_kg: Decimal | None = None
    # Shares of WTW CO2e by data source and by factor provenance (ISO 14083 data quality).
    data_source_shares: dict[str, Decimal] = field(default_factory=dict)
    factor_status_shares: dict[str, Decimal] = field(default_factory=dict)

    @property
    def co2e_wtt_kg(self) -> Decimal:
        return self.co2e_wtw_kg - self.co2e_ttw_kg

    # What ``co2e_intensity_wtw_kg_per_tkm`` covers; the hub-inclusive figure is separate.
    intensity_basis = "transport TCEs only (hub emissions excluded)"

    @property
    def co2e_intensity_wtw_kg_per_tkm(self) -> Decimal | None:
        """Transport-only WTW intensity (hub emissions excluded from the numerator)."""
        if not self.transport_activity_tkm:
            return None
        transport = sum((t.co2e_wtw_kg for t in self.tces if t.kind == "transport"), Decimal(0))
        return rounded(transport / self.transport_activity_tkm)

    @property
    def co2e_intensity_wtw_incl_hubs_kg_per_tkm(self) -> Decimal | None:
        """WTW intensity of the whole chain: transport and hub emissions per tkm."""
        if not self.transport_activity_tkm:
            return None
        return rounded(self.co2e_wtw_kg / self.transport_activity_tkm)
