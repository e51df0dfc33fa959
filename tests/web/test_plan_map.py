"""The Planning page's map of the plan: every chosen leg once, at its ends' coordinates."""

from __future__ import annotations

import pytest

from keten.network.build import default_network
from keten.network.model import records
from keten.services.dashboard import plan_map_view
from keten.services.planning import plan
from keten.web.charts import MODE_COLOURS, plan_map


@pytest.fixture(scope="module")
def demo_plan():  # type: ignore[no-untyped-def]
    return plan(None, None, None)


def test_every_leg_of_the_plan_is_drawn_at_its_ends(demo_plan) -> None:  # type: ignore[no-untyped-def]
    view = plan_map_view(demo_plan)
    nodes = {str(r["node_id"]): (float(r["lon"]), float(r["lat"]))
             for r in records(default_network().nodes)}
    chosen: dict[tuple[str, str, str], float] = {}
    for a in demo_plan.plan.assignments:
        for leg in a.legs:
            key = (leg.mode, leg.from_location, leg.to_location)
            chosen[key] = chosen.get(key, 0.0) + a.mass_kg / 1000
    drawn = {(leg["mode"], leg["from"], leg["to"]): leg for leg in view["legs"]}
    assert set(drawn) == set(chosen) and not view["unplaced"]
    for key, leg in drawn.items():
        assert leg["mass_t"] == pytest.approx(chosen[key])
        for loc, lon, lat in ((key[1], leg["lon"][0], leg["lat"][0]),
                              (key[2], leg["lon"][1], leg["lat"][1])):
            if loc in nodes:
                assert (lon, lat) == nodes[loc]
            else:  # a customer's "lat,lon"
                assert (lat, lon) == tuple(float(x) for x in loc.split(","))
    services = [leg for leg in view["legs"] if leg["kind"] == "service"]
    assert {leg["mode"] for leg in services} == {"rail", "inland_waterway"}
    assert all(leg["services"] for leg in services)

    figure = plan_map(view)
    lines = [t for t in figure["data"] if (t.get("meta") or {}).get("role") == "plan-legs"]
    assert len(lines) == len(view["legs"])
    assert all(t["line"]["color"] == MODE_COLOURS[t["meta"]["mode"]] for t in lines)
    assert any((t.get("meta") or {}).get("role") == "basemap" for t in figure["data"])
