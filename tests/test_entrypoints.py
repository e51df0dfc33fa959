"""Smoke-test every entry point: each ``keten`` sub-command answers --help, and the demo runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from keten.cli.main import app

runner = CliRunner()


def _command_paths() -> list[list[str]]:
    root = typer.main.get_command(app)
    paths: list[list[str]] = []

    def walk(cmd: Any, prefix: list[str]) -> None:
        # typer ships its own copy of click: recognise groups by their sub-commands, and ask
        # them (keten loads its commands on demand)
        paths.append(prefix)
        if hasattr(cmd, "list_commands"):
            ctx = cmd.make_context("keten", [], resilient_parsing=True)
            for name in cmd.list_commands(ctx):
                walk(cmd.get_command(ctx, name), [*prefix, name])

    walk(root, [])
    return paths


@pytest.mark.parametrize("path", _command_paths(), ids=lambda p: " ".join(p) or "keten")
def test_every_command_has_help(path: list[str]) -> None:
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_all_commands_are_reached() -> None:
    names = {" ".join(p) for p in _command_paths()}
    for expected in ("footprint", "factors list", "route", "network validate", "plan",
                     "chain verify", "keys generate", "serve", "report scope3", "report html",
                     "report iso14083",
                     "disrupt", "sweep", "dashboard", "user add", "credentials create",
                     "construction",
                     "partner add", "partner fetch", "partner request", "partner publish",
                     "partner intensities", "partner received", "partner remove",
                     "bundle", "load-factor", "ze-zones", "street-turns"):
        assert expected in names


def test_console_script_runs() -> None:
    exe = Path(sys.executable).parent / "keten"
    out = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert "footprint" in out.stdout


def test_demo_job_writes_its_files(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--out-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name in ("tocs.csv", "hocs.csv", "footprint.json", "footprint_tces.csv", "ileap.json"):
        assert (tmp_path / name).stat().st_size > 0
    assert "Total:" in result.output


def test_help_summaries_match_the_commands_and_flags_show_no_type() -> None:
    """``keten --help`` lists commands from SUMMARIES without importing them: each summary is
    the start of its command's own help; flags show no ``<bool>``."""
    from keten.cli.main import COMMANDS, SUMMARIES, _commands_of

    for name, summary in SUMMARIES.items():
        assert name in COMMANDS
        command = _commands_of(COMMANDS[name]).get_command(None, name)
        assert " ".join((command.help or "").split()).startswith(summary), name
    result = runner.invoke(app, ["plan", "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0 and "<bool>" not in result.output
    assert "--lp" in result.output
