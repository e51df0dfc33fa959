"""OAuth2 token endpoint, OpenID discovery, and bearer-token checks (PACT v3 conformance
test cases 1, 2, 6, 7, 16, 18, 19 and the expired-token case)."""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import Any

from api.conftest import Host, build_host
from keten.services import auth


def test_token_with_basic_auth(host: Host) -> None:
    response = host.client.post(
        "/auth/token",
        auth=("carrier-client", "carrier-secret"),
        data={"grant_type": "client_credentials"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert "footprint:list" in body["scope"].split()
    assert response.headers["cache-control"] == "no-store"


def test_token_with_form_credentials_and_scope(host: Host) -> None:
    response = host.client.post(
        "/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "carrier-client",
            "client_secret": "carrier-secret",
            "scope": "footprint:read",
        },
    )
    assert response.status_code == 200
    token = response.json()["access_token"]
    listed = host.client.get("/3/footprints", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 403 and listed.json()["code"] == "AccessDenied"
    one = host.client.get(
        f"/3/footprints/{host.footprint_ids[0]}", headers={"Authorization": f"Bearer {token}"}
    )
    assert one.status_code == 200


def test_token_refused(host: Host) -> None:
    wrong = host.client.post(
        "/auth/token", auth=("carrier-client", "nope"), data={"grant_type": "client_credentials"}
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    unknown = host.client.post(
        "/auth/token", auth=("ghost", "ghost-secret"), data={"grant_type": "client_credentials"}
    )
    assert unknown.status_code == 401
    grant = host.client.post(
        "/auth/token", auth=("carrier-client", "carrier-secret"), data={"grant_type": "password"}
    )
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"
    none = host.client.post("/auth/token", data={"grant_type": "client_credentials"})
    assert none.status_code == 401
    garbage = host.client.post(
        "/auth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic !!!notbase64"},
    )
    assert garbage.status_code == 401
    scope = host.client.post(
        "/auth/token",
        auth=("carrier-client", "carrier-secret"),
        data={"grant_type": "client_credentials", "scope": "admin"},
    )
    assert scope.status_code == 400 and scope.json()["error"] == "invalid_scope"


def test_basic_credentials_are_url_decoded(host: Host) -> None:
    raw = base64.b64encode(b"carrier-client:carrier-secret").decode()
    ok = host.client.post(
        "/auth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {raw}"},
    )
    assert ok.status_code == 200


def test_openid_discovery(host: Host) -> None:
    doc = host.client.get("/.well-known/openid-configuration").json()
    assert doc["token_endpoint"] == "http://testserver/auth/token"
    assert "client_credentials" in doc["grant_types_supported"]
    assert host.client.get("/jwks").json() == {"keys": []}


def _bad_tokens(host: Host) -> list[dict[str, str]]:
    return [
        {},
        {"Authorization": "Bearer very-invalid-access-token"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer "},
    ]


def test_missing_or_invalid_token_is_401_bad_request(host: Host) -> None:
    event: dict[str, Any] = {
        "type": "org.wbcsd.pact.ProductFootprint.PublishedEvent.3",
        "specversion": "1.0",
        "id": "x",
        "source": "https://partner",
        "time": "2025-01-01T00:00:00Z",
        "data": {"pfIds": []},
    }
    for headers in _bad_tokens(host):
        for response in (
            host.client.get("/3/footprints", headers=headers),
            host.client.get(f"/3/footprints/{host.footprint_ids[0]}", headers=headers),
            host.client.post("/3/events", json=event, headers=headers),
        ):
            assert response.status_code == 401, (headers, response.text)
            assert response.json()["code"] == "BadRequest"
            assert response.headers["www-authenticate"] == "Bearer"


def test_token_signed_with_another_key_is_refused(host: Host) -> None:
    forged = auth.issue_token(
        host.store, "another-key-of-at-least-32-bytes-long", "carrier-client", "carrier-secret", 60
    )
    response = host.client.get(
        "/3/footprints", headers={"Authorization": f"Bearer {forged.access_token}"}
    )
    assert response.status_code == 401


def test_expired_token_is_401_token_expired(tmp_path: Path, make_shipment_footprint: Any) -> None:
    host = build_host(tmp_path, make_shipment_footprint, token_ttl_s=1)
    headers = host.headers()
    time.sleep(2.1)  # PyJWT has one-second resolution; wait past the expiry
    response = host.client.get("/3/footprints", headers=headers)
    assert response.status_code == 401 and response.json()["code"] == "TokenExpired"
    tad = host.client.get("/2/ileap/tad", headers=headers)
    assert tad.status_code == 401 and tad.json()["code"] == "TokenExpired"
    host.store.close()


def test_revoked_client_loses_its_tokens(host: Host) -> None:
    headers = host.headers()
    assert host.client.get("/3/footprints", headers=headers).status_code == 200
    auth.revoke_credentials(host.store, "carrier-client")
    assert host.client.get("/3/footprints", headers=headers).status_code == 401
