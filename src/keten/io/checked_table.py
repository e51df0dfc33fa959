"""The opening every row reader shares: the input as an all-text table, its header checked
against the required and the known optional columns, every header problem in one
``ValidationError`` ("<file>: invalid <what>") before any row is read."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

import pyarrow as pa

from keten.errors import Problem, ValidationError
from keten.io.tables import as_table, ensure_known_columns


def checked_table(data: Any, what: str, required: Collection[str], optional: Collection[str],
                  *, title: str | None = None,
                  more: Callable[[list[str], str], list[Problem]] | None = None,
                  ) -> tuple[pa.Table, str, int]:
    """(all-text table, label for problems, number of its first data row) of ``data`` (a
    path, a list of records, an Arrow table or a DataFrame; ``what`` is also the key of a
    JSON document's list). ``more(columns, label)`` adds a reader's own header rules; the
    error is titled "<label>: invalid <title or what>"."""
    table, label, first = as_table(data, what)
    problems = ensure_known_columns(label, table.column_names, set(required), set(optional))
    if more is not None:
        problems += more(table.column_names, label)
    if problems:
        raise ValidationError(problems, title=f"{label}: invalid {title or what}")
    return table, label, first
