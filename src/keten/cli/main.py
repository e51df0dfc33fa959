"""The ``keten`` command. Each sub-command lives in its own module with ``register(app)``.

Modules are imported only when their command runs (or for ``--help``), so ``keten chain
verify`` does not pay for the network, the store and the web stack.
"""

from __future__ import annotations

import importlib
import inspect
import re
from functools import cache
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperCommand, TyperGroup, TyperOption

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


# One line per command for ``keten --help``, so that listing the commands does not import
# them all (the start of each command's help; tests/test_entrypoints.py keeps them equal).
# A command missing here is imported to read its help.
SUMMARIES: dict[str, str] = {
    "footprint": "Footprint of transport chains per ISO 14083 / GLEC v3.1: CO2e WTW/TTW, "
                 "NOx, PM, SOx.",
    "toc": "TOC intensities from primary fuel/energy data (or a vehicle model), ISO 14083 6.2.",
    "hoc": "HOC intensities from hub energy use and throughput, ISO 14083 6.4.",
    "factors": "The factor library: energy carriers, TOC/HOC defaults, pollutants.",
    "network": "The multimodal network: show, export, import, validate.",
    "demo": "Run the demo: carrier TOCs from fuel data, terminal HOCs, the portfolio's "
            "footprint.",
    "route": "Best routes from ORIGIN to DESTINATION, best first, with cost, time and "
             "emissions.",
    "plan": "Assign shipments to road, barge and rail services under capacity; compare with "
            "all-road and with the uncapacitated cheapest plan (the modal-shift potential).",
    "disrupt": "Impact of a disruption scenario: unserved and late tonnes, extra cost, time, "
               "CO2e, NOx, PM and the modal shift against the undisrupted baseline, per day "
               "and in total.",
    "criticality": "Single-link redundancy (detour yes/no, extra km and h), bridges, and links "
                   "ranked by the extra generalised cost and CO2e of the demand when they fail.",
    "stress-test": "Time-to-survive (LP) and time-to-recover per node; nodes ranked by TTR - "
                   "TTS.",
    "sweep": "Monte Carlo sweep over a scenario distribution on Dask; Parquet + p5/p50/p95 "
             "summary.",
    "serve": "Serve the PACT v2.3 and v3.0 APIs (with iLEAP extensions) and the dashboard.",
    "dashboard": "Serve the dashboard at http://HOST:PORT/ (same app as the PACT v3 API).",
    "company": "Companies (tenants) of the keten store.",
    "credentials": "OAuth2 client credentials of a company (secrets are stored hashed).",
    "user": "Dashboard users (web log-in), apart from PACT client credentials.",
    "report": "Reports from the keten store.",
    "keys": "Ed25519 keys for signing chain statements (PEM files) and partner trust lists.",
    "chain": "Carbon Added chain: signed emission statements passed down a transport chain.",
}

_SINGLE_NEWLINE = re.compile(r"(?<!\n)[ \t]*\n[ \t]*(?!\n)")


def _one_paragraph_lines(text: str | None) -> str | None:
    """Help text with the line breaks of a docstring joined: rich wraps it to the terminal,
    so a break kept from the source shows as an odd short line."""
    if not text:
        return text
    return _SINGLE_NEWLINE.sub(" ", inspect.cleandoc(text))


def _tidy_help(command: Any) -> None:
    """Join hard line breaks in the help of ``command``, its parameters and sub-commands."""
    command.help = _one_paragraph_lines(command.help)
    for param in getattr(command, "params", ()):
        if getattr(param, "help", None):
            param.help = _one_paragraph_lines(param.help)
    for sub in getattr(command, "commands", {}).values():
        _tidy_help(sub)


def _flag_type_rich(self: TyperOption, ctx: Any) -> str | None:
    """A flag takes no value: show ``--integer``, not ``--integer <bool>``."""
    if self.is_flag:
        return None
    return _typed_option_rich(self, ctx)


_typed_option_rich = TyperOption.display_type_rich
TyperOption.display_type_rich = _flag_type_rich  # type: ignore[method-assign]


@cache
def _commands_of(modules: tuple[str, ...]) -> Any:
    """The click group holding the commands these modules register."""
    sub = typer.Typer(cls=TyperGroup, add_completion=False, pretty_exceptions_enable=False)

    @sub.callback()
    def _group() -> None:
        """(holder)"""

    for name in modules:
        importlib.import_module(name).register(sub)
    group = typer.main.get_command(sub)
    _tidy_help(group)
    return group


class KetenGroup(TyperGroup):
    """Loads sub-commands on demand; turns keten errors into a readable message on stderr and
    the error's exit code."""

    listing = False  # True while ``keten --help`` lists the commands

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        if self.listing and cmd_name in SUMMARIES:
            return TyperCommand(cmd_name, help=SUMMARIES[cmd_name])
        return _commands_of(COMMANDS[cmd_name]).get_command(ctx, cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self.listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self.listing = False

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except ValidationError as exc:
            _print_error(exc.report())
            ctx.exit(exc.exit_code)
        except KetenError as exc:
            _print_error(str(exc))
            ctx.exit(exc.exit_code)
        except BrokenPipeError:  # ``keten ... | head``: the reader has all it wants
            import os
            import sys

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(0)
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
