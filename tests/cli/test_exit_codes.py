"""Every user error ends with the exit code of the README's table and a one-line reason
(2 bad input, 3 no route, 4 not found, 6 broken chain)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from keten.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
TCES = ROOT / "src" / "keten" / "demo" / "data" / "tces.csv"
runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"KETEN_HOME": str(tmp_path / "home"), "COLUMNS": "80", "NO_COLOR": "1"}


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        yield s.getsockname()[1]


CASES = [
    # (arguments, exit code, words of the reason)
    (["route", "NLRTM", "DEDUI", "--mass-kg", "1000", "--objective", "cheapest"], 2,
     "unknown objective 'cheapest'"),
    (["route", "Rotterdm", "DEDUI", "--mass-kg", "1000"], 2, "did you mean Rotterdam"),
    (["route", "NLRTM", "DEDUI", "--mass-kg", "1000", "--modes", "pipeline"], 3, "no"),
    (["route", "NLRTM", "DEDUI", "--mass-kg", "1000", "--modes", "hovercraft"], 2,
     "unknown mode"),
    (["plan", "--demo", "--integer", "true"], 2, "take no value"),
    (["plan", "--demo", "--format", "xml"], 2, "'xml' is not one of"),
    (["footprint", str(TCES)], 2, "--tocs FILE"),
    (["footprint", "no-such-file.csv"], 2, "file not found"),
    (["factors", "show", "road_artic_40t_diesl"], 2, "road_artic_40t_diesel"),
    (["report", "scope3", "--year", "2026", "--company", "nobody"], 4, "no company 'nobody'"),
]


@pytest.mark.parametrize(("args", "code", "reason"), CASES, ids=[" ".join(c[0][:3])
                                                                 for c in CASES])
def test_user_errors_get_the_documented_exit_code(args: list[str], code: int, reason: str,
                                                  env: dict[str, str]) -> None:
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == code, result.output
    assert reason in " ".join(result.output.split())
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", ["dashboard", "serve"])
def test_a_busy_port_is_bad_input_with_a_hint(command: str, busy_port: int,
                                              env: dict[str, str]) -> None:
    result = runner.invoke(app, [command, "--port", str(busy_port)], env=env)
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert f"port {busy_port}" in text and "--port" in text and "KETEN_PORT" in text
    assert "Ctrl+C" not in text  # it fails before it says it serves


def test_a_tampered_chain_exits_6(tmp_path: Path, env: dict[str, str]) -> None:
    keys, bundle = tmp_path / "keys", tmp_path / "bundle.json"
    own = tmp_path / "own.json"
    own.write_text(json.dumps({"shipment_id": "S1", "co2e_wtw_kg": "10", "co2e_ttw_kg": "8",
                               "nox_kg": "0.1", "pm_kg": "0.01",
                               "transport_activity_tkm": "100",
                               "factor_set": "keten-2026.1"}))
    trust = keys / "trust.json"
    for args in (["keys", "generate", "--company", "c", "--name", "C", "--out", str(keys),
                  "--trust", str(trust)],
                 ["chain", "sign", "--key", str(keys / "c.key.pem"), "--company", "c",
                  "--own", str(own), "-o", str(bundle)]):
        assert runner.invoke(app, args, env=env).exit_code == 0
    doc = bundle.read_text().replace('"10"', '"9"', 1)
    assert doc != bundle.read_text()
    bundle.write_text(doc)
    result = runner.invoke(app, ["chain", "verify", str(bundle), "--trust", str(trust)], env=env)
    assert result.exit_code == 6, result.output
