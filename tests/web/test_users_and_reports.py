"""Dashboard users (service and ``keten user``), the demo loader, ``keten report html`` and the
chart builders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from keten.cli.main import app
from keten.demo import demo_file
from keten.errors import NotFoundError, ValidationError
from keten.services import dashboard_users
from keten.services.dashboard import load_dashboard_demo, network_view
from keten.store import Store
from keten.web import charts


def test_users_hash_passwords_and_check_them(sqlite_store: Store) -> None:
    with pytest.raises(ValidationError) as exc:
        dashboard_users.add_user(sqlite_store, "", "short")
    assert len(exc.value.problems) == 2
    with pytest.raises(NotFoundError):
        dashboard_users.add_user(sqlite_store, "ann", "long-enough", "no-such-company")
    dashboard_users.add_user(sqlite_store, "ann", "long-enough")
    with pytest.raises(ValidationError):
        dashboard_users.add_user(sqlite_store, "ann", "another-one")
    assert dashboard_users.authenticate_user(sqlite_store, "ann", "long-enough") is not None
    assert dashboard_users.authenticate_user(sqlite_store, "ann", "wrong-pass") is None
    assert dashboard_users.authenticate_user(sqlite_store, "bob", "long-enough") is None
    from keten.store import tables as t

    with sqlite_store.transaction() as session:
        row = session.get(t.DashboardUser, "ann")
        assert row is not None and "long-enough" not in row.password_hash
    dashboard_users.remove_user(sqlite_store, "ann")
    assert dashboard_users.list_users(sqlite_store) == []


def test_demo_loader_is_idempotent(sqlite_store: Store) -> None:
    first = load_dashboard_demo(sqlite_store)
    second = load_dashboard_demo(sqlite_store)
    assert first.statements_stored == 2 and second.statements_stored == 0
    assert dashboard_users.authenticate_user(sqlite_store, first.username, first.password)


def test_user_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KETEN_HOME", str(tmp_path))
    runner = CliRunner()
    added = runner.invoke(app, ["user", "add", "carla", "--password", "secret-pass"])
    assert added.exit_code == 0, added.output
    again = runner.invoke(app, ["user", "add", "carla", "--password", "secret-pass"])
    assert again.exit_code == 2 and "exists already" in again.output
    short = runner.invoke(app, ["user", "add", "dan", "--password", "x"])
    assert short.exit_code == 2
    listed = runner.invoke(app, ["user", "list"])
    assert "carla" in listed.output and "dan" not in listed.output


def _self_contained(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!doctype html>")
    assert "plotly.js v" in text[:20_000] or "plotly" in text[:20_000]
    # no external script, style or image (only the svg namespaces plotly.js declares)
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']?https?:""", text)
    return text


def test_report_html_footprint_is_self_contained(tmp_path: Path) -> None:
    from keten.services.demo import run_demo

    run = run_demo(tmp_path / "demo")
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, [
        "report", "html", "--footprint", str(demo_file("tces.csv")), "--tocs",
        str(run.files["tocs.csv"]), "--hocs", str(run.files["hocs.csv"]), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = _self_contained(out)
    assert text.count("Plotly.newPlot(") == 4
    assert "S041" in text
    assert not list(tmp_path.glob(".report.html.*"))  # written atomically, no leftovers


def test_report_html_scenario_and_plan(tmp_path: Path) -> None:
    out = tmp_path / "lowwater.html"
    result = CliRunner().invoke(app, ["report", "html", "--scenario", "lowwater:700",
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = _self_contained(out)
    assert text.count("Plotly.newPlot(") == 3 and "affected-points" in text
    plan = tmp_path / "plan.html"
    result = CliRunner().invoke(app, ["report", "html", "--plan", "-o", str(plan)])
    assert result.exit_code == 0, result.output
    assert _self_contained(plan).count("Plotly.newPlot(") == 3


def test_report_html_needs_exactly_one_subject(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    none = CliRunner().invoke(app, ["report", "html", "-o", str(out)])
    assert none.exit_code == 2
    both = CliRunner().invoke(app, ["report", "html", "--plan", "--scenario", "lowwater:800",
                                    "-o", str(out)])
    assert both.exit_code == 2
    bad = CliRunner().invoke(app, ["report", "html", "--footprint", str(tmp_path / "no.csv"),
                                   "-o", str(out)])
    assert bad.exit_code == 2 and not out.exists()


def test_network_map_plain_and_with_tiles() -> None:
    view = network_view()
    plain = charts.network_map(view)
    assert {t["type"] for t in plain["data"]} == {"scatter"}
    assert plain["layout"]["yaxis"]["scaleanchor"] == "x"
    assert "map" not in plain["layout"]
    tiles = charts.network_map(view, "https://tiles.example/{z}/{x}/{y}.png")
    assert {t["type"] for t in tiles["data"]} == {"scattermap"}
    source = tiles["layout"]["map"]["style"]["sources"]["base"]
    assert source["tiles"] == ["https://tiles.example/{z}/{x}/{y}.png"]
    nodes = [t for t in plain["data"] if t["meta"]["role"] == "nodes"]
    assert sum(len(t["x"]) for t in nodes) == len(view["nodes"])


def test_service_lines_group_departures() -> None:
    lines = charts.service_lines([
        {"service_id": "R-A-B-Mon04", "used_teu": 3, "capacity_teu": 3, "share": 1.0},
        {"service_id": "R-A-B-Tue04", "used_teu": 0, "capacity_teu": 3, "share": 0.0},
        {"service_id": "custom", "used_teu": 1, "capacity_teu": 4, "share": 0.25},
    ])
    assert [(r["line"], r["share"], r["peak_share"], r["departures"]) for r in lines] == [
        ("R-A-B", 0.5, 1.0, 2), ("custom", 0.25, 0.25, 1)]


@pytest.mark.parametrize("module", ["keten.services.report_html", "keten.web.charts",
                                    "keten.web", "keten.api.app", "keten.web.app"])
def test_modules_import_on_their_own(module: str) -> None:
    """No import cycle between keten.api and keten.web, whichever is imported first."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True,
                         text=True, check=False)
    assert out.returncode == 0, out.stderr
