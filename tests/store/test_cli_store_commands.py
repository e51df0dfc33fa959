"""``keten company``, ``keten credentials`` and ``keten report scope3`` on a real store file."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from keten.cli.main import app
from keten.services import auth
from keten.settings import Settings
from keten.store import open_store


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("KETEN_HOME", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "200")  # rich tables unwrapped
    monkeypatch.delenv("KETEN_DATABASE_URL", raising=False)
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


def test_company_and_credentials_lifecycle(run: Any, tmp_path: Path) -> None:
    assert run("company", "add", "Rijn Barge Lines", "--urn", "urn:example:rbl").exit_code == 0
    listed = json.loads(run("company", "list", "--json").stdout)
    assert listed[0]["id"] == "rijn-barge-lines" and listed[0]["company_urns"] == [
        "urn:example:rbl"
    ]
    created = run(
        "credentials",
        "create",
        "rijn-barge-lines",
        "--client-id",
        "test_client_id",
        "--client-secret",
        "test_client_secret",
    )
    assert "client_secret=test_client_secret" in created.stdout
    store = open_store(Settings(home=tmp_path))
    key = auth.signing_key(store, None)
    auth.issue_token(store, key, "test_client_id", "test_client_secret", 60)
    rotated = run("credentials", "rotate", "test_client_id").stdout
    new_secret = rotated.split("client_secret=")[1].strip()
    assert new_secret != "test_client_secret"
    auth.issue_token(store, key, "test_client_id", new_secret, 60)
    assert run("credentials", "revoke", "test_client_id").exit_code == 0
    assert json.loads(run("company", "list", "--json").stdout)[0]["active_credentials"] == 0
    generated = run("credentials", "create", "rijn-barge-lines").stdout
    assert generated.startswith("client_id=keten-")
    store.close()


def test_cli_errors_exit_non_zero(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess
    import sys

    env = {"KETEN_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    keten = [sys.executable, "-m", "keten.cli.main"]
    missing = subprocess.run(
        [*keten, "credentials", "create", "nobody"], env=env, capture_output=True, text=True
    )
    assert missing.returncode == 4 and "no company 'nobody'" in missing.stderr
    bad = subprocess.run(
        [*keten, "company", "add", "X", "--urn", "nourn"], env=env, capture_output=True, text=True
    )
    assert bad.returncode == 2 and "is not a URN" in bad.stderr


def test_import_and_scope3_report(run: Any, tmp_path: Path, make_shipment_footprint: Any) -> None:
    run("company", "add", "Shipper", "--id", "shipper")
    up = tmp_path / "inbound.json"
    up.write_text(json.dumps([make_shipment_footprint("IN-1", [("10000", "100", "120", "100")])]))
    down = tmp_path / "outbound.json"
    down.write_text(
        json.dumps({"shipmentFootprints": [make_shipment_footprint("OUT-1")], "tads": []})
    )
    assert (
        run(
            "company",
            "import",
            "shipper",
            str(up),
            "--direction",
            "upstream",
            "--primary-share",
            "100",
        ).exit_code
        == 0
    )
    assert (
        run("company", "import", "shipper", str(down), "--direction", "downstream").exit_code == 0
    )
    again = run(
        "company", "import", "shipper", str(up), "--direction", "upstream", "--primary-share", "100"
    )
    assert "0 shipment(s) added, 1 updated" in again.stdout
    as_json = json.loads(run("report", "scope3", "--year", "2025", "--format", "json").stdout)
    rows = {r["scope3_category"]: r for r in as_json["rows"]}
    assert rows[4]["co2e_wtw_kg"] == pytest.approx(120) and rows[4]["shipments"] == 1
    assert rows[4]["primary_data_share_pct"] == pytest.approx(100)
    assert rows[9]["co2e_wtw_kg"] == pytest.approx(75.1)
    as_csv = list(
        csv.DictReader(
            io.StringIO(
                run(
                    "report", "scope3", "--year", "2025", "--company", "shipper", "--format", "csv"
                ).stdout
            )
        )
    )
    assert [r["scope3_category"] for r in as_csv] == ["4", "9"]
    table = run("report", "scope3", "--year", "2025").stdout
    assert "4 upstream" in table and "9 downstream" in table
    assert "no shipments" in run("report", "scope3", "--year", "1999").stdout


def test_scope3_table_keeps_numbers_whole_at_80_columns_and_csv_has_no_float_noise(
        run: Any, tmp_path: Path, make_shipment_footprint: Any) -> None:
    run("company", "add", "Shipper", "--id", "shipper")
    legs = [("24000", "1234", "91234.567", "70001.1"), ("18000", "333", "0.1", "0.2")]
    doc = tmp_path / "big.json"
    doc.write_text(json.dumps([make_shipment_footprint("BIG-1", legs)]))
    assert run("company", "import", "shipper", str(doc), "--direction", "upstream").exit_code == 0
    keten = str(Path(sys.executable).parent / "keten")  # a real process at an 80-column width
    table = subprocess.run([keten, "report", "scope3", "--year", "2025"], capture_output=True,
                           text=True, check=True, env={**os.environ, "COLUMNS": "80"}).stdout
    assert "91,234.7" in table and "…" not in table  # before: "91,234…" at 80 columns
    assert all(len(line) <= 80 for line in table.splitlines())
    text = run("report", "scope3", "--year", "2025", "--format", "csv").stdout
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert row["co2e_wtw_kg"] == "91234.667"  # 91234.567 + 0.1, without 91234.66699999999
    assert row["transport_activity_tkm"] == "35610.0"
