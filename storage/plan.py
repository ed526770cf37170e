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
            getattr(p, table).assign(file_id=None if p.file_id is None else  # a probe's rows come from no file
                                     pd.Categorical.from_codes(np.zeros(len(getattr(p, table)), "int8"), [p.file_id]))
            for p in (self.parts if parts is None else parts)
            if getattr(p, table) is not None and len(getattr(p, table))
        ]
        if len(frames) == 1:
            return frames[0]
        return pd.concat(frames, ignore_index=True) if frames else None

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

    @property
    def failed(self) -> list[FileOutcome]:
        return [f for f in self.files if f.failed]
