"""The ``keten`` command. Each sub-command lives in its own module with ``register(app)``.

Modules are imported only when their command runs (or for ``--help``), so ``keten chain
verify`` does not pay for the network, the store and the web stack.
"""

from __future__ import annotations

import importlib
from functools import cache
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


# command name -> the modules whose ``register(app: typer.Typer)`` adds it, in help order
COMMANDS: dict[str, tuple[str, ...]] = {
    "footprint": ("keten.cli.footprint",),
    "toc": ("keten.cli.footprint",),
    "hoc": ("keten.cli.footprint",),
    "factors": ("keten.cli.factors",),
    "demo": ("keten.cli.demo",),
    "network": ("keten.cli.network",),
    "route": ("keten.cli.route",),
    "plan": ("keten.cli.plan",),
    "bundle": ("keten.cli.bundle",),
    "load-factor": ("keten.cli.chain_ops",),
    "ze-zones": ("keten.cli.chain_ops",),
    "street-turns": ("keten.cli.chain_ops",),
    "disrupt": ("keten.cli.resilience",),
    "criticality": ("keten.cli.resilience",),
    "stress-test": ("keten.cli.resilience",),
    "sweep": ("keten.cli.resilience",),
    "risk-exposure": ("keten.cli.resilience",),
    "backtest": ("keten.cli.resilience",),
    "serve": ("keten.cli.serve",),
    "dashboard": ("keten.cli.web",),
    "company": ("keten.cli.company",),
    "credentials": ("keten.cli.company",),
    "user": ("keten.cli.users",),
    "report": ("keten.cli.report", "keten.cli.report_html", "keten.cli.report_iso14083"),
    "keys": ("keten.cli.keys",),
    "chain": ("keten.cli.chain",),
    "construction": ("keten.cli.construction",),
    "partner": ("keten.cli.partner",),
}


@cache
def _commands_of(modules: tuple[str, ...]) -> Any:
    """The click group holding the commands these modules register."""
    sub = typer.Typer(cls=TyperGroup, add_completion=False, pretty_exceptions_enable=False)

    @sub.callback()
    def _group() -> None:
        """(holder)"""

    for name in modules:
        importlib.import_module(name).register(sub)
    return typer.main.get_command(sub)


class KetenGroup(TyperGroup):
    """Loads sub-commands on demand; turns keten errors into a readable message on stderr and
    the error's exit code."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        return _commands_of(COMMANDS[cmd_name]).get_command(ctx, cmd_name)

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



@app.callback()
def _keten() -> None:
    """keten: freight emissions (ISO 14083), network, planning, resilience, PACT/iLEAP."""


def main() -> None:
    """Entry point of the ``keten`` console script."""
    app()


if __name__ == "__main__":
    main()
