"""One family of errors for keten: every error is a ``KetenError`` (a ``ValueError``).

The API layer maps them to HTTP status codes in one place; the CLI maps them to exit codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class KetenError(ValueError):
    """Base class of every error keten raises on purpose."""

    exit_code: int = 1


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
        self.problems: list[Problem] = list(problems)
        self.title = title
        super().__init__(self.report())

    def report(self, limit: int = 200) -> str:
        lines = [f"{self.title}: {len(self.problems)} problem(s)"]
        lines += [f"  - {p}" for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"  ... and {len(self.problems) - limit} more")
        return "\n".join(lines)


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
