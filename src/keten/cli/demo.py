"""``keten demo``: the main job on the embedded default (what ``make run`` runs)."""

from __future__ import annotations

from pathlib import Path

import typer

from keten.cli.render import console


def demo_command(
    out_dir: Path = typer.Option(Path("out/demo"), "--out-dir", help="Where to write results."),
) -> None:
    """Run the demo: carrier TOCs from fuel data, terminal HOCs, the portfolio's footprint."""
    from keten.cli.footprint import _print_table
    from keten.services.demo import run_demo

    run = run_demo(out_dir)
    console.print(
        "[bold]keten demo[/]: footprint of a shipper's 42 demo shipments through "
        "Dutch corridors (ISO 14083 / GLEC v3.1)\n"
    )
    _print_table(run.result, None)
    console.print("\nFiles written:")
    for label, path in run.files.items():
        console.print(f"  {label:<20} {path}")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)
