"""The chain-effectiveness commands on the demo data, and their exit codes on bad input."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from keten.cli.main import app

runner = CliRunner()


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env={"COLUMNS": "80"})


def test_bundle_json(tmp_path: Path) -> None:
    out = tmp_path / "b.json"
    r = run("bundle", "--together", "--allocation", "tkm", "--time-limit", "0.3", "-f", "json",
            "-o", str(out))
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    assert doc["together"]["shipments_served"] == 21 and doc["routes"]


def test_bundle_bad_input_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "s.csv"
    bad.write_text("shipment_id,shipper,pickup,delivery,mass_kg\nx,A,Atlantis,Venlo,-5\n")
    fleet = Path(__file__).parents[2] / "src/keten/bundling/data/demo_fleet.csv"
    r = run("bundle", str(bad), "--fleet", str(fleet))
    assert r.exit_code == 2
    assert "row 2" in r.output and "mass_kg" in r.output and "Atlantis" in r.output


def test_load_factor_and_zone_list() -> None:
    r = run("load-factor", "--target", "0.8")
    assert r.exit_code == 0 and "EDF" in r.output
    r = run("ze-zones", "--list", "-f", "json")
    assert r.exit_code == 0
    zones = json.loads(r.output)
    assert {z["zone"] for z in zones} >= {"ZE-ROTTERDAM", "ZE-AMSTERDAM", "ZE-UTRECHT"}
    assert all("NDW open data" in z["source"] for z in zones)
    by_id = {z["zone"]: z for z in zones}
    assert by_id["ZE-APELDOORN"]["in force"] == ("yes" if date.today() >= date(2030, 1, 1)
                                                 else "no")
    r = run("ze-zones", "--list", "--on", "2030-01-01", "-f", "json")
    assert {z["in force"] for z in json.loads(r.output)} == {"yes"}
    r = run("ze-zones", "--on", "next week")
    assert r.exit_code == 2 and "not a date" in r.output
