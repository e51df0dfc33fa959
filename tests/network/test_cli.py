"""``keten network ...`` and ``keten route`` through the real typer app."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from keten.cli.main import app

runner = CliRunner()
ENV = {"COLUMNS": "200", "NO_COLOR": "1"}


def test_route_json_matches_the_documented_shape() -> None:
    res = runner.invoke(app, ["route", "NLRTM", "DEDUI", "--mass-kg", "20000", "--format",
                              "json", "--alternatives", "3", "--objective", "cost=1,co2e=100"],
                        env=ENV)
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert list(doc) == ["origin", "destination", "options"]
    assert len(doc["options"]) == 3
    assert list(doc["options"][0]) == ["modes", "legs", "distance_km", "time_h", "cost_eur",
                                       "co2e_wtw_kg", "co2e_ttw_kg", "nox_kg", "pm_kg"]


def test_route_table_geojson_and_mode_restriction() -> None:
    res = runner.invoke(app, ["route", "Tilburg", "NLRTM-MV", "--mass-kg", "15000", "--teu", "1",
                              "--modes", "road,inland_waterway", "-k", "2"], env=ENV)
    assert res.exit_code == 0, res.output
    assert "barge" in res.stdout and "legs of option 1" in res.stdout
    res = runner.invoke(app, ["route", "NLRTM", "NLVEN", "--mass-kg", "1000", "--modes", "rail",
                              "--format", "geojson"], env=ENV)
    assert res.exit_code == 0, res.output
    features = json.loads(res.stdout)["features"]
    assert features and all(f["properties"]["mode"] == "rail" for f in features)


def test_route_errors_exit_2_and_3() -> None:
    res = runner.invoke(app, ["route", "Tilbrg", "NLRTM", "--mass-kg", "10"], env=ENV)
    assert res.exit_code == 2
    assert "tilburg" in res.output
    res = runner.invoke(app, ["route", "NLNIJ", "NLEEM", "--mass-kg", "10", "--modes", "rail"],
                        env=ENV)
    assert res.exit_code == 3
    assert "modes tried: rail" in res.output


def test_network_show_export_validate(tmp_path: Path) -> None:
    res = runner.invoke(app, ["network", "show", "--format", "json"], env=ENV)
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["links_by_mode"]["inland_waterway"] > 50
    # JSON: the table's width depends on the terminal rich saw when keten.cli was imported
    res = runner.invoke(app, ["network", "show", "--what", "links", "--mode", "rail",
                              "--network", "sketch", "--format", "json"], env=ENV)
    assert res.exit_code == 0 and "Betuweroute" in res.stdout
    out = tmp_path / "nl.gpkg"  # the sketch by name: the default's export is in test_io_validate
    res = runner.invoke(app, ["network", "export", str(out), "--network", "sketch"], env=ENV)
    assert res.exit_code == 0 and out.exists()
    res = runner.invoke(app, ["network", "validate", str(out)], env=ENV)
    assert res.exit_code == 0, res.output
    assert "is valid" in res.stdout
    res = runner.invoke(app, ["route", "NLRTM", "DEDUI", "--mass-kg", "1000", "--network",
                              str(out), "--format", "json"], env=ENV)
    assert res.exit_code == 0, res.output


def test_network_import_osm_reports_problems(tmp_path: Path, osm_fixture: Path) -> None:
    out = tmp_path / "osm.geojson"
    res = runner.invoke(app, ["network", "import", str(osm_fixture), str(out), "--strict"],
                        env=ENV)
    assert res.exit_code == 2 and not out.exists()  # --strict: a warning is an error
    assert "disconnected part" in res.output
    res = runner.invoke(app, ["network", "import", str(osm_fixture), str(out)], env=ENV)
    assert res.exit_code == 0, res.output  # the rail way stands alone: a warning only
    assert out.exists() and "disconnected part" in res.output
    res = runner.invoke(app, ["network", "validate", str(out), "--format", "json"], env=ENV)
    assert res.exit_code == 0
    doc = json.loads(res.stdout)
    assert doc["components"] == 2 and doc["ok"] and len(doc["warnings"]) == 1
    res = runner.invoke(app, ["network", "validate", str(out), "--strict"], env=ENV)
    assert res.exit_code == 2


def test_network_import_fairways(tmp_path: Path, fairways: Path) -> None:
    out = tmp_path / "fairways"
    res = runner.invoke(app, ["network", "import", str(fairways), str(out), "--mode",
                              "inland_waterway", "--from-col", "VWJ_ID_BEG", "--to-col",
                              "VWJ_ID_END", "--id-col", "VWK_ID"], env=ENV)
    assert (out / "links.csv").exists()
    assert "3,721 links" in res.output
    assert res.exit_code == 0  # two small islands apart from the main network: warnings
    assert res.output.count("disconnected part") == 2
