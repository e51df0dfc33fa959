"""``keten route ORIGIN DEST``: best multimodal routes with cost, time and emissions."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from keten.cli.network import NETWORK_OPTION, load_network, which_network
from keten.cli.render import check_format, console, emit_json, emit_text, rich_table, status
from keten.display import node_labels
from keten.network.api import RouteResult, route

SHORT = {"inland_waterway": "barge"}


def route_command(
    origin: str = typer.Argument(..., help="UN/LOCODE, node id, name, or 'lat,lon'."),
    destination: str = typer.Argument(..., help="UN/LOCODE, node id, name, or 'lat,lon'."),
    mass_kg: float = typer.Option(..., "--mass-kg", help="Shipment mass in kg."),
    teu: float | None = typer.Option(None, "--teu", help="Containers (TEU), for TEU-based "
                                     "factors; default: mass / t per TEU."),
    modes: str | None = typer.Option(None, "--modes", help="Allowed modes, e.g. road,rail,"
                                     "inland_waterway (default: all but pipeline)."),
    objective: str = typer.Option("cost", "--objective",
                                  help="cost, time, co2e, co2e_ttw, nox, pm, distance, or "
                                       "weights like cost=1,co2e=100."),
    alternatives: int = typer.Option(1, "--alternatives", "-k",
                                     help="Number of options with distinct mode chains."),
    pareto: bool = typer.Option(False, "--pareto", help="Only options not dominated on cost, "
                                "time and CO2e (use with --alternatives)."),
    avoid: str = typer.Option("", "--avoid", help="Sea passages to avoid, e.g. suez,"
                              "babalmandab."),
    network: Path | None = NETWORK_OPTION,
    fmt: str = typer.Option("table", "--format", "-f", help="table, json or geojson."),
    out: Path | None = typer.Option(None, "--output", "-o"),
) -> None:
    """Best routes from ORIGIN to DESTINATION, best first, with cost, time and emissions."""
    check_format(fmt, ("table", "json", "geojson"))
    with status(f"routing {origin} → {destination} on the {which_network(network)} network"):
        result = route(origin, destination, mass_kg=mass_kg, teu=teu, modes=modes,
                       objective=objective, alternatives=alternatives, pareto=pareto,
                       avoid=[a for a in avoid.split(",") if a],
                       network=None if network is None else load_network(network))
    if fmt == "json":
        emit_json(result.as_dict(), out)
        return
    if fmt == "geojson":
        emit_text(json.dumps(result.to_geojson()), out)
        return
    print_route(result, mass_kg)


def print_route(result: RouteResult, mass_kg: float) -> None:
    """The options and their legs by place name ("Rotterdam → Duisburg"); the ids the
    network knows them by stay in the title and in ``--format json``."""
    nodes = result.network.nodes
    names = node_labels(nodes["node_id"], nodes["name"])

    def name(node: str) -> str:
        return names.get(node, node)

    rows = []
    for rank, opt in enumerate(result.options, start=1):
        d = opt.as_dict()
        rows.append({"option": rank, "modes": " > ".join(SHORT.get(m, m) for m in opt.modes) or "-",
                     "via": ", ".join(name(h) for h in opt.hubs) or "-",
                     **{k: d[k] for k in ("distance_km", "time_h", "cost_eur", "co2e_wtw_kg",
                                          "co2e_ttw_kg", "nox_kg", "pm_kg")}})
    ids = f"{result.origin} → {result.destination}"
    title = f"{name(result.origin)} → {name(result.destination)}"
    console.print(rich_table(
        f"{title}{f' ({ids})' if title != ids else ''}, {mass_kg:,g} kg", rows,
        ["option", "modes", "via", "distance_km", "time_h", "cost_eur", "co2e_wtw_kg",
         "nox_kg", "pm_kg"], 2))
    for rank, opt in enumerate(result.options, start=1):
        legs = [{"option": rank, **leg.as_dict()} for leg in opt.legs]
        for leg in legs:
            leg["mode"] = SHORT.get(str(leg["mode"]), leg["mode"])
            leg["from"], leg["to"] = name(str(leg["from"])), name(str(leg["to"]))
        console.print(rich_table(f"legs of option {rank}", legs,
                                 ["mode", "from", "to", "distance_km", "time_h"], 1))


def register(app: typer.Typer) -> None:
    app.command("route")(route_command)
