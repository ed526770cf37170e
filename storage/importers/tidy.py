"""Generic tidy table (CSV, Parquet or JSON Lines): one row per NIAH trial or per task score.

The documented way to bring in any harness (docs/tidy_format.md). Required columns
``model, benchmark, task, context_length, depth_percent, score, scale``; optional
``length_unit, needle, response, trial, tokenizer, metric, n_samples``. Rows with a
``depth_percent`` become ``niah_trials``, rows without become ``task_scores``.

Built for large files (the benchmark ingests 1M trials from one JSONL): Arrow streams JSON Lines
and CSV with declared column types (DuckDB reads Parquet, and any file Arrow refuses), and every
check runs vectorised over whole columns. Only when a value cannot be converted does a slower pass
find the offending row and column.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Callable

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.json as pj
import pyarrow.parquet as pq

from storage.importers.parsed import ParsedFile
from storage.importers.source import UTF8_BOM, FormatError, SourceFile
from storage.memory import release_freed_memory
from storage.scales import SCALES

FORMAT = "tidy"
LABEL = "Generic tidy table (CSV / Parquet / JSONL: model, benchmark, task, context_length, depth_percent, score, scale)"
PRIORITY = 90

REQUIRED = ["model", "benchmark", "task", "context_length", "depth_percent", "score", "scale"]
#: every known column and its DuckDB type
TYPES = {
    "model": "VARCHAR", "benchmark": "VARCHAR", "task": "VARCHAR", "context_length": "DOUBLE",
    "depth_percent": "DOUBLE", "score": "DOUBLE", "scale": "VARCHAR", "length_unit": "VARCHAR",
    "needle": "VARCHAR", "response": "VARCHAR", "trial": "DOUBLE", "tokenizer": "VARCHAR",
    "metric": "VARCHAR", "n_samples": "DOUBLE",
}
LENGTH_UNITS = ("tokens", "words", "characters", "words_or_characters", "bucket")
#: inclusive range of a raw score on each scale (perplexity: any positive value)
SCORE_RANGE = {"judge_1_10": (1.0, 10.0), "binary": (0.0, 1.0), "bool": (0.0, 1.0),
               "pct_0_100": (0.0, 100.0), "frac_0_1": (0.0, 1.0), "perplexity": (1e-300, np.inf)}
#: scales whose raw values must be exactly 0 or 1
ZERO_ONE = ("binary", "bool")
PARQUET_MAGIC = b"PAR1"


def _arrow_source(src: SourceFile) -> str | pa.BufferReader:
    """What Arrow reads the file from: its path while the bytes are not in memory, else the bytes."""
    return src.disk_path if src.on_disk_only else pa.BufferReader(src.data)


def _header(src: SourceFile) -> list[str]:
    """Column names: the CSV header, the Parquet schema, or the keys of the JSON Lines objects in
    the first 64 KiB (the first line at least, however long: ``SourceFile.first_json_line``)."""
    if src.suffix == ".parquet":
        return pq.read_schema(_arrow_source(src)).names if src.head_bytes(4) == PARQUET_MAGIC else []
    head = src.head(65536)
    first = head.split("\n", 1)[0]
    if src.suffix != ".jsonl":
        return next(csv.reader([first]), [])
    keys: dict[str, None] = {}
    for line in head.splitlines():
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:  # blank, cut off at 64 KiB, or malformed (reported when read)
            continue
        if isinstance(obj, dict):
            keys.update(dict.fromkeys(obj))
    return list(keys or src.first_json_line() or {}) or [k for k in TYPES if f'"{k}"' in first]


def detect(src: SourceFile) -> bool:
    """Any Parquet file (no other format uses Parquet, so a missing column is reported by name), or a
    ``.csv`` / ``.jsonl`` file whose header has ``model``, ``score`` and ``scale``."""
    if src.suffix == ".parquet":
        return src.head_bytes(4) == PARQUET_MAGIC
    if src.suffix not in (".csv", ".jsonl"):
        return False
    try:
        names = {n.strip() for n in _header(src)}
    except (pa.ArrowInvalid, OSError):
        return False
    return {"model", "score", "scale"} <= names


def _relation(src: SourceFile, con: duckdb.DuckDBPyConnection, names: list[str], typed: bool) -> duckdb.DuckDBPyRelation:
    """The file as a DuckDB relation of the known columns present, typed (:data:`TYPES`) or all VARCHAR.

    DuckDB reads the file from disk while its bytes are not in memory (``src.on_disk_only``), else
    the bytes (those the sha256 was taken of).
    """
    present = [n for n in TYPES if n in names]
    types = {n: (TYPES[n] if typed else "VARCHAR") for n in present}
    bom = src.head_bytes(len(UTF8_BOM)) == UTF8_BOM  # DuckDB's JSON reader refuses a byte-order mark
    # from disk only while the bytes are not in memory: a file read whole was hashed from those bytes
    where = src.disk_path if src.on_disk_only and not bom else io.BytesIO(src.data[len(UTF8_BOM):] if bom else src.data)
    if src.suffix == ".jsonl":
        rel = con.read_json(where, columns=types, format="newline_delimited")
    elif src.suffix == ".csv":
        rel = con.read_csv(where, header=True, dtype=types)
    else:
        con.register("_parquet", pq.read_table(_arrow_source(src), columns=present))
        rel = con.sql("SELECT " + ", ".join(f'CAST("{n}" AS {t}) AS "{n}"' for n, t in types.items()) + " FROM _parquet")
    return rel.select(*[f'"{n}"' for n in present])


def _read_error(src: SourceFile, names: list[str], exc: duckdb.Error) -> FormatError:
    """Explain why DuckDB refused the typed read: the first row (1-based) and column whose value
    is not a number, a malformed JSON line, or a CSV row with the wrong number of fields.

    Slow (one thread, every value as text, Python parsers as the last resort); errors only.
    """
    numeric = [n for n in TYPES if n in names and TYPES[n] != "VARCHAR"]
    con = duckdb.connect(config={"threads": 1})
    try:
        text = _relation(src, con, names, typed=False)
        first = con.sql(
            "SELECT " + ", ".join(
                f'min(_row) FILTER (WHERE "{n}" IS NOT NULL AND TRY_CAST("{n}" AS DOUBLE) IS NULL)' for n in numeric)
            + " FROM (SELECT row_number() OVER () AS _row, * FROM text)"
        ).fetchone()
        found = sorted((row, i) for i, row in enumerate(first) if row is not None)
        if found:
            row, i = found[0]
            value = con.sql(f'SELECT "{numeric[i]}" FROM text LIMIT 1 OFFSET {row - 1}').fetchone()[0]
            return src.error(f"row {row}, column '{numeric[i]}'", f"expected a number, found {value!r:.60}")
    except duckdb.Error:
        if src.suffix == ".jsonl":
            src.jsonl()  # raises FormatError naming the malformed line
        elif src.suffix == ".csv":
            rows = src.csv_rows()  # raises FormatError naming a line with a CSV syntax error
            for i, row in enumerate(rows[1:], start=1):
                if row and len(row) != len(rows[0]):
                    return src.error(f"row {i}", f"{len(row)} fields, the header has {len(rows[0])}")
    finally:
        con.close()
    return src.error(None, f"cannot be read as a tidy table: {str(exc).splitlines()[0]}")


#: Arrow type of each DuckDB type in :data:`TYPES`
ARROW_TYPES = {"VARCHAR": pa.string(), "DOUBLE": pa.float64()}


def _arrow_read(src: SourceFile, names: list[str]) -> pa.Table | None:
    """JSON Lines or CSV read by Arrow (``pyarrow.json`` / ``pyarrow.csv``, streamed in 1 MiB blocks,
    the system allocator) straight from the bytes, or from the file on disk when they are not in
    memory (``SourceFile.on_disk_only``: the CLI never holds a large file whole); None when Arrow
    refuses the file (a number written as text, a JSON line over 1 MiB, bad JSON or CSV, header
    names with spaces): DuckDB's reader then converts or explains.

    CSV as DuckDB reads it (docs/tidy_format.md): an empty cell, quoted or not, is missing; "NA" or
    "NULL" are text; quoted values may hold newlines.

    Peak memory: about 1.2x the table. DuckDB's readers (kept for errors) held about 4x the file from
    memory, and Arrow's whole-file readers read a file on disk far ahead of their parser (2.5x the
    table); ``benchmarks/upload_memory.py``.
    """
    present = [n for n in TYPES if n in names]
    types = {n: ARROW_TYPES[TYPES[n]] for n in present}
    skip = len(UTF8_BOM) if src.head_bytes(len(UTF8_BOM)) == UTF8_BOM else 0
    where = src.disk_path if src.on_disk_only and not skip else pa.py_buffer(memoryview(src.data)[skip:])
    blocks = 1 << 20
    try:
        if src.suffix == ".jsonl":
            reader = pj.open_json(where, read_options=pj.ReadOptions(block_size=blocks),
                                  parse_options=pj.ParseOptions(explicit_schema=pa.schema(types),
                                                                unexpected_field_behavior="ignore"),
                                  memory_pool=pa.system_memory_pool())
        else:
            reader = pcsv.open_csv(where, read_options=pcsv.ReadOptions(block_size=blocks),
                                   parse_options=pcsv.ParseOptions(newlines_in_values=True),
                                   convert_options=pcsv.ConvertOptions(
                                       column_types=types, include_columns=present, null_values=[""],
                                       strings_can_be_null=True, quoted_strings_can_be_null=True),
                                   memory_pool=pa.system_memory_pool())
        pieces: dict[str, list[pa.Array]] = {name: [] for name in reader.schema.names}
        for i, batch in enumerate(reader, start=1):
            for name, column in zip(batch.schema.names, batch.columns):
                pieces[name].append(column)
            if i % 16 == 0:  # what the parser freed, back to the OS as it goes (CSV: peak 1.8x -> 1.3x the table)
                release_freed_memory()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowKeyError):
        return None
    # each column in one piece (DuckDB would insert a column of ~100 small blocks as that many batches,
    # all held uncompressed until commit), joined one column at a time: one column is ever held twice
    columns = []
    for name in reader.schema.names:
        chunks = pieces.pop(name)
        columns.append(pa.concat_arrays(chunks, memory_pool=pa.system_memory_pool()) if chunks
                       else pa.array([], reader.schema.field(name).type))
        del chunks
        release_freed_memory()
    return pa.Table.from_arrays(columns, schema=reader.schema)


def read_table(src: SourceFile) -> pa.Table:
    """The file's known columns as an Arrow table with the types of :data:`TYPES` (optional
    columns without any value are dropped).

    Raises:
        FormatError: a required column is missing, or a value is not of its column's type
            (names the 1-based row and the column).
    """
    names = [n.strip() for n in _header(src)]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise src.error(f"column '{missing[0]}'", f"missing (required: {', '.join(REQUIRED)})")
    table = _arrow_read(src, names) if src.suffix in (".jsonl", ".csv") else None
    if table is None:
        con = duckdb.connect()
        try:
            table = _relation(src, con, names, typed=True).to_arrow_table()
        except duckdb.Error as exc:
            raise _read_error(src, names, exc) from None
        finally:
            con.close()
    return table.select([n for n in table.column_names if n in REQUIRED or table.column(n).null_count < table.num_rows])


def _np(table: pa.Table, name: str) -> np.ndarray | None:
    """A numeric column as float64 with NaN for nulls, or None when the column is absent."""
    if name not in table.column_names:
        return None
    return table.column(name).to_numpy(zero_copy_only=False).astype("float64", copy=False)


def _sql_list(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


#: checks of text columns, run on each column's distinct values: (column, bad value?, message)
TEXT_CHECKS: list[tuple[str, Callable[[str | None], bool], str]] = [
    ("benchmark", _blank, "empty"),
    ("scale", lambda v: v not in SCALES, f"unknown scale (known: {', '.join(SCALES)})"),
    ("task", _blank, "empty on a task-score row (no depth_percent)"),
    ("length_unit", lambda v: v is not None and v not in LENGTH_UNITS, f"unknown (known: {', '.join(LENGTH_UNITS)})"),
]


#: largest context length accepted (far above any model's window; stored as a 64-bit integer)
MAX_CONTEXT_LENGTH = 10**12


def _numeric_checks(columns: list[str]) -> list[tuple[str, str, str]]:
    """``(column, SQL predicate true on a bad row, message)`` for the numeric columns present."""
    ranges = " ".join(f"WHEN '{s}' THEN NOT (score BETWEEN {lo} AND {hi})" for s, (lo, hi) in SCORE_RANGE.items()
                      if np.isfinite(hi)) + " WHEN 'perplexity' THEN NOT (score > 0)"
    checks = [
        ("score", "score IS NULL OR isnan(score)", "missing"),
        ("context_length", "depth_percent IS NOT NULL AND context_length IS NULL",
         "missing on a row with a depth_percent (a NIAH trial)"),
        ("context_length", f"NOT (context_length > 0 AND context_length % 1 = 0 AND context_length <= {MAX_CONTEXT_LENGTH})",
         f"not a positive integer up to {MAX_CONTEXT_LENGTH:.0e} (1e300 would wrap around as a 64-bit integer)"),
        ("depth_percent", "NOT (depth_percent BETWEEN 0 AND 100)", "outside 0..100"),
        ("score", f"CASE scale {ranges} ELSE false END", "outside the range of its scale"),
        ("score", f"scale IN ({_sql_list(ZERO_ONE)}) AND score NOT IN (0, 1)", "not 0 or 1 on a binary scale"),
        ("trial", "NOT (trial >= 0 AND trial % 1 = 0)", "not a non-negative integer"),
        ("n_samples", "NOT (n_samples >= 0 AND n_samples % 1 = 0)", "not a non-negative integer"),
    ]
    return [c for c in checks if c[0] in columns]


def _first_bad_text(table: pa.Table, niah: np.ndarray) -> list[tuple[int, str, str]]:
    """``(row, column, message)`` of the first bad value of each text check (checked per distinct value)."""
    found = []
    for col, is_bad, message in TEXT_CHECKS:
        if col not in table.column_names:
            continue
        values = table.column(col)
        if col == "task":  # only task-score rows need a task
            if niah.all():
                continue
            values = pa.array(np.where(niah, "-", values.to_numpy(zero_copy_only=False)), pa.string()) \
                if niah.any() else values
        bad = [v for v in pc.unique(values).to_pylist() if is_bad(v)]
        if bad:
            hit = pc.is_in(values, value_set=pa.array(bad, pa.string()), skip_nulls=False)
            found.append((int(np.argmax(hit.to_numpy(zero_copy_only=False))), col, message))
    return found


def validate(src: SourceFile, table: pa.Table) -> None:
    """Check every row vectorised; report the first offending row (1-based) and its column.

    Numeric checks run as one DuckDB pass over the Arrow table, text checks on distinct values.

    Raises:
        FormatError: no rows, blank benchmark, unknown scale or length unit, missing score,
            context length not a positive integer (required on NIAH rows), depth outside
            0..100, score outside its scale's range (judge 1..10, binary/bool 0 or 1, pct_0_100
            0..100, frac_0_1 0..1, perplexity > 0), blank task on a task-score row, or
            trial / n_samples not a non-negative integer.
    """
    if table.num_rows == 0:
        raise src.error(None, "no rows")
    checks = _numeric_checks(table.column_names)
    con = duckdb.connect()
    try:
        con.register("_rows", table.append_column("_row", pa.array(np.arange(table.num_rows))))
        first = con.sql("SELECT " + ", ".join(f"min(CASE WHEN {pred} THEN _row END)" for _, pred, _ in checks)
                        + " FROM _rows").fetchone()
    finally:
        con.close()
    found = [(row, col, message) for (col, _, message), row in zip(checks, first) if row is not None]
    found += _first_bad_text(table, pc.is_valid(table.column("depth_percent")).to_numpy(zero_copy_only=False))
    if found:
        row, col, message = min(found, key=lambda f: f[0])
        raise src.error(f"row {row + 1}, column '{col}'", f"{message}: {table.column(col)[row].as_py()!r:.60}")


@dataclass
class _Group:
    """Rows of one run: ``rows`` are positions in the table (None = all)."""

    key: tuple
    rows: np.ndarray | None


def _groups(table: pa.Table, mask: np.ndarray, columns: list[str]) -> list[_Group]:
    """Split the rows selected by ``mask`` by the values of ``columns`` (first-seen order)."""
    sub = table if mask.all() else table.filter(pa.array(mask))
    rows = None if mask.all() else np.flatnonzero(mask)
    firsts = [sub.column(c).slice(0, 1)[0].as_py() for c in columns]
    if all(pc.count_distinct(sub.column(c), mode="all").as_py() == 1 for c in columns):
        return [_Group(tuple(firsts), rows)]
    key = pc.binary_join_element_wise(*[pc.fill_null(sub.column(c), "") for c in columns], "\x1f")
    encoded = pc.dictionary_encode(key).combine_chunks()
    idx = encoded.indices.to_numpy(zero_copy_only=False)
    out = []
    for k in range(len(encoded.dictionary)):
        pos = np.flatnonzero(idx == k)
        first = int(pos[0])
        values = tuple(sub.column(c)[first].as_py() for c in columns)
        out.append(_Group(values, pos if rows is None else rows[pos]))
    return out


def _take(table: pa.Table, rows: np.ndarray | None) -> pa.Table:
    return table if rows is None else table.take(pa.array(rows))


def _single(src: SourceFile, part: pa.Table, column: str, default: str | None) -> str | None:
    """The one value of a per-run column (``default`` when absent or all null).

    Raises:
        FormatError: the run's rows disagree (names the column and two values).
    """
    if column not in part.column_names:
        return default
    values = [v for v in pc.unique(part.column(column)).to_pylist() if v is not None]
    if len(values) > 1:
        raise src.error(f"column '{column}'", f"one run has several values: {values[:2]}; "
                                             "split them into separate files")
    return values[0] if values else default


def _column(part: pa.Table, name: str):
    return part.column(name).to_pandas() if name in part.column_names else None


def parse(src: SourceFile) -> list[ParsedFile]:
    """Runs of NIAH trials per (model, benchmark, task, scale) and of task scores per (model, benchmark).

    Raises:
        FormatError: see :func:`read_table` and :func:`validate`; also a run whose rows disagree on
            ``length_unit`` or ``tokenizer``.
    """
    table = read_table(src)
    validate(src, table)
    extra_columns = [n for n in _header(src) if n.strip() not in TYPES]
    notes = [f"columns ignored (not part of the tidy format): {', '.join(extra_columns)}"] if extra_columns else []
    niah = pc.is_valid(table.column("depth_percent")).to_numpy(zero_copy_only=False)
    parsed = []
    if niah.any():
        for group in _groups(table, niah, ["model", "benchmark", "task", "scale"]):
            parsed.append(_niah_run(src, _take(table, group.rows), group.key, notes))
    if not niah.all():
        for group in _groups(table, ~niah, ["model", "benchmark"]):
            parsed.append(_task_run(src, _take(table, group.rows), group.key, notes))
    return parsed


def _model(model: str | None) -> tuple[str | None, str | None, dict[str, str]]:
    if model and model.strip():
        return model, "field", {}
    return None, None, {"model": "the model column is empty: name the model"}


def _niah_run(src: SourceFile, part: pa.Table, key: tuple, notes: list[str]) -> ParsedFile:
    """One run of NIAH trials; repeats in a cell are ordered by ``trial`` when given."""
    model, benchmark, task, scale = key
    order = None
    if "trial" in part.column_names:  # stable: file order within equal trial values
        trial = _np(part, "trial")
        if not (np.diff(trial) >= 0).all():  # already in trial order (the usual file): no copy of the text
            order = np.argsort(trial, kind="stable")

    def column(name: str) -> np.ndarray:
        values = part.column(name).to_numpy(zero_copy_only=False)
        return values if order is None else values[order]

    trials = pd.DataFrame({
        "context_length": column("context_length").astype("int64"),
        "depth_percent": column("depth_percent"),
        "score_raw": column("score"),
        # one category, not a million copies of the name
        "source_file": pd.Categorical.from_codes(np.zeros(part.num_rows, dtype="int8"), categories=[src.name]),
    })
    for name in ("needle", "response"):
        if name in part.column_names:
            values = part.column(name) if order is None else part.column(name).take(pa.array(order))
            # Arrow strings (no Python object per row) in one piece: DuckDB inserts a column of many
            # small chunks as that many batches and holds them all uncompressed until commit (+78 MiB
            # against +47 MiB for 312,000 trials; benchmarks/upload_memory.py)
            one = values.chunk(0) if values.num_chunks == 1 else values.combine_chunks()  # combine copies even one
            trials[name] = pd.Series(pd.arrays.ArrowExtensionArray(one))
    model, source, inferred = _model(model)
    return ParsedFile(
        format=FORMAT,
        run_key=f"{FORMAT}:{src.path}:{model}:{benchmark}:{task}:{scale}",
        benchmark=benchmark,
        score_scale=scale,
        length_unit=_single(src, part, "length_unit", "tokens"),
        tokenizer=_single(src, part, "tokenizer", None),
        model=model,
        model_source=source,
        evaluator=_single(src, part, "metric", None),
        config={"task": task} if task else {},
        inferred=inferred,
        notes=notes,
        niah_trials=trials,
    )


def _task_run(src: SourceFile, part: pa.Table, key: tuple, notes: list[str]) -> ParsedFile:
    """One run of task scores (each row keeps its own scale and metric)."""
    model, benchmark = key
    scales = pc.unique(part.column("scale")).to_pylist()
    scores = pd.DataFrame({
        "task": _column(part, "task").to_numpy(),
        "length_value": part.column("context_length").to_numpy(zero_copy_only=False),
        "metric": _column(part, "metric").fillna("score").to_numpy() if "metric" in part.column_names else "score",
        "scale": _column(part, "scale").to_numpy(),
        "value_raw": part.column("score").to_numpy(zero_copy_only=False),
    })
    if "n_samples" in part.column_names:
        scores["n_samples"] = _column(part, "n_samples").astype("Int64")
    model, source, inferred = _model(model)
    return ParsedFile(
        format=FORMAT,
        run_key=f"{FORMAT}:{src.path}:{model}:{benchmark}",
        benchmark=benchmark,
        score_scale=scales[0],
        length_unit=_single(src, part, "length_unit", "tokens"),
        tokenizer=_single(src, part, "tokenizer", None),
        model=model,
        model_source=source,
        inferred=inferred,
        notes=notes,
        task_scores=scores,
    )
