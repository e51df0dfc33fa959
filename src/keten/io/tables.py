"""Read CSV, JSON or Parquet files as Arrow tables; write tables atomically."""

from __future__ import annotations

import glob
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
from keten.io.rows import first_data_row

SUPPORTED_SUFFIXES = (".csv", ".json", ".parquet", ".pq")
# Only an empty cell is missing: Arrow's defaults would also read "NaN", "NA", "null" and
# "N/A" as missing, so a NaN count would silently count as none.
NULL_VALUES = [""]


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


def _not_utf8(path: Path, data: bytes, exc: UnicodeDecodeError, offset: int = 0) -> Problem:
    """Where a file stops being UTF-8: byte offset (from 0), line, the byte itself."""
    pos = offset + exc.start
    line = data[: exc.start].count(b"\n") + 1
    byte = data[exc.start] if exc.start < len(data) else 0
    return Problem(
        f"not UTF-8 text: byte 0x{byte:02x} at byte {pos} (line {line}); "
        "save the file as UTF-8",
        str(path),
    )


def decode_utf8(path: Path, data: bytes) -> str:
    """``data`` (the whole of ``path``) as text; a byte that is not UTF-8 is a ValidationError
    naming the file, the byte offset and the line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError([_not_utf8(path, data, exc)]) from None


def read_utf8(path: Path) -> str:
    """A text file's content; missing files and bytes that are not UTF-8 as ValidationErrors."""
    _require(path)
    return decode_utf8(path, path.read_bytes())


def first_non_utf8(path: Path, chunk_bytes: int = 1 << 22) -> Problem | None:
    """The first byte of ``path`` that is not UTF-8, streaming (for files larger than memory)."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, lines = 0, 0  # bytes and newlines before the current chunk
    with path.open("rb") as f:
        while chunk := f.read(chunk_bytes):
            pending = decoder.getstate()[0]  # a character split across the chunk boundary
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                data = bytes(exc.object)
                start = offset - len(pending)
                problem = _not_utf8(path, data, exc, start)
                head = data[: exc.start].count(b"\n") - pending.count(b"\n")
                line = lines + head + 1
                return Problem(problem.reason.split(" (line ")[0] + f" (line {line}); "
                               "save the file as UTF-8", str(path))
            offset += len(chunk)
            lines += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return Problem(f"not UTF-8 text: the file ends inside a character (byte {offset})",
                           str(path))
    return None


def parse_json(path: Path, text: str) -> Any:
    """JSON text of ``path``; syntax errors and nesting too deep to read are ValidationErrors
    with the line, column and character position."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError([Problem(
            f"not valid JSON: {exc.msg} (line {exc.lineno}, col {exc.colno}, char {exc.pos})",
            str(path))]) from None
    except RecursionError:
        raise ValidationError([Problem(
            "not readable JSON: nested too deeply (arrays or objects inside each other)",
            str(path))]) from None


def read_json_file(path: Path) -> Any:
    """A JSON file: file, encoding and syntax problems as one ValidationError."""
    return parse_json(path, read_utf8(path))


def csv_header(path: Path) -> list[str]:
    with path.open("rb") as f:
        raw = f.readline()
    first = decode_utf8(path, raw)
    import csv

    try:
        return [c.strip() for c in next(csv.reader([first]), [])]
    except csv.Error as exc:
        raise ValidationError([Problem(f"cannot read the CSV header (line 1): {exc}",
                                       str(path))]) from None


def open_parquet(path: Path) -> pq.ParquetFile:
    """A Parquet file opened for reading; a truncated or foreign file is a ValidationError."""
    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise ValidationError([Problem(f"not a readable Parquet file: {exc}", str(path))]) from None


def _csv_problem(path: Path, exc: pa.ArrowInvalid) -> Problem:
    if "UTF8" in str(exc) or "UTF-8" in str(exc):
        found = first_non_utf8(path)
        if found is not None:
            return found
    return Problem(f"cannot parse CSV: {exc}", str(path))


def read_json_records(path: Path, key: str | None = None) -> list[dict[str, Any]]:
    """A JSON file holding a list of objects, or an object with the list under ``key``."""
    doc = read_json_file(path)
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
                    null_values=NULL_VALUES,
                ),
            )
        except pa.ArrowInvalid as exc:
            raise ValidationError([_csv_problem(path, exc)]) from None
    if fmt == "json":
        records = read_json_records(path, json_key)
        columns: dict[str, list[str | None]] = {}
        for i, rec in enumerate(records):
            for k in rec:
                columns.setdefault(k, [None] * i)
            for k, col in columns.items():
                col.append(_as_text(rec.get(k)))
        return pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()})
    try:
        table = open_parquet(path).read()
    except (pa.ArrowException, OSError) as exc:
        raise ValidationError([Problem(f"not a readable Parquet file: {exc}", str(path))]) from None
    return pa.table({n: table.column(n).cast(pa.string()) for n in table.column_names})


def as_table(data: Any, key: str) -> tuple[pa.Table, str, int]:
    """A reader's input as (all-text table, label for problems, number of the first data row):
    a CSV/JSON/Parquet path (``key``: the JSON records' key), a list of dicts, a pyarrow
    table or a pandas frame. Values become text so each reader parses and checks them."""
    if isinstance(data, str | Path):
        path = Path(data)
        return read_table_as_text(path, json_key=key), str(path), first_data_row(path)
    if isinstance(data, list):
        names = list(dict.fromkeys(k for rec in data for k in rec))
        cols = {n: pa.array([None if r.get(n) is None else str(r.get(n)) for r in data],
                            pa.string()) for n in names}
        return pa.table(cols), f"<{key}>", 1
    table = data if isinstance(data, pa.Table) else pa.Table.from_pandas(data,
                                                                         preserve_index=False)
    return (pa.table({n: table.column(n).cast(pa.string()) for n in table.column_names}),
            f"<{key}>", 1)


def iter_batches(
    path: Path, column_types: dict[str, pa.DataType], batch_rows: int = 1 << 20
) -> Iterator[pa.RecordBatch]:
    """Stream a CSV or Parquet file in record batches with the given column types.

    Raises ``pa.ArrowInvalid`` when a value does not convert; callers then fall back to
    :func:`read_table_as_text` to report every problem with its row.
    """
    fmt = table_format(path)
    if fmt == "parquet":
        pf = open_parquet(path)
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
            null_values=NULL_VALUES,
        ),
    )
    yield from reader


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def remove_stale_temp_files(target: Path) -> list[Path]:
    """Remove temporary files of ``target`` left by a writer that was killed (``kill -9``
    gives no chance to clean up): their name holds the writer's process id."""
    removed = []
    for tmp in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        parts = tmp.name[len(target.name) + 2:].split(".")
        if len(parts) >= 3 and parts[0].isdigit() and not pid_alive(int(parts[0])):
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path next to ``target`` that replaces it only if the block succeeds.

    ``mkstemp`` makes the temporary file 0600; it gets the ordinary output mode before it
    replaces ``target`` (private keys use ``keten.io.keys``, which keeps 0600). The temporary
    name is ``.<name>.<pid>.<random>.tmp``; a run cleans up what a killed earlier run of the
    same target left behind."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(target)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=target.parent
    )
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
