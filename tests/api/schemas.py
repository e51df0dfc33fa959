"""Validators from the published schemas in ../shared/standards (PACT v3 OpenAPI, iLEAP)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml


def _shared() -> Path:
    """``../shared`` next to the repository (as the brief lays it out), else /work/shared."""
    beside = Path(__file__).resolve().parents[3] / "shared"
    return beside if beside.is_dir() else Path("/work/shared")


STANDARDS = _shared() / "standards"


@cache
def _pact_v3() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((STANDARDS / "pact" / "openapi-v3.yaml").read_text())
    return doc


def pact_errors(instance: Any, component: str = "ProductFootprint") -> list[str]:
    """Messages of every violation of the PACT v3 component schema (empty = valid)."""
    schema = {"$ref": f"#/components/schemas/{component}", "components": _pact_v3()["components"]}
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


#: The published pcf-toc.json / pcf-hoc.json point their extension data at "#/definitions/Toc"
#: and "Hoc" while defining "TOC" and "HOC" (an unresolvable $ref); read them with that fixed.
SCHEMA_REF_FIXES = {
    '"#/definitions/Toc"': '"#/definitions/TOC"',
    '"#/definitions/Hoc"': '"#/definitions/HOC"',
}


def ileap_schema(name: str) -> dict[str, Any]:
    text = (STANDARDS / "ileap-schemas" / name).read_text()
    for wrong, right in SCHEMA_REF_FIXES.items():
        text = text.replace(wrong, right)
    schema: dict[str, Any] = json.loads(text)
    return schema


def ileap_errors(instance: Any, name: str) -> list[str]:
    schema = ileap_schema(name)
    validator = jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]
