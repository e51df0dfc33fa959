"""Every bad-input class found by the hardening review (#17) gives a clear error naming the file
(and the row or byte where known), exit code 2, no traceback, and nothing written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from keten.cli.main import app
from keten.demo import demo_file

runner = CliRunner()
HEADER = "shipment_id,tce_id,prev_tce_ids,toc_id,hoc_id,mass_kg,distance_km,teu,departure_at\n"
ROAD = "road_artic_40t_diesel"


def _tce_csv(row: str) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / "tces.csv"
        path.write_bytes((HEADER + row + "\n").encode("utf-8", "surrogateescape"))
        return path

    return make


def _bytes(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(data)
        return path

    return make


def _truncated_parquet(tmp: Path) -> Path:
    full = tmp / "full.parquet"
    pq.write_table(pacsv.read_csv(demo_file("tces.csv")), full)
    data = full.read_bytes()
    path = tmp / "tces.parquet"
    path.write_bytes(data[: len(data) // 2])
    return path


def _latin1(tmp: Path) -> Path:
    path = tmp / "tces.csv"
    path.write_bytes((HEADER + f"S1,S1-T1\xe9,,{ROAD},,100,100,,\n").encode("latin-1"))
    return path


NESTED = b"[" * 100_000 + b"]" * 100_000

# (class, file maker, what the message must say)
FOOTPRINT_CASES: list[tuple[str, Callable[[Path], Path], str]] = [
    ("mass inf", _tce_csv(f"S1,S1-T1,,{ROAD},,inf,100,,"), "row 2, column 'mass_kg'"),
    ("mass 1e400", _tce_csv(f"S1,S1-T1,,{ROAD},,1e400,100,,"), "not a finite number"),
    ("distance inf", _tce_csv(f"S1,S1-T1,,{ROAD},,100,inf,,"), "column 'distance_km'"),
    ("teu NaN", _tce_csv(f"S1,S1-T1,,{ROAD},,100,100,NaN,"), "column 'teu'"),
    ("product overflow", _tce_csv(f"S1,S1-T1,,{ROAD},,1e308,1e308,,"), "mass × distance"),
    ("bad date", _tce_csv(f"S1,S1-T1,,{ROAD},,100,100,,2026-13-45T99:00"), "ISO 8601"),
    ("NUL in id", _tce_csv(f"S1,S1-\x00T1,,{ROAD},,100,100,,"), "control character"),
    ("latin-1 byte", _latin1, f"byte 0xe9 at byte {len(HEADER) + len('S1,S1-T1')} (line 2)"),
    ("binary garbage", _bytes("tces.csv", bytes(range(128, 256)) * 20), "not UTF-8"),
    ("truncated parquet", _truncated_parquet, "not a readable Parquet file"),
    ("nested JSON", _bytes("tces.json", NESTED), "nested too deeply"),
    ("invalid JSON", _bytes("tces.json", b'{"tces": [}'), "line 1, col 11"),
    ("empty JSON", _bytes("tces.json", b""), "not valid JSON"),
]


def _assert_clear(result: object, file: Path, says: str) -> None:
    output = result.output  # type: ignore[attr-defined]
    assert result.exit_code == 2, output  # type: ignore[attr-defined]
    assert "Traceback" not in output
    assert str(file) in output or file.name in output
    assert says in output, output


@pytest.mark.parametrize(("case", "make", "says"), FOOTPRINT_CASES, ids=[c[0] for c in
                                                                        FOOTPRINT_CASES])
def test_footprint_bad_input_is_a_clear_error(
    tmp_path: Path, case: str, make: Callable[[Path], Path], says: str
) -> None:
    path = make(tmp_path)
    for fmt in ("table", "json"):
        _assert_clear(runner.invoke(app, ["footprint", str(path), "-f", fmt]), path, says)
    out = tmp_path / "out.csv"
    _assert_clear(runner.invoke(app, ["footprint", str(path), "-f", "csv", "-o", str(out)]),
                  path, says)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("data", [bytes(range(256)) * 8, b"", NESTED])
def test_plan_garbage_shipments_file(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "shipments.csv"
    path.write_bytes(data)
    services = tmp_path / "services.csv"
    services.write_bytes(data)
    result = runner.invoke(app, ["plan", str(path), "--services", str(services)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "shipments.csv" in result.output


def test_plan_teu_nan_is_rejected_not_treated_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "shipments.csv"
    path.write_text("shipment_id,origin,destination,release_at,due_at,mass_kg,teu\n"
                    "P1,NLRTM,DEDUI,0,48,10000,NaN\n")
    services = Path(demo_file("tces.csv")).parents[2] / "planning" / "data" / "demo_services.csv"
    result = runner.invoke(app, ["plan", str(path), "--services", str(services)])
    assert result.exit_code == 2, result.output
    assert "row 2" in result.output and "teu" in result.output


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("empty.geojson", b"", "not valid JSON"),
        ("bad.geojson", b'{"type": ', "not valid JSON"),
        ("garbage.gpkg", bytes(range(256)) * 8, "not a readable geodata file"),
        ("latin.geojson", '{"name": "\xe9"}'.encode("latin-1"), "byte 0xe9"),
    ],
)
def test_network_import_bad_files(tmp_path: Path, name: str, data: bytes, says: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    out = tmp_path / "out.geojson"
    result = runner.invoke(app, ["network", "import", str(path), str(out), "--mode", "road"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and name in result.output and says in result.output
    assert not out.exists()


def test_company_import_nested_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KETEN_HOME", str(tmp_path / "home"))
    assert runner.invoke(app, ["company", "add", "X", "--id", "x"]).exit_code == 0
    path = tmp_path / "import.json"
    path.write_bytes(NESTED)
    result = runner.invoke(app, ["company", "import", "x", str(path)])
    assert result.exit_code == 2, result.output
    assert "nested too deeply" in result.output and "import.json" in result.output


def test_a_killed_writer_leaves_no_temp_file_after_the_next_run(tmp_path: Path) -> None:
    """kill -9 during ``keten footprint -o`` cannot clean up; the next run of the same target
    removes the dead writer's temporary file (its name holds the pid) and keeps live ones."""
    import os
    import signal
    import subprocess
    import sys

    out = tmp_path / "out.csv"
    # a real process that is killed with SIGKILL while it holds a temporary file of ``out``
    code = ("import sys, time; from pathlib import Path; from keten.io.tables import atomic_path\n"
            f"with atomic_path(Path({str(out)!r})) as t:\n"
            "    t.write_text('partial'); print(t, flush=True); time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    left = Path(proc.stdout.readline().strip())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert left.exists()
    live = tmp_path / f".out.csv.{os.getpid()}.x.tmp"  # a writer still running: keep
    live.write_text("busy")
    tces = _tce_csv(f"S1,S1-T1,,{ROAD},,100,100,,")(tmp_path)
    result = runner.invoke(app, ["footprint", str(tces), "-f", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert not left.exists() and live.exists() and out.exists()
