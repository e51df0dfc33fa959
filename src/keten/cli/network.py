"""``keten network show|export|import|validate``: the multimodal network and its files."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from keten.cli.render import check_format, console, emit_json, rich_table, status
from keten.cli.stages import stage_progress
from keten.errors import Problem, ValidationError
from keten.network.build import default_network
from keten.network.io import (
    ImportNotes,
    ImportOptions,
    read_links_file,
    read_network_file,
    read_osm,
    write_network,
)
from keten.network.model import Network, records
from keten.network.validate import validate_network

network_app = typer.Typer(help="The multimodal network: show, export, import, validate.",
                          no_args_is_help=True)

NETWORK_OPTION = typer.Option(
    None, "--network", "-n",
    help="A network file (.geojson, .gpkg or a directory with nodes.csv/links.csv) or a "
         "built-in one: national (the default) or sketch (90 nodes).")


def load_network(path: Path | None) -> Network:
    """The network in ``path`` (keten export formats) or the built-in one."""
    return default_network() if path is None else read_network_file(path)


def which_network(path: Path | None) -> str:
    """How a command names the network it loads: "default" or the file given."""
    return "default" if path is None else f"'{path}'"


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
    with status(f"loading the {which_network(network)} network"):
        net = load_network(network)
    if what == "summary":
        doc = net.summary()
        if fmt == "json":
            emit_json(doc, out)
            return
        console.print(f"[bold]{doc['name']}[/]: {doc['nodes']:,} nodes, {doc['links']:,} links")
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
    with status(f"loading the {which_network(network)} network and writing {out}"):
        path = write_network(load_network(network), out, fmt)
    console.print(f"wrote {path}")


def _print_warnings(warnings: list[Problem], strict: bool) -> None:
    if not warnings:
        return
    err = Console(stderr=True)
    err.print(f"{len(warnings)} warning(s)" + (" (--strict: treated as errors)" if strict
                                                else " (the network is usable)") + ":",
              markup=False, highlight=False)
    for w in warnings[:50]:
        err.print(f"  - {w}", markup=False, highlight=False)
    if len(warnings) > 50:
        err.print(f"  ... and {len(warnings) - 50} more", markup=False, highlight=False)


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
    speed_col: str | None = typer.Option(None, "--speed-col", help="Column with speed (km/h)."),
    class_col: str | None = typer.Option(None, "--class-col",
                                         help="Road class (road, rail) or CEMT class (barge)."),
    oneway_col: str | None = typer.Option(None, "--oneway-col",
                                          help="Column that is yes/true on one-way links."),
    corridor_col: str | None = typer.Option(None, "--corridor-col", help="Waterway/road name."),
    keep: str | None = typer.Option(None, "--keep", help="Extra columns to keep, comma-"
                                    "separated (default: all of them)."),
    layer: str | None = typer.Option(None, "--layer", help="Layer of a GeoPackage."),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings (self-loops, "
                                "disconnected parts) as errors: exit 2, write nothing."),
) -> None:
    """Import links from a geodata file (any CRS) or an OpenStreetMap extract, validate them,
    and write them in keten's format with their full geometry and attribute columns.

    Errors (bad cells, unknown nodes, zero lengths, duplicate ids) exit 2 and write nothing;
    warnings (self-loops, disconnected parts) are reported and exit 0 unless --strict."""
    notes = ImportNotes()
    osm = source.suffix.lower() == ".osm"
    options = None if osm else ImportOptions(
        mode=mode, from_col=from_col, to_col=to_col, id_col=id_col, length_col=length_col,
        length_unit_km=length_unit_km, speed_col=speed_col, class_col=class_col,
        corridor_col=corridor_col, oneway_col=oneway_col, layer=layer,
        keep=None if keep is None else tuple(filter(None, (c.strip() for c in
                                                            keep.split(",")))))
    with stage_progress([("read", f"read {source.name}"), ("topology", "build topology"),
                         ("validate", "validate"), ("write", f"write {out.name}")]) as stages:
        net = (read_osm(source, progress=stages) if options is None
               else read_links_file(source, options, notes, progress=stages))
        stages.note("topology", f"{len(net.nodes):,} nodes, {len(net.links):,} links")
        stages("validate")
        report = validate_network(net, str(source))
        warnings = notes.warnings + report.warnings
        stages.note("validate", f"{len(report.problems):,} error(s), {len(warnings):,} "
                                "warning(s)")
        if report.problems or (strict and warnings):
            raise ValidationError(report.problems + (warnings if strict else []),
                                  title=f"network '{net.name}' not imported (nothing written)")
        stages("write")
        path = write_network(net, out)
    summary = net.summary()
    flipped = f", {notes.reversed_links} geometries drawn to->from" if notes.reversed_links else ""
    console.print(f"imported {summary['nodes']:,} nodes, {summary['links']:,} links -> {path} "
                  f"({report.components} connected part(s), {report.self_loops} self-loop(s)"
                  f"{flipped})")
    _print_warnings(warnings, strict)


@network_app.command("validate")
def validate_command(
    network: Path | None = typer.Argument(None, help="A network file; default: built-in."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
    strict: bool = typer.Option(False, "--strict", help="Exit 2 on warnings too."),
) -> None:
    """Report errors (dangling node references, zero/negative lengths, duplicate ids: exit 2)
    and warnings (disconnected parts, self-loops: exit 0 unless --strict)."""
    check_format(fmt, ("table", "json"))
    with status(f"loading and validating the {which_network(network)} network"):
        net = load_network(network)
        report = validate_network(net, None if network is None else str(network))
    failed = bool(report.problems) or (strict and bool(report.warnings))
    if fmt == "json":
        emit_json({"network": net.name, **report.as_dict()}, None)
        if failed:
            raise typer.Exit(2)
        return
    if failed:
        raise ValidationError(report.problems + (report.warnings if strict else []),
                              title=f"network '{net.name}' has problems")
    console.print(f"network '{net.name}' is valid: {len(net.nodes):,} nodes, {len(net.links):,} "
                  f"links, {report.components} connected part(s), {report.self_loops} "
                  "self-loop(s)")
    _print_warnings(report.warnings, strict)


def register(app: typer.Typer) -> None:
    app.add_typer(network_app, name="network")
