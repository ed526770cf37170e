"""The ingest plan: what :func:`storage.ingest.prepare` found (one outcome per input file, the
runs to write) and what :func:`storage.writer.write_run` writes. Both modules import these types,
so neither imports the other.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from analysis.summary_check import compare_summary
from storage.importers.parsed import JUDGE_OR_BINARY, ParsedFile
from storage.importers.source import SourceFile
from storage.scales import GUESSED, JudgeOrBinary, ScaleGuess, judge_or_binary, normalise

#: status of an input file in a plan
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
    file_id: str | None = None  # identity key: sha256 + what the path contributes (storage.identity)
    size: int = 0
    run_keys: list[str] = field(default_factory=list)
    records: int = 0

    @property
    def failed(self) -> bool:
        return self.status == ERROR


def _with_file_ids(table: str, parts: list[ParsedFile]) -> pd.DataFrame | None:
    """``table``'s rows of ``parts`` concatenated, with the ``file_id`` category of each row's part."""
    used = [(p, getattr(p, table)) for p in parts if getattr(p, table) is not None and len(getattr(p, table))]
    if not used:
        return None
    df = used[0][1].copy() if len(used) == 1 else pd.concat([f for _, f in used], ignore_index=True)
    ids = list(dict.fromkeys(p.file_id for p, _ in used if p.file_id is not None))
    if not ids:  # a probe's rows come from no file
        df["file_id"] = None
        return df
    index = {f: i for i, f in enumerate(ids)}
    codes = np.repeat(np.array([index.get(p.file_id, -1) for p, _ in used], "int32"), [len(f) for _, f in used])
    df["file_id"] = pd.Categorical.from_codes(codes, ids)
    return df


@dataclass
class PlannedRun:
    """All parsed files that share a run key: one run in the store (new or appended to)."""

    run_key: str
    parts: list[ParsedFile]
    existing_run_id: int | None = None
    #: re-run: version of the run (1 = first), the stored run it re-runs, the files that changed
    version: int = 1
    rerun_of: int | None = None
    changed_files: list[str] = field(default_factory=list)
    #: the user's scale override as recorded in the run's config (set by :func:`commit`)
    scale_override: dict | None = None
    #: default display label of a new run, unique in the upload and against stored runs
    #: (``storage.run_labels``; None: appends to a stored run, or no model name yet)
    label: str | None = None
    _frames: dict = field(default_factory=dict, repr=False, compare=False)

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
        """Rows of ``table`` from ``parts`` (default all), with a ``file_id`` column (a category: one
        id per file, not a copy of the 64-character id per row; None for a probe's rows).

        One concatenation and one categorical for all the parts, linear in their number (a NIAH
        run can have thousands of one-row files); the frame of all parts is kept while every part
        still holds the same frame object, so the preview's reruns never rebuild it. Read-only.
        """
        if parts is None:
            sources = [getattr(p, table) for p in self.parts]
            cached = self._frames.get(table)
            if cached is None or len(cached[0]) != len(sources) or any(a is not b for a, b in zip(cached[0], sources)):
                cached = self._frames[table] = (sources, _with_file_ids(table, self.parts))
            return cached[1]
        return _with_file_ids(table, parts)

    @cached_property
    def judge_or_binary(self) -> JudgeOrBinary | None:
        """For :data:`JUDGE_OR_BINARY` runs, the decided scale (``storage.scales.judge_or_binary``;
        once: read it only after every file of the run is parsed); None for other runs."""
        if self.first.score_scale != JUDGE_OR_BINARY:
            return None
        trials = self.frame("niah_trials")
        return judge_or_binary([] if trials is None else trials["score_raw"], self.first.evaluator)

    @property
    def score_scale(self) -> str:
        """The run's scale (an ambiguous judge-or-binary run shows the harness's judge 1-10 until
        the user chooses: :attr:`needs_scale`)."""
        decided = self.judge_or_binary
        return self.first.score_scale if decided is None else (decided.scale or "judge_1_10")

    @property
    def needs_scale(self) -> bool:
        """True when the files cannot tell the scale: the user must choose it (a required choice)."""
        return self.judge_or_binary is not None and self.judge_or_binary.scale is None

    @property
    def scale_guesses(self) -> list[ScaleGuess]:
        """Fraction-vs-percent guesses of the run's files, one per file column."""
        return [g for p in self.parts for g in p.scale_guesses]

    def rescalable(self) -> dict[str, pd.Series]:
        """Raw values an override of the run's scale applies to: every trial, and the task-score /
        sample rows whose scale was guessed from the values (``storage.scales.GUESSED``)."""
        out = {}
        for table, column in (("niah_trials", "score_raw"), ("task_scores", "value_raw"), ("samples", "score_raw")):
            df = self.frame(table)
            if df is not None and (table == "niah_trials" or GUESSED in df):
                values = df[column] if table == "niah_trials" else df.loc[df[GUESSED].eq(True), column]
                if len(values):
                    out[table] = values
        return out

    @cached_property
    def summary_check(self) -> list[dict]:
        """Tasks whose harness summary (a task score) and the run's own samples disagree beyond
        rounding (``analysis.summary_check``): ``[{task, summary, recomputed, n}]`` on 0-100; empty
        when they agree or the upload does not hold both (read it after every file is parsed)."""
        scores, samples = self.frame("task_scores"), self.frame("samples")
        if scores is None or samples is None or "score_raw" not in samples:
            return []
        def norm(values, scales) -> list:
            return [normalise(v, s) if isinstance(s, str) and pd.notna(v) else None for v, s in zip(values, scales)]

        if "scale" not in scores or "scale" not in samples:
            return []
        summary = pd.DataFrame({"task": scores["task"], "value": norm(scores["value_raw"], scores["scale"])})
        scored = pd.DataFrame({"task": samples["task"], "score": norm(samples["score_raw"], samples["scale"])})
        table = compare_summary(summary.dropna(), scored)
        return [{"task": r.task, "summary": round(r.summary, 4), "recomputed": round(r.recomputed, 4), "n": int(r.n)}
                for r in table[table["differs"]].itertuples()]

    @property
    def inferred(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for p in self.parts:
            out.update(p.inferred)
        if self.judge_or_binary is not None:
            decided = self.judge_or_binary
            out["score scale"] = f"{decided.scale or 'to choose'} ({decided.evidence})"
        if self.model:
            out.setdefault("model", f"{self.model} (from the {self.model_source})")
        if self.rerun_of is not None:
            out["run version"] = (f"re-run: stored as version {self.version}, a new run beside stored run "
                                  f"{self.rerun_of} (changed at the same path: {', '.join(self.changed_files[:3])}"
                                  + (" ..." if len(self.changed_files) > 3 else "") + "); never averaged into it")
        return out

    @property
    def notes(self) -> list[str]:
        mismatch = [f"{d['task']}: summary {d['summary']:.2f} vs {d['recomputed']:.2f} recomputed from {d['n']} samples"
                    for d in self.summary_check]
        flag = ([f"the harness summary and the run's own samples disagree beyond rounding ({'; '.join(mismatch)}); "
                 "every page uses the recomputed number"] if mismatch else [])
        return list(dict.fromkeys([*(n for p in self.parts for n in p.notes), *flag]))

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
        if self.scale_override is not None:
            out["scale_override"] = self.scale_override
        if self.summary_check:
            out["summary_vs_recomputed"] = self.summary_check
        if self.rerun_of is not None:
            out["run_version"] = {"version": self.version, "rerun_of": self.rerun_of,
                                  "changed_files": self.changed_files}
        return out

    def counts(self) -> dict[str, int]:
        return {t: (0 if (f := self.frame(t)) is None else len(f)) for t in ("niah_trials", "task_scores", "samples")}


@dataclass
class IngestPlan:
    """The result of :func:`prepare`: one outcome per input file, and the runs to write."""

    files: list[FileOutcome]
    runs: dict[str, PlannedRun]
    file_data: dict[str, SourceFile]
    #: the workspace whose stored files and runs the plan was checked against (``prepare``); None
    #: for a plan built by hand (its file ids are taken as given)
    workspace: str | None = None

    @property
    def failed(self) -> list[FileOutcome]:
        return [f for f in self.files if f.failed]
