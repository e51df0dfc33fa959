"""``keten dashboard`` computes the resilience page's first views in the background (``--warm``,
the default), and the page's own first request is then answered from them."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from keten.cli.main import app

runner = CliRunner()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(("flag", "warmed"), [([], True), (["--no-warm"], False)])
def test_the_dashboard_warms_the_resilience_views_unless_told_not_to(
        flag: list[str], warmed: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    import keten.services.dashboard as views

    calls: list[str] = []
    done = threading.Event()

    def warm() -> None:
        calls.append(threading.current_thread().name)
        done.set()

    monkeypatch.setattr(views, "warm_resilience_views", warm)
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: done.wait(2))  # serving, briefly
    result = runner.invoke(app, ["dashboard", "--no-demo", "--port", str(_free_port()), *flag],
                           env={"KETEN_HOME": str(tmp_path / "home"), "COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert calls == (["keten-warm"] if warmed else [])


def test_the_pages_first_request_is_the_warmed_view() -> None:
    """The page always sends its capacity fields; at their defaults they are the default run,
    so the warmed view answers (and carries the request's own sources)."""
    import keten.services.dashboard as views
    from keten.web.api import _capacity_params

    first = views.lowwater_view(views.FIRST_DISCHARGE_M3S)
    kept = len(views._LOWWATER_VIEWS)
    d = views.capacity_form_defaults()  # what the page's fields show
    page = views.lowwater_view(views.FIRST_DISCHARGE_M3S, _capacity_params(
        str(round(d["rail_paths"])), str(round(d["trucks"])), str(d["fleet_utilisation"])))
    assert len(views._LOWWATER_VIEWS) == kept  # no second run
    assert page["totals"] == first["totals"]
    sources = {r["setting"]: r["source"] for r in page["capacity"]}
    assert sources["rail.border_paths_per_day.NL-DE"] == "scenario file"
    other = views.lowwater_view(views.FIRST_DISCHARGE_M3S, _capacity_params(
        str(round(d["rail_paths"]) // 2), str(round(d["trucks"])), str(d["fleet_utilisation"])))
    assert len(views._LOWWATER_VIEWS) == kept + 1
    assert other["totals"]["extra_cost_eur"] > first["totals"]["extra_cost_eur"]

