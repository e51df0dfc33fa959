"""The README's examples run as written: every `keten ...` line and every Python block."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
KETEN = str(Path(sys.executable).parent / "keten")


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def _keten_lines() -> list[str]:
    lines = []
    for block in _blocks("sh"):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("keten "):
                lines.append(line)
    return lines


def _env(work: Path) -> dict[str, str]:
    """The examples keep their store in the work folder, not in the user's ~/.keten."""
    return {**os.environ, "KETEN_HOME": str(work / "home"), "COLUMNS": "120"}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder that looks like the repository to the examples, after `make run`."""
    work = tmp_path_factory.mktemp("readme")
    (work / "src").symlink_to(ROOT / "src")
    run = subprocess.run(
        [KETEN, "demo", "--out-dir", "out/demo"],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    return work


def test_readme_has_examples() -> None:
    assert len(_keten_lines()) >= 25
    assert _blocks("python")


@pytest.mark.parametrize("line", _keten_lines())
def test_readme_command_runs(line: str, workdir: Path) -> None:
    args = shlex.split(line)
    proc = subprocess.run(
        [KETEN, *args[1:]],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
        env=_env(workdir),
    )
    assert proc.returncode == 0, f"{line}\n{proc.stdout}\n{proc.stderr}"


@pytest.mark.parametrize("code", _blocks("python"))
def test_readme_python_runs(code: str, workdir: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=workdir, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
