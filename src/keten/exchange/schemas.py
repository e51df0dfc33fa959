"""Validation of partners' ProductFootprints against the published schemas (shipped as package
data in ``keten/exchange/data``, see its SOURCES.md): the PACT v2.3 or v3.0 OpenAPI
``ProductFootprint`` component and, for each iLEAP extension, the iLEAP v1.0.0 data schema of
its ``dataSchema`` (ShipmentFootprint, TOC, HOC)."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

import jsonschema

from keten.exchange import pact

#: iLEAP extension ``dataSchema`` URL -> the iLEAP data schema file keten ships.
ILEAP_DATA_SCHEMAS = {
    pact.SHIPMENT_FOOTPRINT_SCHEMA: "ileap-shipment-footprint.json",
    pact.TOC_SCHEMA: "ileap-toc.json",
    pact.HOC_SCHEMA: "ileap-hoc.json",
}
MAX_PROBLEMS = 20


def _read(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(files("keten.exchange.data").joinpath(name).read_text())
    return doc


@cache
def _pact_validator(version: int, component: str) -> jsonschema.protocols.Validator:
    components = _read(f"pact-v{version}-schemas.json")["components"]
    schema = {"$ref": f"#/components/schemas/{component}", "components": components}
    cls = jsonschema.Draft202012Validator
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@cache
def _ileap_validator(name: str) -> jsonschema.protocols.Validator:
    cls = jsonschema.Draft7Validator
    return cls(_read(name), format_checker=cls.FORMAT_CHECKER)


def _messages(validator: jsonschema.protocols.Validator, instance: Any, prefix: str) -> list[str]:
    out = []
    for error in validator.iter_errors(instance):
        where = "/".join(str(p) for p in error.absolute_path)
        out.append(f"{prefix}{where or '(root)'}: {error.message[:300]}")
        if len(out) >= MAX_PROBLEMS:
            break
    return out


def footprint_problems(footprint: Any, version: int) -> list[str]:
    """Every way ``footprint`` breaks the PACT ``version`` (2 or 3) ProductFootprint schema or
    the iLEAP schema of one of its extensions (empty: valid). Extensions with other schemas
    are allowed by PACT and not checked."""
    problems = _messages(_pact_validator(version, "ProductFootprint"), footprint, "")
    if isinstance(footprint, dict) and isinstance(footprint.get("extensions"), list):
        for i, extension in enumerate(footprint["extensions"]):
            if not isinstance(extension, dict):
                continue
            name = ILEAP_DATA_SCHEMAS.get(str(extension.get("dataSchema")))
            if name is not None:
                problems += _messages(
                    _ileap_validator(name), extension.get("data"), f"extensions/{i}/data/"
                )
    return problems[:MAX_PROBLEMS]


def event_problems(event: Any, version: int, component: str) -> list[str]:
    """Violations of a PACT event component (e.g. ``RequestFulfilledEvent``)."""
    return _messages(_pact_validator(version, component), event, "")
