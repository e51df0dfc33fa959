"""The HTML footprint report names the company, the reporting period, the primary-data share
and every factor's source; counts are whole numbers; numeric headers sit over their numbers."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from typer.testing import CliRunner

from keten.cli.main import app
from keten.demo import demo_file


def test_footprint_report_contents(tmp_path: Path) -> None:
    from keten.services.demo import run_demo

    run = run_demo(tmp_path / "demo")
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, [
        "report", "html", "--footprint", str(demo_file("tces.csv")), "--tocs",
        str(run.files["tocs.csv"]), "--hocs", str(run.files["hocs.csv"]), "--company",
        "Demo Shipper B.V.", "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    body = re.sub(r"<script>.*?</script>", "", html, flags=re.S)
    assert "Demo Shipper B.V." in body
    # the period: first and last departure month of the input, read here from the file
    with demo_file("tces.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    months = sorted({r["departure_at"][:7] for r in rows if r.get("departure_at")})
    assert f"{months[0]} to {months[-1]}" in body
    # the primary-data share, recomputed from the per-TCE CSV the demo wrote
    with Path(run.files["footprint_tces.csv"]).open(encoding="utf-8") as f:
        tces = list(csv.DictReader(f))
    total = sum(float(t["co2e_wtw_kg"]) for t in tces)
    primary = sum(float(t["co2e_wtw_kg"]) for t in tces if t["data_source"] == "primary")
    assert f"{100 * primary / total:.0f} %" in body
    # factor sources: a default TOC with its published source, the user's own ids by file
    assert "Factors used" in body and "GLEC" in body and "tocs.csv" in body
    # TCE counts as whole numbers, and numeric headers aligned like their numbers
    assert re.search(r"<td class='num'>30</td>", body) and "30.0<" not in body
    assert "<th scope='col' class=num>CO2e WTW kg</th>" in body
    assert "NOx kg" in body and "<dd>0.0 kg</dd>" not in body  # small totals keep their digits
