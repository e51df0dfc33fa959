"""Fuzz the file readers with arbitrary bytes (hypothesis): whatever the file holds, a reader
either returns or raises a keten ``ValidationError`` naming the file; never another exception
(a traceback in the CLI, a 500 in the dashboard)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keten.errors import KetenError
from keten.factors import load_factor_set
from keten.io.planning_input import read_planning_inputs
from keten.io.scenario_input import read_document
from keten.io.tables import read_json_file, read_table_as_text
from keten.services.footprint import footprint

SEEDS = [
    b"shipment_id,tce_id,toc_id,mass_kg,distance_km\nS1,T1,road_artic_40t_diesel,100,10\n",
    b'{"tces": [{"shipment_id": "S1", "tce_id": "T1", "mass_kg": 1e400}]}',
    b"PAR1\x00\x00PAR1",
    b"\xef\xbb\xbfshipment_id\n\xff\xfe",
    b"[" * 5000,
]
CONTENT = st.one_of(
    st.binary(max_size=600),
    st.sampled_from(SEEDS).flatmap(
        lambda seed: st.tuples(st.integers(0, len(seed)), st.binary(max_size=40)).map(
            lambda cut: seed[: cut[0]] + cut[1] + seed[cut[0]:]
        )
    ),
)


def _planning(path: Path) -> Any:
    def locate(text: str) -> tuple[str, frozenset[str]]:
        return text, frozenset({"road"})

    return read_planning_inputs(path, path, None, locate, load_factor_set())


READERS: dict[str, tuple[str, Callable[[Path], Any]]] = {
    "footprint csv": (".csv", footprint),
    "footprint json": (".json", footprint),
    "footprint parquet": (".parquet", footprint),
    "table csv": (".csv", read_table_as_text),
    "json": (".json", read_json_file),
    "scenario yaml": (".yaml", read_document),
    "planning csv": (".csv", _planning),
}


@pytest.mark.parametrize("reader", list(READERS))
def test_arbitrary_bytes_give_a_clear_error_or_a_result(reader: str) -> None:
    suffix, read = READERS[reader]

    @settings(max_examples=25, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(CONTENT)
    def run(data: bytes) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"input{suffix}"
            path.write_bytes(data)
            try:
                read(path)
            except KetenError as exc:
                assert str(path) in str(exc) or path.name in str(exc) or "input" in str(exc), exc

    run()
