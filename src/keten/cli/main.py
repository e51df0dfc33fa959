"""The ``keten`` command. Each sub-command lives in its own module with ``register(app)``."""

from __future__ import annotations

import importlib
import sys

import typer
from rich.console import Console

from keten.errors import KetenError, ValidationError

app = typer.Typer(
    name="keten",
    help="keten: freight emissions (ISO 14083), network, planning, resilience, PACT/iLEAP.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# One line per command module; each defines ``register(app: typer.Typer) -> None``.
COMMAND_MODULES = [
    "keten.cli.footprint",
    "keten.cli.factors",
]

for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def main() -> None:
    """Entry point: run the app, turning keten errors into a message and an exit code."""
    err = Console(stderr=True)
    try:
        app(standalone_mode=False)
    except ValidationError as exc:
        err.print(f"[bold red]error:[/] {exc.report()}", highlight=False, markup=True)
        sys.exit(exc.exit_code)
    except KetenError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("aborted")
        sys.exit(1)
    except Exception as exc:  # click usage errors
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise


if __name__ == "__main__":
    main()
