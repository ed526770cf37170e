"""Published headline numbers and the check of a run against them.

Shipped numbers live in ``data/published/``: ``ruler_readme.csv`` (the NVIDIA/RULER README main
table, 0-100, each length = mean of the 13 synthetic tasks) and ``numbers.csv`` (per-task numbers
from the InfiniteBench, L-Eval and LongBench READMEs; see docs/result_formats.md §17).
A run is compared on the same definition as the published number: an aggregate over tasks is
recomputed over the run's tasks and any missing, extra or collapsed task is named, never averaged away.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "published"
RULER_TASKS = ["niah_single_1", "niah_single_2", "niah_single_3", "niah_multikey_1", "niah_multikey_2",
               "niah_multikey_3", "niah_multivalue", "niah_multiquery", "vt", "cwe", "fwe", "qa_1", "qa_2"]
RULER_LENGTHS = {"4K": 4096, "8K": 8192, "16K": 16384, "32K": 32768, "64K": 65536, "128K": 131072}
#: a task scoring below this fraction of the run's median task score (same length) is "collapsed"
COLLAPSE_FRACTION = 0.5
COLUMNS = ["benchmark", "model", "aliases", "task", "tasks", "length_value", "length_label", "value", "source",
           "note", "origin"]


def ruler_readme(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """The RULER README main table as shipped (wide: one row per model, 4K..128K, avg, wAvg)."""
    return pd.read_csv(data_dir / "ruler_readme.csv")


def load_published(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """All shipped published numbers in long form (columns :data:`COLUMNS`; value on 0-100;
    ``task`` None for an aggregate whose member tasks are in ``tasks``; ``aliases`` a list of
    lower-case model names it matches; origin 'shipped')."""
    rows = []
    for _, r in ruler_readme(data_dir).iterrows():
        for label, n in RULER_LENGTHS.items():
            if pd.notna(r[label]):
                rows.append({"benchmark": "ruler", "model": r["model"], "aliases": _aliases(r["model"], r["aliases"]),
                             "task": None, "tasks": list(RULER_TASKS), "length_value": float(n),
                             "length_label": label, "value": float(r[label]),
                             "source": "NVIDIA/RULER README main table (mean of 13 tasks)", "note": "", "origin": "shipped"})
    other = pd.read_csv(data_dir / "numbers.csv", dtype={"length_label": str, "tasks": str, "note": str})
    for _, r in other.iterrows():
        rows.append(user_row(r["benchmark"], r["model"], r["task"], r["value"], length_label=r["length_label"],
                             tasks=r["tasks"], source=r["source"], note=r["note"], aliases=r["aliases"],
                             origin="shipped"))
    return pd.DataFrame(rows, columns=COLUMNS)


def user_row(benchmark: str, model: str, task: str | None, value: float, *, length_label: str | None = None,
             tasks: str | None = None, source: str = "entered by the user", note: str | None = None,
             aliases: str | None = None, origin: str = "user") -> dict:
    """One published-number row from plain fields (as typed in the page's editor).

    ``task`` empty + ``tasks`` 'a;b;c' = an aggregate (mean) over those tasks; ``length_label``
    like '4K' / '4096' / '0-4k' (numeric ones also fill ``length_value``); ``value`` on 0-100.
    """
    label = None if _blank(length_label) else str(length_label).strip()
    return {"benchmark": str(benchmark).strip().lower(), "model": str(model).strip(),
            "aliases": _aliases(model, aliases), "task": None if _blank(task) else str(task).strip(),
            "tasks": [] if _blank(tasks) else [t.strip() for t in str(tasks).split(";") if t.strip()],
            "length_value": parse_length(label), "length_label": label, "value": float(value),
            "source": "" if _blank(source) else str(source), "note": "" if _blank(note) else str(note),
            "origin": origin}


def stored_rows(stored: pd.DataFrame) -> pd.DataFrame:
    """Stored published numbers (``storage.published.stored_published``) as check rows (:data:`COLUMNS`).

    Only numbers on 0-100 (scale ``pct_0_100``) take part in the check (runs are compared on
    0-100); a row's ``setting`` (e.g. 'w/ CoT') goes into its note. ``origin`` is 'stored (entered)'
    or 'stored (table)'.
    """
    rows = []
    for r in stored[stored["scale"] == "pct_0_100"].to_dict("records"):
        note = "; ".join(x for x in (None if _blank(r["setting"]) else f"setting: {r['setting']}",
                                     None if _blank(r["note"]) else r["note"]) if x)
        row = user_row(r["benchmark"], r["model"], r["task"], r["value"], length_label=r["length_label"],
                       tasks=r["tasks"], source=r["source"], note=note, aliases=r["aliases"],
                       origin=f"stored ({r['origin']})")
        if not _blank(r["length_value"]):
            row["length_value"] = float(r["length_value"])
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def parse_length(label: str | None) -> float:
    """'4K' -> 4096, '128k' -> 131072, '1M' -> 1048576, '4096' -> 4096; NaN for bucket labels."""
    if label is None:
        return np.nan
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", str(label))
    if not m:
        return np.nan
    return float(m.group(1)) * {"": 1, "k": 1024, "m": 1024 ** 2}[m.group(2).lower()]


def normalise_name(name: str) -> str:
    """Model name key: lower case, only letters and digits ('Llama3.1-8B-Chat' -> 'llama318bchat')."""
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def matches(run_model: str | None, row: pd.Series) -> bool:
    """True when the run's model name equals the published model or one of its aliases
    (after :func:`normalise_name`; an org prefix like 'meta-llama/' is ignored)."""
    if not run_model:
        return False
    key = normalise_name(str(run_model).split("/")[-1])
    return key in {normalise_name(a) for a in row["aliases"]}


def check_run(run: pd.Series, scores: pd.DataFrame, published: pd.DataFrame, tolerance: float = 1.0) -> pd.DataFrame:
    """Compare one run with every published row for its benchmark and model.

    Args:
        run: a ``storage.runs.list_runs`` row (run_id, label, model, benchmark).
        scores: the run's task scores (``storage.task_scores.run_task_scores``; ``value`` 0..1).
        published: :func:`load_published` rows (plus user rows).
        tolerance: allowed |run - published| on the 0-100 scale.

    Returns:
        One row per published number: what, length, published, run, delta, run tasks (n),
        published tasks (n), missing tasks, extra tasks, collapsed tasks (name=score), status
        ('matches' | 'differs' | 'different task set' | 'not in run'), source. Aggregates are
        recomputed as the plain mean over the run's tasks at that length.
    """
    pub = published[(published["benchmark"] == str(run["benchmark"]).lower())]
    pub = pub[[matches(run["model"], r) or matches(run["label"], r) for _, r in pub.iterrows()]]
    out = []
    for _, p in pub.iterrows():
        at = _at_length(scores, p)
        task = None if _blank(p["task"]) else p["task"]
        row = {"what": task or f"mean of {len(p['tasks'])} tasks", "length": "" if _blank(p["length_label"]) else p["length_label"],
               "published": p["value"], "published model": p["model"], "source": p["source"], "origin": p["origin"]}
        if task is not None:
            hit = at[at["task"] == task]
            run_value = float(hit["value"].mean() * 100) if len(hit) else np.nan
            row.update({"run": run_value, "run tasks": int(len(hit) > 0), "published tasks": 1,
                        "missing tasks": "" if len(hit) else task, "extra tasks": "", "collapsed tasks": ""})
        else:
            by_task = at.groupby("task")["value"].mean() * 100
            wanted = set(p["tasks"]) if p["tasks"] else set(by_task.index)
            have = set(by_task.index)
            median = by_task.median() if len(by_task) else np.nan
            collapsed = by_task[by_task < COLLAPSE_FRACTION * median]
            run_value = float(by_task.mean()) if len(by_task) else np.nan
            row.update({"run": run_value, "run tasks": len(have), "published tasks": len(wanted),
                        "missing tasks": ", ".join(sorted(wanted - have)),
                        "extra tasks": ", ".join(sorted(have - wanted)),
                        "collapsed tasks": ", ".join(f"{t}={v:.2f}" for t, v in collapsed.items())})
        row["delta"] = row["run"] - row["published"]
        if np.isnan(row["run"]):
            status = "not in run"
        elif row["missing tasks"] or row["extra tasks"]:
            status = "different task set"
        else:
            status = "matches" if abs(row["delta"]) <= tolerance else "differs"
        row["status"] = status
        out.append(row)
    cols = ["what", "length", "published", "run", "delta", "status", "run tasks", "published tasks",
            "missing tasks", "extra tasks", "collapsed tasks", "published model", "source", "origin"]
    return pd.DataFrame(out, columns=cols)


def _at_length(scores: pd.DataFrame, p: pd.Series) -> pd.DataFrame:
    """The run's task scores at the published row's length (all rows when it has none)."""
    if pd.notna(p["length_value"]):
        return scores[np.isclose(scores["length_value"].astype(float), p["length_value"])]
    if not _blank(p["length_label"]):
        return scores[scores["length_label"] == p["length_label"]]
    return scores


def _aliases(model: str, aliases) -> list[str]:
    extra = [] if _blank(aliases) else [a.strip() for a in str(aliases).split(";") if a.strip()]
    return [str(model).strip().lower(), *[a.lower() for a in extra]]


def _blank(x) -> bool:
    return x is None or (isinstance(x, float) and np.isnan(x)) or (isinstance(x, str) and not x.strip())
