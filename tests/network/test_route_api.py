"""``keten.route`` and ``shortest_feasible_distance_km``: results, restrictions, errors."""

from __future__ import annotations

import pytest

import keten
from keten.errors import KetenError, NoRouteError, UnknownLocationError, ValidationError
from keten.factors import load_factor_set
from keten.network import resolve_location, route, shortest_feasible_distance_km
from keten.network.routing import parse_objective

from .conftest import line_network

OPTION_KEYS = {"modes", "legs", "distance_km", "time_h", "cost_eur", "co2e_wtw_kg",
               "co2e_ttw_kg", "nox_kg", "pm_kg"}


def test_json_shape_and_best_first() -> None:
    result = keten.route("NLRTM", "DEDUI", mass_kg=20_000, alternatives=3)
    doc = result.as_dict()
    assert set(doc) == {"origin", "destination", "options"}
    assert (doc["origin"], doc["destination"]) == ("NLRTM", "DEDUI")
    assert len(doc["options"]) == 3
    for option in doc["options"]:
        assert set(option) == OPTION_KEYS
        for leg in option["legs"]:
            assert set(leg) == {"mode", "from", "to", "distance_km", "time_h"}
        assert option["distance_km"] == pytest.approx(
            sum(leg["distance_km"] for leg in option["legs"]), abs=0.01)
    costs = [o.cost_eur for o in result.options]
    assert costs == sorted(costs)
    chains = [tuple(o.modes) for o in result.options]
    assert len(set(chains)) == len(chains)


def test_modes_restrict_the_route_and_no_route_names_the_modes() -> None:
    road = route("NLRTM", "DEDUI", mass_kg=1000, modes="road")
    assert road.options[0].modes == ["road"]
    assert all(leg.mode == "road" for leg in road.options[0].legs)
    with pytest.raises(NoRouteError, match="rail") as err:
        route("NLNIJ", "NLEEM", mass_kg=1000, modes=["rail"])
    assert err.value.exit_code == 3


def test_unknown_location_lists_close_matches() -> None:
    with pytest.raises(UnknownLocationError) as err:
        route("Tilbrg", "NLRTM", mass_kg=1000)
    assert "tilburg" in err.value.suggestions
    assert err.value.exit_code == 2


def test_bad_requests_are_reported_together() -> None:
    with pytest.raises(ValidationError) as err:
        route("NLRTM", "DEDUI", mass_kg=-5, teu=0)
    assert {p.column for p in err.value.problems} == {"mass_kg", "teu"}
    with pytest.raises(KetenError, match="unknown mode"):
        route("NLRTM", "DEDUI", mass_kg=1, modes="hovercraft")
    with pytest.raises(KetenError, match="unknown objective"):
        parse_objective("speed")


def test_objectives_change_the_choice() -> None:
    cheapest = route("NLRTM", "DEDUI", mass_kg=20_000, objective="cost").options[0]
    fastest = route("NLRTM", "DEDUI", mass_kg=20_000, objective="time").options[0]
    greenest = route("NLRTM", "DEDUI", mass_kg=20_000, objective="co2e").options[0]
    assert fastest.time_h <= cheapest.time_h
    assert greenest.co2e_wtw_kg <= cheapest.co2e_wtw_kg
    assert fastest.modes == ["road"]
    assert parse_objective("cost=1,co2e=100") == {"cost_eur": 1.0, "co2e_wtw_kg": 100.0}


def test_transshipment_adds_handling_cost_time_and_hub_emissions() -> None:
    net = line_network()
    direct = route("A", "C", mass_kg=10_000, modes="road", network=net).options[0]
    barge = route("A", "C", mass_kg=10_000, modes="inland_waterway,road",
                  objective="co2e", network=net, alternatives=2)
    chains = {tuple(o.modes): o for o in barge.options}
    combined = chains[("inland_waterway", "road")]
    assert [leg.to_node for leg in combined.legs] == ["B", "C"]
    assert combined.hubs == ["B"]
    assert combined.time_h == pytest.approx(110 / 12 + 20 / 75 + 5)  # +5 h handling at B
    assert combined.cost_eur == pytest.approx(10 * (0.03 * 110 + 0.10 * 20 + 3))
    # hub_transshipment_ambient (keten-2026.3: 0.6 kg CO2e WTW per t, GLEC v3.0 Module 2
    # Table 3) for 10 t at B; iww_container_barge 0.0255 kg/tkm (STC-Nestra 2018 container
    # vessel 110 m); road_artic_40t_diesel 0.10467 kg/tkm
    fs = load_factor_set()
    barge_kg, road_kg = (float(fs.toc(t).co2e_wtw_kg_per_unit)
                         for t in ("iww_container_barge", "road_artic_40t_diesel"))
    legs_only = 10 * (110 * barge_kg + 20 * road_kg)
    hub_kg = float(fs.hoc("hub_transshipment_ambient").co2e_wtw_kg_per_unit)
    assert combined.co2e_wtw_kg == pytest.approx(legs_only + 10 * hub_kg, rel=1e-3)
    assert direct.distance_km == 120


def test_lat_lon_and_foreign_port_with_sea_passages() -> None:
    result = route("51.55,5.05", "NLRTM", mass_kg=5000, modes="road")
    assert result.options[0].legs[0].from_node.startswith("origin@")
    via_suez = route("CNSHA", "NLRTM", mass_kg=10_000, teu=1, modes="sea").options[0]
    around = route("CNSHA", "NLRTM", mass_kg=10_000, teu=1, modes="sea",
                   avoid=["suez"]).options[0]
    assert via_suez.distance_km > 15_000
    assert around.distance_km > via_suez.distance_km + 2_000
    with pytest.raises(KetenError, match="unknown passage"):
        route("CNSHA", "NLRTM", mass_kg=1, avoid=["atlantis"])


def test_geojson_has_one_line_per_leg() -> None:
    result = route("NLRTM", "NLVEN", mass_kg=20_000, alternatives=2)
    doc = result.to_geojson()
    legs = sum(len(o.legs) for o in result.options)
    assert len(doc["features"]) == legs
    assert all(f["geometry"]["type"] == "LineString" and len(f["geometry"]["coordinates"]) >= 2
               for f in doc["features"])


def test_shortest_feasible_distance_and_resolve_location() -> None:
    assert shortest_feasible_distance_km("NLRTM", "NLRTM", "road") == 0.0
    by_name = shortest_feasible_distance_km("Tilburg", "Venlo", "road")
    assert by_name == shortest_feasible_distance_km("tilburg", "NLVEN", "road")
    point = shortest_feasible_distance_km("51.92,4.48", "DEDUI", "road")
    assert 180 < point < 260
    assert shortest_feasible_distance_km("NLRTM", "USNYC", "sea") > 5000
    with pytest.raises(UnknownLocationError):
        shortest_feasible_distance_km("Atlantis", "NLRTM", "road")
    with pytest.raises(NoRouteError, match="rail"):
        shortest_feasible_distance_km("NLNIJ", "NLEEM", "rail")
    assert resolve_location("nlrtm")[0] == "NLRTM"
    assert resolve_location("51.45,6.75")[0] == "DEDUI"
    node, lat, lon = resolve_location("CNSHA")
    assert node == "CNSHA" and 30 < lat < 32 and 121 < lon < 122


def test_pareto_options_are_not_dominated() -> None:
    everything = route("NLRTM-MV", "meppel", mass_kg=20_000, alternatives=20).options
    front = route("NLRTM-MV", "meppel", mass_kg=20_000, alternatives=20, pareto=True).options
    assert 1 <= len(front) < len(everything)
    key = [(o.cost_eur, o.time_h, o.co2e_wtw_kg) for o in front]
    assert {tuple(o.modes) for o in front} <= {tuple(o.modes) for o in everything}
    for i, a in enumerate(key):
        for j, b in enumerate(key):
            if i != j:
                assert not (all(x <= y for x, y in zip(b, a, strict=True)) and b != a)
    dropped = [o for o in everything if tuple(o.modes) not in {tuple(f.modes) for f in front}]
    for o in dropped:  # each dropped option is beaten on all three by some kept one
        assert any(f.cost_eur <= o.cost_eur and f.time_h <= o.time_h
                   and f.co2e_wtw_kg <= o.co2e_wtw_kg for f in front)
