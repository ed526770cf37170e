"""Shared by the prediction-file importers (LongBench, BABILong, InfiniteBench, L-Eval): the model
name from the folder the harness wrote it into, and the row frames for ``samples`` / ``task_scores``.

These harnesses keep the model name only in the path (docs/result_formats.md §7-§14), so it is read
from the file's folder and the preview says so; a file given without a folder has no model.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from storage.importers.parsed import SAMPLE_COLUMNS, TASK_SCORE_COLUMNS
from storage.importers.source import SourceFile


@dataclass
class FolderModel:
    """The model read from a path: ``model`` (None when there is no folder) and what the preview shows."""

    model: str | None
    inferred: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def source(self) -> str | None:
        return "folder" if self.model else None


def model_from_folder(src: SourceFile, layout: str, parents: tuple[str, ...] = ()) -> FolderModel:
    """The name of the file's folder as the model.

    Args:
        layout: the harness's layout for the preview, e.g. ``"pred/<model>/<dataset>.jsonl"``.
        parents: expected names of the folder above the model folder (e.g. ``("pred",)``); when the
            path has another one, the model is still the folder name, with a note to check it.
    """
    parts = src.parts
    if not parts:
        return FolderModel(None, {"model": f"not in the path (the harness writes {layout}): name the model"})
    model = parts[-1]
    if parents and (len(parts) < 2 or parts[-2] not in parents):
        return FolderModel(model, {"model": f"{model} (folder name)"},
                           [f"path {src.folder!r} does not follow {layout}: the model name {model!r} is the "
                            "file's folder name; check it"])
    return FolderModel(model, {"model": f"{model} (folder name; the harness writes {layout})"})


def samples_frame(rows: list[dict]) -> pd.DataFrame:
    """``samples`` rows (keys of :data:`SAMPLE_COLUMNS`; missing ones are NULL)."""
    return pd.DataFrame(rows, columns=SAMPLE_COLUMNS)


def task_scores_frame(rows: list[dict]) -> pd.DataFrame:
    """``task_scores`` rows (keys of :data:`TASK_SCORE_COLUMNS`; missing ones are NULL)."""
    return pd.DataFrame(rows, columns=TASK_SCORE_COLUMNS)
