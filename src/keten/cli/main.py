"""The ``keten`` command. Each sub-command lives in its own module with ``register(app)``."""

from __future__ import annotations

import importlib
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from keten.errors import KetenError, ValidationError


def _print_error(text: str) -> None:
    Console(stderr=True, soft_wrap=True).print(
        "[bold red]error:[/] " + escape(text), highlight=False
    )


class KetenGroup(TyperGroup):
    """Turns keten errors into a readable message on stderr and the error's exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except ValidationError as exc:
            _print_error(exc.report())
            ctx.exit(exc.exit_code)
        except KetenError as exc:
            _print_error(str(exc))
            ctx.exit(exc.exit_code)
        except OSError as exc:  # a file that cannot be read or written: say which and why
            where = f"{exc.filename}: " if exc.filename else ""
            _print_error(f"{where}{exc.strerror or exc}")
            ctx.exit(2)


app = typer.Typer(
    name="keten",
    cls=KetenGroup,
    help="keten: freight emissions (ISO 14083), network, planning, resilience, PACT/iLEAP.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# One line per command module; each defines ``register(app: typer.Typer) -> None``.
COMMAND_MODULES = [
    "keten.cli.footprint",
    "keten.cli.factors",
    "keten.cli.demo",
    "keten.cli.keys",
    "keten.cli.chain",
    "keten.cli.serve",
    "keten.cli.company",
    "keten.cli.report",
    "keten.cli.network",
    "keten.cli.route",
    "keten.cli.plan",
    "keten.cli.resilience",
    "keten.cli.report_html",
    "keten.cli.users",
    "keten.cli.web",
]

for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def main() -> None:
    """Entry point of the ``keten`` console script."""
    app()


if __name__ == "__main__":
    main()
