"""Properties of the construction results on generated projects (hypothesis)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keten.construction.model import SCENARIOS
from keten.construction.results import SUM_FIELDS
from keten.construction.tables import load_tables
from keten.io.construction_input import parse_project
from keten.services.construction import construction

TABLES = load_tables()
ELECTRIC_CAPABLE = sorted(t for t, m in TABLES.machine_types.items() if m.electric_variant)

machines = st.lists(st.fixed_dictionaries({
    "type": st.sampled_from(sorted(TABLES.machine_types)),
    "stage": st.sampled_from(["stage_iiia", "stage_iiib", "stage_iv", "stage_v"]),
    "power_kw": st.sampled_from([60.0, 100.0, 150.0, 300.0]),
    "hours": st.floats(0, 3000),
    "count": st.integers(1, 4),
}), min_size=1, max_size=4)
deliveries = st.lists(st.fixed_dictionaries({
    "tonnes": st.floats(1, 20000),
    "distance_km": st.floats(1, 200),
    "vehicle": st.sampled_from(["artic_truck", "rigid_truck", "van", "electric_truck"]),
    "via_hub": st.booleans(),
    "water": st.booleans(),
}), max_size=3)
phase_days = st.integers(30, 700)


def _doc(ms: list[dict[str, Any]], ds: list[dict[str, Any]], days: int) -> dict[str, Any]:
    start = dt.date(2027, 5, 1)
    doc: dict[str, Any] = {
        "project": {"name": "generated"},
        "site": {"point": [52.0, 5.6]},
        "phases": [{"id": "p", "start": start, "end": start + dt.timedelta(days=days - 1)}],
        "hub": {"name": "hub", "point": [52.05, 5.62], "distance_to_site_km": 8},
        "machinery": [
            {**m, "id": f"M{i}", "phase": "p",
             # Stage IV starts at 56 kW, all classes here exist
             "stage": m["stage"]} for i, m in enumerate(ms)],
        "deliveries": [],
    }
    for i, d in enumerate(ds):
        v = TABLES.vehicles[d["vehicle"]]
        row: dict[str, Any] = {
            "id": f"D{i}", "phase": "p", "tonnes": d["tonnes"], "distance_km": d["distance_km"],
            "vehicle": d["vehicle"], "emission_standard": v.emission_standards[-1],
            "origin_point": [51.9, 5.2], "via_hub": d["via_hub"],
        }
        if d["water"]:
            row["by_water"] = {"vessel": "large_rhine", "distance_km": d["distance_km"] * 1.3,
                               "origin_point": [51.9, 5.2]}
        doc["deliveries"].append(row)
    return doc


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(machines, deliveries, phase_days)
def test_scenario_properties(ms: list[dict[str, Any]], ds: list[dict[str, Any]], days: int) -> None:
    project = parse_project(_doc(ms, ds, days), "<generated>", {}, TABLES)
    result = construction(project)
    planned = result.scenarios["as_planned"]
    for name in SCENARIOS:
        res = result.scenarios[name]
        totals = res.totals()
        # totals are the sum of the sources, per field, and so are the sums per year
        for f in SUM_FIELDS:
            assert totals[f] == pytest.approx(sum(getattr(r, f) for r in res.rows), abs=1e-9)
            assert totals[f] == pytest.approx(sum(v[f] for v in res.by("year").values()),
                                              abs=1e-6)
        for r in res.rows:
            # within the distance limit never exceeds the whole leg
            assert r.nox_kg <= r.nox_all_km_kg + 1e-9 and r.nh3_kg <= r.nh3_all_km_kg + 1e-9
            assert min(r.nox_kg, r.nh3_kg, r.co2e_wtw_kg, r.pm_kg) >= 0
        for e in res.legs:
            if e.leg.emission_standard == "electric":
                assert e.nox_in_kg == e.nox_out_kg == e.nh3_in_kg == 0
    electric = result.scenarios["electric_machinery"]
    for run in electric.machines:
        if run.machine.machine_type in ELECTRIC_CAPABLE:
            assert run.nox_kg == run.nh3_kg == run.pm_kg == 0  # no exhaust on site
    capable = [m for m in electric.machines if m.machine.machine_type in ELECTRIC_CAPABLE]
    if len(capable) == len(electric.machines):
        on_site = electric.by("location").get("on_site", {})
        assert on_site.get("nox_kg", 0) == on_site.get("nh3_kg", 0) == 0
    # electric machinery leaves the transport unchanged
    assert electric.by("location").get("access_route") == planned.by("location").get(
        "access_route")


@settings(max_examples=10, deadline=None)
@given(machines, st.floats(1.5, 4))
def test_machine_nox_scales_with_hours(ms: list[dict[str, Any]], factor: float) -> None:
    base = parse_project(_doc(ms, [], 100), "<g>", {}, TABLES)
    more = parse_project(_doc([{**m, "hours": m["hours"] * factor} for m in ms], [], 100),
                         "<g>", {}, TABLES)
    a = construction(base, ["as_planned"]).scenarios["as_planned"].totals()
    b = construction(more, ["as_planned"]).scenarios["as_planned"].totals()
    assert b["nox_kg"] == pytest.approx(a["nox_kg"] * factor, rel=1e-9, abs=1e-12)
    assert b["nh3_kg"] == pytest.approx(a["nh3_kg"] * factor, rel=1e-9, abs=1e-12)


def test_phase_years_share_sums_to_one() -> None:
    project = parse_project(_doc([{"type": "excavator", "stage": "stage_v", "power_kw": 100.0,
                                   "hours": 100.0, "count": 1}], [], 500), "<g>", {}, TABLES)
    shares = project.phases["p"].share_by_year()
    assert sorted(shares) == [2027, 2028]
    assert sum(shares.values()) == pytest.approx(1.0)
