"""keten's VRPTW solver on Solomon instances against their published optimal distances
(tests/reference/data/solomon/SOURCE.md): never below the optimum, and close to it."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import numpy as np
import pytest

from keten.bundling.routing import route_distance, solve
from keten.io.solomon import read_solomon

DATA = Path(__file__).parent / "data" / "solomon"
BEST = {(r["instance"], int(r["customers"])): float(r["distance"])
        for r in csv.DictReader((DATA / "best_known.csv").open())}
FILES = {"C102": "C102.100.10.vrptw", "R101": "R101.100.20.vrptw", "RC101": "RC101.100.15.vrptw"}


@pytest.mark.parametrize(("name", "gap_pct"), [("C102", 10.0), ("R101", 10.0), ("RC101", 20.0)])
def test_25_customers_near_optimum(name: str, gap_pct: float) -> None:
    inst = read_solomon(DATA / FILES[name]).truncated(25)
    p = inst.problem(vehicles=25)
    sol = solve(p, 2.0)  # loose gaps: a shared CI core gets few iterations in 2 s
    assert not sol.dropped
    dist = sum(route_distance(p, r) for r in sol.routes if r) / 10
    best = BEST[(name, 25)]
    assert dist >= best - 1e-6  # an optimum cannot be beaten: checks distances and feasibility
    assert dist <= best * (1 + gap_pct / 100)
    # independent check of every route: capacity, time windows, each customer once
    served = sorted(n for r in sol.routes for n in r if n)
    assert served == list(range(1, 26))
    for r in (r for r in sol.routes if r):
        assert inst.demand[r].sum() <= inst.capacity
        t = 0.0
        for a, b in itertools.pairwise(r):
            t = max(t + (inst.service if a else 0) + np.hypot(*(inst.xy[a] - inst.xy[b])),
                    inst.ready[b])
            assert t <= inst.due[b] + 0.1


def test_reader_matches_the_file() -> None:
    inst = read_solomon(DATA / FILES["R101"])
    assert inst.capacity == 200 and inst.vehicles == 20 and len(inst.xy) == 101
    assert tuple(inst.xy[0]) == (35, 35) and inst.service == 10
