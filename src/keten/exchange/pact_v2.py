"""PACT Data Exchange Protocol v2.3 (the API iLEAP v1.0.0 binds to), mapped from keten's one
canonical ProductFootprint (PACT v3.0, built in :mod:`keten.exchange.pact`).

keten stores and builds every footprint once, as v3; ``/2/footprints``, ``keten footprint
--pact-version 2`` and the dashboard's v2 download all pass it through :func:`to_v2`, so the
two versions can never disagree on a number. Pure functions, no I/O.

Sources (facts, not code):
- PACT Technical Specifications v2.3 OpenAPI (WBCSD ``openapi-v2.yaml``): ProductFootprint
  (``version``, ``productCategoryCpc``), CarbonFootprint (``declaredUnit``,
  ``unitaryProductAmount``, ``pCfExcludingBiogenic``, ``characterizationFactors``,
  ``crossSectoralStandardsUsed``, ``exemptedEmissionsPercent`` as a number), the v2 event
  types ``org.wbcsd.pathfinder.ProductFootprintRequest.Created.v1`` etc., whose RequestCreated
  ``data.pf`` is a ProductFootprint fragment, and ``$filter`` (OData v4 syntax).
- PACT v3.0 OpenAPI ``openapi-v3.yaml`` for the names on the other side
  (``declaredUnitOfMeasurement``, ``declaredUnitAmount``, ``pcfExcludingBiogenicUptake``, ...).
- iLEAP v1.0.0 JSON schema ``pcf-shipment-footprint.json`` (SINE, MIT): what an iLEAP v1
  client validates a v2 ProductFootprint with a ShipmentFootprint extension against.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from keten.errors import ProblemCollector
from keten.exchange import pact

PACT_V2_SPEC_VERSION = "2.3.0"
EVENT_PREFIX_V2 = "org.wbcsd.pathfinder."
REQUEST_CREATED_V2 = "org.wbcsd.pathfinder.ProductFootprintRequest.Created.v1"
REQUEST_FULFILLED_V2 = "org.wbcsd.pathfinder.ProductFootprintRequest.Fulfilled.v1"
REQUEST_REJECTED_V2 = "org.wbcsd.pathfinder.ProductFootprintRequest.Rejected.v1"
PUBLISHED_V2 = "org.wbcsd.pathfinder.ProductFootprint.Published.v1"
EVENT_TYPES_V2 = (REQUEST_CREATED_V2, REQUEST_FULFILLED_V2, REQUEST_REJECTED_V2, PUBLISHED_V2)
#: v3 answer type -> the v2 type with the same meaning.
ANSWER_TYPES_V2 = {
    pact.REQUEST_FULFILLED: REQUEST_FULFILLED_V2,
    pact.REQUEST_REJECTED: REQUEST_REJECTED_V2,
}
#: v2 ``crossSectoralStandardsUsed`` has no ISO 14083 member (a deprecated enum of three);
#: ISO 14083 is named in the v2.3 ``crossSectoralStandards`` list beside it.
V2_CROSS_SECTORAL_STANDARD = "GHG Protocol Product standard"
_CPC_PREFIX = "urn:pact:productclassification:un-cpc:"


def _number(text: Any) -> float:
    try:
        return float(Decimal(str(text)))
    except (InvalidOperation, ValueError):
        return 0.0


def _cpc(footprint: Mapping[str, Any]) -> str:
    for urn in footprint.get("productClassifications") or []:
        if isinstance(urn, str) and urn.lower().startswith(_CPC_PREFIX):
            return urn[len(_CPC_PREFIX) :]
    return pact.CPC_LOGISTICS


_V3_DQRS = ("technologicalDQR", "geographicalDQR", "temporalDQR")


def _dqi_v2(dqi: Mapping[str, Any]) -> dict[str, Any]:
    """PACT v2 DataQualityIndicators (numbers, five DQRs and the coverage) of v3's three
    (Decimal strings); completeness and reliability, which v3 dropped, take the worst of the
    three (the most cautious reading). keten's own documents give all three the same rating."""
    ratings = {name: _number(dqi[name]) for name in _V3_DQRS if dqi.get(name) is not None}
    worst = max(ratings.values(), default=3.0)
    return {
        "coveragePercent": 100,
        "technologicalDQR": ratings.get("technologicalDQR", worst),
        "temporalDQR": ratings.get("temporalDQR", worst),
        "geographicalDQR": ratings.get("geographicalDQR", worst),
        "completenessDQR": worst,
        "reliabilityDQR": worst,
    }


def _pcf_v2(pcf: Mapping[str, Any]) -> dict[str, Any]:
    factors = list(pcf.get("ipccCharacterizationFactors") or ["AR6"])
    out: dict[str, Any] = {
        "declaredUnit": pcf["declaredUnitOfMeasurement"],
        "unitaryProductAmount": pcf["declaredUnitAmount"],
        "pCfExcludingBiogenic": pcf["pcfExcludingBiogenicUptake"],
        "pCfIncludingBiogenic": pcf.get(
            "pcfIncludingBiogenicUptake", pcf["pcfExcludingBiogenicUptake"]
        ),
        "fossilGhgEmissions": pcf["fossilGhgEmissions"],
        "fossilCarbonContent": pcf.get("fossilCarbonContent", "0"),
        "biogenicCarbonContent": pcf.get("biogenicCarbonContent", "0"),
        "characterizationFactors": "AR6" if "AR6" in factors else "AR5",
        "ipccCharacterizationFactorsSources": factors,
        "crossSectoralStandardsUsed": [V2_CROSS_SECTORAL_STANDARD],
        "crossSectoralStandards": list(pcf.get("crossSectoralStandards") or ["ISO14083"]),
        "boundaryProcessesDescription": pcf.get("boundaryProcessesDescription", ""),
        "referencePeriodStart": pcf["referencePeriodStart"],
        "referencePeriodEnd": pcf["referencePeriodEnd"],
        "exemptedEmissionsPercent": _number(pcf.get("exemptedEmissionsPercent", "0")),
        "exemptedEmissionsDescription": pcf.get("exemptedEmissionsDescription", "none exempted"),
        "packagingEmissionsIncluded": bool(pcf.get("packagingEmissionsIncluded", False)),
    }
    for name in ("geographyCountry", "geographyRegionOrSubregion", "geographyCountrySubdivision"):
        if pcf.get(name):
            out[name] = pcf[name]
    if pcf.get("primaryDataShare") is not None:
        out["primaryDataShare"] = _number(pcf["primaryDataShare"])
    if isinstance(pcf.get("dqi"), Mapping):
        out["dqi"] = _dqi_v2(pcf["dqi"])
    mass = pcf.get("productMassPerDeclaredUnit")
    if mass is not None and _number(mass) > 0:
        out["productMassPerDeclaredUnit"] = mass
    return out


def to_v2(footprint: Mapping[str, Any]) -> dict[str, Any]:
    """The PACT v2.3 ProductFootprint of keten's v3 ProductFootprint (same id, numbers and
    iLEAP extension; v2 names and types)."""
    out: dict[str, Any] = {
        "id": footprint["id"],
        "specVersion": PACT_V2_SPEC_VERSION,
        "version": int(footprint.get("version", 1) or 1),
        "created": footprint["created"],
        "status": footprint.get("status", "Active"),
        "companyName": footprint["companyName"],
        "companyIds": list(footprint["companyIds"]),
        "productDescription": footprint.get("productDescription", ""),
        "productIds": list(footprint["productIds"]),
        "productCategoryCpc": _cpc(footprint),
        "productClassifications": list(footprint.get("productClassifications") or []),
        "productNameCompany": footprint["productNameCompany"],
        "comment": footprint.get("comment", ""),
        "pcf": _pcf_v2(footprint["pcf"]),
    }
    for name in ("validityPeriodStart", "validityPeriodEnd", "precedingPfIds", "statusComment"):
        if footprint.get(name):
            out[name] = footprint[name]
    if footprint.get("extensions"):
        out["extensions"] = [dict(e) for e in footprint["extensions"]]
    mass = _ileap_mass_per_declared_unit(footprint.get("extensions") or [])
    if mass is not None:
        out["pcf"]["productMassPerDeclaredUnit"] = mass
    return out


def _ileap_mass_per_declared_unit(extensions: list[Mapping[str, Any]]) -> str | None:
    """``productMassPerDeclaredUnit`` as iLEAP v1.0.0 (which binds to PACT v2) derives it in
    its "PACT Integration" tables: a ShipmentFootprint's "MUST equal the mass of the shipment",
    a TOC's "MUST be set to 1", a HOC's "MUST be set to 1000" (PACT v3 documents keep "0")."""
    for extension in extensions:
        schema = str(extension.get("dataSchema", ""))
        data = extension.get("data") or {}
        if schema == pact.SHIPMENT_FOOTPRINT_SCHEMA and data.get("mass") is not None:
            return str(data["mass"])
        if schema == pact.TOC_SCHEMA:
            return "1"
        if schema == pact.HOC_SCHEMA:
            return "1000"
    return None


# ---------------------------------------------------------------- $filter (OData v4 subset)

_COMPARISON = re.compile(
    r"^\s*(?P<field>[A-Za-z]+(?:/[A-Za-z]+)?)\s+(?P<op>eq|ne|gt|ge|lt|le)\s+'(?P<value>[^']*)'\s*$"
)
_ANY = re.compile(
    r"^\s*(?P<field>productIds|companyIds|productClassifications)/any\(\s*(?P<var>\w+)\s*:\s*"
    r"\(?\s*(?P=var)\s+eq\s+'(?P<value>[^']*)'\s*\)?\s*\)\s*$"
)
#: Fields ``$filter`` may compare, as a path in the v2 ProductFootprint.
FILTER_FIELDS = {
    "id": ("id",),
    "created": ("created",),
    "updated": ("updated",),
    "status": ("status",),
    "companyName": ("companyName",),
    "productCategoryCpc": ("productCategoryCpc",),
    "productNameCompany": ("productNameCompany",),
    "validityPeriodStart": ("validityPeriodStart",),
    "validityPeriodEnd": ("validityPeriodEnd",),
    "pcf/declaredUnit": ("pcf", "declaredUnit"),
    "pcf/geographyCountry": ("pcf", "geographyCountry"),
    "pcf/geographyRegionOrSubregion": ("pcf", "geographyRegionOrSubregion"),
    "pcf/geographyCountrySubdivision": ("pcf", "geographyCountrySubdivision"),
    "pcf/referencePeriodStart": ("pcf", "referencePeriodStart"),
    "pcf/referencePeriodEnd": ("pcf", "referencePeriodEnd"),
}
_DATE_FIELDS = {
    "created",
    "updated",
    "validityPeriodStart",
    "validityPeriodEnd",
    "pcf/referencePeriodStart",
    "pcf/referencePeriodEnd",
}

Condition = tuple[str, str, str]  # (field or "<list>/any", operator, value)


def parse_odata_filter(text: str) -> list[Condition]:
    """Parse the ``$filter`` subset keten supports: comparisons (``eq ne gt ge lt le``) on
    the fields of :data:`FILTER_FIELDS` and ``productIds|companyIds|productClassifications/
    any(x:(x eq '...'))``, joined by ``and``. ``ValidationError`` names what is not."""
    problems = ProblemCollector(file="query")
    conditions: list[Condition] = []
    for part in re.split(r"\s+and\s+", text.strip()):
        any_match = _ANY.match(part)
        if any_match:
            conditions.append((f"{any_match['field']}/any", "eq", any_match["value"]))
            continue
        match = _COMPARISON.match(part)
        if match is None or match["field"] not in FILTER_FIELDS:
            problems.add(
                f"unsupported $filter expression '{part.strip()}' (supported: comparisons on "
                f"{', '.join(sorted(FILTER_FIELDS))}; productIds/any(...); joined by 'and')",
                column="$filter",
            )
            continue
        if match["field"] in _DATE_FIELDS:
            try:
                pact.parse_datetime_utc(match["value"])
            except ValueError:
                problems.add(f"'{match['value']}' is not a date-time", column="$filter")
                continue
        conditions.append((match["field"], match["op"], match["value"]))
    problems.raise_if_any("invalid $filter")
    return conditions


def _compare(have: Any, op: str, value: str, is_date: bool) -> bool:
    if have is None:
        return op == "ne"
    left: Any = str(have)
    right: Any = value
    if is_date:
        try:
            left, right = pact.parse_datetime_utc(left), pact.parse_datetime_utc(value)
        except ValueError:
            return False
    else:
        left, right = left.lower(), right.lower()
    return {
        "eq": left == right,
        "ne": left != right,
        "gt": left > right,
        "ge": left >= right,
        "lt": left < right,
        "le": left <= right,
    }[op]


def matches_odata(footprint_v2: Mapping[str, Any], conditions: list[Condition]) -> bool:
    """True if a v2 ProductFootprint satisfies every parsed ``$filter`` condition."""
    for name, op, value in conditions:
        if name.endswith("/any"):
            values = footprint_v2.get(name[: -len("/any")]) or []
            if value.lower() not in {str(v).lower() for v in values}:
                return False
            continue
        have: Any = footprint_v2
        for key in FILTER_FIELDS[name]:
            have = have.get(key) if isinstance(have, Mapping) else None
        if not _compare(have, op, value, name in _DATE_FIELDS):
            return False
    return True


# ---------------------------------------------------------------- events


def fragment_filter(fragment: Any) -> pact.FootprintFilter:
    """The v3 filter equivalent to a v2 RequestCreated ``data.pf`` ProductFootprint fragment
    (productIds, companyIds, productCategoryCpc, pcf geography; other properties are not
    criteria keten can match and are ignored)."""
    if not isinstance(fragment, Mapping):
        return pact.FootprintFilter()
    criteria: dict[str, Any] = {}
    for name, target in (("productIds", "productId"), ("companyIds", "companyId")):
        if isinstance(fragment.get(name), list):
            criteria[target] = [str(v) for v in fragment[name]]
    if isinstance(fragment.get("productCategoryCpc"), str):
        criteria["classification"] = [_CPC_PREFIX + fragment["productCategoryCpc"]]
    pcf = fragment.get("pcf")
    if isinstance(pcf, Mapping):
        geos = [
            pcf[g]
            for g in ("geographyCountry", "geographyRegionOrSubregion")
            if isinstance(pcf.get(g), str)
        ]
        if geos:
            criteria["geography"] = geos
    return pact.parse_filter(criteria, source="event.data.pf")


def validate_event_v2(event: Any) -> dict[str, Any]:
    """Check a PACT v2 CloudEvent; raise ``ValidationError`` listing every problem."""
    problems = ProblemCollector(file="event")
    event, data = pact.event_envelope(event, problems)
    kind = event.get("type")
    if isinstance(kind, str) and kind not in EVENT_TYPES_V2:
        problems.add(f"unknown PACT v2 event type '{kind}'", column="type")
    if kind == PUBLISHED_V2:
        pact.published_problems(data, problems)
    elif kind == REQUEST_CREATED_V2:
        if not isinstance(data.get("pf"), dict):
            problems.add("required, a ProductFootprint fragment object", column="data.pf")
    elif kind in (REQUEST_FULFILLED_V2, REQUEST_REJECTED_V2):
        pact.answer_problems(data, kind == REQUEST_FULFILLED_V2, problems, pfs_required=False)
    problems.raise_if_any("invalid event")
    return event


def is_v2_event_type(kind: Any) -> bool:
    return isinstance(kind, str) and kind.startswith(EVENT_PREFIX_V2)
