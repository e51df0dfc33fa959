"""Read CSV, JSON or Parquet files as Arrow tables; write tables atomically."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from keten.errors import Problem, ValidationError
from keten.io.file_mode import output_file_mode

SUPPORTED_SUFFIXES = (".csv", ".json", ".parquet", ".pq")


def table_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix == ".json":
        return "json"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise ValidationError(
        [Problem(f"unsupported file type '{suffix}'; use CSV, JSON or Parquet", str(path))]
    )


def _require(path: Path) -> None:
    if not path.exists():
        raise ValidationError([Problem("file not found", str(path))])
    if path.is_dir():
        raise ValidationError([Problem("is a folder, not a file", str(path))])


def csv_header(path: Path) -> list[str]:
    with path.open("r", encoding="utf-8-sig", newline="") as f:
        first = f.readline()
    import csv

    return [c.strip() for c in next(csv.reader([first]), [])]


def read_json_records(path: Path, key: str | None = None) -> list[dict[str, Any]]:
    """A JSON file holding a list of objects, or an object with the list under ``key``."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValidationError(
            [Problem(f"not valid JSON: {exc.msg} (line {exc.lineno}, col {exc.colno})", str(path))]
        ) from exc
    if isinstance(doc, dict) and key and isinstance(doc.get(key), list):
        doc = doc[key]
    if not isinstance(doc, list) or not all(isinstance(r, dict) for r in doc):
        want = f"a list of objects or an object with a '{key}' list" if key else "a list of objects"
        raise ValidationError([Problem(f"expected {want}", str(path))])
    return doc


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def read_table_as_text(path: Path, json_key: str | None = None) -> pa.Table:
    """Read the whole file with every column as text (null where empty), for validation."""
    _require(path)
    fmt = table_format(path)
    if fmt == "csv":
        names = csv_header(path)
        try:
            return pacsv.read_csv(
                path,
                convert_options=pacsv.ConvertOptions(
                    column_types={n: pa.string() for n in names},
                    strings_can_be_null=True,
                ),
            )
        except pa.ArrowInvalid as exc:
            raise ValidationError([Problem(f"cannot parse CSV: {exc}", str(path))]) from exc
    if fmt == "json":
        records = read_json_records(path, json_key)
        columns: dict[str, list[str | None]] = {}
        for i, rec in enumerate(records):
            for k in rec:
                columns.setdefault(k, [None] * i)
            for k, col in columns.items():
                col.append(_as_text(rec.get(k)))
        return pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()})
    table = pq.read_table(path)
    return pa.table({n: table.column(n).cast(pa.string()) for n in table.column_names})


def iter_batches(
    path: Path, column_types: dict[str, pa.DataType], batch_rows: int = 1 << 20
) -> Iterator[pa.RecordBatch]:
    """Stream a CSV or Parquet file in record batches with the given column types.

    Raises ``pa.ArrowInvalid`` when a value does not convert; callers then fall back to
    :func:`read_table_as_text` to report every problem with its row.
    """
    fmt = table_format(path)
    if fmt == "parquet":
        pf = pq.ParquetFile(path)
        yield from pf.iter_batches(batch_size=batch_rows)
        return
    if fmt != "csv":
        table = read_table_as_text(path)
        yield from table.to_batches()
        return
    names = set(csv_header(path))
    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=16 << 20),
        convert_options=pacsv.ConvertOptions(
            column_types={k: v for k, v in column_types.items() if k in names},
            strings_can_be_null=True,
        ),
    )
    yield from reader


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path next to ``target`` that replaces it only if the block succeeds.

    ``mkstemp`` makes the temporary file 0600; it gets the ordinary output mode before it
    replaces ``target`` (private keys use ``keten.io.keys``, which keeps 0600)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if tmp_path.exists():
            os.chmod(tmp_path, output_file_mode())
        os.replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def write_text_atomic(target: Path, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def ensure_known_columns(
    path: str, columns: list[str], required: set[str], optional: set[str]
) -> list[Problem]:
    problems = [
        Problem("missing required column", path, None, c)
        for c in sorted(required)
        if c not in columns
    ]
    known = required | optional
    problems += [
        Problem(f"unknown column (known: {', '.join(sorted(known))})", path, None, c)
        for c in columns
        if c not in known
    ]
    return problems


def require_file(path: Path) -> None:
    """Raise a ValidationError naming ``path`` unless it is an existing file."""
    _require(path)
