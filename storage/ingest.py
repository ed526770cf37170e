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
from pathlib import Path

from storage import writer
from storage.db import Store, StoreBusyError, open_store
from storage.scope import Scope, resolve, target_workspace
from storage.workspaces import claim_runs, owned_elsewhere
from storage.importers import registry
from storage.importers.source import FormatError, SourceFile
from storage.plan import DUPLICATE, ERROR, READY, REPEATED, SKIPPED, FileOutcome, IngestPlan, PlannedRun
from storage.scales import SCALES
from storage.sources import SkippedInput, from_paths


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
    *,
    scope: Scope | None = None,
    workspace: str | None = None,
) -> dict[str, int]:
    """Write every run of ``plan`` in one transaction, into ``workspace`` (``storage.scope``: the
    member role there is needed; new runs are stamped with it and the scope's identity).

    Args:
        models: run_key -> model name given by the user (overrides what the files say).
        labels: run_key -> display label (default: the model name).
        scales: run_key -> score scale override (one of ``storage.scales.SCALES``).

    Returns:
        run_key -> run_id of every run written.

    Raises:
        MissingModelError: a new run has no model name (nothing is written).
        ValueError: an unknown scale override.
        NoAccessError: ``scope`` is not a member of the workspace, or a file would extend a run of
            another workspace (nothing is written).
    """
    ws = target_workspace(scope, workspace)
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
    formats = {o.sha256: o.format for o in plan.files if o.sha256}
    with store.transaction() as cur:
        owned_elsewhere(cur, [r.existing_run_id for r in plan.runs.values() if r.existing_run_id is not None], ws)
        already = writer.known_file_ids(store, list(plan.file_data), cur=cur)
        batch = []  # new runs without NIAH trials: written together (one run per row of a table)
        for key, run in plan.runs.items():
            parts = [p for p in run.parts if p.file_id not in already]
            if not parts:
                continue
            item = dict(run=run, parts=parts, files=[plan.file_data[f] for f in sorted({p.file_id for p in parts})],
                        model=models.get(key) or run.model,
                        model_source="user" if models.get(key) else run.model_source,
                        label=labels.get(key), scale=scales.get(key) or run.score_scale)
            if run.existing_run_id is None and not any(p.niah_trials is not None and len(p.niah_trials) for p in parts):
                batch.append(item)
            else:
                written[key] = writer.write_run(cur, **item, uploaded_by=uploaded_by, formats=formats)
        written.update(writer.write_new_runs(cur, batch, uploaded_by=uploaded_by, formats=formats))
        claim_runs(cur, [i for k, i in written.items() if plan.runs[k].existing_run_id is None], ws,
                   uploaded_by or resolve(scope).identity)
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
