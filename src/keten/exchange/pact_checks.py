"""Structural checks of a PACT v3 ProductFootprint received from a partner (in a
RequestFulfilled event): the required properties and their formats of the v3.0 OpenAPI
``ProductFootprint`` schema (WBCSD data-exchange-protocol ``openapi-v3.yaml``), so an invalid
answer is refused with 4xx as the spec asks instead of being stored."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

#: CloudEvents specification version of every PACT v3 event (``specversion``).
CLOUDEVENTS_VERSION = "1.0"
_SPEC_VERSION = re.compile(r"^\d+\.\d+\.\d+(-\d{8})?$")  # ProductFootprint.specVersion pattern
_URN = re.compile(r"^urn:[a-z0-9][a-z0-9-]{0,31}:\S+$", re.IGNORECASE)  # RFC 8141, loosely
STATUSES = ("Active", "Deprecated")


def _uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


def _date_time(value: Any) -> bool:
    if not isinstance(value, str) or "T" not in value:
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _urns(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, str) and _URN.match(v) for v in value)
        and len(set(value)) == len(value)
    )


def product_footprint_problems(pf: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(property, reason) for each way ``pf`` breaks the v3 ProductFootprint schema's
    required properties; empty when it is structurally valid."""
    found: list[tuple[str, str]] = []
    if not _uuid(pf.get("id")):
        found.append(("id", "required, a UUID"))
    spec = pf.get("specVersion")
    if not isinstance(spec, str) or not _SPEC_VERSION.match(spec):
        found.append(("specVersion", "required, a version such as 3.0.0"))
    if not _date_time(pf.get("created")):
        found.append(("created", "required, an ISO 8601 date-time"))
    if pf.get("status") not in STATUSES:
        found.append(("status", f"required, one of {', '.join(STATUSES)}"))
    for name in ("companyName", "productNameCompany"):
        value = pf.get(name)
        if not isinstance(value, str) or not value.strip():
            found.append((name, "required, a non-empty string"))
    if not isinstance(pf.get("productDescription"), str):
        found.append(("productDescription", "required, a string"))
    for name in ("companyIds", "productIds"):
        if not _urns(pf.get(name)):
            found.append((name, "required, a non-empty list of distinct URNs"))
    pcf = pf.get("pcf")
    if not isinstance(pcf, Mapping) or not pcf:
        found.append(("pcf", "required, a CarbonFootprint object"))
    return found
