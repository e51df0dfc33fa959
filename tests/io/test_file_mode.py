"""Output files get the mode the user's umask gives (not mkstemp's 0600); private keys stay
0600."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from keten.cli.main import app
from keten.io.keys import atomic_write_bytes
from keten.io.tables import write_text_atomic

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_atomic_writes_follow_the_umask(tmp_path: Path, umask: None, mask: int,
                                        expected: int) -> None:
    os.umask(mask)
    write_text_atomic(tmp_path / "a.csv", "x\n")
    atomic_write_bytes(tmp_path / "b.json", b"{}")
    # the same as a file Python creates the ordinary way
    (tmp_path / "plain.txt").write_text("x")
    assert mode(tmp_path / "a.csv") == mode(tmp_path / "b.json") == expected
    assert mode(tmp_path / "plain.txt") == expected


def test_cli_outputs_are_readable_and_private_keys_are_not(tmp_path: Path, umask: None) -> None:
    os.umask(0o022)
    runner = CliRunner()
    env = {"KETEN_HOME": str(tmp_path / "home")}
    out = tmp_path / "tocs.csv"
    fuel = ROOT / "src" / "keten" / "demo" / "data" / "fuel_activity.csv"
    assert runner.invoke(app, ["toc", str(fuel), "--format", "csv", "-o", str(out)],
                         env=env).exit_code == 0
    assert mode(out) == 0o644
    keys = tmp_path / "keys"
    keys.mkdir()
    assert runner.invoke(app, ["keys", "generate", "--company", "c", "--name", "C", "--out",
                               str(keys)], env=env).exit_code == 0
    assert mode(keys / "c.key.pem") == 0o600
    assert mode(keys / "c.pub.pem") == 0o644
