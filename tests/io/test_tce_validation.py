"""Bad TCE input: one report with every problem (file, row, column, reason), nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import keten
from keten.errors import ValidationError
from keten.services.footprint import write_footprint

HEADER = "shipment_id,tce_id,prev_tce_ids,toc_id,hoc_id,mass_kg,distance_km\n"


def _csv(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "tces.csv"
    path.write_text(header + body)
    return path


def _problems(exc: pytest.ExceptionInfo[ValidationError]) -> set[tuple[int | None, str | None]]:
    return {(p.row, p.column) for p in exc.value.problems}


def test_every_problem_is_reported_with_row_and_column(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "\n".join(
            [
                "S1,T1,,road_artic_40t_diesel,,abc,100",  # row 2: mass not a number
                "S1,T2,T1,road_artic_40t_diesel,,-5,100",  # row 3: negative mass
                "S1,T3,T2,road_artic_40t_diesel,,0,-1",  # row 4: zero mass, negative distance
                "S1,T4,T3,road_artic_40t_diesel,hub_transshipment_ambient,10,5",  # row 5: both ids
                "S1,T5,T4,,,10,5",  # row 6: neither id
                "S1,T6,T5,no_such_toc,,10,5",  # row 7: unknown TOC
                "S1,T6,T5,road_artic_40t_diesel,,10,5",  # row 8: duplicate tce_id
                "S1,T7,ZZ,road_artic_40t_diesel,,10,5",  # row 9: unknown prev
                "S1,T8,,road_artic_40t_diesel,,10,",  # row 10: no distance, no O/D
            ]
        )
        + "\n",
    )
    with pytest.raises(ValidationError) as exc:
        keten.footprint(path)
    found = _problems(exc)
    for expected in [
        (2, "mass_kg"),
        (3, "mass_kg"),
        (4, "mass_kg"),
        (4, "distance_km"),
        (5, "toc_id"),
        (6, "toc_id"),
        (7, "toc_id"),
        (8, "tce_id"),
        (9, "prev_tce_ids"),
        (10, "distance_km"),
    ]:
        assert expected in found, (expected, exc.value.report())
    assert all(p.file == str(path) for p in exc.value.problems)
    text = exc.value.report()
    assert "unknown TOC 'no_such_toc'" in text and "duplicate tce_id 'T6'" in text


def test_cycle_in_prev_tce_ids_is_named(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "S1,A,C,road_artic_40t_diesel,,10,5\nS1,B,A,road_artic_40t_diesel,,10,5\n"
        "S1,C,B,road_artic_40t_diesel,,10,5\nS2,X,X,road_artic_40t_diesel,,10,5\n",
    )
    with pytest.raises(ValidationError) as exc:
        keten.footprint(path)
    cyc = {p.row for p in exc.value.problems if "cycle" in p.reason}
    assert cyc == {2, 3, 4, 5}


def test_missing_and_unknown_columns(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "S1,T1,road_artic_40t_diesel,10,5,x\n",
        header="shipment_id,tce_id,toc_id,weight,distance_km,colour\n",
    )
    with pytest.raises(ValidationError) as exc:
        keten.footprint(path)
    cols = {p.column: p.reason for p in exc.value.problems}
    assert "missing required column" in cols["mass_kg"]
    assert cols["weight"].startswith("unknown column") and cols["colour"].startswith("unknown")


def test_json_and_parquet_rows_are_record_numbers(tmp_path: Path) -> None:
    records = [
        {
            "shipment_id": "S1",
            "tce_id": "T1",
            "toc_id": "road_artic_40t_diesel",
            "mass_kg": 10,
            "distance_km": 5,
        },
        {
            "shipment_id": "S1",
            "tce_id": "T2",
            "toc_id": "road_artic_40t_diesel",
            "mass_kg": -1,
            "distance_km": 5,
        },
    ]
    js = tmp_path / "t.json"
    js.write_text(json.dumps({"tces": records}))
    with pytest.raises(ValidationError) as exc:
        keten.footprint(js)
    assert _problems(exc) == {(2, "mass_kg")}
    pqf = tmp_path / "t.parquet"
    pq.write_table(pa.Table.from_pylist(records), pqf)
    with pytest.raises(ValidationError) as exc:
        keten.footprint(pqf)
    assert _problems(exc) == {(2, "mass_kg")}


def test_failed_streaming_write_leaves_nothing(tmp_path: Path) -> None:
    path = _csv(tmp_path, "S1,T1,,road_artic_40t_diesel,,10,5\nS1,T2,,road_artic_40t_diesel,,x,5\n")
    out = tmp_path / "out.parquet"
    with pytest.raises(ValidationError):
        write_footprint(path, out, "parquet")
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [path]
    # an existing output is left untouched by a failed run
    out.write_text("previous")
    with pytest.raises(ValidationError):
        write_footprint(path, out, "parquet")
    assert out.read_text() == "previous"


def test_unknown_location_is_reported(tmp_path: Path) -> None:
    header = "shipment_id,tce_id,toc_id,mass_kg,origin,destination\n"
    path = _csv(tmp_path, 'S1,T1,road_artic_40t_diesel,10,XXNOWHERE,"51.9,4.4"\n', header=header)
    with pytest.raises(ValidationError) as exc:
        keten.footprint(path)
    assert (2, "origin") in _problems(exc)


def test_missing_file_and_bad_type(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="file not found"):
        keten.footprint(tmp_path / "nope.csv")
    bad = tmp_path / "t.xlsx"
    bad.write_text("x")
    with pytest.raises(ValidationError, match="unsupported file type"):
        keten.footprint(bad)
