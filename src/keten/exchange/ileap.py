"""iLEAP v1.0.0 ShipmentFootprints, and their PACT ProductFootprint wrapping.

iLEAP (Smart Freight Centre & SINE Foundation) carries ISO 14083 results between partners as a
PACT DataModelExtension. Field names follow the iLEAP JSON schemas; every number is a decimal
string.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from keten.emissions.results import ShipmentResult, TCEResult
from keten.exchange.decimals import decimal_str

ILEAP_SHIPMENT_SCHEMA = "https://api.ileap.sine.dev/shipment-footprint.json"
ILEAP_SPEC_VERSION = "1.0.0"
PACT_SPEC_VERSION = "2.2.0"
TRANSPORT_SERVICES_CPC = "83117"  # UN CPC 83117: freight transport arrangement services
KETEN_NAMESPACE = uuid.UUID("5f0c2a4e-8a43-4c53-9a55-6b6574656e00")


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


def _period(s: ShipmentResult, now: datetime) -> tuple[str, str]:
    starts = sorted(t.departure_at for t in s.tces if t.departure_at)
    ends = sorted(t.arrival_at for t in s.tces if t.arrival_at)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    start = starts[0] if starts else day.isoformat().replace("+00:00", "Z")
    end = ends[-1] if ends else now.isoformat().replace("+00:00", "Z")
    return start, end


def footprint_id(company_ids: Sequence[str], shipment_id: str, factor_set: str) -> str:
    """Stable id: the same shipment, company and factor set always get the same PfId."""
    return str(uuid.uuid5(KETEN_NAMESPACE, "|".join([*company_ids, shipment_id, factor_set])))


def product_footprint_v2(
    s: ShipmentResult,
    company_name: str,
    company_ids: Sequence[str],
    factor_set: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A PACT ProductFootprint carrying the ShipmentFootprint as iLEAP extension.

    declaredUnit is ``ton kilometer`` and unitaryProductAmount the shipment's tkm;
    pCfExcludingBiogenic = fossilGhgEmissions = the shipment's CO2e WTW in kg (as iLEAP's
    technical specification maps a ShipmentFootprint to a ProductFootprint).
    """
    now = now or datetime.now(UTC)
    start, end = _period(s, now)
    wtw = decimal_str(s.co2e_wtw_kg)
    tkm = s.transport_activity_tkm if s.transport_activity_tkm > 0 else Decimal("0.000001")
    return {
        "id": footprint_id(company_ids, s.shipment_id, factor_set),
        "specVersion": PACT_SPEC_VERSION,
        "version": 1,
        "created": now.isoformat().replace("+00:00", "Z"),
        "status": "Active",
        "companyName": company_name,
        "companyIds": list(company_ids),
        "productDescription": f"Freight transport of shipment {s.shipment_id} (ISO 14083)",
        "productIds": [
            f"urn:pathfinder:product:customcode:vendor-assigned:shipment:{s.shipment_id}"
        ],
        "productCategoryCpc": TRANSPORT_SERVICES_CPC,
        "productNameCompany": f"Shipment {s.shipment_id}",
        "comment": f"Computed by keten with factor set {factor_set}; ISO 14083:2023, GLEC v3.1",
        "pcf": {
            "declaredUnit": "ton kilometer",
            "unitaryProductAmount": decimal_str(tkm),
            "pCfExcludingBiogenic": wtw,
            "fossilGhgEmissions": wtw,
            "fossilCarbonContent": "0",
            "biogenicCarbonContent": "0",
            "characterizationFactors": "AR6",
            "ipccCharacterizationFactorsSources": ["AR6"],
            "crossSectoralStandardsUsed": ["GHG Protocol Product standard"],
            "boundaryProcessesDescription": "Well-to-wheel transport and hub operations "
            "(ISO 14083:2023)",
            "referencePeriodStart": start,
            "referencePeriodEnd": end,
            "exemptedEmissionsPercent": 0,
            "exemptedEmissionsDescription": "",
            "packagingEmissionsIncluded": False,
            "primaryDataShare": float(decimal_str(s.primary_data_share * 100, Decimal("0.01"))),
            "dqi": data_quality_indicators(s),
            **_biogenic(s),
        },
        "extensions": [
            {
                "specVersion": ILEAP_SPEC_VERSION,
                "dataSchema": ILEAP_SHIPMENT_SCHEMA,
                "data": shipment_footprint(s),
            }
        ],
    }


# Data quality rating per TCE from where its intensity came from (PACT Methodology Table 9
# scores 1 best .. 3 worst): primary or modelled operator data 1 / 1.5, a published default
# 2, a keten-derived default 3. The WTW-weighted rating fills every PACT v2 DQR.
_DQR = {"primary": Decimal(1), "modelled": Decimal("1.5")}
_DQR_DEFAULT = {"published": Decimal(2), "derived": Decimal(3)}


def _rating(data_source: str, factor_status: str) -> Decimal:
    return _DQR.get(data_source, _DQR_DEFAULT.get(factor_status, Decimal(3)))


def data_quality_indicators(s: ShipmentResult) -> dict[str, Any]:
    """PACT v2 DataQualityIndicators from the TCEs' data source and factor status."""
    total = sum((t.co2e_wtw_kg for t in s.tces), Decimal(0))
    rating = Decimal(2)
    if total > 0:
        rating = sum(
            (
                t.co2e_wtw_kg * _rating(t.data_source, t.factor_status)
                for t in s.tces
            ),
            Decimal(0),
        ) / total
    value = float(decimal_str(rating, Decimal("0.1")))
    return {
        "coveragePercent": 100,
        **{
            k: value
            for k in (
                "technologicalDQR",
                "temporalDQR",
                "geographicalDQR",
                "completenessDQR",
                "reliabilityDQR",
            )
        },
    }


def _biogenic(s: ShipmentResult) -> dict[str, str]:
    """pCfIncludingBiogenic = WTW CO2e + biogenic CO2 of combustion, where there is any (an
    HVO or biomethane shipment is then not reported as if it were only fossil)."""
    bio = s.co2_biogenic_kg or Decimal(0)
    return {"pCfIncludingBiogenic": decimal_str(s.co2e_wtw_kg + bio)} if bio > 0 else {}


def product_footprints_v2(
    result: Any,
    company_name: str = "keten user",
    company_ids: Sequence[str] = ("urn:keten:company:local",),
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    return [
        product_footprint_v2(s, company_name, company_ids, result.factor_set, now)
        for s in result.shipments
    ]
