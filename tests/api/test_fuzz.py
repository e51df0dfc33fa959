"""Schemathesis against keten's own OpenAPI document (``app.openapi()``): generated requests,
with a valid token and without, never get a 5xx. Bounded: a few dozen examples per operation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings

from api.conftest import build_host


def test_no_server_errors(tmp_path: Path, make_shipment_footprint: Any) -> None:
    host = build_host(tmp_path, make_shipment_footprint)
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
        _fuzz(operation, token, seen)
    statuses = set().union(*seen.values())
    assert 200 in statuses and 400 in statuses and 401 in statuses  # the fuzzing reached all
    host.store.close()


def _fuzz(operation: Any, token: str, seen: dict[str, set[int]]) -> None:
    """Bounded property test of one operation, with a valid token and without one."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def run(case: Any) -> None:
        for headers in ({"Authorization": f"Bearer {token}"}, {}):
            response = case.call(headers=headers)
            seen.setdefault(operation.label, set()).add(response.status_code)
            assert response.status_code < 500, (
                operation.label,
                case.as_curl_command(),
                response.text,
            )

    run()
