"""The ingest plan: what :func:`storage.ingest.prepare` found (one outcome per input file, the
runs to write) and what :func:`storage.writer.write_run` writes. Both modules import these types,
so neither imports the other.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from storage.importers.parsed import JUDGE_OR_BINARY, ParsedFile
from storage.importers.source import SourceFile

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
            getattr(p, table).assign(file_id=None if p.file_id is None else  # a probe's rows come from no file
                                     pd.Categorical.from_codes(np.zeros(len(getattr(p, table)), "int8"), [p.file_id]))
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
