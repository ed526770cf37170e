"""Default display labels of new runs: unique per benchmark within an upload and against the
stored runs.

A run's default label is the importer's ``label`` or the model name. Several runs of one benchmark
in one upload often share it (``gpt4_retrieval.csv`` holds one run per needle count of one model;
the TushaarGVS folders one run per evaluator of one model), and a new run may share it with a
stored run of its benchmark. (Pages name a run "label · benchmark", so runs of one model on two
benchmarks keep the model as label.) Then the label gets what tells the runs apart, in this order:

1. within the upload, the settings whose values differ between the runs sharing the label
   (config entries such as ``total_needles=3``, then ``evaluator`` and ``tokenizer``);
2. against a stored run: the run's version for a re-run (``version 2``), else the folder (or file)
   it came from, relative to what was picked (``storage.sources``);
3. if that still clashes, a counter (``#2``, ``#3``...).

The rule reads only the plan and the set of stored labels, so the command line and the Upload page
give the same labels for the same files.
"""
from __future__ import annotations

from pathlib import PurePosixPath

from storage.importers.source import SourceFile
from storage.plan import PlannedRun

#: run attributes compared after the config entries, in this order
_ATTRIBUTES = ("evaluator", "tokenizer")


def _settings(run: PlannedRun) -> dict[str, str]:
    """The run's scalar settings as text: config entries, then evaluator and tokenizer."""
    out = {k: str(v) for k, v in run.first.config.items() if isinstance(v, (str, int, float, bool)) and v != ""}
    for attr in _ATTRIBUTES:
        value = getattr(run.first, attr)
        if value:
            out.setdefault(attr, str(value))
    return out


def _differing(runs: list[PlannedRun]) -> list[str]:
    """Per run, ``key=value`` of the settings whose values differ between ``runs`` ('' when none do)."""
    settings = [_settings(r) for r in runs]
    keys = list(dict.fromkeys(k for s in settings for k in s))
    differ = [k for k in keys if len({s.get(k) for s in settings}) > 1]
    return [", ".join(f"{k}={s[k]}" for k in differ if k in s) for s in settings]


def _origin(src: SourceFile | None) -> str:
    """The innermost folder of the file's relative path, else its name ('' without a file)."""
    if src is None:
        return ""
    parts = src.parts
    return parts[-1] if parts else PurePosixPath(src.path).name


def default_labels(runs: dict[str, PlannedRun], first_files: dict[str, SourceFile | None],
                   taken: set[tuple[str, str]], models: dict[str, str] | None = None) -> dict[str, str | None]:
    """A default label per new run (runs appending to a stored run are left out).

    Args:
        runs: run key -> planned run.
        first_files: run key -> the run's first source file (for its folder), or None.
        taken: ``(label, benchmark)`` of the stored runs.
        models: run key -> model name given by the user (overrides the files' model).

    Returns:
        run key -> label, unique among the returned labels of its benchmark and not taken by a
        stored run of that benchmark; None for a run with neither an importer label nor a model
        name (the user must name the model first).
    """
    models = models or {}
    base = {k: r.first.label or models.get(k) or r.model for k, r in runs.items() if r.existing_run_id is None}
    groups: dict[tuple[str, str], list[str]] = {}
    for key, label in base.items():
        if label:
            groups.setdefault((label, runs[key].benchmark), []).append(key)
    out: dict[str, str | None] = {k: None for k, v in base.items() if not v}
    used = set(taken)
    for (label, benchmark), keys in groups.items():
        tails = _differing([runs[k] for k in keys]) if len(keys) > 1 else [""]
        for key, tail in zip(keys, tails):
            name = f"{label} ({tail})" if tail else label
            if (name, benchmark) in used or (len(keys) > 1 and not tail):
                run = runs[key]
                extra = f"version {run.version}" if run.rerun_of is not None else _origin(first_files.get(key))
                name = f"{label} ({', '.join(filter(None, (tail, extra)))})" if extra else name
            n = 2
            unique = name
            while (unique, benchmark) in used:
                unique, n = f"{name} #{n}", n + 1
            out[key] = unique
            used.add((unique, benchmark))
    return out
