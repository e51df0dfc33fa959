"""Place names: common Dutch, Belgian and German names resolve to nodes (any case, accents,
punctuation, Dutch/German/English names); near misses get suggestions."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from keten.cli.main import app
from keten.emissions.distance import great_circle_km
from keten.errors import UnknownLocationError
from keten.network.build import default_network
from keten.network.locate import find_place, fold, gazetteer, resolve_location

RESOLVES = [
    ("Rotterdam", "NLRTM"), ("rotterdam", "NLRTM"), ("Amsterdam", "NLAMS"),
    ("Duisburg", "DEDUI"), ("Tilburg", "tilburg"), ("Den Bosch", "den-bosch"),
    ("'s-Hertogenbosch", "den-bosch"), ("s-Hertogenbosch", "den-bosch"), ("Venlo", "NLVEN"),
    ("Köln", "DECGN"), ("Koeln", "DECGN"), ("Keulen", "DECGN"), ("Cologne", "DECGN"),
    ("Düsseldorf", "DEDUS"), ("Antwerpen", "BEANR"), ("Antwerp", "BEANR"), ("Luik", "BELGG"),
    ("UTRECHT", "NLUTC"), ("Nijmegen", "NLNIJ"),
]


@pytest.mark.parametrize(("text", "node"), RESOLVES)
def test_place_names_resolve_to_their_node(text: str, node: str) -> None:
    assert resolve_location(text)[0] == node


def test_a_place_and_its_node_are_close() -> None:
    """The gazetteer (GeoNames city centres) and the network's nodes (terminal positions from
    other sources) agree within the distance the resolver allows."""
    net = default_network()
    where = {r.node_id: (r.lat, r.lon) for r in net.nodes.itertuples()}
    for text, node in RESOLVES:
        place = find_place(text)
        assert place is not None, text
        assert great_circle_km(place.lat, place.lon, *where[node]) < 20, (text, node)


def test_folding_ignores_case_accents_and_punctuation() -> None:
    assert fold("'s-Hertogenbosch") == "s hertogenbosch"
    assert fold("DÜSSELDORF") == fold("Düsseldorf") == "dusseldorf"
    assert fold("Liège") == "liege"
    # where two places share a name, the larger one is meant
    assert gazetteer()[fold("Bergen")].country in {"NL", "DE", "BE"}


def test_a_place_away_from_the_nodes_keeps_its_own_position() -> None:
    node, lat, lon = resolve_location("Leiden")
    assert node in set(default_network().node_ids)
    assert abs(lat - 52.16) < 0.05 and abs(lon - 4.49) < 0.05  # Leiden, not the node


@pytest.mark.parametrize(("typo", "meant"), [("Rotterdm", "NLRTM"), ("Tilbrug", "tilburg"),
                                             ("Duisbrug", "DEDUI"), ("Amsterdma", "NLAMS")])
def test_near_misses_are_suggested(typo: str, meant: str) -> None:
    with pytest.raises(UnknownLocationError) as err:
        resolve_location(typo)
    assert err.value.suggestions[0] == meant
    assert err.value.exit_code == 2


def test_route_between_place_names_on_the_command_line() -> None:
    runner = CliRunner()
    for a, b in (("Rotterdam", "Tilburg"), ("Amsterdam", "Duisburg")):
        result = runner.invoke(app, ["route", a, b, "--mass-kg", "20000"], env={"COLUMNS": "80"})
        assert result.exit_code == 0, result.output
        assert f"{a} → {b}" in result.output
