"""Slow commands say what they are doing on a terminal (a spinner on stderr, cleared when
done) and print nothing of it into pipes, files or JSON: the 2018 backtest, criticality,
risk exposure and TOC/HOC intensities."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from keten.cli import render
from keten.cli.main import app

runner = CliRunner()
DEMO = Path(__file__).resolve().parents[2] / "src" / "keten" / "demo" / "data"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("args", "label"), [
    (["backtest", "--network", "sketch"], "simulating the 2018 Rhine low water"),
    (["criticality", "--network", "sketch", "--top", "2"], "taking out each link of the"),
    (["risk-exposure", "--network", "sketch", "--links", "1", "--terminals", "1"],
     "taking out each terminal and link"),
    (["toc", str(DEMO / "fuel_activity.csv")], "computing TOC intensities from fuel_activity"),
    (["hoc", str(DEMO / "hub_energy.csv")], "computing HOC intensities from hub_energy"),
])
def test_slow_command_shows_a_status_on_a_terminal_only(
        args: list[str], label: str, monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(render, "Console",
                        lambda stderr=False: Console(file=terminal, force_terminal=True,
                                                     width=80))
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert label in terminal.getvalue()
    assert label not in result.output  # stdout stays the table
    monkeypatch.setattr(render, "Console", lambda stderr=False: Console(
        file=io.StringIO(), width=80))  # stderr a pipe: is_terminal is False
    piped = runner.invoke(app, [*args, "--format", "json"])
    assert piped.exit_code == 0, piped.output
    json.loads(piped.stdout)  # nothing but the JSON document
    assert label not in piped.output
