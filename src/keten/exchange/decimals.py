"""Decimal strings as iLEAP and PACT carry them: plain notation, no exponent."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal

from keten.emissions.results import RESULT_QUANTUM

# Output precision for exchanged figures: 1e-12 of the unit (kg -> nanograms), far below any
# measurement; the same precision as keten's results (keten.emissions.results.rounded).
OUTPUT_QUANTUM = RESULT_QUANTUM
_CONTEXT = Context(prec=60, rounding=ROUND_HALF_EVEN)


def decimal_str(value: Decimal | int | float, quantum: Decimal = OUTPUT_QUANTUM) -> str:
    """``Decimal('12.9490000')`` -> ``'12.949'``; never scientific notation, never ``-0``."""
    if isinstance(value, float):
        value = Decimal(repr(value))
    d = Decimal(value).quantize(quantum, context=_CONTEXT)
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def decimal_float(value: Decimal | None) -> float | None:
    return None if value is None else float(decimal_str(value))
