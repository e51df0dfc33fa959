"""The header check every row reader opens with (io/checked_table.py): the same error for
containers, depots, trip logs, bundling shipments and fleets — every header problem at once,
titled with the file and what it should hold, before any row is read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from keten.errors import ValidationError
from keten.factors import load_factor_set
from keten.io.bundling_input import read_fleet, read_shipments
from keten.io.containers import read_depots, read_imports
from keten.io.trip_log import read_trip_log


def _never(_: str) -> None:
    return None


def _nowhere(_: str) -> tuple[float, float]:
    raise AssertionError("rows are not read when the header is wrong")


FLEET_MISSING = ["capacity_kg", "count", "depot", "energy_carrier", "energy_per_km_empty",
                 "energy_per_km_full"]
LOG_MISSING = ["capacity_kg", "destination", "distance_km", "origin", "vehicle_type"]


@pytest.mark.parametrize(("read", "what", "header", "missing"), [
    (lambda f: read_imports(f, _never), "imports", "container_id,size,colour",
     ["empty_at", "location"]),
    (lambda f: read_depots(f, _never), "depots", "depot_id,colour", ["location"]),
    (lambda f: read_shipments(f, _nowhere), "shipments", "shipment_id,colour",
     ["delivery", "mass_kg", "pickup", "shipper"]),
    (lambda f: read_fleet(f, _nowhere, load_factor_set()), "fleet", "vehicle_type,colour",
     FLEET_MISSING),
    (lambda f: read_trip_log(f, load_factor_set()), "trip log", "vehicle_id,colour",
     LOG_MISSING),
])
def test_every_header_problem_in_one_error_named_by_file(
        tmp_path: Path, read: Callable[[str], object], what: str, header: str,
        missing: list[str]) -> None:
    path = tmp_path / "input.csv"
    path.write_text(header + "\n" + ",".join("x" for _ in header.split(",")) + "\n")
    with pytest.raises(ValidationError) as caught:
        read(str(path))
    error = caught.value
    assert error.title == f"{path}: invalid {what}"
    columns = [(p.column, p.reason.split(" (")[0]) for p in error.problems]
    assert [c for c, why in columns if why == "missing required column"] == missing
    assert ("colour", "unknown column") in columns  # and the unknown one, in the same error
    if what == "trip log":  # the reader's own header rule joins the same list
        assert any("load_kg" in p.reason for p in error.problems)
