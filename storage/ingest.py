"""Ingest pipeline: detect and parse every file, preview, then write a batch in one transaction.

Two steps so the app can show a preview before anything is stored:

1. :func:`prepare` reads and validates every file (nothing is written). Files already in the
   store (same sha256, whatever the name) are marked "already ingested".
2. :func:`commit` writes all parsed runs of the plan in one transaction; if anything fails,
   nothing of the batch is written and the store is as before.

Command line::

    python -m storage.ingest PATH... [--db FILE] [--model NAME]

prints one line per file and exits 1 if any file failed.
"""
from __future__ import annotations

import argparse
import sys
from functools import cached_property
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from storage import writer
from storage.db import Store, StoreBusyError, open_store
from storage.importers import registry
from storage.importers.parsed import JUDGE_OR_BINARY, ParsedFile
from storage.importers.source import FormatError, SourceFile
from storage.scales import SCALES
from storage.sources import SkippedInput, from_paths

READY, DUPLICATE, REPEATED, ERROR, SKIPPED = "ready", "already ingested", "duplicate in this upload", "error", "skipped"


@dataclass
class FileOutcome:
    """What happened to one input file. ``status`` is ready | already ingested | duplicate in this upload |
    error | skipped."""

    path: str
    status: str
    message: str = ""
    format: str | None = None
    sha256: str | None = None
    size: int = 0
    run_keys: list[str] = field(default_factory=list)
    records: int = 0

    @property
    def failed(self) -> bool:
        return self.status == ERROR


@dataclass
class PlannedRun:
    """All parsed files that share a run key: one run in the store (new or appended to)."""

    run_key: str
    parts: list[ParsedFile]
    existing_run_id: int | None = None

    @property
    def first(self) -> ParsedFile:
        return self.parts[0]

    @property
    def format(self) -> str:
        return self.first.format

    @property
    def benchmark(self) -> str:
        return self.first.benchmark

    @property
    def model(self) -> str | None:
        return next((p.model for p in self.parts if p.model), None)

    @property
    def model_source(self) -> str | None:
        return next((p.model_source for p in self.parts if p.model), None)

    @property
    def needs_model(self) -> bool:
        """True when no file of the run names its model: the user must give one."""
        return self.model is None

    def frame(self, table: str, parts: list[ParsedFile] | None = None) -> pd.DataFrame | None:
        """Rows of ``table`` from ``parts`` (default all), with a ``file_id`` column."""
        frames = [
            # one category, not a copy of the 64-character id per row; one frame is not copied by a concat
            getattr(p, table).assign(file_id=pd.Categorical.from_codes(np.zeros(len(getattr(p, table)), "int8"),
                                                                       [p.file_id]))
            for p in (self.parts if parts is None else parts)
            if getattr(p, table) is not None and len(getattr(p, table))
        ]
        if len(frames) == 1:
            return frames[0]
        return pd.concat(frames, ignore_index=True) if frames else None

    @cached_property
    def score_scale(self) -> str:
        """The run's scale; :data:`JUDGE_OR_BINARY` is decided here from the scores (once: read it
        only after every file of the run is parsed)."""
        scale = self.first.score_scale
        if scale != JUDGE_OR_BINARY:
            return scale
        trials = self.frame("niah_trials")
        values = set() if trials is None else set(trials["score_raw"].dropna().unique())
        return "binary" if values and values <= {0.0, 1.0} else "judge_1_10"

    @property
    def inferred(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for p in self.parts:
            out.update(p.inferred)
        if self.first.score_scale == JUDGE_OR_BINARY:
            out["score scale"] = (
                "binary 0/1 (every score is 0 or 1)" if self.score_scale == "binary"
                else "judge 1-10 (scores other than 0/1 present)"
            )
        if self.model:
            out.setdefault("model", f"{self.model} (from the {self.model_source})")
        return out

    @property
    def notes(self) -> list[str]:
        return list(dict.fromkeys(n for p in self.parts for n in p.notes))

    @property
    def config(self) -> dict:
        """The parts' configs merged; a key whose values are dicts in several parts merges those
        dicts (e.g. one prompt per BABILong file under one key), otherwise the last part wins."""
        out: dict = {}
        for p in self.parts:
            for key, value in p.config.items():
                if isinstance(value, dict) and isinstance(out.get(key), dict):
                    out[key] = {**out[key], **value}
                else:
                    out[key] = value
        return out

    def counts(self) -> dict[str, int]:
        return {t: (0 if (f := self.frame(t)) is None else len(f)) for t in ("niah_trials", "task_scores", "samples")}


@dataclass
class IngestPlan:
    """The result of :func:`prepare`: one outcome per input file, and the runs to write."""

    files: list[FileOutcome]
    runs: dict[str, PlannedRun]
    file_data: dict[str, SourceFile]

    @property
    def failed(self) -> list[FileOutcome]:
        return [f for f in self.files if f.failed]


def prepare(sources: list[SourceFile], store: Store, skipped: list[SkippedInput] = ()) -> IngestPlan:
    """Detect, parse and validate every source; write nothing.

    Returns:
        An :class:`IngestPlan`. Files already stored are marked ``already ingested``, a second copy
        within the batch ``duplicate in this upload``; unreadable ones ``error`` with the file and field or line.
    """
    outcomes = [FileOutcome(s.path, ERROR if s.error else SKIPPED, s.reason) for s in skipped]
    known = writer.known_file_ids(store, [s.sha256 for s in sources])
    runs: dict[str, PlannedRun] = {}
    file_data: dict[str, SourceFile] = {}
    seen: dict[str, str] = {}
    for src in sources:
        out = FileOutcome(src.path, READY, sha256=src.sha256, size=len(src.data))
        outcomes.append(out)
        if src.sha256 in known:
            out.status, out.message = DUPLICATE, f"already ingested (same content as {known[src.sha256]})"
            continue
        if src.sha256 in seen:
            out.status, out.message = REPEATED, f"duplicate of {seen[src.sha256]} in this upload (same content)"
            continue
        try:
            importer = registry.detect(src)
            out.format = importer.FORMAT
            parsed = importer.parse(src)
        except FormatError as exc:
            out.status, out.message = ERROR, str(exc)
            continue
        except Exception as exc:  # an importer bug must not sink the whole batch
            out.status, out.message = ERROR, f"{src.path}: could not be parsed ({type(exc).__name__}: {exc})"
            continue
        seen[src.sha256] = src.path
        file_data[src.sha256] = src
        for p in parsed:
            p.file_id = src.sha256
            runs.setdefault(p.run_key, PlannedRun(p.run_key, [])).parts.append(p)
            out.run_keys.append(p.run_key)
            out.records += p.records
        out.message = "; ".join([*(p.record_summary() for p in parsed), *src.notes])
    existing = writer.run_ids_by_key(store, list(runs))
    for key, run in runs.items():
        run.existing_run_id = existing.get(key)
    return IngestPlan(outcomes, runs, file_data)


class MissingModelError(ValueError):
    """A run has no model name in its files and none was given."""


def commit(
    plan: IngestPlan,
    store: Store,
    models: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    scales: dict[str, str] | None = None,
    uploaded_by: str | None = None,
) -> dict[str, int]:
    """Write every run of ``plan`` in one transaction.

    Args:
        models: run_key -> model name given by the user (overrides what the files say).
        labels: run_key -> display label (default: the model name).
        scales: run_key -> score scale override (one of ``storage.scales.SCALES``).

    Returns:
        run_key -> run_id of every run written.

    Raises:
        MissingModelError: a new run has no model name (nothing is written).
        ValueError: an unknown scale override.
    """
    models, labels, scales = models or {}, labels or {}, scales or {}
    missing = [k for k, r in plan.runs.items() if r.needs_model and not models.get(k) and r.existing_run_id is None]
    if missing:
        files = sorted({o.path for o in plan.files if set(o.run_keys) & set(missing)})
        raise MissingModelError(
            "no model name in " + ", ".join(files[:5]) + (" ..." if len(files) > 5 else "")
            + ": name the model (--model NAME on the command line)"
        )
    for key, scale in scales.items():
        if scale not in SCALES:
            raise ValueError(f"unknown score scale {scale!r} for run {key}")
    written: dict[str, int] = {}
    with store.transaction() as cur:
        already = writer.known_file_ids(store, list(plan.file_data), cur=cur)
        for key, run in plan.runs.items():
            parts = [p for p in run.parts if p.file_id not in already]
            if not parts:
                continue
            written[key] = writer.write_run(
                cur,
                run,
                parts,
                [plan.file_data[f] for f in sorted({p.file_id for p in parts})],
                model=models.get(key) or run.model,
                model_source="user" if models.get(key) else run.model_source,
                label=labels.get(key),
                scale=scales.get(key) or run.score_scale,
                uploaded_by=uploaded_by,
                formats={o.sha256: o.format for o in plan.files if o.sha256},
            )
    return written


def ingest_paths(paths: list[str | Path], store: Store, model: str | None = None) -> tuple[IngestPlan, dict[str, int]]:
    """Prepare and commit files/folders/zips from disk (the CLI's path).

    ``model`` names the model of every run (overriding the files). Runs without a model name
    and no ``model`` are reported as failed and not written; the rest of the batch is.
    """
    sources, skipped = from_paths(paths)
    plan = prepare(sources, store, skipped)
    models = {k: model for k in plan.runs} if model else {}
    unnamed = {k for k, r in plan.runs.items() if r.needs_model and not model and r.existing_run_id is None}
    for out in plan.files:
        if out.status == READY and set(out.run_keys) & unnamed:
            out.status, out.message = ERROR, f"{out.path}: no model name in the file; pass --model NAME"
    for key in unnamed:
        del plan.runs[key]
    return plan, commit(plan, store, models=models)


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; returns the exit status (0 = every file ingested or already there)."""
    ap = argparse.ArgumentParser(prog="python -m storage.ingest", description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+", metavar="PATH", help="result files, folders (recursive) or .zip archives")
    ap.add_argument("--db", help="DuckDB file (default: $LONGSCOPE_DB or data/longscope.duckdb)")
    ap.add_argument("--model", help="model name for every run read (needed when a file has none)")
    args = ap.parse_args(argv)
    try:
        store = open_store(args.db)
    except StoreBusyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    plan, written = ingest_paths(args.paths, store, model=args.model)
    for out in plan.files:
        if out.status == READY:
            ids = ", ".join(f"run {written[k]}" for k in dict.fromkeys(out.run_keys) if k in written)
            print(f"ok        {out.path}  [{out.format}] -> {ids or 'nothing new'}: {out.message}")
        elif out.status in (DUPLICATE, REPEATED):
            print(f"skip      {out.path}  {out.message}")
        elif out.status == SKIPPED:
            print(f"skip      {out.path}  {out.message}")
        else:
            print(f"FAILED    {out.message if out.message.startswith(out.path) else out.path + ': ' + out.message}")
    n_ok = sum(o.status == READY for o in plan.files)
    n_dup = sum(o.status in (DUPLICATE, REPEATED) for o in plan.files)
    print(f"{n_ok:,} file(s) ingested into {len(written):,} run(s), {n_dup:,} already ingested or repeated, "
          f"{len(plan.failed):,} failed; store: {store.path}")
    return 1 if plan.failed else 0


if __name__ == "__main__":
    sys.exit(main())
