"""What keten reads from a partner's ProductFootprint (PACT v2 or v3, iLEAP or not): its kind,
figures for reporting, a content hash for provenance, and an attached Carbon Added bundle.

Pure functions. The footprint itself is kept exactly as received; these figures only index it.

- PACT v3 ``pcfExcludingBiogenicUptake`` / v2 ``pCfExcludingBiogenic`` is the footprint of
  ``declaredUnitAmount`` / ``unitaryProductAmount`` declared units; iLEAP v1.0.0 ("PCF
  mapping") sets it to the shipment's summed TCE ``co2eWTW`` (kg) over its summed
  ``transportActivity`` (tkm), so for a ShipmentFootprint it is the shipment's WTW total.
- A TOC or HOC footprint carries an intensity (per 1 tkm, per tonne), not emissions: it is
  stored and can be used in ``keten footprint``, but is never added to a scope 3 total.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from keten.exchange import pact

#: ``dataSchema`` of keten's DataModelExtension carrying a signed Carbon Added chain bundle
#: (format ``keten.exchange.chain``) beside a footprint. A URN: no public schema file exists.
CARBON_ADDED_BUNDLE_SCHEMA = "urn:keten:extension:carbon-added-bundle:1.0.0"

#: ``VerificationIssue.check`` of keten.exchange.chain_verify -> the reason a person reads.
STATEMENT_REASONS = {
    "signature": "bad signature",
    "trust": "unknown key",
    "key": "unknown key",
    "link": "broken hash link",
    "unreachable": "broken hash link",
    "arithmetic": "arithmetic",
    "double_count": "arithmetic",
}

_KINDS = {
    pact.SHIPMENT_FOOTPRINT_SCHEMA: "shipment",
    pact.TOC_SCHEMA: "toc",
    pact.HOC_SCHEMA: "hoc",
}


def _decimal(value: Any) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)
    return number if number.is_finite() else Decimal(0)


def content_sha256(footprint: Any) -> str:
    """``sha256:<hex>`` of the footprint's JSON with sorted keys and no spaces (UTF-8)."""
    text = json.dumps(footprint, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Figures:
    """The indexable figures of one received footprint."""

    footprint_id: str
    spec_version: str
    kind: str  # shipment, toc, hoc, other
    local_id: str | None  # shipmentId, tocId or hocId
    declared_unit: str
    declared_amount: Decimal
    co2e_kg: Decimal  # the PCF (excluding biogenic uptake) of the declared amount
    co2e_ttw_kg: Decimal | None
    transport_activity_tkm: Decimal | None
    primary_data_share_pct: Decimal | None
    reference_year: int | None
    ileap_data: Mapping[str, Any] | None


def bundle_extension(bundle: Mapping[str, Any]) -> dict[str, Any]:
    """The DataModelExtension that carries a signed Carbon Added bundle beside a footprint."""
    return {
        "specVersion": "1.0.0",
        "dataSchema": CARBON_ADDED_BUNDLE_SCHEMA,
        "data": dict(bundle),
    }


def ileap_extension(footprint: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]] | None:
    """(kind, data) of the footprint's first iLEAP extension, if it has one."""
    for extension in footprint.get("extensions") or []:
        if isinstance(extension, Mapping) and extension.get("dataSchema") in _KINDS:
            data = extension.get("data")
            if isinstance(data, Mapping):
                return _KINDS[str(extension["dataSchema"])], data
    return None


def carbon_added_bundle(footprint: Mapping[str, Any]) -> Any | None:
    """The Carbon Added bundle attached to a footprint, if any."""
    for extension in footprint.get("extensions") or []:
        if isinstance(extension, Mapping) and extension.get("dataSchema") == (
            CARBON_ADDED_BUNDLE_SCHEMA
        ):
            return extension.get("data")
    return None


def figures(footprint: Mapping[str, Any], version: int) -> Figures:
    """Figures of a schema-valid PACT ``version`` (2 or 3) footprint."""
    pcf = footprint["pcf"]
    if version == 2:
        unit, amount = pcf["declaredUnit"], pcf["unitaryProductAmount"]
        co2e = pcf["pCfExcludingBiogenic"]
    else:
        unit, amount = pcf["declaredUnitOfMeasurement"], pcf["declaredUnitAmount"]
        co2e = pcf["pcfExcludingBiogenicUptake"]
    found = ileap_extension(footprint)
    kind, data = found if found is not None else ("other", None)
    local_id = None
    ttw = tkm = None
    if data is not None:
        local_id = str(data.get({"shipment": "shipmentId", "toc": "tocId", "hoc": "hocId"}[kind]))
        if kind == "shipment":
            tces = [x for x in data.get("tces") or [] if isinstance(x, Mapping)]
            ttw = sum((_decimal(x.get("co2eTTW")) for x in tces), Decimal(0))
            tkm = sum((_decimal(x.get("transportActivity")) for x in tces), Decimal(0))
    if tkm is None and unit == "ton kilometer" and kind == "other":
        tkm = _decimal(amount)
    share = pcf.get("primaryDataShare")
    try:
        year = pact.parse_datetime_utc(str(pcf.get("referencePeriodStart"))).year
    except ValueError:
        year = None
    return Figures(
        footprint_id=str(footprint["id"]),
        spec_version=str(footprint.get("specVersion", "")),
        kind=kind,
        local_id=local_id,
        declared_unit=str(unit),
        declared_amount=_decimal(amount),
        co2e_kg=_decimal(co2e),
        co2e_ttw_kg=ttw,
        transport_activity_tkm=tkm,
        primary_data_share_pct=None if share is None else _decimal(share),
        reference_year=year,
        ileap_data=data,
    )
