"""Demo data for ``keten serve --demo``: a small Rotterdam-hinterland chain served over PACT.

The numbers are illustrative (consistent: tkm = t x km, CO2e = tkm x intensity), not factors
to report with; real footprints come from ``keten footprint`` and ``import_footprints``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from keten.exchange.pact import decimal_str
from keten.services import companies, exchange
from keten.store import Store
from keten.store import repository as repo

DEMO_COMPANY = "keten-demo"
DEMO_YEAR = 2025

# shipment, tce, mode, tocId, origin (city, country, locode), destination, km, mass kg,
# WTW and TTW intensity kgCO2e/tkm (illustrative), departure, arrival
_LEGS: list[tuple[Any, ...]] = [
    (
        "SHP-001",
        "TCE-001-1",
        "Rail",
        "rail-electric",
        ("Rotterdam", "NL", "NLRTM"),
        ("Duisburg", "DE", "DEDUI"),
        "208",
        "18000",
        "0.0178",
        "0",
        "2025-03-03T06:00:00Z",
        "2025-03-03T14:00:00Z",
    ),
    (
        "SHP-001",
        "TCE-001-2",
        "Road",
        "road-truck-diesel",
        ("Duisburg", "DE", "DEDUI"),
        ("Dortmund", "DE", None),
        "62",
        "18000",
        "0.0751",
        "0.0602",
        "2025-03-03T16:00:00Z",
        "2025-03-03T18:00:00Z",
    ),
    (
        "SHP-002",
        "TCE-002-1",
        "InlandWaterway",
        "iww-container-barge",
        ("Rotterdam", "NL", "NLRTM"),
        ("Nijmegen", "NL", "NLNIM"),
        "120",
        "240000",
        "0.0312",
        "0.0262",
        "2025-05-12T08:00:00Z",
        "2025-05-13T02:00:00Z",
    ),
    (
        "SHP-003",
        "TCE-003-1",
        "Road",
        "road-truck-diesel",
        ("Venlo", "NL", "NLVEN"),
        ("Amsterdam", "NL", "NLAMS"),
        "180",
        "12000",
        "0.0751",
        "0.0602",
        "2025-09-01T05:00:00Z",
        "2025-09-01T09:00:00Z",
    ),
]


def _location(place: tuple[str, str, str | None]) -> dict[str, Any]:
    city, country, locode = place
    out: dict[str, Any] = {"city": city, "country": country}
    if locode:
        out["locode"] = locode
    return out


def demo_shipment_footprints() -> list[dict[str, Any]]:
    """iLEAP ShipmentFootprints of the demo chain (valid against shipment-footprint.json)."""
    shipments: dict[str, dict[str, Any]] = {}
    for sid, tce_id, _mode, toc, origin, dest, km, mass, wtw, ttw, dep, arr in _LEGS:
        tkm = Decimal(mass) / 1000 * Decimal(km)
        sf = shipments.setdefault(sid, {"shipmentId": sid, "mass": mass, "tces": []})
        tce = {
            "tceId": tce_id,
            "tocId": toc,
            "shipmentId": sid,
            "mass": mass,
            "distance": {"actual": km},
            "origin": _location(origin),
            "destination": _location(dest),
            "transportActivity": decimal_str(tkm),
            "departureAt": dep,
            "arrivalAt": arr,
            "co2eWTW": decimal_str(tkm * Decimal(wtw)),
            "co2eTTW": decimal_str(tkm * Decimal(ttw)),
        }
        if sf["tces"]:
            tce["prevTceIds"] = [sf["tces"][-1]["tceId"]]
        sf["tces"].append(tce)
    return list(shipments.values())


def demo_tads() -> list[dict[str, Any]]:
    """iLEAP transport activity data for the same legs (valid against tad.json)."""
    return [
        {
            "activityId": f"TAD-{tce_id}",
            "consignmentIds": [sid],
            "distance": {"actual": km},
            "mass": mass,
            "origin": _location(origin),
            "destination": _location(dest),
            "departureAt": dep,
            "arrivalAt": arr,
            "mode": mode,
        }
        for sid, tce_id, mode, _toc, origin, dest, km, mass, _w, _t, dep, arr in _LEGS
    ]


def demo_tocs() -> list[dict[str, Any]]:
    """The iLEAP TOCs (valid against toc.json) of every ``tocId`` the demo legs name, with the
    legs' intensities, so that each one resolves on the host (iLEAP v1.0.0 Test Case 002)."""
    return [
        {
            "tocId": "rail-electric",
            "mode": "Rail",
            "energyCarriers": [
                {
                    "energyCarrier": "Electric",
                    "energyConsumptionUnit": "kWh",  # kg CO2e per kWh, the demo grid mix
                    "emissionFactorWTW": "0.328",
                    "emissionFactorTTW": "0",
                    "relativeShare": "1",
                }
            ],
            "co2eIntensityWTW": "0.0178",
            "co2eIntensityTTW": "0",
            "transportActivityUnit": "tkm",
        },
        {
            "tocId": "iww-container-barge",
            "mode": "InlandWaterway",
            "energyCarriers": [
                {
                    "energyCarrier": "Diesel",
                    "energyConsumptionUnit": "l",
                    "emissionFactorWTW": "3.17",
                    "emissionFactorTTW": "2.54",
                    "relativeShare": "1",
                }
            ],
            "co2eIntensityWTW": "0.0312",
            "co2eIntensityTTW": "0.0262",
            "transportActivityUnit": "tkm",
        },
        {
            "tocId": "road-truck-diesel",
            "mode": "Road",
            "energyCarriers": [
                {
                    "energyCarrier": "Diesel",
                    "energyConsumptionUnit": "l",  # factors in kg CO2e per litre (iLEAP v1.0.0)
                    "emissionFactorWTW": "3.17",
                    "emissionFactorTTW": "2.54",
                    "relativeShare": "1",
                }
            ],
            "co2eIntensityWTW": "0.0751",
            "co2eIntensityTTW": "0.0602",
            "transportActivityUnit": "tkm",
        }
    ]


def demo_hocs() -> list[dict[str, Any]]:
    """One iLEAP HOC (valid against hoc.json)."""
    return [
        {
            "hocId": "nlrtm-container-terminal",
            "hubType": "MaritimeContainerTerminal",
            "energyCarriers": [
                {
                    "energyCarrier": "Electric",
                    "energyConsumptionUnit": "kWh",  # kg CO2e per kWh
                    "emissionFactorWTW": "0.328",
                    "emissionFactorTTW": "0",
                    "relativeShare": "1",
                }
            ],
            "co2eIntensityWTW": "1.9",
            "co2eIntensityTTW": "0.4",
            "hubActivityUnit": "tonnes",
        }
    ]


def load_demo(store: Store, company_id: str = DEMO_COMPANY) -> exchange.ImportSummary:
    """Create the demo company if needed and (re)load the demo data; idempotent."""
    with store.transaction() as session:
        exists = repo.get_company(session, company_id) is not None
    if not exists:
        companies.add_company(
            store, "keten demo logistics", company_id, [f"urn:keten:company:{company_id}"]
        )
    summary = exchange.import_footprints(
        store,
        company_id,
        demo_shipment_footprints(),
        scope3_category=exchange.SCOPE3_UPSTREAM,
        tads=demo_tads(),
        primary_data_share_pct=100.0,
        source="demo",
    )
    exchange.import_intensities(
        store, company_id, demo_tocs(), demo_hocs(), reference_year=DEMO_YEAR
    )
    return summary
