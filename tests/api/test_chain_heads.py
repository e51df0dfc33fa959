"""Two keten instances, two KETEN_HOMEs: a carrier's host (uvicorn, TLS on loopback) publishes
its newest signed statements; the LSP, on its own store, verifies a bundle against them.

The carrier signs a statement for S001, the LSP builds on it, the carrier corrects it
(``--supersedes``) and keeps the correction on its host. The LSP's ``keten chain verify
--heads-from carrier`` then reports "superseded" (exit 9), fetched over HTTPS from the other
instance with the LSP's own credentials there, and checked with the LSP's own trust list."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from typer.testing import CliRunner

from keten.api import create_app
from keten.cli.main import app as cli
from keten.services import auth, companies, exchange, partners
from keten.services.tls import ensure_self_signed
from keten.settings import Settings
from keten.store import open_store

runner = CliRunner()

OWN = {"shipment_id": "S001", "co2e_wtw_kg": "412.35", "co2e_ttw_kg": "330.1", "nox_kg": "3.2",
       "pm_kg": "0.081", "transport_activity_tkm": "21000", "factor_set": "keten-2026.1"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def keten(home: Path, *args: Any, code: int = 0, stdout: bool = False) -> str:
    result = runner.invoke(cli, [str(a) for a in args],
                           env={"KETEN_HOME": str(home), "COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == code, (args, result.output, result.exception)
    return str(result.stdout if stdout else result.output)


@pytest.fixture()
def carrier_host(
    tmp_path: Path, make_shipment_footprint: Callable[..., dict[str, Any]]
) -> Iterator[tuple[str, Path, Path]]:
    """The carrier's keten (its own KETEN_HOME) serving HTTPS; the LSP has a tenant there, to
    which the carrier shared its footprint of S001 (not of S002)."""
    home = tmp_path / "carrier-home"
    cert, key = ensure_self_signed(tmp_path)
    port = _free_port()
    url = f"https://localhost:{port}"
    settings = Settings(home=home, public_url=url)
    store = open_store(settings)
    companies.add_company(store, "Carrier X", "carrier-x", ["urn:example:company:carrier-x"])
    companies.add_company(store, "LSP Y (customer)", "lsp-at-carrier")
    auth.create_credentials(store, "lsp-at-carrier", "lsp-client", "lsp-secret")
    imported = exchange.import_footprints(
        store, "carrier-x",
        [make_shipment_footprint("S001"), make_shipment_footprint("S002")])
    s001 = [fid for fid, sid in zip(imported.footprint_ids, ("S001", "S002"), strict=True)
            if sid == "S001"]
    companies.share_footprints(store, "carrier-x", "lsp-at-carrier", s001)
    server = uvicorn.Server(uvicorn.Config(
        create_app(settings, store=store, require_https=True), host="127.0.0.1", port=port,
        ssl_certfile=str(cert), ssl_keyfile=str(key), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the carrier's host did not start"
        time.sleep(0.05)
    yield url, home, cert
    server.should_exit = True
    thread.join(timeout=10)
    store.close()


def test_the_lsp_sees_the_carriers_correction_as_superseded(
    tmp_path: Path, carrier_host: tuple[str, Path, Path]
) -> None:
    url, carrier_home, cert = carrier_host
    lsp_home = tmp_path / "lsp-home"
    work = tmp_path / "files"
    keys, trust = work / "keys", work / "trust.json"
    for company in ("carrier-x", "lsp-y"):
        keten(lsp_home, "keys", "generate", "--company", company, "--out", keys, "--trust", trust)
    (work / "carrier.json").write_text(json.dumps(OWN))
    (work / "carrier-v2.json").write_text(json.dumps({**OWN, "co2e_wtw_kg": "398.2"}))
    (work / "lsp.json").write_text(json.dumps({**OWN, "co2e_wtw_kg": "6.12"}))
    (work / "other.json").write_text(json.dumps({**OWN, "shipment_id": "S002"}))

    # The carrier signs for S001 (and S002) and keeps its statements on its own host.
    keten(carrier_home, "chain", "sign", "--key", keys / "carrier-x.key.pem", "--company",
          "carrier-x", "--own", work / "carrier.json", "--statement-id", "c-v1",
          "-o", work / "c1.json")
    keten(carrier_home, "chain", "sign", "--key", keys / "carrier-x.key.pem", "--company",
          "carrier-x", "--own", work / "other.json", "-o", work / "c-s002.json")
    for bundle in ("c1.json", "c-s002.json"):
        keten(carrier_home, "chain", "import", work / bundle, "--company", "carrier-x")

    # The LSP, on its own store: the carrier's host registered as a partner.
    lsp_settings = Settings(home=lsp_home)
    lsp_store = open_store(lsp_settings)
    companies.add_company(lsp_store, "LSP Y", "lsp-y")
    partners.add_partner(lsp_store, lsp_settings, "lsp-y", "carrier", url, "lsp-client",
                         "lsp-secret")
    lsp_store.close()
    keten(lsp_home, "chain", "sign", "--key", keys / "lsp-y.key.pem", "--company", "lsp-y",
          "--own", work / "lsp.json", "--upstream", work / "c1.json", "--trust", trust,
          "-o", work / "l1.json")
    verify = ("chain", "verify", work / "l1.json", "--trust", trust, "--heads-from", "carrier",
              "--company", "lsp-y", "--ca-cert", cert)
    assert "OK: " in keten(lsp_home, *verify)  # current: the carrier's head is c-v1

    # The carrier corrects its statement; the correction is what its host now publishes.
    keten(carrier_home, "chain", "sign", "--key", keys / "carrier-x.key.pem", "--company",
          "carrier-x", "--own", work / "carrier-v2.json", "--supersedes", work / "c1.json",
          "--statement-id", "c-v2", "-o", work / "c2.json")
    keten(carrier_home, "chain", "import", work / "c2.json", "--company", "carrier-x")
    # ... and refuses the replay of the old one
    replay = keten(carrier_home, "chain", "import", work / "c1.json", "--company", "carrier-x",
                   code=9)
    assert "superseded" in replay

    out = keten(lsp_home, *verify, code=9)
    assert "SUPERSEDED" in out and "c-v1 (sequence 1" in out and "c-v2 (sequence 2" in out
    assert "signed supersedes link" in out and "the issuer's published statements" in out
    report = json.loads(keten(lsp_home, *verify, "--format", "json", code=9, stdout=True))
    assert report["status"] == "superseded"
    assert [s["superseded_by"] for s in report["superseded"]] == ["c-v2"]

    # Built on the correction, the LSP's new statement is current again.
    keten(lsp_home, "chain", "sign", "--key", keys / "lsp-y.key.pem", "--company", "lsp-y",
          "--own", work / "lsp.json", "--upstream", work / "c2.json", "--trust", trust,
          "--supersedes", work / "l1.json", "-o", work / "l2.json")
    current = keten(lsp_home, "chain", "verify", work / "l2.json", "--trust", trust,
                    "--heads-from", "carrier", "--company", "lsp-y", "--ca-cert", cert)
    assert "OK: " in current

    # What the host publishes to the LSP's tenant: S001 (shared), not S002 (not shared).
    with httpx.Client(base_url=url, verify=str(cert)) as http:
        token = http.post("/auth/token", auth=("lsp-client", "lsp-secret"),
                          data={"grant_type": "client_credentials"}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        s001 = http.get("/keten/v1/statements/heads", params={"shipmentId": "S001"},
                        headers=headers).json()["data"]
        s002 = http.get("/keten/v1/statements/heads", params={"shipmentId": "S002"},
                        headers=headers).json()["data"]
    assert [(h["company_id"], h["sequence"]) for h in s001] == [("carrier-x", 2)]
    assert s002 == []
