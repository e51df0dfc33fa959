"""HTTPS-only mode, oversized bodies (413) and the one-place error mapping."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.conftest import build_host
from keten.api.app import create_app
from keten.api.errors import ERROR_MAP, status_for
from keten.errors import (
    AuthError,
    ChainVerificationError,
    FactorNotFoundError,
    ForbiddenError,
    KetenError,
    NoRouteError,
    NotFoundError,
    Problem,
    UnknownLocationError,
    ValidationError,
)
from keten.services.auth import TokenExpiredError
from keten.settings import Settings
from keten.store import Store


def test_plain_http_refused_when_https_required(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'k.sqlite'}")
    app = create_app(Settings(home=tmp_path), store=store, require_https=True)
    plain = TestClient(app).get("/.well-known/openid-configuration")
    assert plain.status_code == 403 and plain.json()["code"] == "AccessDenied"
    secure = TestClient(app, base_url="https://testserver").get("/.well-known/openid-configuration")
    assert secure.status_code == 200
    assert secure.json()["token_endpoint"] == "https://testserver/auth/token"
    store.close()


def test_oversized_body_is_413(tmp_path: Path, make_shipment_footprint: Any) -> None:
    host = build_host(tmp_path, make_shipment_footprint, max_body_bytes=2048)
    headers = host.headers()
    big = b'{"x": "' + b"a" * 5000 + b'"}'
    declared = host.client.post("/3/events", content=big, headers=headers)
    assert declared.status_code == 413 and declared.json()["code"] == "BadRequest"

    def chunks() -> Any:
        for _ in range(10):
            yield b"a" * 1000

    streamed = host.client.post("/3/events", content=chunks(), headers=headers)
    assert streamed.status_code == 413
    token = host.client.post(
        "/auth/token",
        content=b"grant_type=client_credentials&" + b"x" * 4000,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert token.status_code == 413
    host.store.close()


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (TokenExpiredError("x"), 401, "TokenExpired"),
        (AuthError("x"), 401, "BadRequest"),
        (ForbiddenError("x"), 403, "AccessDenied"),
        (NotFoundError("x"), 404, "NotFound"),
        (ValidationError([Problem("x")]), 400, "BadRequest"),
        (ChainVerificationError("x"), 400, "BadRequest"),
        (UnknownLocationError("XXABC"), 400, "BadRequest"),
        (NoRouteError("x"), 400, "BadRequest"),
        (FactorNotFoundError("x"), 400, "BadRequest"),
        (KetenError("x"), 400, "BadRequest"),
    ],
)
def test_every_keten_error_maps_to_a_4xx(error: KetenError, status: int, code: str) -> None:
    assert status_for(error) == (status, code)


def test_error_map_covers_every_keten_error_class() -> None:
    def subclasses(cls: type) -> set[type]:
        found = set(cls.__subclasses__())
        for sub in list(found):
            found |= subclasses(sub)
        return found

    mapped = {cls for cls, _, _ in ERROR_MAP}
    assert KetenError in mapped
    for cls in subclasses(KetenError):
        assert any(issubclass(cls, m) for m in mapped)
