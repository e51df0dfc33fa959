"""Energy-carrier blends and the energy use behind an intensity.

A blend is written ``carrier:share;carrier:share`` with shares by energy content (MJ) that
sum to 1, e.g. ``diesel_eu:0.7;hvo_eu:0.3`` (iLEAP EnergyCarrier.relativeShare).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from keten.errors import FactorNotFoundError, KetenError
from keten.factors.records import EnergyCarrierFactor

# Carriers with no tank-to-wheel combustion: no TTW CO2e and no TTW NOx, PM or SOx
# (ISO 14083 5.2.3: electricity and hydrogen in fuel cells are zero-emission at the vehicle).
ZERO_TTW_FAMILIES = frozenset({"electricity", "hydrogen"})

MJ_PER_KWH = Decimal("3.6")


@dataclass(frozen=True)
class BlendPart:
    carrier: EnergyCarrierFactor
    share: Decimal


def parse_blend(spec: str) -> list[tuple[str, Decimal]]:
    """Split ``a:0.7;b:0.3`` (or a single id) into (carrier_id, energy share) pairs."""
    spec = spec.strip()
    if not spec:
        raise KetenError("empty energy carrier")
    if ":" not in spec:
        return [(spec, Decimal(1))]
    parts: list[tuple[str, Decimal]] = []
    for chunk in spec.split(";"):
        name, _, share = chunk.partition(":")
        try:
            value = Decimal(share.strip())
        except ArithmeticError as exc:
            raise KetenError(f"blend share '{share}' in '{spec}' is not a number") from exc
        if value <= 0 or value > 1:
            raise KetenError(f"blend share {value} in '{spec}' must be in (0, 1]")
        parts.append((name.strip(), value))
    total = sum((s for _, s in parts), Decimal(0))
    if abs(total - 1) > Decimal("0.001"):
        raise KetenError(f"blend shares in '{spec}' add up to {total}, not 1")
    return parts


def energy_per_unit_mj(carrier: EnergyCarrierFactor) -> Decimal | None:
    if carrier.unit == "kWh":
        return MJ_PER_KWH
    return carrier.lhv_mj_per_unit


def resolve_blend(spec: str, carriers: dict[str, EnergyCarrierFactor]) -> list[BlendPart]:
    out = []
    for carrier_id, share in parse_blend(spec):
        if carrier_id not in carriers:
            raise FactorNotFoundError(f"unknown energy carrier '{carrier_id}'")
        out.append(BlendPart(carriers[carrier_id], share))
    return out


def energy_intensity_mj(
    parts: list[BlendPart], co2e_ttw_per_activity: Decimal, co2e_wtw_per_activity: Decimal
) -> Decimal | None:
    """MJ of energy per activity unit implied by an intensity and the blend's factors."""
    ttw_per_mj = Decimal(0)
    wtw_per_mj = Decimal(0)
    for part in parts:
        mj = energy_per_unit_mj(part.carrier)
        if not mj:
            return None
        ttw_per_mj += part.share * part.carrier.ttw_kgco2e_per_unit / mj
        wtw_per_mj += part.share * part.carrier.wtw_kgco2e_per_unit / mj
    # WTW first: a biofuel's TTW is (near) zero by convention and says little about energy.
    if wtw_per_mj > 0 and co2e_wtw_per_activity > 0:
        return co2e_wtw_per_activity / wtw_per_mj
    if ttw_per_mj > 0:
        return co2e_ttw_per_activity / ttw_per_mj
    return None
