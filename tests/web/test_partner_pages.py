"""The Partners page over HTTP, and one format everywhere: the dashboard's download, ``keten
footprint --format ileap`` and the host's /2 and /3 listings give the same documents for
the same data (only ``created``, the moment of writing, differs)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from keten.api.app import create_app
from keten.cli.main import app as cli
from keten.demo import demo_file
from keten.errors import ValidationError
from keten.exchange.chain import Party, public_key_entry
from keten.io.keys import public_key_pem
from keten.services import auth, companies, exchange
from keten.services.dashboard import DEMO_PASSWORD, DEMO_USER, load_dashboard_demo
from keten.services.pact_demo import DEMO_COMPANY
from keten.settings import Settings
from keten.store import Store

HEADERS = {"X-Keten-Dashboard": "1"}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("partners-home")


@pytest.fixture(scope="module")
def client(home: Path) -> Iterator[TestClient]:
    store = Store(f"sqlite:///{home / 'keten.sqlite'}")
    load_dashboard_demo(store)
    companies.add_company(store, "Rijnvaart BV", "rijnvaart", ["urn:keten:company:rijnvaart"])
    app = create_app(Settings(home=home, secret_key="partners-test"), store=store)
    with TestClient(app) as test_client:
        test_client.post("/login", data={"username": DEMO_USER, "password": DEMO_PASSWORD,
                                         "next": "/partners"}, follow_redirects=False)
        yield test_client
    store.close()


def _post(client: TestClient, path: str, body: Any) -> Any:
    return client.post(path, content=json.dumps(body), headers=HEADERS)


def test_page_renders_with_its_sections(client: TestClient) -> None:
    page = client.get("/partners")
    assert page.status_code == 200
    for heading in ("Partner hosts and their status", "Received footprints", "Data requests",
                    "What is shared with whom", "Credentials issued to partners",
                    "Trusted public keys", "Verify a Carbon Added bundle"):
        assert heading in page.text
    assert 'href="/partners"' in page.text


def test_partner_credentials_sharing_and_keys_round_trip(client: TestClient) -> None:
    added = _post(client, "/dashboard/api/partners", {
        "name": "rijnvaart", "url": "https://pact.rijnvaart.example", "client_id": "me",
        "client_secret": "not-shown-again"})
    assert added.status_code == 201, added.text
    bad = _post(client, "/dashboard/api/partners", {"name": "x", "url": "http://plain",
                                                    "client_id": "a", "client_secret": "b"})
    assert bad.status_code == 422 and "https" in json.dumps(bad.json())
    created = _post(client, "/dashboard/api/partners/credentials", {"company_id": "rijnvaart"})
    assert created.status_code == 201
    client_id = created.json()["client_id"]
    shared = _post(client, "/dashboard/api/partners/share", {"company_id": "rijnvaart"})
    assert shared.json()["shared"] > 0
    private = Ed25519PrivateKey.from_private_bytes(b"\x07" * 32)
    key = public_key_entry(private, Party("NL-RV", "Rijnvaart BV")).as_json()
    pem = public_key_pem(private.public_key()).decode()
    added_key = _post(client, "/dashboard/api/partners/keys",
                      {"company_id": "NL-RV", "company_name": "Rijnvaart BV",
                       "public_key_pem": pem})
    assert added_key.status_code == 201, added_key.text
    assert added_key.json()["fingerprint"] == key["fingerprint"]
    assert _post(client, "/dashboard/api/partners/keys",
                 {"company_id": "X", "public_key_pem": "nonsense"}).status_code == 422
    view = client.get("/dashboard/api/partners").json()
    assert [p["name"] for p in view["partners"]] == ["rijnvaart"]
    assert view["partners"][0]["status"] == "new"
    assert "not-shown-again" not in json.dumps(view)
    assert any(c["client_id"] == client_id and c["revoked_at"] is None for c in view["credentials"])
    assert {s["company_id"]: s["shared"] for s in view["sharing"]}["rijnvaart"] > 0
    assert key["fingerprint"] in {k["fingerprint"] for k in view["trusted_keys"]}
    _post(client, f"/dashboard/api/partners/credentials/{client_id}/revoke", {})
    removed = _post(client, "/dashboard/api/partners/keys/remove",
                    {"fingerprint": key["fingerprint"]})
    assert removed.status_code == 200, removed.text
    view = client.get("/dashboard/api/partners").json()
    assert all(c["revoked_at"] for c in view["credentials"] if c["client_id"] == client_id)
    assert key["fingerprint"] not in {k["fingerprint"] for k in view["trusted_keys"]}
    # Writes need the dashboard header (a cross-site form cannot send it).
    assert client.post("/dashboard/api/partners/share", content="{}").status_code == 401


def test_verification_names_the_reason(client: TestClient) -> None:
    view = client.get("/dashboard/api/chain").json()
    assert view["statements"], "the demo chain is loaded"
    from keten.services.chain_store import list_statements  # noqa: F401  (documented source)

    bundle = {"format": "keten.carbon-added-bundle/1", "statements": [{"statement": {}}]}
    result = client.post("/dashboard/api/partners/verify", content=json.dumps(bundle),
                         headers=HEADERS).json()
    assert result["ok"] is False and result["reason"] and result["first_issue"]


def _without_created(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(({k: v for k, v in d.items() if k != "created"} for d in docs),
                  key=lambda d: d["id"])


@pytest.mark.parametrize("version", [3, 2])
def test_dashboard_cli_and_host_write_the_same_document(
    client: TestClient, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: int
) -> None:
    tces = demo_file("tces.csv")
    # the dashboard download of a footprint of the demo file
    job = client.post("/dashboard/api/footprint/demo", headers=HEADERS).json()
    while job["status"] not in ("done", "failed"):
        job = client.get(f"/dashboard/api/jobs/{job['id']}").json()
    assert job["status"] == "done", job
    download = client.get(f"/dashboard/api/footprint/{job['id']}/ileap.json",
                          params={"pact_version": version})
    assert download.status_code == 200
    dashboard_docs = download.json()
    tocs, hocs = client.app.state.dashboard.demo_factor_files()  # type: ignore[attr-defined]
    # the CLI, for the same company of the same store
    monkeypatch.setenv("KETEN_HOME", str(home))
    out = tmp_path / "cli.json"
    result = CliRunner().invoke(cli, [
        "footprint", str(tces), "--tocs", str(tocs), "--hocs", str(hocs), "-f", "ileap",
        "--company", DEMO_COMPANY, "--pact-version", str(version), "-o", str(out)])
    assert result.exit_code == 0, result.output
    cli_docs = json.loads(out.read_text())
    assert _without_created(cli_docs) == _without_created(dashboard_docs)
    assert {d["companyName"] for d in cli_docs} == {"keten demo logistics"}
    # the host, after importing the same table for the same company
    store = client.app.state.keten.store  # type: ignore[attr-defined]
    table = exchange.footprints_from_table(tces, tocs, hocs)
    exchange.import_footprints(store, DEMO_COMPANY, table.shipment_footprints,
                               primary_data_share_pct=table.primary_data_share_pct,
                               data_quality=table.data_quality)
    with contextlib.suppress(ValidationError):  # there from the other parametrisation
        auth.create_credentials(store, DEMO_COMPANY, "demo-format", "demo-format-secret")
    token = client.post("/auth/token", auth=("demo-format", "demo-format-secret"),
                        data={"grant_type": "client_credentials"}).json()["access_token"]
    served = client.get(f"/{version}/footprints", params={"limit": 1000},
                        headers={"Authorization": f"Bearer {token}"}).json()["data"]
    ids = {d["id"] for d in cli_docs}
    host_docs = [d for d in served if d["id"] in ids]
    # the data quality of the TCEs' data sources (issue #10) is in every document, and the
    # host serves it because the store keeps each shipment's data sources at import
    assert len(host_docs) == len(cli_docs)
    for doc in host_docs:
        dqi = doc["pcf"]["dqi"]
        ratings = {v for k, v in dqi.items() if k.endswith("DQR")}
        assert len(ratings) == 1 and 1 <= float(ratings.pop()) <= 3, dqi
    if version == 2:  # the demo's HVO trucks: biogenic CO2 on top of the WTW figure
        assert any(float(d["pcf"]["pCfIncludingBiogenic"]) > float(d["pcf"]["pCfExcludingBiogenic"])
                   for d in host_docs)
    assert _without_created(host_docs) == _without_created(cli_docs)


def test_a_user_without_company_gets_the_dashboard_error_shape(home: Path) -> None:
    """Every route's KetenError answers from one place (the router's route class): 400 for
    the page's read, 422 for a change, always ``{"error": {...}}`` with the reason."""
    from keten.services.dashboard_users import add_user

    store = Store(f"sqlite:///{home / 'no-company.sqlite'}")
    add_user(store, "nobody", "a-long-password")
    app = create_app(Settings(home=home, secret_key="partners-test"), store=store)
    with TestClient(app) as anon:
        anon.post("/login", data={"username": "nobody", "password": "a-long-password",
                                  "next": "/partners"}, follow_redirects=False)
        read = anon.get("/dashboard/api/partners")
        change = _post(anon, "/dashboard/api/partners/share", {"company_id": "x"})
        remove = anon.post("/dashboard/api/partners/host/x/remove", headers=HEADERS)
    store.close()
    assert read.status_code == 400 and "no company" in json.dumps(read.json()["error"])
    for answer in (change, remove):
        assert answer.status_code == 422 and "no company" in json.dumps(answer.json()["error"])
