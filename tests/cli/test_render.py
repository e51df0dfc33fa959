"""Tables at an ordinary 80-column terminal: numbers are never split or cut, the columns that
do not fit are named, ``--wide`` shows them, and no number is in scientific notation."""

from __future__ import annotations

import io
import re
import sys
import time
from typing import Any

from rich.console import Console

from keten.cli.render import fmt_number, header_of, rich_table, status

NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def render(renderable: object, width: int = 80) -> str:
    console = Console(width=width, file=io.StringIO(), soft_wrap=True, color_system=None)
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]


def rows_with_numbers(n: int = 12) -> list[dict[str, object]]:
    return [{"shipment_id": f"S{i:03d}", "mass_kg": 18_000.0 + i, "transport_activity_tkm":
             4026.6 * (i + 1), "co2e_wtw_kg": 421.464 * (i + 1), "co2e_ttw_kg": 332.879 * i,
             "nox_kg": 0.2581, "pm_kg": 0.00561, "sox_kg": 0.000598,
             "co2e_intensity_wtw_kg_per_tkm": 0.1047, "primary_data_share": 0.5}
            for i in range(n)]


COLUMNS = ["shipment_id", "mass_kg", "transport_activity_tkm", "co2e_wtw_kg", "co2e_ttw_kg",
           "nox_kg", "pm_kg", "sox_kg", "co2e_intensity_wtw_kg_per_tkm", "primary_data_share"]


def cells_of(text: str) -> list[list[str]]:
    """The cells of each body row of a rendered table (lines between the │ borders)."""
    return [[c.strip() for c in line.split("│")[1:-1]] for line in text.splitlines()
            if line.startswith("│")]


def test_every_number_is_whole_on_one_line_at_80_columns() -> None:
    rows = rows_with_numbers()
    text = render(rich_table("Shipments", rows, COLUMNS, digits={"mass_kg": 0}))
    assert max(len(line) for line in text.splitlines()) <= 80
    body = cells_of(text)
    assert len(body) == len(rows)  # one line per row: nothing wrapped onto a second line
    shown = len(body[0])
    for row, cells in zip(rows, body, strict=True):
        assert cells[0] == row["shipment_id"]
        for cell in cells[1:]:
            assert NUMBER.fullmatch(cell), cell  # a whole number, not a fragment
    # the shown numbers are the values, rounded (not cut): mass and CO2e of the last row
    assert body[-1][1] == f"{rows[-1]['mass_kg']:,.0f}"
    co2e = body[-1][3]
    decimals = len(co2e.split(".")[1]) if "." in co2e else 0
    assert float(co2e.replace(",", "")) == round(float(rows[-1]["co2e_wtw_kg"]), decimals)
    # the columns that did not fit are named, with the way to see them
    hidden = [header_of(c) for c in COLUMNS[shown:]]
    assert hidden and all(h in text for h in hidden) and "--wide" in text


def test_wide_shows_every_column_on_one_line_each() -> None:
    text = render(rich_table("Shipments", rows_with_numbers(3), COLUMNS, wide=True))
    body = cells_of(text)
    assert len(body) == 3 and all(len(cells) == len(COLUMNS) for cells in body)
    assert "more column" not in text


def test_units_in_headers_and_tonnes_for_large_masses() -> None:
    assert header_of("co2e_wtw_kg") == "CO2e WTW kg"
    assert header_of("length_km") == "length km"
    assert header_of("cost_eur_per_t") == "cost EUR/t"
    rows = [{"group": "road", "co2e_wtw_kg": 2_500_000.0}, {"group": "rail", "co2e_wtw_kg": 1.5}]
    text = render(rich_table("Totals", rows, ["group", "co2e_wtw_kg"]))
    assert "CO2e WTW t" in text and "2,500" in text


def test_no_scientific_notation_and_no_negative_zero() -> None:
    assert fmt_number(0.000598, 3) == "0.000598"
    assert "e" not in fmt_number(5.98e-9, 3)
    assert fmt_number(-0.0001, 1) == "-0.000100"
    assert fmt_number(0.25, 3) == "0.250"
    assert fmt_number(-1e-12 + 0.0, 0) != "-0"
    assert fmt_number(162.23999999999998, 2) == "162.24"
    text = render(rich_table("t", [{"x": 5.98e-04}, {"x": 1.0}], ["x"]))
    assert "e-" not in text and "0.000598" in text


def test_an_empty_column_is_left_out() -> None:
    rows = [{"id": "a", "day": None, "used_teu": 3.0}, {"id": "b", "day": None, "used_teu": 2.5}]
    text = render(rich_table("Utilisation", rows, ["id", "day", "used_teu"]))
    assert "day" not in text and "used TEU" in text


def test_long_text_is_cut_with_an_ellipsis_not_wrapped_over_many_lines() -> None:
    source = "GLEC Framework v3.0 (Smart Freight Centre, 2023), Table 8: " * 4
    rows = [{"toc_id": "road_artic_40t_diesel", "value": 0.10467, "source": source}]
    text = render(rich_table("tocs", rows, ["toc_id", "value", "source"]))
    assert len(cells_of(text)) == 1 and "…" in text and "0.105" in text


def test_a_column_of_small_numbers_lines_up_on_the_point() -> None:
    """One decimals count per column: a value too small for two significant digits widens
    the whole column instead of only its own cell."""
    rows = [{"shipment_id": "S1", "pm_kg": 0.00175}, {"shipment_id": "S2", "pm_kg": 0.0000546},
            {"shipment_id": "S3", "pm_kg": 0.0}]
    text = render(rich_table("PM", rows, ["shipment_id", "pm_kg"], digits=5))
    cells = [line.split("│")[2].strip() for line in text.splitlines() if "│ S" in line]
    assert cells == ["0.0017500", "0.0000546", "0.0000000"]
    assert len({len(line.split("│")[2].rstrip()) for line in text.splitlines()
                if "│ S" in line}) == 1  # right edges, and so the points, in one place


def test_a_metric_table_keeps_each_values_decimals() -> None:
    """Rows of different quantities (first column "metric" or "KPI"): one scenario's small
    metric does not widen its whole column."""
    rows = [{"metric": "NOx kg", "a": 611.37, "b": 611.37},
            {"metric": "NH3 kg", "a": 1.37, "b": 0.831}]
    text = render(rich_table("KPIs", rows, ["metric", "a", "b"], 1))
    nox = next(line for line in text.splitlines() if "NOx" in line)
    assert [c.strip() for c in nox.split("│")[2:4]] == ["611.4", "611.4"]


def test_whole_numbers_stay_whole() -> None:
    """Counts (units, shipments) print without decimals, in a column or a KPI row: "1", not
    "1.00" because 1 is below 10 (the two-significant-digits rule is for fractions)."""
    rows = [{"shipment_id": "S1", "units": 1.0}, {"shipment_id": "S2", "units": 2.0}]
    text = render(rich_table("Plan", rows, ["shipment_id", "units"], 1))
    assert [c[1] for c in cells_of(text)] == ["1", "2"]
    kpis = [{"KPI": "rail shipments", "plan": 1.0, "road": 0.0},
            {"KPI": "road tkm", "plan": 364_475.3, "road": 389_035.0}]
    text = render(rich_table("KPIs", kpis, ["KPI", "plan", "road"], 1))
    assert cells_of(text)[0][1:] == ["1", "0"]
    assert fmt_number(1.0, 0) == "1" and fmt_number(3.0, 2) == "3.00"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_status_says_what_a_long_command_does_on_a_terminal_only(monkeypatch: Any) -> None:
    """Commands that work for seconds without a count (loading the national network, a
    plan) show a spinner with what they do on a terminal, and nothing in a pipe or file."""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with status("routing NLRTM → DEDUI on the default network"):
        time.sleep(0.3)
    assert "routing NLRTM → DEDUI on the default network…" in terminal.getvalue()
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    with status("planning"):
        time.sleep(0.15)
    assert pipe.getvalue() == ""


def test_the_note_of_hidden_columns_wraps_on_words() -> None:
    """keten's console soft-wraps (the terminal breaks long lines anywhere): the "N more
    column(s)" note is wrapped on words to the width itself."""
    text = render(rich_table("Shipments", rows_with_numbers(), COLUMNS), width=60)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 60
    start = next(i for i, line in enumerate(lines) if "more column(s):" in line)
    note = " ".join(lines[start:])
    assert note.endswith("(--wide shows them)") and "primary share" in note
