"""``keten partner list`` / ``received`` at 80 columns: a URL is never cut, the columns that
do not fit are named, and an empty list says what to do instead of drawing an empty table."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from keten.cli.main import app

runner = CliRunner()
URL = "https://pact.rijnvaart-binnenvaart.example/api"


def test_partner_list_keeps_urls_whole_and_empty_lists_say_what_to_do(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KETEN_HOME", str(tmp_path))
    env = {"COLUMNS": "80"}
    assert runner.invoke(app, ["company", "add", "Demo Shipper", "--id", "demo-shipper"],
                         env=env).exit_code == 0
    empty = runner.invoke(app, ["partner", "list"], env=env)
    assert empty.exit_code == 0 and empty.output.startswith("no partners yet: keten partner add")
    added = runner.invoke(app, ["partner", "add", "rijnvaart", "--company", "demo-shipper",
                                "--url", URL, "--client-id", "shipper-at-rijnvaart",
                                "--client-secret", "change-me-please"], env=env)
    assert added.exit_code == 0, added.output
    listed = runner.invoke(app, ["partner", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    assert URL in listed.output and "…" not in listed.output
    assert max(len(line) for line in listed.output.splitlines()) <= 80
    received = runner.invoke(app, ["partner", "received", "--company", "demo-shipper"], env=env)
    assert received.exit_code == 0
    assert received.output.strip() == "nothing received yet: keten partner fetch NAME"
