"""SQL that writes ingested runs (called inside the ingest pipeline's single transaction)."""
from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from storage.db import Store
from storage.ids import allocate_ids
from storage.importers.parsed import NIAH_COLUMNS, SAMPLE_COLUMNS, TASK_SCORE_COLUMNS, ParsedFile
from storage.importers.source import SourceFile
from storage.json_column import to_json
from storage.needle_match import needle_recall_sql
from storage.plan import PlannedRun
from storage.scales import normalise_sql, rescale_guessed


def known_file_ids(store: Store, ids: list[str], cur: duckdb.DuckDBPyConnection | None = None) -> dict[str, str]:
    """``{file id: stored path}`` for the ids (``storage.identity.file_key``) already in ``files``."""
    if not ids:
        return {}
    cur = cur or store.cursor()
    rows = cur.execute("SELECT file_id, path FROM files WHERE file_id IN (SELECT unnest(?))", [list(ids)]).fetchall()
    return dict(rows)


def run_ids_by_key(store: Store, keys: list[str], workspace: str,
                   cur: duckdb.DuckDBPyConnection | None = None) -> dict[str, int]:
    """``{run_key: run_id}`` of the runs that exist in ``workspace`` (a run key is unique per workspace)."""
    if not keys:
        return {}
    rows = (cur or store.cursor()).execute(
        "SELECT run_key, run_id FROM runs WHERE run_key IN (SELECT unnest(?)) AND workspace = ?", [keys, workspace]).fetchall()
    return dict(rows)


#: a file feeding several runs or batches is stored once (DuckLake has no PRIMARY KEY to ignore on;
#: the write transaction is serialised across clients, see storage/ids.py)
NEW_FILES_ONLY = "WHERE file_id NOT IN (SELECT file_id FROM files)"


def _arrow_column(values: pd.Series) -> pa.Array:
    """``values`` as an Arrow array (zero-copy for numbers); mixed-type objects become text."""
    try:
        return pa.Array.from_pandas(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None or (isinstance(v, float) and v != v) else str(v) for v in values], pa.string())


def _conform(df: pd.DataFrame, columns: list[str], json_columns: tuple[str, ...]) -> pa.Table:
    """``df`` as an Arrow table with exactly ``columns`` (+ file_id, source_file, _ord), missing ones
    as NULL, JSON columns serialised. Arrow (not pandas) so DuckDB scans it without per-row Python."""
    n = len(df)
    names = [*columns, "file_id", "source_file"]
    arrays = []
    for col in names:
        if col not in df or df[col].isna().all():
            arrays.append(pa.nulls(n))
        elif col in json_columns:
            arrays.append(pa.array([to_json(v) for v in df[col]], pa.string()))
        else:
            arrays.append(_arrow_column(df[col]))
    return pa.Table.from_arrays([*arrays, pa.array(np.arange(n))], names=[*names, "_ord"])


def _single_value(table: pa.Table, column: str) -> Any:
    """The value of ``column`` when all rows share one non-null value, else None."""
    col = table.column(column)
    if len(col) == 0 or col.null_count or len(pc.unique(col)) != 1:
        return None
    return col[0].as_py()


def _constant(table: pa.Table, column: str) -> bool:
    """True when every row of ``column`` holds the same value (all null counts as one value)."""
    col = table.column(column)
    return col.null_count == len(col) or (col.null_count == 0 and len(pc.unique(col)) == 1)


def _row_order_trials(table: pa.Table) -> np.ndarray:
    """0-based repeat index of each row within its (context_length, depth_percent) cell, in row order
    (shape (rows,), int64).

    One cell id per row, a stable sort, and each row's distance from its cell's first row: 31 MiB
    at the peak for 884,000 rows, against 89 MiB for pandas' ``groupby(...).cumcount()`` (same result).
    """
    length = pd.factorize(table.column("context_length").to_numpy(zero_copy_only=False), use_na_sentinel=False)[0]
    depth, depths = pd.factorize(table.column("depth_percent").to_numpy(zero_copy_only=False), use_na_sentinel=False)
    cell = length * len(depths) + depth
    del length, depth
    order = np.argsort(cell, kind="stable")
    cell = cell[order]
    starts = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])  # sorted position of each cell's first row
    del cell
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    trials = np.empty_like(rank)
    trials[order] = rank
    return trials


def _first_free_trials(cur: duckdb.DuckDBPyConnection, run_id: int, table: pa.Table) -> pa.Array | None:
    """Per row of ``table``, the first trial index not yet used in its (context_length, depth_percent)
    cell of the stored run (0 for a cell it does not have yet); None when the run has no trials.

    Computed here rather than joined in the INSERT: DuckDB builds the join's hash table on the new
    rows (all their columns, needles and responses included: +63 MiB for 312,000 trials).
    """
    stored = cur.execute("""SELECT context_length, depth_percent, max(trial) + 1 AS free FROM niah_trials
                            WHERE run_id = ? GROUP BY ALL""", [run_id]).df()
    if stored.empty:
        return None
    cells = pd.MultiIndex.from_frame(stored[["context_length", "depth_percent"]])
    at = cells.get_indexer(pd.MultiIndex.from_arrays(
        [table.column(c).to_numpy(zero_copy_only=False) for c in ("context_length", "depth_percent")]))
    free = np.append(stored["free"].to_numpy("int64"), 0)  # position -1 (a new cell) reads the 0
    return pa.array(free[at])


def write_run(
    cur: duckdb.DuckDBPyConnection,
    run: PlannedRun,
    parts: list[ParsedFile],
    files: list[SourceFile],
    *,
    model: str | None,
    model_source: str | None,
    label: str | None,
    scale: str,
    uploaded_by: str | None,
    formats: dict[str, str | None],
    override: str | None = None,
) -> int:
    """Insert (or append to) one run with its files and rows; returns the run id.

    NIAH trial indices continue after the run's existing trials in the same (length, depth) cell,
    ordered by version then source file, so repeats are kept as trials, never overwritten.
    ``override`` (the user's scale) replaces the scale of every task-score / sample row whose scale
    was guessed from the values (``storage.scales.GUESSED``); trials follow ``scale``.
    """
    first = run.first
    if run.existing_run_id is None:
        run_id = allocate_ids(cur, "run_id")
        cur.execute(
            """INSERT INTO runs (run_id, run_key, model, model_source, label, benchmark, harness, evaluator,
                                 score_scale, length_unit, tokenizer, config)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [run_id, run.run_key, model, model_source, label or first.label or model or run.run_key, first.benchmark, first.format,
             first.evaluator, scale, first.length_unit, first.tokenizer,
             to_json({**run.config, "inferred": run.inferred, "notes": run.notes})],
        )
    else:
        run_id = run.existing_run_id
        scale = cur.execute("SELECT score_scale FROM runs WHERE run_id = ?", [run_id]).fetchone()[0]
    # one statement for all files (a run can have thousands); a file feeding several runs is stored once
    cur.register("_new_files", pa.table({
        "file_id": [f.file_id or f.sha256 for f in files],
        "sha256": [f.sha256 for f in files],
        "path_facts": [to_json(f.path_facts if f.path_facts is not None else {}) for f in files],
        "name": [f.name for f in files],
        "path": [f.path for f in files],
        "format": [formats.get(f.file_id or f.sha256) or first.format for f in files],
        "size_bytes": pa.array([f.size for f in files], pa.int64()),
    }))
    cur.execute(
        f"""INSERT INTO files (file_id, name, path, format, size_bytes, uploaded_by, sha256, path_facts)
            SELECT file_id, name, path, format, size_bytes, ?, sha256, path_facts FROM _new_files {NEW_FILES_ONLY}""",
        [uploaded_by])
    cur.execute("INSERT INTO run_files (run_id, file_id) SELECT ?, file_id FROM _new_files", [run_id])
    cur.unregister("_new_files")

    trials = run.frame("niah_trials", parts)
    if trials is not None:
        df = _conform(trials, NIAH_COLUMNS, ("extra",))
        # one file's trials: its id goes in as a constant (1M copies of a 64-char id cost ~20% of the insert)
        file_id = _single_value(df, "file_id")
        if _constant(df, "version") and _constant(df, "source_file"):
            # one file and version: repeats are numbered in row order, cheaper than the SQL window
            df = df.append_column("_trial", pa.array(_row_order_trials(df)))
            trial = "n._trial"
        else:
            trial = """row_number() OVER (PARTITION BY n.context_length, n.depth_percent
                                          ORDER BY n.version NULLS FIRST, n.source_file, n._ord) - 1"""
        free = _first_free_trials(cur, run_id, df) if run.existing_run_id is not None else None
        if free is not None:  # appended to a stored run: its repeats continue after the stored ones
            df = df.append_column("_free", free)
            trial = f"n._free + {trial}"
        cur.register("_new_trials", df)
        cur.execute(
            f"""INSERT INTO niah_trials
                SELECT ?, n.context_length, ?, n.depth_percent, n.score_raw,
                       {normalise_sql('?', 'n.score_raw')},
                       n.needle, n.response, {trial},
                       n.version, n.source_file, {'?' if file_id else 'n.file_id'}, n.extra,
                       {needle_recall_sql('n.needle', 'n.response')}
                FROM _new_trials n""",
            [run_id, first.length_unit or "tokens", *([scale] * _n_params(normalise_sql('?', 'x'))),
             *([file_id] if file_id else [])],
        )
        cur.unregister("_new_trials")

    scores = run.frame("task_scores", parts)
    if scores is not None:
        scores["scale"] = scores["scale"].fillna(scale) if "scale" in scores else scale
        scores = rescale_guessed(scores, override)
        df = _conform(scores, TASK_SCORE_COLUMNS, ("extra",))
        cur.register("_new_scores", df)
        cur.execute(
            f"""INSERT INTO task_scores
                SELECT ?, task, length_value, length_label, metric, scale, value_raw,
                       {normalise_sql('scale', 'value_raw')}, n_samples, file_id, extra
                FROM _new_scores""",
            [run_id],
        )
        cur.unregister("_new_scores")

    samples = run.frame("samples", parts)
    if samples is not None:
        df = _conform(rescale_guessed(samples, override), SAMPLE_COLUMNS, ("reference", "extra"))
        cur.register("_new_samples", df)
        cur.execute(
            f"""INSERT INTO samples
                SELECT ?, task, row_index, sample_id, prediction, reference, length_value, length_label,
                       score_raw, scale, {normalise_sql('scale', 'score_raw')}, scorer, file_id, extra
                FROM _new_samples""",
            [run_id],
        )
        cur.unregister("_new_samples")
    return run_id


def _n_params(sql: str) -> int:
    return sql.count("?")


def write_new_runs(cur: duckdb.DuckDBPyConnection, items: list[dict], *, uploaded_by: str | None,
                   formats: dict[str, str | None]) -> dict[str, int]:
    """Insert many *new* runs without NIAH trials (task scores and samples only) in a handful of
    statements, however many runs there are (aggregate-table formats write one run per row).

    Args:
        items: one dict per run: run (``PlannedRun``), parts, files, model, model_source, label, scale
            (as for :func:`write_run`).

    Returns:
        run_key -> run_id of every run written.
    """
    if not items:
        return {}
    runs = pa.table({
        "run_key": [i["run"].run_key for i in items],
        "model": [i["model"] for i in items],
        "model_source": [i["model_source"] for i in items],
        "label": [i["label"] or i["run"].first.label or i["model"] or i["run"].run_key for i in items],
        "benchmark": [i["run"].first.benchmark for i in items],
        "harness": [i["run"].first.format for i in items],
        "evaluator": [i["run"].first.evaluator for i in items],
        "score_scale": [i["scale"] for i in items],
        "length_unit": [i["run"].first.length_unit for i in items],
        "tokenizer": [i["run"].first.tokenizer for i in items],
        "config": [to_json({**i["run"].config, "inferred": i["run"].inferred, "notes": i["run"].notes}) for i in items],
    })
    first_id = allocate_ids(cur, "run_id", len(items))
    ids = {i["run"].run_key: first_id + n for n, i in enumerate(items)}
    runs = runs.append_column("run_id", pa.array(list(ids.values()), pa.int64()))
    cur.register("_new_runs", runs)
    cur.execute(
        """INSERT INTO runs (run_id, run_key, model, model_source, label, benchmark, harness, evaluator, score_scale,
                             length_unit, tokenizer, config)
           SELECT run_id, run_key, model, model_source, label, benchmark, harness, evaluator, score_scale, length_unit,
                  tokenizer, config FROM _new_runs""")
    cur.unregister("_new_runs")
    files = {(f.file_id or f.sha256): f for i in items for f in i["files"]}
    cur.register("_new_files", pa.table({
        "file_id": list(files), "name": [f.name for f in files.values()], "path": [f.path for f in files.values()],
        "format": [formats.get(k) or next(i["run"].format for i in items if f in i["files"]) for k, f in files.items()],
        "size_bytes": pa.array([f.size for f in files.values()], pa.int64()),
        "sha256": [f.sha256 for f in files.values()],
        "path_facts": [to_json(f.path_facts if f.path_facts is not None else {}) for f in files.values()],
    }))
    cur.execute(f"""INSERT INTO files (file_id, name, path, format, size_bytes, uploaded_by, sha256, path_facts)
                    SELECT file_id, name, path, format, size_bytes, ?, sha256, path_facts FROM _new_files {NEW_FILES_ONLY}""",
                [uploaded_by])
    cur.unregister("_new_files")
    pairs = sorted({(ids[i["run"].run_key], f.file_id or f.sha256) for i in items for f in i["files"]})
    cur.register("_new_run_files", pa.table({"run_id": [p[0] for p in pairs], "file_id": [p[1] for p in pairs]}))
    cur.execute("INSERT INTO run_files (run_id, file_id) SELECT run_id, file_id FROM _new_run_files")
    cur.unregister("_new_run_files")
    for table, columns, json_cols, value in (
            ("task_scores", TASK_SCORE_COLUMNS, ("extra",), "value_raw"),
            ("samples", SAMPLE_COLUMNS, ("reference", "extra"), "score_raw")):
        frames, run_ids, file_ids, scales = [], [], [], []
        for i in items:
            for p in i["parts"]:
                f = getattr(p, table)
                if f is None or not len(f):
                    continue
                frames.append(f)
                run_ids.append(np.full(len(f), ids[i["run"].run_key]))
                file_ids += [p.file_id] * len(f)
                scales += [i["scale"]] * len(f)
        if not frames:
            continue
        df = pd.concat(frames, ignore_index=True)
        df["file_id"] = file_ids
        if table == "task_scores":
            df["scale"] = df["scale"].fillna(pd.Series(scales)) if "scale" in df else scales
        arrow = _conform(df, columns, json_cols).append_column("_run_id", pa.array(np.concatenate(run_ids)))
        cur.register("_new_rows", arrow)
        if table == "task_scores":
            cur.execute(f"""INSERT INTO task_scores
                SELECT _run_id, task, length_value, length_label, metric, scale, value_raw,
                       {normalise_sql('scale', 'value_raw')}, n_samples, file_id, extra FROM _new_rows""")
        else:
            cur.execute(f"""INSERT INTO samples
                SELECT _run_id, task, row_index, sample_id, prediction, reference, length_value, length_label,
                       score_raw, scale, {normalise_sql('scale', 'score_raw')}, scorer, file_id, extra FROM _new_rows""")
        cur.unregister("_new_rows")
    return ids
