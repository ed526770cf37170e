"""Ingest pipeline: detect and parse every file, preview, then write a batch in one transaction.

Two steps so the app can show a preview before anything is stored:

1. :func:`prepare` reads and validates every file (nothing is written). Files already in the
   target workspace (same content and the same path facts, ``storage.identity``) are marked
   "already ingested"; a changed file at a stored path makes a new version of its run. Identity is
   per workspace: a file another workspace holds is stored again as this workspace's own run, and
   nothing tells the uploader that it exists there.
2. :func:`commit` writes all parsed runs of the plan in one transaction; if anything fails,
   nothing of the batch is written and the store is as before.

Command line::

    python -m storage.ingest PATH... [--store FILE_OR_DUCKLAKE_URL] [--data-path DIR] [--model NAME] [--workspace NAME]

prints one line per file and exits 1 if any file failed.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from storage import identity, run_labels, writer
from storage.db import Store, StoreBusyError, add_store_options, store_from_args
from storage.scope import Scope, resolve, target_workspace
from storage.workspaces import claim_runs, list_workspaces, owned_elsewhere
from storage.importers import registry
from storage.importers.source import FormatError, SourceFile
from storage.memory import release_freed_memory
from storage.plan import DUPLICATE, ERROR, READY, REPEATED, SKIPPED, FileOutcome, IngestPlan, PlannedRun
from storage.runs import stored_labels
from storage.scales import SCALES, check_override
from storage.sources import SkippedInput, from_paths


def _facts_words(src: SourceFile) -> str:
    return f" and path facts {src.path_facts['folders']}/{src.path_facts['file']}" if src.path_facts else ""


def _place_runs(store: Store, runs: dict[str, PlannedRun], file_data: dict[str, SourceFile],
                outcomes: list[FileOutcome], workspace: str) -> dict[str, PlannedRun]:
    """Point each planned run at the stored run of ``workspace`` it appends to, or make it a new version.

    A run one of whose files has new content at a path already stored in a version of that run
    is a re-run: it becomes version N+1 (``storage.identity``), never rows appended to version N.
    Otherwise the run appends to the latest stored version (if any).
    """
    stored = identity.stored_at_paths(store, [src.path for src in file_data.values()], workspace)
    renamed: dict[str, str] = {}
    for key, run in runs.items():
        vers = identity.versions(store, key, workspace)
        if not vers:
            continue
        ids = set(vers.values())
        changed = [file_data[p.file_id].path for p in run.parts
                   if any(f.run_id in ids and f.sha256 != file_data[p.file_id].sha256
                          for f in stored.get(file_data[p.file_id].path, []))]
        latest = max(vers)
        if changed:
            run.version, run.rerun_of = latest + 1, vers[latest]
            run.changed_files = list(dict.fromkeys(changed))
            renamed[key] = run.run_key = identity.versioned_key(key, latest + 1)
            for p in run.parts:
                p.run_key = run.run_key
        else:
            run.existing_run_id = vers[latest]
    for out in outcomes:
        out.run_keys = [renamed.get(k, k) for k in out.run_keys]
    return {run.run_key: run for run in runs.values()}


def prepare(sources: list[SourceFile], store: Store, skipped: list[SkippedInput] = (), *,
            scope: Scope | None = None, workspace: str | None = None,
            progress: Callable[[int, int], None] | None = None) -> IngestPlan:
    """Detect, parse and validate every source in one pass for ``workspace``
    (``storage.scope.target_workspace``: default the scope's only workspace, else ``default``);
    write nothing.

    Args:
        progress: called with (files done, files in all) as the files are parsed, at most about
            100 times whatever their number (the Upload page's progress bar).

    Returns:
        An :class:`IngestPlan` for that workspace. Files already stored in it are marked ``already
        ingested`` (files of other workspaces are neither matched nor named), a second copy within
        the batch ``duplicate in this upload``; unreadable ones ``error`` with the file and field or line.

    Raises:
        NoAccessError: ``scope`` lacks the member role in the workspace.
    """
    ws = target_workspace(scope, workspace)
    outcomes = [FileOutcome(s.path, ERROR if s.error else SKIPPED, s.reason) for s in skipped]
    detected = []
    for src in sources:
        try:
            importer = registry.detect(src)
        except FormatError as exc:
            importer = exc
        try:
            src.sha256  # noqa: B018 - a file read from disk in pieces may change or vanish meanwhile
        except FormatError as exc:
            outcomes.append(FileOutcome(src.path, ERROR, str(exc)))
            continue
        src.path_facts = {} if isinstance(importer, FormatError) else identity.path_facts(importer, src)
        src.file_id = identity.file_key(src.sha256, src.path_facts, ws)
        detected.append((src, importer))
    known = identity.known_files(store, [(s.file_id, s.sha256, s.path) for s, _ in detected], ws)
    runs: dict[str, PlannedRun] = {}
    file_data: dict[str, SourceFile] = {}
    seen: dict[str, str] = {}
    step = max(1, len(detected) // 100)
    for n, (src, importer) in enumerate(detected, start=1):
        if progress is not None and (n % step == 0 or n == len(detected)):
            progress(n, len(detected))
        out = FileOutcome(src.path, READY, sha256=src.sha256, size=src.size, file_id=src.file_id)
        outcomes.append(out)
        if src.file_id in known:
            out.status, out.message = DUPLICATE, f"already ingested (same content{_facts_words(src)} as {known[src.file_id]})"
            continue
        if src.file_id in seen:
            out.status, out.message = REPEATED, f"duplicate of {seen[src.file_id]} in this upload (same content{_facts_words(src)})"
            continue
        try:
            if isinstance(importer, FormatError):
                raise importer
            out.format = importer.FORMAT
            parsed = importer.parse(src)
            src.check_unchanged()  # what was parsed is what the sha256 was taken of
        except FormatError as exc:
            out.status, out.message = ERROR, _changed_or(src, str(exc))
            continue
        except Exception as exc:  # an importer bug must not sink the whole batch
            out.status, out.message = ERROR, _changed_or(src, f"{src.path}: could not be parsed ({type(exc).__name__}: {exc})")
            continue
        seen[src.file_id] = src.path
        file_data[src.file_id] = src
        for p in parsed:
            p.file_id = src.file_id
            runs.setdefault(p.run_key, PlannedRun(p.run_key, [])).parts.append(p)
            out.run_keys.append(p.run_key)
            out.records += p.records
        out.message = "; ".join([*(p.record_summary() for p in parsed), *src.notes])
    runs = _place_runs(store, runs, file_data, outcomes, ws)
    plan = IngestPlan(outcomes, runs, file_data, workspace=ws)
    for key, label in _labels(plan, store, ws).items():
        runs[key].label = label
    return plan


def _changed_or(src: SourceFile, message: str) -> str:
    """``message``, unless the file changed on disk since it was listed: then that is the reason
    (a harness still writing it), not the parse error its half-written rows caused."""
    try:
        src.check_unchanged()
    except FormatError as changed:
        return str(changed)
    return message


def _labels(plan: IngestPlan, store: Store, workspace: str,
            models: dict[str, str] | None = None) -> dict[str, str | None]:
    """Default labels of the plan's new runs (``storage.run_labels``), given the user's model names,
    unique among the runs stored in ``workspace``."""
    first = {k: plan.file_data.get(r.first.file_id) for k, r in plan.runs.items()}
    return run_labels.default_labels(plan.runs, first, stored_labels(store, workspace), models)


class MissingModelError(ValueError):
    """A run has no model name in its files and none was given."""


class ScaleChoiceError(ValueError):
    """A run's files cannot tell its score scale and none was chosen."""


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
    """Write every run of ``plan`` in one transaction, into ``workspace`` (default: the one the plan
    was prepared for; ``storage.scope``: the member role there is needed; new runs are stamped with
    it and the scope's identity).

    Args:
        models: run_key -> model name given by the user (overrides what the files say).
        labels: run_key -> display label (default: the model name, made unique within the plan and
            against the stored runs by ``storage.run_labels``).
        scales: run_key -> score scale override (one of ``storage.scales.SCALES``): applied to every
            row of the run whose scale was not fixed by the file or by LongScope's own scoring (see
            :meth:`PlannedRun.rescalable`) and recorded in the run's config (``scale_override``:
            scale, guessed scale, who, when, rows).

    Returns:
        run_key -> run_id of every run written.

    Raises:
        MissingModelError: a new run has no model name (nothing is written).
        ScaleChoiceError: a new run's scale is ambiguous and ``scales`` does not choose it.
        ValueError: an unknown scale override, one for a run with no row it could apply to, or
            one the values cannot be on (e.g. 45.2 on 0-1); nothing is written.
        NoAccessError: ``scope`` is not a member of the workspace, or a file would extend a run of
            another workspace (nothing is written).
        ValueError: ``workspace`` is not the one the plan was prepared for (prepare it again there).
    """
    release_freed_memory()  # what parsing freed, back to the OS before DuckDB allocates for the insert
    if plan.workspace is not None and workspace is not None and workspace != plan.workspace:
        raise ValueError(f"these files were checked against workspace {plan.workspace!r}, not {workspace!r}: "
                         "read them again for that workspace")
    ws = target_workspace(scope, workspace or plan.workspace)
    models, labels, scales = models or {}, labels or {}, scales or {}
    unscaled = [k for k, r in plan.runs.items() if r.needs_scale and k not in scales and r.existing_run_id is None]
    if unscaled:
        raise ScaleChoiceError(f"choose the score scale of run {', '.join(unscaled)}: "
                               + plan.runs[unscaled[0]].judge_or_binary.evidence)
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
        run = plan.runs[key]
        values = run.rescalable()
        if not values:
            raise ValueError(f"run {key}: every score's scale is fixed by the file or by LongScope's own "
                             "scoring; there is nothing a scale override could apply to")
        problem = check_override(pd.concat(list(values.values())), scale)
        if problem:
            raise ValueError(f"run {key}: cannot store it as {scale}: {problem}")
        run.scale_override = {"scale": scale, "guessed": None if run.needs_scale else run.score_scale, "by": uploaded_by,
                              "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                              "rows": {t: len(v) for t, v in values.items()}}
    formats = {o.file_id: o.format for o in plan.files if o.file_id}
    if not plan.runs:
        return {}  # nothing new (every file already stored or failed): no write transaction
    defaults = _labels(plan, store, ws, models)

    def write(cur) -> dict[str, int]:
        # identity is read again inside the (cross-client serialised, retried) transaction: a file or
        # run another client stored since prepare() is skipped or appended to, never stored twice
        written: dict[str, int] = {}
        owned_elsewhere(cur, [r.existing_run_id for r in plan.runs.values() if r.existing_run_id is not None], ws)
        already = writer.known_file_ids(store, list(plan.file_data), cur=cur)
        existing = writer.run_ids_by_key(store, list(plan.runs), ws, cur=cur)
        for key, run in plan.runs.items():
            if run.existing_run_id is None:  # another client created it since prepare(): append to it
                run.existing_run_id = existing.get(key)
        batch = []  # new runs without NIAH trials: written together (one run per row of a table)
        for key, run in plan.runs.items():
            parts = [p for p in run.parts if p.file_id not in already]
            if not parts:
                continue
            item = dict(run=run, parts=parts, files=[plan.file_data[f] for f in sorted({p.file_id for p in parts})],
                        model=models.get(key) or run.model,
                        model_source="user" if models.get(key) else run.model_source,
                        label=labels.get(key) or defaults.get(key), scale=scales.get(key) or run.score_scale)
            if (run.existing_run_id is None and run.scale_override is None
                    and not any(p.niah_trials is not None and len(p.niah_trials) for p in parts)):
                batch.append(item)
            else:
                written[key] = writer.write_run(cur, **item, uploaded_by=uploaded_by, formats=formats,
                                                override=scales.get(key))
        written.update(writer.write_new_runs(cur, batch, uploaded_by=uploaded_by, formats=formats))
        claim_runs(cur, [i for k, i in written.items() if plan.runs[k].existing_run_id is None], ws,
                   uploaded_by or resolve(scope).identity)
        return written
    return store.write(write)


def ingest_paths(paths: list[str | Path], store: Store, model: str | None = None,
                 scale: str | None = None, *, scope: Scope | None = None,
                 workspace: str | None = None) -> tuple[IngestPlan, dict[str, int]]:
    """Prepare and commit files/folders/zips from disk into ``workspace`` (the CLI's path).

    ``model`` names the model of every run (overriding the files); ``scale`` is the score scale
    of runs whose files cannot tell it (:attr:`PlannedRun.needs_scale`). Runs without a model name
    and no ``model``, or with an ambiguous scale and no ``scale``, are reported as failed and not
    written; the rest of the batch is.
    """
    sources, skipped = from_paths(paths)
    plan = prepare(sources, store, skipped, scope=scope, workspace=workspace)
    for src in sources:  # parsed: the bytes need not stay in memory while the runs are written
        src.release()
    models = {k: model for k in plan.runs} if model else {}
    new = {k for k, r in plan.runs.items() if r.existing_run_id is None}
    unnamed = {k for k in new if plan.runs[k].needs_model and not model}
    unscaled = {k for k in new - unnamed if plan.runs[k].needs_scale and not scale}
    for out in plan.files:
        if out.status == READY and set(out.run_keys) & unnamed:
            out.status, out.message = ERROR, f"{out.path}: no model name in the file; pass --model NAME"
        elif out.status == READY and set(out.run_keys) & unscaled:
            out.status, out.message = ERROR, (f"{out.path}: {plan.runs[out.run_keys[0]].judge_or_binary.evidence}; "
                                              "pass --scale binary or --scale judge_1_10")
    for key in unnamed | unscaled:
        del plan.runs[key]
    scales = {k: scale for k, r in plan.runs.items() if scale and r.needs_scale and r.existing_run_id is None}
    return plan, commit(plan, store, models=models, scales=scales, scope=scope)


def main(argv: list[str] | None = None, prog: str = "python -m storage.ingest") -> int:
    """CLI entry point; returns the exit status (0 = every file ingested or already there)."""
    ap = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+", metavar="PATH", help="result files, folders (recursive) or .zip archives")
    add_store_options(ap)
    ap.add_argument("--model", help="model name for every run read (needed when a file has none)")
    ap.add_argument("--scale", choices=list(SCALES), help="score scale of runs whose files cannot tell it")
    ap.add_argument("--workspace", help="the workspace to store the runs in (default: default); a file is "
                                        "'already ingested' only when this workspace holds it")
    args = ap.parse_args(argv)
    try:
        store = store_from_args(args)
    except StoreBusyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.workspace and args.workspace not in list_workspaces(store):
        print(f"error: no workspace {args.workspace!r} in {store.path} (an admin creates it on the Admin page)",
              file=sys.stderr)
        return 2
    plan, written = ingest_paths(args.paths, store, model=args.model, scale=args.scale, workspace=args.workspace)
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
