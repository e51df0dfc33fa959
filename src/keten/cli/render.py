"""Shared rendering for CLI commands: rich tables, JSON, and writing to -o atomically.

Tables never split or cut a number: numeric columns do not wrap, and a table keeps the
columns that fit the terminal (or 80 columns through a pipe), in the order given, the first
ones being the most important; ``--wide`` shows them all, however wide the lines get.
"""

from __future__ import annotations

import json
import math
import textwrap
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from keten.display import decimals_for, fewer_for_large, fmt_number, is_number

# soft_wrap: plain lines are not broken by rich (the terminal wraps them), and a ``--wide``
# table is printed at its full width instead of being cropped to the terminal.
console = Console(soft_wrap=True)

WIDE_OPTION = typer.Option(False, "--wide", help="Show every column, even where the lines "
                           "get wider than the terminal.")

# text columns longer than this are cut with an ellipsis unless the table is wide
TEXT_MAX_WIDTH = 36
# text up to this long is kept on one line
TEXT_NO_WRAP_WIDTH = 20
# ids (text without spaces) up to this long are never cut
ID_MAX_WIDTH = 48


HEADERS = {
    "shipment_id": "shipment",
    "mass_kg": "mass kg",
    "transport_activity_tkm": "tkm",
    "co2e_wtw_kg": "CO2e WTW kg",
    "co2e_ttw_kg": "CO2e TTW kg",
    "co2e_wtt_kg": "CO2e WTT kg",
    "nox_kg": "NOx kg",
    "pm_kg": "PM kg",
    "sox_kg": "SOx kg",
    "tce_count": "TCEs",
    "co2e_intensity_wtw_kg_per_tkm": "kg CO2e WTW/tkm",
    "primary_data_share": "primary share",
    "primary_data_share_pct": "primary %",
    "group": "mode / hub",
    # resilience: spelled out, "tts"/"ttr" explain nothing to a planner
    "tts_days": "days to survive",
    "ttr_days": "days to recover",
    "is_bridge": "cut link (bridge)",
    "distance_km": "km",
    "time_h": "h",
    "cost_eur": "EUR",
}

# a first column of these names: each row is its own quantity (see FitTable)
METRIC_COLUMNS = ("metric", "KPI")

# words of column names as a header shows them: units, pollutants, WTW/TTW
UNIT_WORDS = {"kg": "kg", "t": "t", "km": "km", "tkm": "tkm", "h": "h", "eur": "EUR",
              "pct": "%", "teu": "TEU", "kwh": "kWh", "g": "g", "days": "days", "m": "m",
              "co2e": "CO2e", "wtw": "WTW", "ttw": "TTW", "wtt": "WTT", "nox": "NOx",
              "pm": "PM", "sox": "SOx", "nh3": "NH3", "id": "id", "teukm": "TEU-km", "m3s": "m3/s",
              "kgco2e": "kg CO2e"}


def header_of(column: str) -> str:
    """The header for a column name: a known label, else the name with its unit spelled out
    (``length_km`` -> ``length km``, ``cost_eur_per_t`` -> ``cost EUR/t``)."""
    if column in HEADERS:
        return HEADERS[column]
    if "_" not in column:
        return column
    text = column.replace("_per_", "/")
    words = [UNIT_WORDS.get(w, w) for w in text.split("_")]
    words = ["/".join(UNIT_WORDS.get(p, p) for p in w.split("/")) for w in words]
    return " ".join(words)


def _tonnes(rows: Sequence[dict[str, Any]], column: str) -> bool:
    """Whether a ``*_kg`` emission column reads better in tonnes (values of 100,000 kg on)."""
    if not column.endswith("_kg") or column == "mass_kg":
        return False
    numbers = [abs(float(r[column])) for r in rows if is_number(r.get(column))]
    return bool(numbers) and max(numbers) >= 100_000


def _aligned_places(values: Sequence[Any], places: int) -> int:
    """Decimals for a whole column: ``places``, or more when its smallest non-zero value needs
    them for two significant digits, so that every number lines up on the point
    (``0.00175`` over ``0.0000546`` had its point two characters to the left)."""
    small = [abs(float(v)) for v in values if is_number(v) and math.isfinite(float(v))
             and float(v) != int(v) and 0 < abs(float(v)) < 10 ** (1 - places)]
    if not small:
        return places
    return max(places, min(12, 2 - math.floor(math.log10(min(small)))))


def _places(value: Any, column_places: int | None, digits: int) -> int:
    if column_places is not None:
        return column_places
    if is_number(value) and math.isfinite(float(value)):
        if float(value) == int(value):
            return 0
        return fewer_for_large(float(value), digits)
    return digits


class FitTable:
    """A rich table that chooses at render time the columns that fit the width it is given.

    Numbers never wrap or get cut; text wraps on words (long text such as a factor's source is
    cut with an ellipsis); columns that do not fit are left out, from the last, and a caption
    names them. ``wide`` keeps every column at its full width. A column with no value at all
    is left out (``hide_empty``)."""

    def __init__(self, title: str, rows: Sequence[dict[str, Any]], columns: Sequence[str],
                 digits: int | dict[str, int] = 3, wide: bool = False,
                 hidden_hint: str = "--wide shows them", cut_text: bool = True,
                 hide_empty: bool = True) -> None:
        self.title = title
        self.caption: str | None = None
        self.wide = wide
        self.cut_text = cut_text and not wide
        self.hidden_hint = hidden_hint
        per_column = digits if isinstance(digits, dict) else {}
        default = digits if isinstance(digits, int) else 3
        self.columns: list[tuple[str, bool, list[str]]] = []  # header, numeric, cells
        # rows that are different quantities (a "metric" or "KPI" table) keep each value's own
        # decimals: widening a scenario's column for its smallest metric would make one row
        # read 1.4 in one column and 0.831 in the next
        metric_rows = bool(columns) and columns[0] in METRIC_COLUMNS
        for c in columns:
            values = [r.get(c) for r in rows]
            given = [v for v in values if v is not None and v == v]
            numeric = bool(given) and all(is_number(v) for v in given)
            header = header_of(c)
            if numeric and _tonnes(rows, c):
                values = [float(v) / 1000 if is_number(v) else v for v in values]
                header = header[:-2] + "t" if header.endswith(" kg") else header + " (t)"
            if not given and hide_empty:
                continue
            wanted = per_column.get(c, default)
            places = decimals_for(values, wanted) if numeric else 6
            if numeric and places is not None and not metric_rows:
                places = _aligned_places(values, places)
            cells = [fmt_number(v, _places(v, places, wanted)) for v in values]
            self.columns.append((header, numeric, cells))

    def _widths(self, index: int) -> tuple[int, int]:
        """(narrowest, widest) content width of a column: a number never narrower than its
        longest cell; a header wraps on words; text wraps on words down to ``TEXT_MAX_WIDTH``."""
        header, numeric, cells = self.columns[index]
        longest_word = max((len(w) for w in header.split()), default=1)
        longest_cell = max((len(c) for c in cells), default=1)
        widest = max(len(header), longest_cell)
        if numeric or self.wide:
            return max(longest_word, longest_cell), widest
        if not self.cut_text:
            return max(longest_word, min(longest_cell, 12)), widest
        # short labels (ids, modes, subjects) do not wrap; longer text wraps on words; an id
        # (text without spaces) is never cut
        cell_word = max((len(w) for c in cells for w in c.split()), default=1)
        if all(" " not in c for c in cells) and longest_cell <= ID_MAX_WIDTH:
            return max(longest_word, longest_cell), widest
        narrowest = max(longest_word, min(longest_cell, max(min(cell_word, TEXT_MAX_WIDTH),
                                                            TEXT_NO_WRAP_WIDTH)))
        return narrowest, max(narrowest, min(widest, TEXT_MAX_WIDTH))

    def _layout(self, width: int) -> dict[int, int]:
        """Column index -> content width, for the columns shown within ``width`` characters
        (each column adds 2 of padding and 1 of border, plus 1 for the last border)."""
        keep = list(range(len(self.columns)))
        bounds = {i: self._widths(i) for i in keep}
        if self.wide:
            return {i: bounds[i][1] for i in keep}
        while len(keep) > 1 and sum(bounds[i][0] + 3 for i in keep) + 1 > width:
            keep.pop()
        widths = {i: bounds[i][0] for i in keep}
        spare = width - (sum(widths.values()) + 3 * len(keep) + 1)
        for i in keep:  # widen the most important columns first, up to their full width
            extra = max(0, min(spare, bounds[i][1] - widths[i]))
            widths[i] += extra
            spare -= extra
        return widths

    def table(self, width: int) -> Table:
        layout = self._layout(width)
        hidden = [self.columns[i][0] for i in range(len(self.columns)) if i not in layout]
        caption = None
        if hidden:
            caption = f"{len(hidden)} more column(s): {', '.join(hidden)} ({self.hidden_hint})"
        self.caption = caption  # printed under the table, wrapped on words (see below)
        table = Table(title=self.title, title_justify="left", header_style="bold")
        for i, w in layout.items():
            header, numeric, cells = self.columns[i]
            longest = max((len(c) for c in cells), default=0)
            cut = self._cut(numeric, longest, w)
            table.add_column(header, justify="right" if numeric else "left", width=w,
                             overflow="ellipsis" if cut else "fold")
        for r in range(len(self.columns[0][2]) if self.columns else 0):
            table.add_row(*(self._cell(i, r, layout[i]) for i in layout))
        return table

    def _cell(self, index: int, row: int, width: int) -> Text:
        _header, numeric, cells = self.columns[index]
        text = cells[row]
        if self._cut(numeric, len(text), width):
            return Text(text, no_wrap=True, overflow="ellipsis")
        return Text(text)

    def _cut(self, numeric: bool, length: int, width: int) -> bool:
        """Whether long text is cut with an ellipsis (rather than wrapped over many lines)."""
        return self.cut_text and not numeric and length > width and length > ID_MAX_WIDTH

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        table = self.table(options.max_width)
        # a soft-wrapping console (keten's) leaves long lines to the terminal, which breaks
        # them anywhere: the note of the hidden columns is wrapped on words here
        note = (Text("\n".join(textwrap.wrap(self.caption, max(20, options.max_width))))
                if self.caption else None)
        if not self.wide:
            yield table
            if note is not None:
                yield note
            return
        full = Measurement.get(console, options.update(width=10**5), table).maximum
        if full <= options.max_width:
            yield table
            return
        for line in console.render_lines(table, options.update(width=full)):
            yield from line
            yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.table(options.max_width))


def rich_table(
    title: str,
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    digits: int | dict[str, int] = 3,
    wide: bool = False,
    cut_text: bool = True,
    hidden_hint: str = "--wide shows them",
) -> FitTable:
    """A table of ``rows``; ``digits`` is one precision for all numbers or one per column.
    The columns come most important first: those that do not fit are left out unless ``wide``.
    Long text is cut with an ellipsis (``cut_text``), or wrapped where every word matters."""
    return FitTable(title, rows, columns, digits, wide, hidden_hint=hidden_hint,
                    cut_text=cut_text)


@contextmanager
def progress(label: str, unit: str = "rows") -> Iterator[Callable[[int], None]]:
    """A live line on stderr for long work (a spinner, ``label``, the count done and the time
    taken), shown only on a terminal and cleared when done; yields ``update(done)``."""
    err = Console(stderr=True)
    if not err.is_terminal:
        yield lambda done: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"),
                  TextColumn("{task.fields[done]}"), TimeElapsedColumn(), console=err,
                  transient=True) as bar:
        task = bar.add_task(label, done="")

        def update(done: int) -> None:
            bar.update(task, done=f"{done:,} {unit}")

        yield update


def prose(text: str) -> None:
    """A sentence under a table, wrapped on words at the terminal's width (keten's console
    otherwise leaves long lines to the terminal, which breaks them inside words)."""
    console.print(text, soft_wrap=False, markup=False, highlight=False)


@contextmanager
def status(label: str) -> Iterator[None]:
    """A live line on stderr saying what a command is doing while it works (a spinner,
    ``label`` and the time taken), shown only on a terminal and cleared when done: for work
    of more than a few seconds that has no count to report (loading the national network,
    solving a plan)."""
    err = Console(stderr=True)
    if not err.is_terminal:
        yield
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        bar.add_task(f"{label}…", total=None)
        yield


def emit_text(text: str, out: Path | None) -> None:
    """Print ``text`` or write it atomically to ``out``."""
    if out is None:
        typer.echo(text, nl=not text.endswith("\n"))
    else:
        from keten.io.tables import write_text_atomic

        write_text_atomic(out, text if text.endswith("\n") else text + "\n")
        Console(stderr=True).print(f"wrote {out}")


def emit_json(doc: Any, out: Path | None) -> None:
    emit_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str), out)


def check_format(fmt: str, allowed: Sequence[str]) -> str:
    if fmt not in allowed:
        raise typer.BadParameter(
            f"'{fmt}' is not one of {', '.join(allowed)}", param_hint="--format"
        )
    return fmt
