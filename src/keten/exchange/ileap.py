"""iLEAP v1.0.0 data models from keten's results: ShipmentFootprint (with its TCEs), TOC and
HOC, and the PACT ProductFootprints that carry them.

The one place keten maps to and from iLEAP (keep additions here, e.g. data-quality or biogenic
fields, so every writer gets them). iLEAP (Smart Freight Centre & SINE Foundation) carries
ISO 14083 results between partners as a PACT DataModelExtension. Field names follow the iLEAP
JSON schemas; every number is a decimal string.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from keten.emissions.results import ShipmentResult, TCEResult
from keten.exchange.decimals import decimal_str
from keten.model.enums import HubType, Mode


def _tce(t: TCEResult) -> dict[str, Any]:
    distance: dict[str, str] = {}
    if t.kind == "hub" or t.distance_km is None:
        distance["actual"] = "0"
    else:
        key = {"actual": "actual", "sfd": "sfd", "gcd": "gcd"}.get(t.distance_type or "", "actual")
        distance[key] = decimal_str(t.distance_km)
    out: dict[str, Any] = {
        "tceId": t.tce_id,
        "shipmentId": t.shipment_id,
        "mass": decimal_str(t.mass_kg),
        "distance": distance,
        "transportActivity": decimal_str(t.transport_activity_tkm),
        "co2eWTW": decimal_str(t.co2e_wtw_kg),
        "co2eTTW": decimal_str(t.co2e_ttw_kg),
    }
    if t.prev_tce_ids:
        out["prevTceIds"] = list(t.prev_tce_ids)
    if t.toc_id:
        out["tocId"] = t.toc_id
    if t.hoc_id:
        out["hocId"] = t.hoc_id
    if t.consignment_id:
        out["consignmentId"] = t.consignment_id
    if t.teu is not None:
        out["packagingOrTrEqType"] = "Container-TEU"
        out["packagingOrTrEqAmount"] = decimal_str(t.teu)
    for field_name, value in (("departureAt", t.departure_at), ("arrivalAt", t.arrival_at)):
        if value:
            out[field_name] = value
    for name, amount in (("noxTTW", t.nox_kg), ("pmTTW", t.pm_kg), ("soxTTW", t.sox_kg)):
        if amount is not None:
            out[name] = decimal_str(amount)
    return out


def shipment_footprint(s: ShipmentResult) -> dict[str, Any]:
    """One iLEAP ShipmentFootprint (mass in kg, transport activity in tkm, CO2e in kg)."""
    return {
        "shipmentId": s.shipment_id,
        "mass": decimal_str(s.mass_kg),
        "tces": [_tce(t) for t in s.tces],
    }


def shipment_footprints(result: Any) -> list[dict[str, Any]]:
    """iLEAP ShipmentFootprints of a FootprintResult (or any object with ``.shipments``)."""
    return [shipment_footprint(s) for s in result.shipments]


# Data quality rating per TCE from where its intensity came from (PACT Methodology Table 9
# scores 1 best .. 3 worst): primary or modelled operator data 1 / 1.5, a published default
# 2, a keten-derived default 3. The WTW-weighted rating fills every PACT v2 DQR.
_DQR = {"primary": Decimal(1), "modelled": Decimal("1.5")}
_DQR_DEFAULT = {"published": Decimal(2), "derived": Decimal(3)}


def _rating(data_source: str, factor_status: str) -> Decimal:
    return _DQR.get(data_source, _DQR_DEFAULT.get(factor_status, Decimal(3)))


def data_quality_rating(s: ShipmentResult) -> Decimal:
    """The WTW-weighted rating of a shipment's TCEs (2 for a shipment without emissions)."""
    total = sum((t.co2e_wtw_kg for t in s.tces), Decimal(0))
    if total <= 0:
        return Decimal(2)
    weighted = sum(
        (t.co2e_wtw_kg * _rating(t.data_source, t.factor_status) for t in s.tces), Decimal(0)
    )
    return weighted / total


def shipment_data_quality(s: ShipmentResult) -> dict[str, Any]:
    """What a shipment's PACT documents need of its data sources, kept by the store at import
    (``shipments.data_quality``) so that the host serves what ``keten footprint`` writes: the
    rating (one decimal), biogenic CO2, and the WTW shares by data source and factor status."""
    return {
        "dataQualityRating": decimal_str(data_quality_rating(s), Decimal("0.1")),
        "co2BiogenicKg": decimal_str(s.co2_biogenic_kg or Decimal(0)),
        "dataSourceShares": {k: decimal_str(v) for k, v in s.data_source_shares.items()},
        "factorStatusShares": {k: decimal_str(v) for k, v in s.factor_status_shares.items()},
    }


def v2_document(
    v3_document: Mapping[str, Any], quality: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The PACT v2.3 document of a v3 one (:func:`keten.exchange.pact_v2.to_v2`, which maps the
    data quality) with biogenic CO2 from ``quality`` (:func:`shipment_data_quality`):
    pCfIncludingBiogenic = WTW CO2e + biogenic CO2 of combustion where there is any, so an HVO
    or biomethane shipment is not reported as if it were only fossil."""
    from keten.exchange import pact_v2

    doc = pact_v2.to_v2(v3_document)
    bio = Decimal(str((quality or {}).get("co2BiogenicKg") or 0))
    if bio > 0:
        pcf = doc["pcf"]
        pcf["pCfIncludingBiogenic"] = decimal_str(Decimal(pcf["pCfExcludingBiogenic"]) + bio)
    return doc


def product_footprints(
    result: Any,
    company_name: str,
    company_urns: Sequence[str],
    company_id: str,
    pact_version: int = 3,
    created: datetime | None = None,
    footprint_id_key: bytes | None = None,
) -> list[dict[str, Any]]:
    """The PACT ProductFootprints (v3, or v2.3 with ``pact_version=2``) of a FootprintResult,
    each carrying its iLEAP ShipmentFootprint. The same builder as the host's
    (:func:`keten.exchange.pact.shipment_product_footprint` with
    :func:`keten.exchange.pact.shipment_context`, :func:`shipment_data_quality` and
    :func:`v2_document`), so a file written by ``keten footprint``, a dashboard download and
    ``/2|3/footprints`` agree for the same data (ids are the same per company and shipment,
    keyed by the company's secret ``footprint_id_key`` when it is a company of the store;
    only ``created`` is the moment of writing)."""
    from keten.exchange import pact

    if pact_version not in (2, 3):
        raise ValueError("pact_version must be 2 or 3")
    moment = (created or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None, microsecond=0)
    out = []
    for s in result.shipments:
        sf = shipment_footprint(s)
        quality = shipment_data_quality(s)
        ctx = pact.shipment_context(
            company_name,
            company_urns,
            sf,
            moment,
            primary_data_share_pct=s.primary_data_share * 100,
            footprint_id_key=footprint_id_key,
            data_quality_rating=quality["dataQualityRating"],
        )
        doc = pact.shipment_product_footprint(sf, company_id, ctx)
        out.append(v2_document(doc, quality) if pact_version == 2 else doc)
    return out


# ---------------------------------------------------------------- TOC / HOC (iLEAP DT#2)
#
# A carrier shares its TOC and HOC intensities (``keten toc`` / ``keten hoc`` files) as iLEAP
# TOC and HOC data models; a customer turns the ones it received back into keten TOC/HOC
# files for ``keten footprint --tocs/--hocs``. Intensities travel unchanged (kg CO2e per tkm
# or TEU-km, per tonne or TEU). An energy carrier's emissionFactorWTW/TTW is the fuel
# emission factor "with unit kgCO2e / energy consumption unit (energyConsumptionUnit)"
# (iLEAP Technical Specifications v1.0.0, 2025-05-27, EnergyCarrier), so keten writes its
# factor per the carrier's own unit (kg CO2e per l, kg or kWh) and names that unit in
# energyConsumptionUnit (one of l, kg, kWh, MJ); it describes the intensity and is not used to
# recompute it.

TOC_ACTIVITY_UNITS = {"tkm": "tkm", "TEUkm": "TEUkm"}
HOC_ACTIVITY_UNITS = {"t": "tonnes", "TEU": "TEU"}
KETEN_TOC_UNITS = {"tkm": "kgCO2e/tkm", "TEUkm": "kgCO2e/TEUkm"}
KETEN_HOC_UNITS = {"tonnes": "kgCO2e/t", "TEU": "kgCO2e/TEU"}
#: iLEAP v1.0.0 EnergyConsumptionUnit values (l, kg, kWh, MJ).
ENERGY_CONSUMPTION_UNITS = ("l", "kg", "kWh", "MJ")


def _energy_carriers(spec: str, fs: Any) -> list[dict[str, Any]]:
    from keten.factors.blend import energy_per_unit_mj, resolve_blend

    out = []
    for part in resolve_blend(spec, fs.energy_carriers):
        carrier = part.carrier
        wtw, ttw, unit = carrier.wtw_kgco2e_per_unit, carrier.ttw_kgco2e_per_unit, carrier.unit
        if unit not in ENERGY_CONSUMPTION_UNITS:  # a unit iLEAP lacks: per MJ of the carrier
            mj = energy_per_unit_mj(carrier)
            if not mj:
                raise ValueError(f"energy carrier '{carrier.carrier_id}': no MJ per {unit}")
            wtw, ttw, unit = wtw / mj, ttw / mj, "MJ"
        item: dict[str, Any] = {
            "energyCarrier": carrier.ileap_energy_carrier,
            "relativeShare": decimal_str(part.share),
            "energyConsumptionUnit": unit,
            "emissionFactorWTW": decimal_str(wtw),
            "emissionFactorTTW": decimal_str(ttw),
        }
        if carrier.ileap_feedstock:
            item["feedstocks"] = [{"feedstock": carrier.ileap_feedstock}]
        out.append(item)
    return out


def toc_data(toc: Any, fs: Any) -> dict[str, Any]:
    """An iLEAP TOC (valid against ``toc.json``) of a keten TOC record."""
    out: dict[str, Any] = {
        "tocId": toc.toc_id,
        "certifications": ["ISO14083:2023", "GLECv3.1"],
        "description": toc.description or f"TOC {toc.toc_id}",
        "mode": toc.mode.ileap,
        "temperatureControl": toc.temperature_control.value,
        "energyCarriers": _energy_carriers(toc.energy_carrier, fs),
        "co2eIntensityWTW": decimal_str(toc.co2e_wtw_kg_per_unit),
        "co2eIntensityTTW": decimal_str(toc.co2e_ttw_kg_per_unit),
        "transportActivityUnit": TOC_ACTIVITY_UNITS[toc.activity_unit.value],
    }
    if toc.load_factor is not None:
        out["loadFactor"] = decimal_str(toc.load_factor)
    if toc.empty_distance_factor is not None:
        out["emptyDistanceFactor"] = decimal_str(toc.empty_distance_factor)
    return out


def hoc_data(hoc: Any, fs: Any) -> dict[str, Any]:
    """An iLEAP HOC (valid against ``hoc.json``) of a keten HOC record."""
    return {
        "hocId": hoc.hoc_id,
        "certifications": ["ISO14083:2023", "GLECv3.1"],
        "description": hoc.description or f"HOC {hoc.hoc_id}",
        "hubType": hoc.hub_type.ileap,
        "temperatureControl": hoc.temperature_control.value,
        "energyCarriers": _energy_carriers(hoc.energy_carrier, fs),
        "co2eIntensityWTW": decimal_str(hoc.co2e_wtw_kg_per_unit),
        "co2eIntensityTTW": decimal_str(hoc.co2e_ttw_kg_per_unit),
        "hubActivityUnit": HOC_ACTIVITY_UNITS[hoc.activity_unit.value],
    }


def _keten_value(enum: Any, ileap_value: str, what: str) -> str:
    """keten's value of the enum member whose ``.ileap`` name is ``ileap_value``."""
    for member in enum:
        if member.ileap == ileap_value:
            return str(member.value)
    raise ValueError(f"unknown iLEAP {what} '{ileap_value}'")


def toc_file_row(toc: Any, provenance: str) -> dict[str, str]:
    """A row of a keten TOC file (``keten footprint --tocs``) from a received iLEAP TOC;
    ``data_source`` is ``primary`` (the carrier's own figures, ISO 14083 Annex)."""
    return {
        "toc_id": str(toc["tocId"]),
        "mode": _keten_value(Mode, str(toc["mode"]), "mode"),
        "co2e_intensity_wtw": str(toc["co2eIntensityWTW"]),
        "co2e_intensity_ttw": str(toc["co2eIntensityTTW"]),
        "intensity_unit": KETEN_TOC_UNITS[str(toc["transportActivityUnit"])],
        "data_source": "primary",
        "description": f"{toc.get('description') or toc['tocId']} ({provenance})",
    }


def hoc_file_row(hoc: Any, provenance: str) -> dict[str, str]:
    """A row of a keten HOC file from a received iLEAP HOC."""
    return {
        "hoc_id": str(hoc["hocId"]),
        "hub_type": _keten_value(HubType, str(hoc["hubType"]), "hubType"),
        "co2e_intensity_wtw": str(hoc["co2eIntensityWTW"]),
        "co2e_intensity_ttw": str(hoc["co2eIntensityTTW"]),
        "intensity_unit": KETEN_HOC_UNITS[str(hoc["hubActivityUnit"])],
        "data_source": "primary",
        "description": f"{hoc.get('description') or hoc['hocId']} ({provenance})",
    }
