"""``keten report iso14083``: the disclosure's totals equal the footprint, and a verifier can
recompute every figure from the exported JSON alone (same decimals)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from keten.cli.main import app
from keten.demo import demo_file
from keten.factors.library import DEFAULT_FACTOR_SET
from keten.services.demo import run_demo
from keten.services.footprint import footprint
from keten.services.report_iso14083 import iso14083_report

runner = CliRunner()


def _recompute(doc: dict) -> None:
    """A verifier's check, independent of keten's code: only the JSON and Decimal, with the
    README's rule: each TCE figure rounded to 12 decimals (half to even), chains and totals
    the exact sums of their TCEs."""
    q = Decimal("1e-12")
    factors = {r["toc_id"]: r for r in doc["factors_used"]["tocs"]}
    factors |= {r["hoc_id"]: r for r in doc["factors_used"]["hocs"]}
    total = Decimal(0)
    for chain in doc["chains"]:
        chain_sum = Decimal(0)
        for t in chain["tces"]:
            f = factors[t["factor_id"]]
            if t["kind"] == "transport" and t["activity_unit"] == "tkm":
                activity = Decimal(t["mass_kg"]) / 1000 * Decimal(t["distance_km"])
                assert Decimal(t["activity"]) == activity.quantize(q)
            wtw = (Decimal(t["activity"]) * Decimal(f["co2e_wtw_kg_per_unit"])).quantize(q)
            ttw = (Decimal(t["activity"]) * Decimal(f["co2e_ttw_kg_per_unit"])).quantize(q)
            assert Decimal(t["co2e_wtw_kg"]) == wtw, t
            assert Decimal(t["co2e_ttw_kg"]) == ttw, t
            assert f["source"] and f["status"] in ("published", "derived", "user")
            chain_sum += wtw
        assert Decimal(chain["co2e_wtw_kg"]) == chain_sum
        total += chain_sum
    assert Decimal(doc["totals"]["co2e_wtw_kg"]) == total


def test_report_totals_equal_the_footprint_and_recompute_from_the_json(tmp_path: Path) -> None:
    tces = demo_file("tces.csv")
    run = run_demo(tmp_path / "demo")  # the demo's primary TOCs and HOCs
    tocs, hocs = run.files["tocs.csv"], run.files["hocs.csv"]
    out_json, out_html = tmp_path / "r.json", tmp_path / "r.html"
    result = runner.invoke(
        app,
        [
            "report",
            "iso14083",
            str(tces),
            "--year",
            "2026",
            "--json",
            str(out_json),
            "-o",
            str(out_html),
            "--organisation",
            "Demo Shipper",
            "--tocs",
            str(tocs),
            "--hocs",
            str(hocs),
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(out_json.read_text())  # export, re-import
    fp = footprint(tces, tocs, hocs)
    assert Decimal(doc["totals"]["co2e_wtw_kg"]) == sum(s.co2e_wtw_kg for s in fp.shipments)
    # the bulk float64 path agrees to float rounding
    assert float(doc["totals"]["co2e_wtw_kg"]) == pytest.approx(
        fp.totals()["co2e_wtw_kg"], rel=1e-12
    )
    assert doc["factor_set"]["version"] == fp.factor_set == DEFAULT_FACTOR_SET
    _recompute(doc)
    shares = doc["data_quality"]["by_data_source"]
    assert sum(Decimal(v) for v in shares.values()) == Decimal(1)
    assert set(doc["distance_basis"]) <= {"actual", "sfd", "gcd"}
    for section in ("Allocation", "Emissions per TOC and HOC", "Factors used", "Excluded"):
        assert section in out_html.read_text()


def test_period_excludes_shipments_and_pinned_set_is_recorded() -> None:
    rows = [
        {
            "shipment_id": "in",
            "tce_id": "a",
            "mass_kg": 1000,
            "distance_km": 100,
            "toc_id": "iww_motor_vessel_1500_3000t",
            "departure_at": "2026-03-01T08:00:00Z",
        },
        {
            "shipment_id": "out",
            "tce_id": "b",
            "mass_kg": 1000,
            "distance_km": 100,
            "toc_id": "road_artic_40t_diesel",
            "departure_at": "2025-12-31T08:00:00Z",
        },
    ]
    result = footprint(rows, factor_set="keten-2026.1")
    doc = iso14083_report(result, date(2026, 1, 1), date(2026, 12, 31))
    assert [c["shipment_id"] for c in doc["chains"]] == ["in"]
    assert doc["exclusions"]["shipments"][0]["shipment_id"] == "out"
    assert doc["factor_set"]["version"] == "keten-2026.1"
    # keten-2026.1 value for the 110 m motor vessel: 0.03193 kg/tkm x 100 tkm
    assert Decimal(doc["totals"]["co2e_wtw_kg"]) == Decimal("3.193")
    _recompute(doc)
