"""Test-data factories: write already-parsed runs without an importer, and synthetic stores for
tests and benchmarks.

:func:`write_parsed` goes through the ingest pipeline's :func:`storage.ingest.commit` (so
normalisation and trial numbering are the real ones); each :class:`ParsedFile` stands for one
file whose bytes are a stand-in (its run key and a counter), recorded in ``files`` as such.
"""
from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

from storage.db import Store
from storage.identity import file_key
from storage.scope import target_workspace
from storage.ingest import commit
from storage.plan import IngestPlan, PlannedRun
from storage.importers.parsed import ParsedFile
from storage.importers.source import SourceFile


def write_parsed(store: Store, parts: list[ParsedFile], **commit_options) -> dict[str, int]:
    """Store parsed files as runs (equal ``run_key`` -> one run); returns run_key -> run_id.
    ``commit_options`` go to :func:`storage.ingest.commit` (``scope=``, ``workspace=``, ``uploaded_by=``).

    Raises:
        storage.ingest.MissingModelError: a run has no model name.
    """
    ws = target_workspace(commit_options.get("scope"), commit_options.get("workspace"))
    runs: dict[str, PlannedRun] = {}
    data: dict[str, SourceFile] = {}
    for i, p in enumerate(parts):
        src = SourceFile(f"synthetic/{p.run_key}/{i}", f"{p.run_key}\n{i}\n{id(p)}".encode())
        p.file_id = src.file_id = file_key(src.sha256, {}, ws)
        data[src.file_id] = src
        runs.setdefault(p.run_key, PlannedRun(p.run_key, [])).parts.append(p)
    return commit(IngestPlan([], runs, data, workspace=ws), store, **commit_options)


def niah_run(model: str, lengths: list[int], depths: list[float], score, *, trials: int = 1,
             scale: str = "frac_0_1", tokenizer: str | None = "synthetic", key: str | None = None) -> ParsedFile:
    """A NIAH run on a (length x depth) grid; ``score(length, depth, trial)`` gives the raw score."""
    rows = [(L, d, float(score(L, d, t))) for L in lengths for d in depths for t in range(trials)]
    df = pd.DataFrame(rows, columns=["context_length", "depth_percent", "score_raw"])
    return ParsedFile(format="synthetic", run_key=key or f"niah:{model}", benchmark="niah", score_scale=scale,
                      length_unit="tokens", model=model, model_source="field", tokenizer=tokenizer,
                      niah_trials=df)


def synthetic_store(store: Store, n_niah: int = 80, n_ruler: int = 20, trials_total: int = 1_000_000,
                    seed: int = 0) -> None:
    """Fill ``store`` with ``n_niah`` binary NIAH runs (35 lengths x 35 depths x repeats) holding
    ``trials_total`` trials in all, plus ``n_ruler`` RULER-like runs of 13 task scores at 6 lengths.
    Scores fall with length and dip mid-depth, so every view has structure to show."""
    rng = np.random.default_rng(seed)
    lengths = np.linspace(1000, 128000, 35).astype(int)
    depths = np.linspace(0, 100, 35)
    reps = max(1, -(-trials_total // (n_niah * len(lengths) * len(depths))))  # ceil: at least trials_total
    for r in range(n_niah):
        model = f"model-{r:03d}"
        L, D, _ = np.meshgrid(lengths, depths, np.arange(reps), indexing="ij")
        p = 0.98 - (0.2 + 0.5 * rng.random()) * L / 128000 - 0.15 * np.exp(-((D - 50) / 25) ** 2)
        trials = pd.DataFrame({"context_length": L.ravel(), "depth_percent": D.ravel(),
                               "score_raw": (rng.random(L.size) < p.ravel()).astype(float)})
        write_parsed(store, [ParsedFile(format="synthetic", run_key=f"niah:{model}", benchmark="niah",
                                        score_scale="binary", length_unit="tokens", model=model,
                                        model_source="field", tokenizer="synthetic", niah_trials=trials)])
    tasks = [f"task_{i}" for i in range(13)]
    ruler_lengths = [4096, 8192, 16384, 32768, 65536, 131072]
    parts = []
    for r in range(n_ruler):
        model = f"model-{r:03d}"
        base = 80 + 15 * rng.random()
        scores = pd.DataFrame([
            {"task": t, "length_value": float(n), "length_label": str(n), "metric": "score", "scale": "pct_0_100",
             "value_raw": float(np.clip(base - 3 * i * rng.random() + 3 * rng.standard_normal(), 0, 100)),
             "n_samples": 500}
            for i, n in enumerate(ruler_lengths) for t in tasks])
        parts.append(ParsedFile(format="synthetic", run_key=f"ruler:{model}", benchmark="ruler",
                                score_scale="pct_0_100", length_unit="tokens", model=model, model_source="field",
                                tokenizer="synthetic", task_scores=scores))
    write_parsed(store, parts)


#: folder of :func:`niah_package_files`: TushaarGVS's layout, the full model id in the folder name
NIAH_PACKAGE_FOLDER = "model=bench-model_eval=number"


def niah_package_files(n: int) -> list[tuple[str, bytes]]:
    """``n`` synthetic per-test NIAH files of the ``needlehaystack`` package
    (``storage.importers.niah_package``), named ``<NIAH_PACKAGE_FOLDER>/bm_len_<L>_depth_<D>_results.json``
    as a browser folder upload names them: lengths 1,000, 2,000, ... tokens x 25 depths (0, 4, ...,
    96 %), binary scores (``"evaluator": "number"``), the ``model`` field abbreviated (``bm``), so the
    model is ``bench-model`` only where the folder name arrives. Returns ``(relative path, bytes)``."""
    out = []
    for i in range(n):
        length, depth = 1000 * (1 + i // 25), 4 * (i % 25)
        stem = f"bm_len_{length}_depth_{depth * 100}"
        rec = {"model": "bm", "context_length": length, "depth_percent": float(depth), "version": 1,
               "needle": "\nThe magic number is 123456.\n", "model_response": "123456." if (i * 7) % 3 else "no",
               "score": 1 if (i * 7) % 3 else 0, "evaluator": "number", "test_duration_seconds": 1.5,
               "test_timestamp_utc": "2024-06-13 13:46:12+0000", "file_name": stem}
        out.append((f"{NIAH_PACKAGE_FOLDER}/{stem}_results.json", json.dumps(rec).encode()))
    return out


def plain(markdown: str) -> str:
    """Text of a Markdown string as shown: backslash escapes and zero-width spaces removed
    (``analysis.display_text.markdown_literal`` escapes uploaded text in Markdown elements)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u200b", "")
