"""The benchmark's lower bound on route length is below every published optimum (Solomon,
tests/reference/data/solomon) and the Gehring-Homberger best-known; a bound above any of them
would make the reported gap-to-bound a lie."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from tests.bundling.conftest import load_file

from keten.io.solomon import read_solomon

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "reference" / "data"
FILES = {"C102": "C102.100.10.vrptw", "R101": "R101.100.20.vrptw", "RC101": "RC101.100.15.vrptw"}
ROWS = list(csv.DictReader((DATA / "solomon" / "best_known.csv").open()))


def _bench():  # type: ignore[no-untyped-def]
    return load_file("benchmarks/bundling.py")


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['instance']}.{r['customers']}" for r in ROWS])
def test_bound_below_published_optimum(row: dict[str, str]) -> None:
    inst = read_solomon(DATA / "solomon" / FILES[row["instance"]]).truncated(
        int(row["customers"]))
    best, radial, forest = _bench().lower_bound(inst.xy, inst.demand, inst.capacity, 25)
    optimum = float(row["distance"])
    assert best == max(radial, forest) and 0.2 * optimum < best <= optimum


def test_bound_below_homberger_best_known() -> None:
    inst = read_solomon(DATA / "homberger" / "RC2_10_1.1000.20.vrptw")
    best, _, _ = _bench().lower_bound(inst.xy, inst.demand, inst.capacity, 50)
    assert best <= 30278.4998
