"""Schemathesis against keten's own OpenAPI document (``app.openapi()``) and against the
official PACT v3.0 OpenAPI (WBCSD ``openapi-v3.yaml``), on SQLite and on PostgreSQL: generated
requests, with a valid token and without, never get a 5xx; and keten's document declares the
constraints keten enforces, so a request valid by keten's own document is never refused with
400 for a parameter it declared. Bounded: a few dozen examples per operation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
import yaml
from hypothesis import HealthCheck, given, settings

from api.conftest import build_host
from api.schemas import STANDARDS


def test_no_server_errors_own_openapi(
    tmp_path: Path, make_shipment_footprint: Any, store_url: str
) -> None:
    host = build_host(tmp_path, make_shipment_footprint, store_url)
    schema = schemathesis.openapi.from_asgi("/openapi.json", host.client.app)
    token = host.token()
    seen: dict[str, set[int]] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {
        "/3/footprints",
        "/3/footprints/{footprint_id}",
        "/3/events",
        "/auth/token",
        "/2/ileap/tad",
    }
    for operation in operations:
        _fuzz(operation, token, seen, examples=12)
    statuses = set().union(*seen.values())
    assert 200 in statuses and 400 in statuses and 401 in statuses  # the fuzzing reached all
    host.store.close()


def test_no_server_errors_official_pact_v3_spec(
    tmp_path: Path, make_shipment_footprint: Any, store_url: str
) -> None:
    """The official v3 document generates requests (its filters, ids, events) against keten."""
    host = build_host(tmp_path, make_shipment_footprint, store_url)
    schema = schemathesis.openapi.from_dict(official_pact_v3())
    token = host.token()
    seen: dict[str, set[int]] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} == {"/3/footprints", "/3/footprints/{id}", "/3/events"}
    for operation in operations:
        _fuzz(operation, token, seen, examples=15, app=host.client.app)
    statuses = set().union(*seen.values())
    assert 200 in statuses and 400 in statuses and 401 in statuses
    host.store.close()


def official_pact_v3() -> dict[str, Any]:
    """The published v3.0 document with the three slips that stop an OpenAPI 3 loader mended
    (nothing that constrains requests is changed): a relative ``tokenUrl`` (must be a URI),
    responses that ``$ref`` schemas instead of responses, event schemas listing ``$ref``
    among their ``properties``, and ``$ref`` to a parameter's description text (read as "any
    value")."""
    doc: dict[str, Any] = yaml.safe_load((STANDARDS / "pact" / "openapi-v3.yaml").read_text())
    flows = doc["components"]["securitySchemes"]["BearerAuth"]["flows"]
    flows["clientCredentials"]["tokenUrl"] = "https://localhost/auth/token"
    for item in doc["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and "responses" in operation:
                for status, response in operation["responses"].items():
                    if "$ref" in response:
                        operation["responses"][status] = {"description": response["$ref"]}
    for component in doc["components"]["schemas"].values():
        properties = component.get("properties")
        if isinstance(properties, dict) and "$ref" in properties:
            base = properties.pop("$ref").split("/")[-2]
            component["properties"] = {
                **doc["components"]["schemas"][base]["properties"], **properties
            }
    return _text_refs_as_any(doc, doc)


def _text_refs_as_any(node: Any, doc: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_text_refs_as_any(v, doc) for v in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = doc
        for part in ref[2:].split("/"):
            target = target[part]
        if not isinstance(target, dict):
            return {"description": str(target)}
    return {k: _text_refs_as_any(v, doc) for k, v in node.items()}


def _fuzz(
    operation: Any, token: str, seen: dict[str, set[int]], examples: int, app: Any = None
) -> None:
    """Bounded property test of one operation, with a valid token and without one."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        for headers in ({"Authorization": f"Bearer {token}"}, {}):
            response = case.call(headers=headers) if app is None else case.call(
                headers=headers, app=app
            )
            seen.setdefault(operation.label, set()).add(response.status_code)
            assert response.status_code < 500, (
                operation.label,
                case.as_curl_command(),
                response.text,
            )

    run()
