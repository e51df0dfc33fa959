"""``keten route`` as a user reads it: places by name, the ids only in the title."""

from __future__ import annotations

from typer.testing import CliRunner

from keten.cli.main import app

runner = CliRunner()


def test_route_names_the_places_and_keeps_the_ids_in_the_title() -> None:
    result = runner.invoke(app, ["route", "NLRTM", "NLNIJ", "--mass-kg", "12000", "--modes",
                                 "road,rail", "--network", "sketch"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Rotterdam → Nijmegen (NLRTM → NLNIJ), 12,000 kg")
    legs = [[c.strip() for c in line.split("│")[1:4]] for line in lines
            if line.startswith("│") and line.split("│")[1].strip() in ("rail", "road", "barge")]
    assert legs and all(not any(c.isupper() and c.isalpha() and len(c) == 5 for c in leg[1:])
                        for leg in legs)  # no UN/LOCODE (NLRTM) where a place name belongs
    assert legs[0][1] == "Rotterdam" and legs[-1][2] == "Nijmegen"
    assert max(len(line) for line in lines) <= 80
