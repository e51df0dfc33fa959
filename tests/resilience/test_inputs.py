"""Demand matrices in CSV, JSON and Parquet, and scenario documents in YAML and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from keten.errors import ValidationError
from keten.io.scenario_input import read_demand, read_document
from keten.services.resilience import load_scenario

ROWS = [{"flow_id": "a", "origin": "NLRTM", "destination": "DEDUI", "tonnes_per_day": 100,
         "modes": "rail|road"},
        {"flow_id": "b", "origin": "BEANR", "destination": "NLVEN", "tonnes_per_day": 50.5,
         "modes": "inland_waterway"}]


@pytest.mark.parametrize("suffix", [".csv", ".json", ".parquet"])
def test_demand_formats(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"demand{suffix}"
    frame = pd.DataFrame(ROWS)
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".json":
        path.write_text(json.dumps({"flows": ROWS}))
    else:
        frame.to_parquet(path)
    flows = read_demand(path)
    assert [f.flow_id for f in flows] == ["a", "b"]
    assert flows[1].tonnes_per_day == 50.5
    assert flows[0].modes == frozenset({"rail", "road"})


def test_demand_with_unknown_columns_and_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("origin,destination,tonnes_per_day,colour\nNLRTM,DEDUI,abc,red\n")
    with pytest.raises(ValidationError) as exc:
        read_demand(path)
    assert any(p.column == "colour" for p in exc.value.problems)
    path.write_text("origin,destination,tonnes_per_day\nNLRTM,DEDUI,abc\n,DEDUI,-5\n")
    with pytest.raises(ValidationError) as exc:
        read_demand(path)
    assert {(p.row, p.column) for p in exc.value.problems} == {
        (2, "tonnes_per_day"), (3, "origin"), (3, "tonnes_per_day")}


def test_scenario_files_yaml_json_and_template(tmp_path: Path) -> None:
    doc = {"name": "x", "disruptions": [{"type": "closure", "target": {"corridor": "A15"},
                                         "duration_days": 2}]}
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(doc))
    (tmp_path / "s.json").write_text(json.dumps(doc))
    (tmp_path / "t.yaml").write_text("template: suez:12\n")
    assert load_scenario(str(tmp_path / "s.yaml")).name == "x"
    assert load_scenario(str(tmp_path / "s.json")).disruptions[0].duration_days == 2
    assert load_scenario(str(tmp_path / "t.yaml")).disruptions[0].duration_days == 12


def test_broken_documents_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "b.yaml"
    bad.write_text("disruptions: [unclosed\n")
    with pytest.raises(ValidationError) as exc:
        read_document(bad)
    assert exc.value.problems[0].file == str(bad)
    with pytest.raises(ValidationError):
        read_document(tmp_path / "missing.json")
