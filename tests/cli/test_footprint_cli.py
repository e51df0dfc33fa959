"""``keten footprint``, ``keten toc``, ``keten hoc`` and ``keten factors`` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from typer.testing import CliRunner

from keten.cli.main import app
from keten.demo import demo_file

runner = CliRunner()
REF = Path(__file__).resolve().parents[1] / "reference" / "data"
TCES = REF / "ileap_end_to_end_tces.csv"
TOCS = REF / "ileap_end_to_end_tocs.csv"


def test_json_format_has_the_documented_shape() -> None:
    result = runner.invoke(app, ["footprint", str(TCES), "--tocs", str(TOCS), "-f", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    (s,) = doc["shipments"]
    for key in (
        "shipment_id",
        "mass_kg",
        "transport_activity_tkm",
        "co2e_wtw_kg",
        "co2e_ttw_kg",
        "nox_kg",
        "pm_kg",
        "sox_kg",
        "tces",
    ):
        assert key in s
    assert s["transport_activity_tkm"] == 64.728
    assert s["co2e_wtw_kg"] == 8.42769
    assert [t["tce_id"] for t in s["tces"]] == ["abcdef", "ghijkl"]
    assert doc["factor_set"] and doc["method"].startswith("ISO 14083")


def test_ileap_format_and_output_file(tmp_path: Path) -> None:
    out = tmp_path / "ileap.json"
    result = runner.invoke(
        app,
        [
            "footprint", str(TCES), "--tocs", str(TOCS), "-f", "ileap", "-o", str(out),
            "--pact-version", "2", "--company-name", "Organizer Z", "--company-urn", "urn:x:z",
        ],
    )
    assert result.exit_code == 0, result.output
    (pf,) = json.loads(out.read_text())
    assert pf["pcf"]["pCfExcludingBiogenic"] == "8.42769"
    assert (pf["companyName"], pf["companyIds"]) == ("Organizer Z", ["urn:x:z"])


def test_ileap_format_needs_a_real_company(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("KETEN_HOME", str(tmp_path / "home"))
    result = runner.invoke(app, ["footprint", str(TCES), "--tocs", str(TOCS), "-f", "ileap"])
    assert result.exit_code == 2 and "--company" in result.output


def test_csv_and_parquet_stream_to_files(tmp_path: Path) -> None:
    for fmt in ("csv", "parquet"):
        out = tmp_path / f"r.{fmt}"
        result = runner.invoke(
            app,
            [
                "footprint",
                str(demo_file("tces.csv")),
                "--format",
                fmt,
                "-o",
                str(out),
                "--tocs",
                str(tmp_path / "tocs.csv"),
            ],
        )
        # no tocs file yet: one clear error, exit 2, nothing written
        assert result.exit_code == 2 and not out.exists()
    runner.invoke(
        app,
        ["toc", str(demo_file("fuel_activity.csv")), "-f", "csv", "-o", str(tmp_path / "tocs.csv")],
    )
    runner.invoke(
        app,
        ["hoc", str(demo_file("hub_energy.csv")), "-f", "csv", "-o", str(tmp_path / "hocs.csv")],
    )
    out = tmp_path / "r.parquet"
    result = runner.invoke(
        app,
        [
            "footprint",
            str(demo_file("tces.csv")),
            "-f",
            "parquet",
            "-o",
            str(out),
            "--tocs",
            str(tmp_path / "tocs.csv"),
            "--hocs",
            str(tmp_path / "hocs.csv"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert pq.read_table(out).num_rows == len(demo_file("tces.csv").read_text().splitlines()) - 1


def test_bad_input_exits_2_with_report(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("shipment_id,tce_id,toc_id,mass_kg,distance_km\nS,T,nope,-1,5\n")
    out = tmp_path / "out.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "keten.cli.main",
            "footprint",
            str(bad),
            "-f",
            "json",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "row 2" in proc.stderr and "mass_kg" in proc.stderr and "nope" in proc.stderr
    assert not out.exists()


def test_toc_and_hoc_commands_print_intensities() -> None:
    result = runner.invoke(app, ["toc", str(demo_file("fuel_activity.csv")), "-f", "json"])
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in json.loads(result.output)}
    assert rows["carrierx_barge_waal"]["data_source"] == "primary"
    assert 0 < rows["carrierx_barge_waal"]["co2e_wtw_kg_per_unit"] < 0.1
    result = runner.invoke(app, ["hoc", str(demo_file("hub_energy.csv")), "-f", "json"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)) == 6


def test_factors_list_and_show() -> None:
    result = runner.invoke(app, ["factors", "list", "--kind", "toc", "-f", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["factor_set"] and all(f["source"] for f in doc["factors"])
    toc_id = doc["factors"][0]["toc_id"]
    result = runner.invoke(app, ["factors", "show", toc_id, "-f", "json"])
    assert result.exit_code == 0 and json.loads(result.output)["toc_id"] == toc_id
    result = runner.invoke(app, ["factors", "show", "road_artic_40t_diesl"])
    assert result.exit_code != 0
    result = runner.invoke(app, ["factors", "list", "--kind", "nonsense"])
    assert result.exit_code == 2


def test_an_unwritable_output_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = runner.invoke(app, ["footprint", str(TCES), "--tocs", str(TOCS), "-f", "json",
                                 "-o", str(blocker / "out.json")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_table_format_can_be_written_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "footprint.txt"
    result = runner.invoke(app, ["footprint", str(TCES), "--tocs", str(TOCS), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "Shipments (1)" in text and "1237890" in text and "8.428" in text


def test_the_table_and_its_total_line_fit_80_columns_through_a_pipe() -> None:
    """A real process writing to a pipe at COLUMNS=80: tables fit, and the total line is
    wrapped on words by keten (the terminal would have cut it anywhere, "14083" included)."""
    keten = str(Path(sys.executable).parent / "keten")
    proc = subprocess.run([keten, "footprint", str(TCES), "--tocs", str(TOCS)],
                          capture_output=True, text=True, check=True,
                          env={**os.environ, "COLUMNS": "80"})
    lines = proc.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    total = proc.stdout[proc.stdout.index("Total: "):].splitlines()
    assert any("14083:2023" in line for line in total)  # whole, on one line
    assert any("8.428 kg CO2e WTW" in line for line in total)


def test_a_hub_row_has_no_tonne_km_and_the_table_says_why(tmp_path: Path) -> None:
    """A hub handles tonnes and moves nothing over a distance: its tkm is "–" with a key, not
    a measured-looking "0.0"."""
    tces = tmp_path / "tces.csv"
    tces.write_text("shipment_id,tce_id,prev_tce_ids,toc_id,hoc_id,mass_kg,distance_km\n"
                    "S1,T1,,road_artic_40t_diesel,,20000,100\n"
                    "S1,H1,T1,,hub_transshipment_ambient,20000,\n")
    result = runner.invoke(app, ["footprint", str(tces)], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    hub = next(line for line in result.output.splitlines() if line.startswith("│ hub"))
    assert [c.strip() for c in hub.split("│")[1:4]] == ["hub:transshipment", "1", "–"]
    road = next(line for line in result.output.splitlines() if line.startswith("│ road "))
    assert road.split("│")[3].strip() == "2,000"
    assert "tkm –: does not apply to a hub" in result.output
