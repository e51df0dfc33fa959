"""Numbers as people read them in tables and reports: thousands separators, decimals that
suit the column, never scientific notation, exact decimals shown exactly."""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TypeGuard

# at most this many significant digits left of the point before decimals are dropped
SIGNIFICANT_DIGITS = 6


def is_number(value: Any) -> TypeGuard[int | float | Decimal]:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def fewer_for_large(value: float, digits: int) -> int:
    """``digits``, fewer for a large number, to show at most ``SIGNIFICANT_DIGITS`` digits."""
    if abs(value) >= 1:
        return min(digits, max(0, SIGNIFICANT_DIGITS - (int(math.log10(abs(value))) + 1)))
    return digits


def decimals_for(values: Iterable[Any], digits: int) -> int | None:
    """Decimals for a column: ``digits``, fewer for large numbers (at most
    ``SIGNIFICANT_DIGITS`` significant digits), none when every value is a whole number;
    ``None`` (decide per value) when the column mixes magnitudes, as a KPI column does."""
    numbers = [float(v) for v in values if is_number(v) and math.isfinite(float(v))]
    if not numbers:
        return digits
    if all(v == int(v) for v in numbers):
        return 0
    magnitudes = [abs(v) for v in numbers if v != 0]
    if magnitudes and max(magnitudes) / min(magnitudes) > 10_000:
        return None
    return fewer_for_large(max(abs(v) for v in numbers), digits)


def fmt_number(value: Any, digits: int = 3) -> str:
    """A number for a table: thousands separators, ``digits`` decimals, never scientific
    notation (a value too small for two significant digits in ``digits`` decimals gets
    three)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):  # a table is read by people: "yes", not Python's "True"
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, Decimal):  # exact figures (signed statements) are shown exactly
        if not value.is_finite():
            return str(value)
        text = f"{value.normalize():,f}"
        return "0" if text in ("-0", "-0.0") else text
    if isinstance(value, float):
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        # at least two significant digits; a whole number (1 shipment) stays whole
        if value != 0 and value != int(value) and abs(value) < 10 ** (1 - digits):
            decimals = min(12, 2 - math.floor(math.log10(abs(value))))
            return f"{value:,.{decimals}f}"
        text = f"{value:,.{digits}f}"
        return text[1:] if text.startswith("-") and not text.strip("-0.,") else text
    return str(value)


def node_labels(node_ids: Iterable[Any], names: Iterable[Any]) -> dict[str, str]:
    """Node id -> the place as the network names it, without its qualifier ("Duisburg" for
    DEDUI "Duisburg (duisport Ruhrort)"); "name (id)" where two nodes share that name, so that
    two places never merge under one label. Nodes without a name keep their id."""
    short = {str(i): str(n).split(" (")[0] for i, n in zip(node_ids, names, strict=True)
             if n and n == n and str(n) != str(i)}
    counts: dict[str, int] = {}
    for name in short.values():
        counts[name] = counts.get(name, 0) + 1
    return {i: name if counts[name] == 1 else f"{name} ({i})" for i, name in short.items()}
