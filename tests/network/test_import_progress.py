"""Progress of ``keten network import``: the importers report their stages (and the bytes of
an OSM file read); the CLI shows them live on a terminal (a real pseudo-terminal here, so
rich's own isatty check decides) and prints nothing of it into pipes."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import geopandas as gpd
import pytest
from rich.console import Console
from shapely.geometry import LineString
from typer.testing import CliRunner

from keten.cli import stages
from keten.cli.main import app
from keten.network.io import read_links_file, read_osm

DATA = Path(__file__).parent / "data"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def test_osm_reader_reports_every_byte_then_the_topology(tmp_path: Path) -> None:
    # a file of about 1.7 MB, so it is read in several chunks
    nodes = "\n".join(f'  <node id="{i}" lat="{52 + i * 1e-5:.7f}" lon="5.0000000"/>'
                      for i in range(1, 12_001))
    ways = "\n".join(f'  <way id="{w}"><nd ref="{w}"/><nd ref="{w + 1}"/>'
                     f'<tag k="highway" v="primary"/></way>' for w in range(1, 12_000))
    path = tmp_path / "line.osm"
    path.write_text(f'<?xml version="1.0"?>\n<osm version="0.6">\n{nodes}\n{ways}\n</osm>\n')
    events: list[tuple[str, int | None, int | None]] = []

    def record(stage: str, done: int | None = None, total: int | None = None) -> None:
        events.append((stage, done, total))

    net = read_osm(path, progress=record)
    assert len(net.links) == 11_999
    reads = [e for e in events if e[0] == "read"]
    size = path.stat().st_size
    assert len(reads) >= 3 and reads[0] == ("read", 0, size) and reads[-1] == ("read", size, size)
    done = [d or 0 for _, d, _ in reads]
    assert done == sorted(done)
    assert events[-1] == ("topology", None, None) and events.index(events[-1]) == len(reads)


def test_geofile_reader_reports_read_then_topology(tmp_path: Path) -> None:
    path = tmp_path / "two.gpkg"
    gpd.GeoDataFrame({"u": ["A", "B"], "v": ["B", "C"]},
                     geometry=[LineString([(5, 52), (5.1, 52)]),
                               LineString([(5.1, 52), (5.2, 52)])], crs=4326).to_file(path)
    events: list[str] = []

    def record(stage: str, done: int | None = None, total: int | None = None) -> None:
        events.append(stage)

    read_links_file(path, mode="road", from_col="u", to_col="v", progress=record)
    assert events == ["read", "topology"]


def test_network_import_shows_its_stages_on_a_terminal(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # stderr of the display is a real pseudo-terminal: rich sees isatty() and goes live
    master, slave = os.openpty()
    terminal = os.fdopen(slave, "w", encoding="utf-8")
    seen: list[bytes] = []

    def drain() -> None:  # keep the terminal's buffer from filling up
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            seen.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    monkeypatch.setattr(stages, "Console", lambda stderr=True: Console(file=terminal,
                                                                      width=110))
    try:
        res = CliRunner().invoke(app, ["network", "import", str(DATA / "small.osm"),
                                       str(tmp_path / "out.gpkg")], env={"COLUMNS": "110"})
    finally:
        terminal.close()
        reader.join(timeout=10)
        os.close(master)
    text = ANSI.sub("", b"".join(seen).decode(errors="replace"))
    assert res.exit_code == 0, res.output
    assert "imported 8 nodes, 6 links" in res.stdout
    assert "build topology" not in res.output  # the live display is on the terminal only
    for shown in ("✓ read small.osm", "✓ build topology", "8 nodes, 6 links", "✓ validate",
                  "0 error(s), 1 warning(s)", "✓ write out.gpkg", "kB"):
        assert shown in text, (shown, text)


def test_network_import_prints_no_progress_into_pipes(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["network", "import", str(DATA / "small.osm"),
                                   str(tmp_path / "out.geojson")], env={"COLUMNS": "100"})
    assert res.exit_code == 0, res.output
    assert "imported 8 nodes" in res.stdout
    assert "build topology" not in res.output and "✓" not in res.output
