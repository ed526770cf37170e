"""What an importer returns for one file: run metadata plus rows for the store's tables.

Files whose :attr:`ParsedFile.run_key` is equal are merged into one run by the ingest pipeline
(e.g. the 1,376 per-test files of a NIAH run, or RULER's ``summary.csv`` + ``submission.csv``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from storage.scales import SCALES, ScaleGuess

#: Columns an importer may give in ``niah_trials`` (first three required).
NIAH_COLUMNS = ["context_length", "depth_percent", "score_raw", "needle", "response", "version", "extra"]
#: Columns an importer may give in ``task_scores`` (task, metric, value_raw required).
TASK_SCORE_COLUMNS = ["task", "length_value", "length_label", "metric", "scale", "value_raw", "n_samples", "extra"]
#: Columns an importer may give in ``samples`` (task, row_index required).
SAMPLE_COLUMNS = ["task", "row_index", "sample_id", "prediction", "reference", "length_value",
                  "length_label", "score_raw", "scale", "scorer", "extra"]

#: ``score_scale`` value meaning "binary if every score is 0 or 1, else judge 1-10", decided per run
#: (the ``needlehaystack`` package writes both into identical files; see docs/result_formats.md §4).
JUDGE_OR_BINARY = "judge_1_10_or_binary"


@dataclass
class ParsedFile:
    """One file's content, ready to be stored.

    Attributes:
        format: importer id (``storage.importers.registry``).
        run_key: identity of the run the rows belong to; equal keys merge into one run.
        benchmark: e.g. ``niah``, ``ruler``, ``longbench``.
        score_scale: one of :data:`storage.scales.SCALES` or :data:`JUDGE_OR_BINARY`.
        length_unit: ``tokens`` | ``words`` | ``characters`` | ``words_or_characters`` | ``bucket`` | None.
        model: model name as found, or None when the file has none (the user must name it).
        model_source: where ``model`` came from: ``field`` | ``file name`` | ``folder``.
        label: default display label of the run (None: the model name), e.g. when the model
            alone does not tell runs apart.
        inferred: human-readable ``{what: how}`` shown in the preview (never guess silently).
        notes: warnings for the preview (e.g. "predictions only: not scored yet").
        scale_guesses: per column, the scale decided from the values and the evidence.
        niah_trials / task_scores / samples: rows (see the ``*_COLUMNS`` lists).
    """

    format: str
    run_key: str
    benchmark: str
    score_scale: str
    length_unit: str | None
    model: str | None
    model_source: str | None
    evaluator: str | None = None
    tokenizer: str | None = None
    label: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    inferred: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    niah_trials: pd.DataFrame | None = None
    task_scores: pd.DataFrame | None = None
    samples: pd.DataFrame | None = None
    file_id: str | None = None  # identity of the source file (storage.identity), set by the ingest pipeline
    #: fraction-vs-percent guesses made from the values (rows flagged ``storage.scales.GUESSED``)
    scale_guesses: list[ScaleGuess] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.score_scale not in SCALES and self.score_scale != JUDGE_OR_BINARY:
            raise ValueError(f"unknown score scale {self.score_scale!r}")

    @property
    def records(self) -> int:
        """Rows in all three tables together."""
        return sum(len(df) for df in (self.niah_trials, self.task_scores, self.samples) if df is not None)

    def record_summary(self) -> str:
        """E.g. ``"35 trials, 12 task scores"``."""
        return count_summary({t: 0 if (df := getattr(self, t)) is None else len(df) for t in TABLE_WORDS})


#: store table -> what one of its rows is called
TABLE_WORDS = {"niah_trials": "trial", "task_scores": "task score", "samples": "sample"}


def count_summary(counts: dict[str, int]) -> str:
    """Row counts per store table as words: ``{"niah_trials": 1, "samples": 1376}`` ->
    ``"1 trial, 1,376 samples"`` (zero counts left out; ``"metadata only"`` when all are zero)."""
    parts = [f"{n:,} {TABLE_WORDS[t]}{'' if n == 1 else 's'}" for t, n in counts.items() if n]
    return ", ".join(parts) or "metadata only"
