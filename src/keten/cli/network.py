"""``keten network show|export|import|validate``: the multimodal network and its files."""

from __future__ import annotations

from pathlib import Path

import typer

from keten.cli.render import check_format, console, emit_json, rich_table
from keten.errors import ValidationError
from keten.network.build import default_network
from keten.network.io import read_links_file, read_network_file, read_osm, write_network
from keten.network.model import Network, records
from keten.network.validate import validate_network

network_app = typer.Typer(help="The multimodal network: show, export, import, validate.",
                          no_args_is_help=True)

NETWORK_OPTION = typer.Option(
    None, "--network", "-n",
    help="A network file (.geojson, .gpkg or a directory with nodes.csv/links.csv); "
         "default: keten's built-in network of NL and its hinterland.")


def load_network(path: Path | None) -> Network:
    """The network in ``path`` (keten export formats) or the built-in one."""
    return default_network() if path is None else read_network_file(path)


@network_app.command("show")
def show_command(
    network: Path | None = NETWORK_OPTION,
    what: str = typer.Option("summary", "--what", "-w", help="summary, nodes or links."),
    mode: str | None = typer.Option(None, "--mode", "-m", help="Only links of this mode."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
    out: Path | None = typer.Option(None, "--output", "-o"),
) -> None:
    """Counts by kind and mode, or the node / link tables with their sources."""
    check_format(fmt, ("table", "json"))
    check_format(what, ("summary", "nodes", "links"))
    net = load_network(network)
    if what == "summary":
        doc = net.summary()
        if fmt == "json":
            emit_json(doc, out)
            return
        console.print(f"[bold]{doc['name']}[/]: {doc['nodes']} nodes, {doc['links']} links")
        km = doc["length_km_by_mode"]
        rows = [{"mode": m, "links": c, "length_km": km[m]}  # type: ignore[index]
                for m, c in doc["links_by_mode"].items()]  # type: ignore[attr-defined]
        console.print(rich_table("links by mode", rows, ["mode", "links", "length_km"], 1))
        kinds = [{"kind": k, "nodes": c} for k, c in doc["nodes_by_kind"].items()]  # type: ignore[attr-defined]
        console.print(rich_table("nodes by kind", kinds, ["kind", "nodes"]))
        return
    table = net.nodes if what == "nodes" else net.links
    if what == "links" and mode:
        table = table[table["mode"] == mode]
    rows = records(table.astype(object).where(table.notna(), None))
    if fmt == "json":
        emit_json({"network": net.name, what: rows}, out)
        return
    cols = (["node_id", "name", "kind", "modes", "lat", "lon", "source"] if what == "nodes"
            else ["link_id", "mode", "length_km", "corridor", "cemt_class", "source"])
    console.print(rich_table(f"{what} of {net.name}", rows, cols, 3))


@network_app.command("export")
def export_command(
    out: Path = typer.Argument(..., help="Output: .geojson, .gpkg, or a directory (csv)."),
    network: Path | None = NETWORK_OPTION,
    fmt: str | None = typer.Option(None, "--format", "-f", help="geojson, gpkg or csv."),
) -> None:
    """Write the network as GeoJSON, GeoPackage (layers nodes, links) or CSV tables."""
    if fmt is not None:
        check_format(fmt, ("geojson", "gpkg", "csv"))
    path = write_network(load_network(network), out, fmt)
    console.print(f"wrote {path}")


@network_app.command("import")
def import_command(
    source: Path = typer.Argument(..., help="GeoJSON, GeoPackage, Shapefile or .osm file."),
    out: Path = typer.Argument(..., help="Where to write the keten network (.geojson, .gpkg "
                               "or a directory for csv)."),
    mode: str | None = typer.Option(None, "--mode", "-m", help="Mode of every link."),
    from_col: str | None = typer.Option(None, "--from-col", help="Column with start node ids."),
    to_col: str | None = typer.Option(None, "--to-col", help="Column with end node ids."),
    id_col: str | None = typer.Option(None, "--id-col", help="Column with link ids."),
    length_col: str | None = typer.Option(None, "--length-col", help="Column with lengths."),
    length_unit_km: float = typer.Option(1.0, "--length-unit-km",
                                         help="km per unit of --length-col (0.001 for m)."),
    corridor_col: str | None = typer.Option(None, "--corridor-col", help="Waterway/road name."),
    layer: str | None = typer.Option(None, "--layer", help="Layer of a GeoPackage."),
) -> None:
    """Import links from a geodata file (any CRS) or an OpenStreetMap extract, validate them,
    and write them in keten's format. The validation report is printed; exit 2 on problems."""
    if source.suffix.lower() == ".osm":
        net = read_osm(source)
    else:
        net = read_links_file(source, layer=layer, mode=mode, from_col=from_col, to_col=to_col,
                              id_col=id_col, length_col=length_col,
                              length_unit_km=length_unit_km, corridor_col=corridor_col)
    path = write_network(net, out)
    summary = net.summary()
    console.print(f"imported {summary['nodes']} nodes, {summary['links']} links -> {path}")
    report = validate_network(net, str(source))
    if report.problems:
        raise ValidationError(report.problems, title=f"network '{net.name}' has problems")


@network_app.command("validate")
def validate_command(
    network: Path | None = typer.Argument(None, help="A network file; default: built-in."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
) -> None:
    """Report disconnected components, zero/negative lengths, dangling node references and
    duplicate ids. Exit code 0 when clean, 2 when problems are found."""
    check_format(fmt, ("table", "json"))
    net = load_network(network)
    report = validate_network(net, None if network is None else str(network))
    if fmt == "json":
        emit_json({"network": net.name, **report.as_dict()}, None)
        if report.problems:
            raise typer.Exit(2)
        return
    if report.problems:
        raise ValidationError(report.problems, title=f"network '{net.name}' has problems")
    console.print(f"network '{net.name}' is valid: {len(net.nodes)} nodes, {len(net.links)} "
                  f"links, {report.components} connected component(s)")


def register(app: typer.Typer) -> None:
    app.add_typer(network_app, name="network")
