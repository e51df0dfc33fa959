"""One family of errors for keten: every error is a ``KetenError`` (a ``ValueError``).

The API layer maps them to HTTP status codes in one place; the CLI maps them to exit codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class KetenError(ValueError):
    """Base class of every error keten raises on purpose. Its exit code is 2 (bad input:
    every error keten raises on purpose is one the user can fix); subclasses set 3-6."""

    exit_code: int = 2


@dataclass(frozen=True)
class Problem:
    """One problem found while validating input: where it is and why it is wrong."""

    reason: str
    file: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = [p for p in (self.file, f"row {self.row}" if self.row is not None else None) if p]
        if self.column:
            where.append(f"column '{self.column}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.reason}" if prefix else self.reason

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "row": self.row, "column": self.column, "reason": self.reason}


class ValidationError(KetenError):
    """Input failed validation; carries every problem found, not only the first."""

    exit_code = 2

    def __init__(self, problems: Sequence[Problem], title: str = "invalid input") -> None:
        self.problems: list[Problem] = ordered_problems(problems)
        self.title = title
        super().__init__(self.report())

    def report(self, limit: int = 200) -> str:
        """Every problem, by file and row; one line for a reason repeated on many rows."""
        lines = [f"{self.title}: {len(self.problems)} problem(s)"]
        groups = grouped_problems(self.problems)
        lines += [f"  - {g}" for g in groups[:limit]]
        if len(groups) > limit:
            lines.append(f"  ... and {len(groups) - limit} more")
        return "\n".join(lines)


def ordered_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems by file, then row (file-level ones first), each once: an exact repeat, or a
    reason already given for the same row of a file repeated without a file, is dropped."""
    given = list(problems)
    with_file = {(p.row, p.reason) for p in given if p.file}
    seen: set[Problem] = set()
    out: list[Problem] = []
    for p in given:
        if p in seen or (not p.file and (p.row, p.reason) in with_file):
            continue
        seen.add(p)
        out.append(p)
    return sorted(out, key=lambda p: (p.file or "", p.row if p.row is not None else -1))


# a reason on more rows than this is shown once, with its rows
GROUP_ROWS_OVER = 3


def _rows_text(rows: list[int], shown: int = 8) -> str:
    head = ", ".join(str(r) for r in rows[:shown])
    return f"rows {head}" + (f", ... ({len(rows)} rows)" if len(rows) > shown else "")


def grouped_problems(problems: Sequence[Problem]) -> list[str]:
    """The problems as lines; the same reason for one column on many rows is one line."""
    rows_of: dict[tuple[str | None, str | None, str], list[int]] = {}
    for p in problems:
        if p.row is not None:
            rows_of.setdefault((p.file, p.column, p.reason), []).append(p.row)
    lines: list[str] = []
    done: set[tuple[str | None, str | None, str]] = set()
    for p in problems:
        key = (p.file, p.column, p.reason)
        rows = rows_of.get(key, [])
        if p.row is None or len(rows) <= GROUP_ROWS_OVER:
            lines.append(str(p))
        elif key not in done:
            done.add(key)
            where = [w for w in (p.file, _rows_text(rows)) if w]
            if p.column:
                where.append(f"column '{p.column}'")
            lines.append(f"{', '.join(where)}: {p.reason}")
    return lines


class ProblemCollector:
    """Gathers problems during validation, then raises them all at once."""

    def __init__(self, file: str | None = None) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, reason: str, row: int | None = None, column: str | None = None) -> None:
        self.problems.append(Problem(reason=reason, file=self.file, row=row, column=column))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self, title: str = "invalid input") -> None:
        if self.problems:
            raise ValidationError(self.problems, title=title)


class FactorNotFoundError(KetenError):
    """A TOC, HOC, energy carrier or pollutant factor id is not in the factor library."""

    exit_code = 2


class UnknownLocationError(KetenError):
    """A location (UN/LOCODE, node id or name) is not known; lists close matches."""

    exit_code = 2

    def __init__(
        self, location: str, suggestions: Sequence[str] = (), labels: Sequence[str] = ()
    ) -> None:
        self.location = location
        self.suggestions = list(suggestions)
        shown = list(labels) or self.suggestions
        self.labels = shown
        hint = f"; did you mean {', '.join(shown)}?" if shown else ""
        super().__init__(f"unknown location '{location}'{hint}")


class NoRouteError(KetenError):
    """No path exists between two locations with the modes allowed."""

    exit_code = 3


class NotFoundError(KetenError):
    """A stored record (footprint, company, statement, ...) does not exist."""

    exit_code = 4


class AuthError(KetenError):
    """Missing, invalid or expired credentials or token."""

    exit_code = 5


class ForbiddenError(KetenError):
    """The caller is authenticated but may not see or do this."""

    exit_code = 5


class ChainVerificationError(KetenError):
    """A Carbon Added chain statement failed verification (signature, hash link, arithmetic)."""

    exit_code = 6
