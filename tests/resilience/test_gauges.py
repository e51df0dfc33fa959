"""Gauges: reading -> depth relations against published pairs and the Deltares relation,
carriers' surcharge steps, series input, the 2018 backtest and the risk exposure ranking."""

from __future__ import annotations

import pytest

from keten.errors import ValidationError
from keten.resilience.gauges import (
    gauge_day,
    gauge_relations,
    lobith_discharge_m3s,
    reading_for_surcharge,
    surcharge_eur_per_20ft,
)
from keten.resilience.lowwater import depth_relation
from keten.resilience.scenario import parse_scenario, resolve_targets


@pytest.mark.parametrize(("cm", "depth_m"), [(42, 1.54), (37, 1.46), (32, 1.43), (35, 1.45)])
def test_kaub_relation_matches_wsv_published_fairway_depths(cm: int, depth_m: float) -> None:
    # WSV fairway depths at Kaub with the gauge reading, as dpa reported them in August 2022.
    assert gauge_relations()["Kaub"].depth_m(cm) == pytest.approx(depth_m, abs=0.035)


def test_gauge_relations_agree_with_the_deltares_discharge_relation() -> None:
    rel = depth_relation()
    # Kaub read 31 cm on 2018-10-18 (BfG); Lobith carried 757 m3/s on 2018-10-19 (RWS).
    assert gauge_relations()["Kaub"].depth_m(31) == pytest.approx(
        rel.depth_at(757)["Kaub"], abs=0.05)
    # Emmerich read 7 cm on 2018-10-30; Lobith stood at 6.49 m +NAP on 2018-10-29.
    q = lobith_discharge_m3s(6.49)
    assert gauge_relations()["Emmerich"].depth_m(7) == pytest.approx(
        rel.depth_at(q)["Emmerich"], abs=0.15)
    # Duisburg-Ruhrort's 2018 low was 153 cm: the implied reading at that discharge.
    day = gauge_day({}, q)
    assert reading_for_surcharge(day, "Ruhrort") == pytest.approx(153, abs=10)


@pytest.mark.parametrize(("gauge", "cm", "eur"), [
    ("Kaub", 151, 0.0), ("Kaub", 150, 25.0), ("Kaub", 100, 45.0), ("Kaub", 80, 175.0),
    ("Kaub", 65, 180.0), ("Kaub", 45, 315.0), ("Ruhrort", 181, 0.0), ("Ruhrort", 175, 125.0)])
def test_published_contargo_steps(gauge: str, cm: float, eur: float) -> None:
    assert surcharge_eur_per_20ft(gauge, cm) == eur


def test_a_reading_sets_depth_at_its_gauge_and_the_rest_follows(demo_model) -> None:  # type: ignore[no-untyped-def]
    day = gauge_day({"Emmerich": 20})
    assert day.depth_m["Emmerich"] == pytest.approx(2.20)  # reading + 2 m (RP)
    assert day.depth_m["Emmerich"] == pytest.approx(depth_relation().depth_at(
        day.discharge_m3s)["Emmerich"], abs=1e-6)
    sc = parse_scenario({"disruptions": [{"type": "low_water", "readings": {"Köln": 60},
                                          "duration_days": 3}]})
    (rd,) = resolve_targets(sc, demo_model.network)
    assert rd.link_factors is not None and rd.link_factors.min() < 0.5


def test_a_dated_series_interpolates_between_readings(demo_model) -> None:  # type: ignore[no-untyped-def]
    sc = parse_scenario({"start_date": "2018-10-01", "disruptions": [{
        "type": "low_water", "series": [{"date": "2018-10-01", "discharge_m3s": 1000},
                                        {"date": "2018-10-11", "discharge_m3s": 700}]}]})
    (rd,) = resolve_targets(sc, demo_model.network)
    qs = [g.discharge_m3s for g in rd.gauge_days]
    assert len(qs) == 11 and qs[0] == 1000 and qs[5] == pytest.approx(850) and qs[-1] == 700
    assert rd.daily_factors is not None
    assert (rd.daily_factors[-1] <= rd.daily_factors[0] + 1e-12).all()


def test_bad_gauge_input_is_gathered() -> None:
    with pytest.raises(ValidationError) as err:
        parse_scenario({"disruptions": [{"type": "low_water", "readings": {"Bonn": 50,
                                                                           "Kaub": "x"},
                                         "series": [{"date": "2018-01-01", "Kaub": 40}],
                                         "duration_days": 3}],
                        "capacity": {"road": {"trucks_per_day": {"NL": -1}}, "rail": 3}})
    fields = {p.column for p in err.value.problems}
    assert {"disruptions[0].readings.Bonn", "disruptions[0].readings.Kaub",
            "disruptions[0].series[0].date", "capacity.road.trucks_per_day.NL",
            "capacity.rail"} <= fields


def test_backtest_2018_runs_and_states_its_deviation(demo_model) -> None:  # type: ignore[no-untyped-def]
    from keten.resilience.backtest import published_2018, run_backtest_2018

    result, table = run_backtest_2018(demo_model)
    assert len(table) == len(published_2018())
    assert (table["deviation"] == table["keten"] - table["published"]).all()
    shares = table[table["unit"] == "share"]
    assert (shares["keten"] < 0).all()  # less moves by barge, as in 2018
    assert (shares["deviation"].abs() < 0.25).all()  # a check, not a fit: within 25 points
    assert result.totals["peak_backlog_t"] > 0 and result.totals["surcharge_eur"] > 0


def test_risk_exposure_ranks_elements(demo_model) -> None:  # type: ignore[no-untyped-def]
    from keten.resilience.exposure import risk_exposure

    table = risk_exposure(demo_model, top_links=2, top_terminals=1)
    assert len(table) == 3
    assert table["risk_exposure_index"].iloc[0] == 1.0
    assert table["risk_exposure_index"].is_monotonic_decreasing
    assert {"ttr_days", "tts_days", "financial_impact_eur", "tonnes_per_day"} <= set(table)
