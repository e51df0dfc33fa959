"""Street turns against a brute-force oracle; load factor and EDF against a hand-worked log;
the trip log's TOC rows read back by ``keten toc``'s reader."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keten.bundling.loadfactor import Leg, lane_stats
from keten.bundling.streetturn import ExportLoad, ImportBox, feasible, match, savings_matrix
from keten.factors.library import load_factor_set
from keten.io.factor_input import read_energy_file
from keten.services.load_factor import load_factors


def brute_force_saving(s: np.ndarray) -> float:
    """Best total saving over every one-to-one matching (rows to distinct columns or none)."""
    n, m = s.shape
    best = 0.0
    cols = list(range(m)) + [None] * n
    for perm in itertools.permutations(cols, n):
        total = sum(s[i, j] for i, j in enumerate(perm)
                    if j is not None and np.isfinite(s[i, j]) and s[i, j] > 0)
        best = max(best, total)
    return best


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(0, 10_000))
def test_assignment_equals_brute_force(n_imp: int, n_exp: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_sites = n_imp + n_exp + 2
    xy = rng.uniform(0, 150, (n_sites, 2))
    km = np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))
    port, depot = n_sites - 2, n_sites - 1
    sizes = ["20", "40"]
    imps = [ImportBox(f"I{i}", sizes[int(rng.integers(2))], "dry", i, port,
                      float(rng.uniform(0, 48))) for i in range(n_imp)]
    exps = [ExportLoad(f"E{j}", sizes[int(rng.integers(2))], "dry", n_imp + j, port,
                       float(rng.uniform(0, 72))) for j in range(n_exp)]
    s = savings_matrix(imps, exps, km, [depot], 60.0, 72.0)
    m = match(imps, exps, km, [depot], True, 60.0, 72.0)
    got = sum(s[a, b] for a, b in m.pairs)
    assert got == pytest.approx(brute_force_saving(s))
    for a, b in m.pairs:
        assert feasible(imps[a], exps[b], km, 60.0, 72.0)
    # every box moves exactly once: street turn, return, or an export's fetch
    assert len(m.moves) == n_imp + n_exp - len(m.pairs)
    base = match(imps, exps, km, [depot], False)
    assert m.empty_km <= base.empty_km + 1e-9


def test_street_turn_saves_the_two_port_trips() -> None:
    # consignee 0 and shipper 1 are 10 km apart, the port 2 is 100 km from both
    km = np.array([[0, 10, 100], [10, 0, 100], [100, 100, 0]], dtype=float)
    m = match([ImportBox("I", "40", "dry", 0, 2, 0.0)], [ExportLoad("E", "40", "dry", 1, 2, 5.0)],
              km)
    assert m.pairs == [(0, 0)] and m.empty_km == 10 and m.empty_teu_km == 20
    too_late = match([ImportBox("I", "40", "dry", 0, 2, 4.9)],
                     [ExportLoad("E", "40", "dry", 1, 2, 5.0)], km)
    assert too_late.pairs == [] and too_late.empty_km == 200
    assert "time window" in too_late.reasons["I"]


def test_load_factor_hand_worked() -> None:
    """Two trips of a 20 t truck: 100 km with 15 t then 100 km empty; 50 km with 10 t, 50 km
    with 5 t, 50 km empty. Loaded km 200, empty 150 -> EDF 150/350 = 0.4286; LF = (1500 +
    500 + 250) tkm / (20 t x 200 km) = 0.5625."""
    legs = [Leg("v", "t20", "a", "X", "Y", 100, 15000, 20000),
            Leg("v", "t20", "a", "Y", "X", 100, 0, 20000),
            Leg("v", "t20", "b", "X", "Z", 50, 10000, 20000, lane="X>Z"),
            Leg("v", "t20", "b", "Z", "W", 50, 5000, 20000, lane="X>Z"),
            Leg("v", "t20", "b", "W", "X", 50, 0, 20000, lane="X>Z")]
    stats = {s.lane: s for s in lane_stats(legs)}
    assert set(stats) == {"X>Y", "X>Z"}
    total_tkm = sum(s.tkm for s in stats.values())
    total_cap = sum(s.capacity_tkm for s in stats.values())
    total_empty = sum(s.empty_km for s in stats.values())
    assert total_tkm / total_cap == pytest.approx(0.5625)
    assert total_empty / sum(s.vehicle_km for s in stats.values()) == pytest.approx(150 / 350)
    assert stats["X>Y"].km_at_load_factor(0.75) == pytest.approx(200 * 0.75 / 0.75)
    assert stats["X>Z"].load_factor == pytest.approx(750 / 2000)
    assert stats["X>Z"].km_at_load_factor(0.75) == pytest.approx(150 * 0.375 / 0.75)


def test_trip_log_tocs_feed_keten_toc(tmp_path: Path) -> None:
    r = load_factors(target_load_factor=0.8)
    path = tmp_path / "tocs_in.csv"
    header = list(r.toc_rows[0])
    path.write_text(",".join(header) + "\n" + "\n".join(
        ",".join(f'"{row[h]}"' for h in header) for row in r.toc_rows) + "\n")
    tocs = read_energy_file(path, load_factor_set())
    fs = load_factor_set()
    for lane in r.lanes:
        toc = tocs[next(t["toc_id"] for t in r.toc_rows if t["description"].startswith(
            f"{lane['vehicle_type']} on {lane['lane']}:"))]
        # keten toc's pooled intensity x tkm = the lane's energy x the carrier's WTW factor
        wtw = float(fs.carrier(lane["energy_carrier"]).wtw_kgco2e_per_unit)
        assert float(toc.co2e_wtw_kg_per_unit) * lane["tkm"] == pytest.approx(
            lane["energy"] * wtw, rel=1e-5)
        assert lane["co2e_wtw_kg"] == pytest.approx(lane["energy"] * wtw)
    assert r.totals()["km_saved"] > 0


def test_keten_toc_keeps_the_measured_utilisation(tmp_path: Path) -> None:
    r = load_factors()
    row = r.toc_rows[0]
    path = tmp_path / "in.csv"
    path.write_text(",".join(row) + "\n" + ",".join(f'"{v}"' for v in row.values()) + "\n")
    toc = read_energy_file(path, load_factor_set())[row["toc_id"]]
    assert float(toc.load_factor) == pytest.approx(float(row["load_factor"]))
    assert float(toc.empty_distance_factor) == pytest.approx(float(row["empty_distance_factor"]))
