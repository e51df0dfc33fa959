"""Every TOC and HOC a served ShipmentFootprint names is served too (iLEAP v1.0.0 Test Case 002).

iLEAP v1.0.0 ("Conformance", Test Case 002) expects a host's ShipmentFootprints to name only
TOCs (``tces[].tocId``) and HOCs (``tces[].hocId``) it also serves. The check here walks what
the host serves, page by page over HTTP, on ``/2`` and on ``/3``, and compares ids; it does not
ask keten which TOCs it published. Two data sets:

- the demo TCE table imported as ``keten company import ... --tocs --hocs`` does, with nothing
  else published: some legs name the carrier's own TOCs/HOCs (from its fuel and energy logs),
  others fell back on keten's default GLEC TOCs, which the import serves as well;
- a small table on keten's defaults alone, through the CLI;
- the ``keten serve --demo`` data.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.api.schemas import ileap_errors, pact_errors
from typer.testing import CliRunner

from keten.api import create_app
from keten.cli.main import app as cli_app
from keten.factors.library import load_factor_set
from keten.services import auth, companies, exchange
from keten.settings import Settings
from keten.store import Store

_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


def _walk(client: TestClient, path: str, token: str) -> list[dict[str, Any]]:
    """Every document of a listing, following the ``Link: rel=next`` pages."""
    out: list[dict[str, Any]] = []
    url: str | None = f"{path}?limit=2"
    while url is not None:
        response = client.get(url, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        out.extend(response.json()["data"])
        found = _NEXT.search(response.headers.get("link", ""))
        url = found.group(1) if found else None
    return out


def _ids(
    documents: list[dict[str, Any]], version: int = 2
) -> tuple[dict[str, set[str]], dict[str, Any]]:
    """(ids named by ShipmentFootprint TCEs, served TOC/HOC data by id) of served documents,
    each validated against the published schemas: the iLEAP ``pcf-*.json`` for ``/2``, the
    PACT v3 OpenAPI ProductFootprint for ``/3``, and the extension's own iLEAP schema."""
    named: dict[str, set[str]] = {"tocId": set(), "hocId": set()}
    served: dict[str, Any] = {}
    for pf in documents:
        for ext in pf.get("extensions") or []:
            schema = ext["dataSchema"].rsplit("/", 1)[-1]
            data = ext["data"]
            if schema not in ("shipment-footprint.json", "toc.json", "hoc.json"):
                continue
            errors = ileap_errors(pf, f"pcf-{schema}") if version == 2 else pact_errors(pf)
            assert errors + ileap_errors(data, schema) == [], pf["id"]
            if schema == "shipment-footprint.json":
                for tce in data["tces"]:
                    for key in named:
                        if key in tce:
                            named[key].add(tce[key])
            else:
                served[data["tocId" if schema == "toc.json" else "hocId"]] = data
    return named, served


def _token(client: TestClient) -> str:
    response = client.post(
        "/auth/token", auth=("reader", "reader-secret"), data={"grant_type": "client_credentials"}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.fixture(scope="module")
def table_host(demo_table: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
    tuple[TestClient, frozenset[str]]
]:
    """The demo TCE table imported (``exchange.import_table``, as ``keten company import``
    does) and nothing else published; yields the client and the carrier's own TOC/HOC ids."""
    root = tmp_path_factory.mktemp("named-intensities")
    store = Store(f"sqlite:///{root / 'keten.sqlite'}")
    companies.add_company(store, "Carrier X BV", "carrierx", ["urn:example:company:carrierx"])
    auth.create_credentials(store, "carrierx", "reader", "reader-secret")
    exchange.import_table(store, "carrierx", demo_table.table)
    with TestClient(create_app(Settings(home=root), store=store)) as client:
        yield client, demo_table.own_ids
    store.close()


@pytest.mark.parametrize("version", [2, 3])
def test_table_import_serves_every_toc_and_hoc_its_shipments_name(
    table_host: tuple[TestClient, frozenset[str]], version: int
) -> None:
    client, own = table_host
    named, served = _ids(_walk(client, f"/{version}/footprints", _token(client)), version)
    assert named["tocId"] and named["hocId"]
    assert named["tocId"] - set(served) == set()
    assert named["hocId"] - set(served) == set()
    # Not vacuous: some legs were computed with keten's default TOCs, not the carrier's own.
    defaults = named["tocId"] - own
    assert defaults and defaults <= set(load_factor_set().tocs)


def test_a_served_default_toc_is_the_one_the_legs_were_computed_with(
    table_host: tuple[TestClient, frozenset[str]],
) -> None:
    """A leg on a tkm TOC without distance adjustment: CO2e = activity x served intensity."""
    client, own = table_host
    documents = _walk(client, "/2/footprints", _token(client))
    _named, served = _ids(documents)
    fs = load_factor_set()
    checked = 0
    for pf in documents:
        for ext in pf["extensions"]:
            if not ext["dataSchema"].endswith("/shipment-footprint.json"):
                continue
            for tce in ext["data"]["tces"]:
                toc_id = tce.get("tocId")
                if toc_id is None or toc_id in own:
                    continue
                toc = served[toc_id]
                adjusted = fs.tocs[toc_id].actual_distance_adjustment
                if toc["transportActivityUnit"] != "tkm" or adjusted:
                    continue
                expected = Decimal(tce["transportActivity"]) * Decimal(toc["co2eIntensityWTW"])
                assert abs(Decimal(tce["co2eWTW"]) - expected) <= Decimal("1e-6") * expected
                checked += 1
    assert checked >= 1


def test_the_cli_import_serves_the_default_toc_and_hoc_a_table_names(tmp_path: Path) -> None:
    """``keten company import`` of a TCE table on keten's defaults only, no ``--tocs``."""
    fs = load_factor_set()
    hub = "hub_transshipment_ambient"
    assert "road_artic_40t_diesel" in fs.tocs and hub in fs.hocs
    table = tmp_path / "tces.csv"
    table.write_text(
        "shipment_id,tce_id,prev_tce_ids,toc_id,hoc_id,mass_kg,distance_km,origin,destination\n"
        "X1,X1-T1,,road_artic_40t_diesel,,10000,100,NLRTM,NLVEN\n"
        f"X1,X1-H1,X1-T1,,{hub},10000,,NLVEN,NLVEN\n"
    )
    env = {"KETEN_HOME": str(tmp_path), "COLUMNS": "80"}
    runner = CliRunner()
    for args in (
        ["company", "add", "Carrier X BV", "--id", "carrierx"],
        ["company", "import", "carrierx", str(table)],
    ):
        result = runner.invoke(cli_app, args, env=env)
        assert result.exit_code == 0, result.output
    assert "served with them: the 1 TOC(s) and 1 HOC(s) they name" in result.output
    store = Store(f"sqlite:///{tmp_path / 'keten.sqlite'}")
    try:
        auth.create_credentials(store, "carrierx", "reader", "reader-secret")
        with TestClient(create_app(Settings(home=tmp_path), store=store)) as client:
            for version in (2, 3):
                listed = _walk(client, f"/{version}/footprints", _token(client))
                named, served = _ids(listed, version)
                assert named == {"tocId": {"road_artic_40t_diesel"}, "hocId": {hub}}
                assert set(served) == {"road_artic_40t_diesel", hub}
    finally:
        store.close()


@pytest.mark.parametrize("version", [2, 3])
def test_serve_demo_names_only_served_tocs_and_hocs(
    serve_demo_client: TestClient, version: int
) -> None:
    token = _token(serve_demo_client)
    named, served = _ids(_walk(serve_demo_client, f"/{version}/footprints", token), version)
    assert len(named["tocId"]) == 3
    assert named["tocId"] | named["hocId"] <= set(served)

