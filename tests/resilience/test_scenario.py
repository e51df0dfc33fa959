"""Scenario spec: parsing, severity curves, templates, and bad input gathered with fields."""

from __future__ import annotations

from typing import Any

import pytest

from keten.errors import ValidationError
from keten.network.build import sketch_network
from keten.resilience.scenario import parse_scenario, resolve_targets
from keten.resilience.scenario import template_scenario as legacy_template_scenario
from keten.resilience.templates import TEMPLATES, template_document, template_scenario


def _doc(**disruption: Any) -> dict[str, Any]:
    base = {"id": "d", "type": "closure", "target": {"corridor": "Betuweroute"},
            "start_day": 2, "duration_days": 3}
    return {"name": "t", "disruptions": [{**base, **disruption}]}


def test_linear_recovery_and_factor() -> None:
    s = parse_scenario(_doc(type="capacity_factor", factor=0.2,
                            recovery={"kind": "linear", "days": 3}))
    (d,) = s.disruptions
    severities = [d.severity(day) for day in range(9)]
    assert severities == [0, 0, 1, 1, 1, 0.75, 0.5, 0.25, 0]
    assert d.factor_on(3) == pytest.approx(0.2)
    assert d.factor_on(6) == pytest.approx(1 + 0.5 * (0.2 - 1))
    assert s.horizon_days == 2 + 3 + 3 + 14


def test_step_recovery() -> None:
    (d,) = parse_scenario(_doc(recovery={"kind": "steps", "steps": [
        {"after_days": 0, "restored": 0.5}, {"after_days": 2, "restored": 1.0}]})).disruptions
    assert [d.severity(day) for day in range(2, 9)] == [1, 1, 1, 0.5, 0.5, 0, 0]


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_resolves_on_the_default_network(name: str) -> None:
    scenario = template_scenario(name)
    resolved = resolve_targets(scenario, sketch_network())
    assert len(resolved) == len(scenario.disruptions)
    if name != "suez":
        assert any(len(r.link_rows) or len(r.node_rows) for r in resolved)


def test_templates_are_still_importable_from_scenario() -> None:
    assert legacy_template_scenario is template_scenario


def test_template_arguments() -> None:
    doc = template_document("lowwater:650:12")
    assert doc["disruptions"][0]["discharge_m3s"] == 650
    assert doc["disruptions"][0]["duration_days"] == 12
    doc = template_document("closure:inland_waterway:NLMOE:border-srv-zandvliet:5")
    assert doc["disruptions"][0]["target"] == {"links": ["inland_waterway:NLMOE:"
                                                         "border-srv-zandvliet"]}
    assert doc["disruptions"][0]["duration_days"] == 5


def test_every_problem_is_gathered_with_its_field() -> None:
    doc = {"name": "bad", "disruptions": [
        {"id": "a", "type": "closure", "target": {"links": ["road:nowhere:NLRTM"]},
         "start_day": 0, "duration_days": -3},
        {"id": "b", "type": "low_water", "discharge_m3s": 4000, "duration_days": 5},
        {"id": "c", "type": "melt", "target": {"node": "NLRTM"}, "duration_days": 1},
        {"id": "d", "type": "capacity_factor", "factor": 1.5,
         "target": {"corridor": "Betuweroute"}, "duration_days": 1},
    ]}
    with pytest.raises(ValidationError) as exc:
        parse_scenario(doc, file="bad.yaml")
    fields = {p.column for p in exc.value.problems}
    assert "disruptions[0].duration_days" in fields
    assert "disruptions[1].discharge_m3s" in fields
    assert "disruptions[2].type" in fields
    assert "disruptions[3].factor" in fields
    assert all(p.file == "bad.yaml" for p in exc.value.problems)
    assert "outside" in exc.value.report()


def test_unknown_links_and_nodes_are_named() -> None:
    doc = {"disruptions": [
        {"type": "closure", "target": {"links": ["rail:kijfhoek:meterenn"]}, "duration_days": 2},
        {"type": "congestion", "target": {"node": "NLRTX"}, "factor": 0.5, "duration_days": 2},
        {"type": "closure", "target": {"corridor": "Betuweroutte"}, "duration_days": 2},
    ]}
    with pytest.raises(ValidationError) as exc:
        resolve_targets(parse_scenario(doc, file="s.json"), sketch_network())
    text = exc.value.report()
    assert "unknown link 'rail:kijfhoek:meterenn'" in text and "rail:kijfhoek:meteren" in text
    assert "unknown node 'NLRTX'" in text
    assert "Betuweroutte" in text
    assert len(exc.value.problems) == 3


def test_area_target_selects_links_of_a_mode() -> None:
    doc = {"disruptions": [{"type": "speed_factor", "factor": 0.5, "duration_days": 1,
                            "target": {"mode": "road", "center": [51.89, 4.42],
                                       "radius_km": 10}}]}
    (r,) = resolve_targets(parse_scenario(doc), sketch_network())
    links = sketch_network().links.iloc[r.link_rows]
    assert len(links) > 0 and set(links["mode"]) == {"road"}
    assert any("NLRTM" in (a, b) for a, b in zip(links["from_node"], links["to_node"],
                                                   strict=True))
