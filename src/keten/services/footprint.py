"""Footprint use case: read TCE input, validate it all, compute, and hand back or write results.

One pipeline serves small and large inputs: the input is read in batches (a CSV or Parquet file
larger than memory streams), every batch is validated and computed, whole-file checks run at the
end, and nothing is written unless the whole input is valid.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from keten.emissions.footprint import FootprintResult, totals_by_mode
from keten.emissions.tce import (
    DISTANCE_TYPES,
    IntensityTable,
    compute_tce_emissions,
    hoc_table,
    toc_table,
)
from keten.errors import KetenError, Problem, ValidationError
from keten.factors.library import FactorSet, load_factor_set
from keten.io.factor_input import read_hoc_file, read_toc_file
from keten.io.tables import (
    atomic_path,
    csv_header,
    ensure_known_columns,
    iter_batches,
    open_parquet,
    read_table_as_text,
    table_format,
)
from keten.io.tce_input import (
    FAST_COLUMN_TYPES,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    RowProblems,
    check_rows,
)
from keten.io.tce_links import LinkChecker
from keten.services.distance import DistanceResolver, default_resolver
from keten.services.footprint_output import without_float_noise

# A path, an Arrow table, a pandas DataFrame or a list of dicts.
TceInput: TypeAlias = Any
BATCH_ROWS = 1 << 18
# Low-cardinality result columns; dictionary-encoding high-cardinality ids only costs time.
DICTIONARY_COLUMNS = [
    "scope3_category",
    "packaging_or_tr_eq_type",
    "kind",
    "mode",
    "hub_type",
    "toc_id",
    "hoc_id",
    "distance_type",
    "activity_unit",
    "data_source",
    "factor_set",
]


@dataclass
class FootprintJob:
    """Factors and distance resolution for one run."""

    factors: FactorSet
    resolver: DistanceResolver
    tocs: IntensityTable
    hocs: IntensityTable
    # Problems of the user's TOC/HOC files, reported with the TCE file's in one report, and
    # the ids those files name (so TCE rows using them are not also called unknown).
    file_problems: list[Problem] = field(default_factory=list)
    pending_ids: set[str] = field(default_factory=set)

    @classmethod
    def create(
        cls,
        tocs: str | Path | None = None,
        hocs: str | Path | None = None,
        factor_set: str | None = None,
        resolver: DistanceResolver | None = None,
    ) -> FootprintJob:
        fs = load_factor_set(factor_set)
        problems: list[Problem] = []
        pending: set[str] = set()
        user_tocs, user_hocs = {}, {}
        try:
            user_tocs = read_toc_file(Path(tocs), fs) if tocs else {}
        except ValidationError as exc:
            problems += exc.problems
            pending |= _ids_in(Path(tocs), "toc_id")  # type: ignore[arg-type]
        try:
            user_hocs = read_hoc_file(Path(hocs), fs) if hocs else {}
        except ValidationError as exc:
            problems += exc.problems
            pending |= _ids_in(Path(hocs), "hoc_id")  # type: ignore[arg-type]
        fs = fs.with_tocs(user_tocs).with_hocs(user_hocs)
        return cls(
            fs, resolver or default_resolver(fs), toc_table(fs), hoc_table(fs), problems, pending
        )


def _ids_in(path: Path, column: str) -> set[str]:
    """The ids a (possibly invalid) factor file names; empty if it cannot be read at all."""
    try:
        table = read_table_as_text(path, json_key=f"{column[:3]}s")
    except KetenError:
        return set()
    if column not in table.column_names:
        return set()
    return {str(v).strip() for v in table.column(column).to_pylist() if v}


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    return str(value)


def _to_text_table(data: Any) -> tuple[pa.Table, str]:
    """In-memory input (Arrow, pandas, list of dicts) as an all-text Arrow table."""
    if isinstance(data, list):
        keys = list(dict.fromkeys(k for rec in data for k in rec))
        table = pa.table(
            {k: pa.array([_cell(rec.get(k)) for rec in data], pa.string()) for k in keys}
        )
    elif isinstance(data, pa.Table):
        table = data
    else:
        table = pa.Table.from_pandas(data, preserve_index=False)
    cols = {}
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_list(col.type):
            col = pa.array(
                [";".join(map(str, v)) if v else None for v in col.to_pylist()], pa.string()
            )
        cols[name] = col.cast(pa.string())
    return pa.table(cols), "<table>"


def _batches(data: TceInput) -> tuple[Iterator[tuple[pa.Table, int]], list[str], str]:
    """(batches with their first row number, column names, file label)."""
    if not isinstance(data, str | Path):
        table, label = _to_text_table(data)
        return iter([(table, 1)]), table.column_names, label
    path = Path(data)
    fmt = table_format(path)
    if fmt == "json":
        table = read_table_as_text(path, json_key="tces")
        return iter([(table, 1)]), table.column_names, str(path)
    if not path.is_file():
        read_table_as_text(path)  # raises "file not found" as a ValidationError
    names = csv_header(path) if fmt == "csv" else open_parquet(path).schema_arrow.names
    first = 2 if fmt == "csv" else 1

    def gen() -> Iterator[tuple[pa.Table, int]]:
        row = first
        try:
            for batch in iter_batches(path, FAST_COLUMN_TYPES, BATCH_ROWS):
                yield pa.Table.from_batches([batch]), row
                row += batch.num_rows
        except (pa.ArrowException, OSError):
            # A value did not convert (or a page is corrupt): re-read as text to report
            # every bad cell with its row.
            raise _Reread() from None

    return gen(), names, str(path)


class _Reread(Exception):
    pass


def _resolve_distances(
    canonical: pa.Table, job: FootprintJob, rp: RowProblems
) -> tuple[np.ndarray, np.ndarray]:
    dist = canonical.column("distance_km").to_numpy(zero_copy_only=False).astype(np.float64)
    kind = np.where(np.isnan(dist), -1, 0).astype(np.int8)  # codes into DISTANCE_TYPES
    ti = job.tocs.index(canonical.column("toc_id"))
    need = np.flatnonzero(np.isnan(dist) & (ti >= 0))
    if len(need):
        origins = canonical.column("origin").to_pylist()
        dests = canonical.column("destination").to_pylist()
        for i in need.tolist():
            mode = str(job.tocs.category[ti[i]])
            try:
                dist[i], how = job.resolver(str(origins[i]).strip(), str(dests[i]).strip(), mode)
                kind[i] = DISTANCE_TYPES.index(how)
            except KetenError as exc:
                rp.problems.append(Problem(str(exc), rp.file, rp.row_base + i, "destination"))
    return dist, kind


def _teu_problems(canonical: pa.Table, job: FootprintJob, rp: RowProblems) -> None:
    """A TEU-based factor without a TEU count needs the factor's mass per TEU."""
    teu_missing = np.isnan(canonical.column("teu").to_numpy(zero_copy_only=False))
    for table, col in ((job.tocs, "toc_id"), (job.hocs, "hoc_id")):
        if not np.any(table.per_teu & np.isnan(table.mass_per_teu_t)) or not teu_missing.any():
            continue  # no factor here could lack a TEU count
        idx = table.index(canonical.column(col))
        ok = idx >= 0
        per_teu = np.zeros(len(idx), dtype=bool)
        per_teu[ok] = table.per_teu[idx[ok]]
        no_mass = np.zeros(len(idx), dtype=bool)
        no_mass[ok] = np.isnan(table.mass_per_teu_t[idx[ok]])
        rp.add_rows(
            np.flatnonzero(per_teu & no_mass & teu_missing),
            "teu",
            f"the {col[:3].upper()} is per TEU and has no mass per TEU: give `teu`",
        )


def evaluate(data: TceInput, job: FootprintJob, sink: Callable[[pa.Table], None]) -> None:
    """Validate and compute ``data`` batch by batch, passing results to ``sink``.

    Raises one ValidationError with every problem; then ``sink`` may have seen some batches,
    so sinks must write to a temporary place (see :func:`write_footprint`).
    """
    try:
        _evaluate(data, job, sink, fallback_text=False)
    except _Reread:
        _evaluate(data, job, sink, fallback_text=True)


def _evaluate(
    data: TceInput, job: FootprintJob, sink: Callable[[pa.Table], None], fallback_text: bool
) -> None:
    if fallback_text:
        table = read_table_as_text(Path(data))
        batches: Iterator[tuple[pa.Table, int]] = iter(
            [(table, 2 if Path(data).suffix.lower() == ".csv" else 1)]
        )
        names, label = table.column_names, str(data)
    else:
        batches, names, label = _batches(data)
    problems = list(job.file_problems)
    problems += ensure_known_columns(label, names, REQUIRED_COLUMNS, OPTIONAL_COLUMNS)
    if not {"toc_id", "hoc_id"} & set(names):
        problems.append(Problem("missing column: give toc_id and/or hoc_id", label))
    if len(problems) > len(job.file_problems):
        raise ValidationError(problems, title=f"{label}: invalid TCE input")
    with LinkChecker(label) as links:
        _check_and_compute(batches, label, job, sink, links, problems)


def _check_and_compute(
    batches: Iterator[tuple[pa.Table, int]],
    label: str,
    job: FootprintJob,
    sink: Callable[[pa.Table], None],
    links: LinkChecker,
    problems: list[Problem],
) -> None:
    summaries: list[RowProblems] = []
    toc_ids = {str(x) for x in job.tocs.ids.to_pylist()} | job.pending_ids
    hoc_ids = {str(x) for x in job.hocs.ids.to_pylist()} | job.pending_ids
    for batch, row_base in batches:
        canonical, rp = check_rows(
            batch, label, row_base, toc_ids, hoc_ids, job.resolver.can_locate,
            job.resolver.suggestions
        )
        _teu_problems(canonical, job, rp)
        links.add(canonical, row_base)
        summaries.append(rp)
        problems += rp.problems
        if problems:
            continue  # keep validating; compute nothing more
        dist, kind = _resolve_distances(canonical, job, rp)
        problems += rp.problems
        if not problems:
            sink(
                compute_tce_emissions(
                    canonical, job.tocs, job.hocs, dist, kind, job.factors.version
                )
            )
    for rp in summaries:
        problems += rp.summary()
    problems += links.problems()
    if problems:
        raise ValidationError(problems, title=f"{label}: invalid TCE input")


def footprint(
    tces: TceInput,
    tocs: str | Path | None = None,
    hocs: str | Path | None = None,
    factor_set: str | None = None,
    resolver: DistanceResolver | None = None,
    progress: Callable[[int], None] | None = None,
) -> FootprintResult:
    """Footprint of TCEs given as a file path, an Arrow table, a DataFrame or a list of dicts.

    ``progress`` is called with the number of rows computed so far after each batch."""
    job = FootprintJob.create(tocs, hocs, factor_set, resolver)
    parts: list[pa.Table] = []

    def sink(table: pa.Table) -> None:
        parts.append(table)
        if progress is not None:
            progress(sum(p.num_rows for p in parts))

    evaluate(tces, job, sink)
    if not parts:
        raise ValidationError(
            [Problem("no TCE rows", str(tces) if isinstance(tces, str | Path) else "<table>")]
        )
    return FootprintResult(pa.concat_tables(parts), job.factors.version, factors=job.factors)


@dataclass
class StreamSummary:
    rows: int
    by_mode: pa.Table
    factor_set: str


def write_footprint(
    tces: str | Path,
    out: str | Path,
    fmt: str,
    tocs: str | Path | None = None,
    hocs: str | Path | None = None,
    factor_set: str | None = None,
    resolver: DistanceResolver | None = None,
    progress: Callable[[int], None] | None = None,
) -> StreamSummary:
    """Stream per-TCE results to a CSV or Parquet file; replaced atomically, only if valid."""
    if fmt not in ("csv", "parquet"):
        raise KetenError(f"streaming output is csv or parquet, not '{fmt}'")
    job = FootprintJob.create(tocs, hocs, factor_set, resolver)
    mode_parts: list[pa.Table] = []
    rows = 0
    with atomic_path(Path(out)) as tmp, ThreadPoolExecutor(max_workers=1) as pool:
        writer: Any = None
        pending: Future[None] | None = None
        try:

            def sink(t: pa.Table) -> None:
                # The previous batch is written in the background while this one was computed
                # (Arrow's writers release the GIL): one batch in flight at most.
                nonlocal writer, rows, pending
                if writer is None:
                    writer = (
                        pq.ParquetWriter(
                            tmp, t.schema, compression="lz4", use_dictionary=DICTIONARY_COLUMNS
                        )
                        if fmt == "parquet"
                        else pacsv.CSVWriter(tmp, t.schema)
                    )
                if pending is not None:
                    pending.result()
                pending = pool.submit(writer.write_table,
                                      t if fmt == "parquet" else without_float_noise(t))
                rows += t.num_rows
                mode_parts.append(totals_by_mode(t))
                if progress is not None:
                    progress(rows)

            evaluate(tces, job, sink)
            if pending is not None:
                pending.result()
        finally:
            if pending is not None:
                pending.exception()  # wait for the last write before closing, even on error
            if writer is not None:
                writer.close()
        if writer is None:
            raise ValidationError([Problem("no TCE rows", str(tces))])
    merged = pa.concat_tables(mode_parts)
    cols = [c for c in merged.column_names if c != "group"]
    by_mode = merged.group_by("group").aggregate([(c, "sum") for c in cols])
    by_mode = by_mode.rename_columns([n.removesuffix("_sum") for n in by_mode.column_names])
    return StreamSummary(rows, by_mode.sort_by("group"), job.factors.version)
