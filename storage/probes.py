"""SQL for live-probe results (tables in ``migrations/0002_probes.sql``).

Results come in as plain values and DataFrames (the analysis objects' ``frame()`` / ``rows`` /
fields), so storage does not import torch or the analysis package. Every run records the model
(spec, name, shape, context limit, device, dtype), the full config and the LongScope version.
"""
from __future__ import annotations

import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from storage import trash, writer
from storage.db import Store
from storage.ids import allocate_ids
from storage.scope import MEMBER, Scope, require_visible, resolve, target_workspace, visible_sql
from storage.workspaces import claim_runs, owned_elsewhere
from storage.importers.parsed import ParsedFile
from storage.json_column import from_json, to_json
from storage.plan import PlannedRun
from storage.runs import list_runs


@lru_cache(maxsize=1)
def longscope_version() -> str:
    """``0.1+g<commit>`` from the repository's git HEAD, or ``0.1+unknown`` outside a checkout."""
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=Path(__file__).resolve().parents[1],
                             capture_output=True, text=True, timeout=5)
        sha = out.stdout.strip() if out.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        sha = ""
    return f"0.1+g{sha}" if sha else "0.1+unknown"


def _model_values(info: Any) -> list:
    d = info.as_dict() if hasattr(info, "as_dict") else dict(info)
    return [d["spec"], d.get("name"), d.get("n_layers"), d.get("n_heads"), d.get("n_kv_heads"),
            d.get("context_limit"), d.get("device"), d.get("dtype")]


def _insert_run(cur, kind: str, info: Any, config: dict, *, label: str | None = None, n_used=None, n_dropped=None,
                source_probe_id=None, niah_run_id=None, scope: Scope | None = None, workspace: str | None = None) -> int:
    vals = _model_values(info)
    ws = target_workspace(scope, workspace)
    probe_id = allocate_ids(cur, "probe_id")
    cur.execute(
        "INSERT INTO probe_runs (probe_id, kind, label, model, model_name, n_layers, n_heads, n_kv_heads, context_limit,"
        " device, dtype, n_used, n_dropped, source_probe_id, niah_run_id, longscope_version, config, workspace,"
        " created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [probe_id, kind, label or f"{vals[1] or vals[0]} {kind.replace('_', ' ')}", *vals, n_used, n_dropped,
         source_probe_id, niah_run_id, longscope_version(), to_json(config), ws, resolve(scope).identity],
    )
    return probe_id


def _insert_trials(cur, probe_id: int, rows: list[dict]) -> None:
    keys = ("condition", "draw", "context_length", "depth_percent", "needle", "trial", "exact", "recall", "used",
            "response")
    data = []
    for r in rows:
        extra = {k: v for k, v in r.items() if k not in keys}
        data.append([probe_id, r.get("condition", "detection"), int(r.get("draw", 0)), int(r["context_length"]),
                     float(r["depth_percent"]), r.get("needle"), int(r.get("trial", 0)), r.get("exact"),
                     r.get("recall"), r.get("used"), r.get("response"), to_json(extra)])
    if data:
        cur.executemany("INSERT INTO probe_trials VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", data)


def save_head_scores(store: Store, info: Any, result: Any, label: str | None = None, *, scope: Scope | None = None,
                     workspace: str | None = None) -> int:
    """Store a retrieval-head detection (``HeadScores``-like: ``frame()``, ``n_used``, ``n_dropped``,
    ``trials``, ``not_run``, ``config``) in ``workspace`` (needs the member role there); returns its
    ``probe_id``.

    Raises:
        NoAccessError: ``scope`` is not a member of the workspace.
    """
    df = result.frame()
    config = {**result.config, "not_run": result.not_run}
    def write(cur) -> int:
        pid = _insert_run(cur, "retrieval_heads", info, config, label=label, n_used=result.n_used,
                          n_dropped=result.n_dropped, scope=scope, workspace=workspace)
        cur.executemany("INSERT INTO probe_head_scores VALUES (?, ?, ?, ?, ?, ?)",
                        [[pid, int(r.layer), int(r.head), float(r.score), int(r.hits), int(r.samples)]
                         for r in df.itertuples()])
        _insert_trials(cur, pid, [{**t, "condition": "detection"} for t in result.trials])
        return pid
    return store.write(write)


def save_masking(store: Store, info: Any, result: Any, source_probe_id: int | None, label: str | None = None, *,
                 scope: Scope | None = None, workspace: str | None = None) -> int:
    """Store a masking check (``MaskingResult``-like: ``rows`` DataFrame, ``heads``, ``config``) in
    ``workspace`` (needs the member role there).

    Raises:
        NoAccessError: ``scope`` is not a member of the workspace.
    """
    def write(cur) -> int:
        pid = _insert_run(cur, "masking", info, result.config, label=label, source_probe_id=source_probe_id,
                          scope=scope, workspace=workspace)
        _insert_trials(cur, pid, result.rows.to_dict("records"))
        heads = []
        for name, hs in result.heads.items():
            cond, _, draw = name.partition(" ")
            heads += [[pid, cond, int(draw or 0), int(l), int(h)] for l, h in hs]
        if heads:
            cur.executemany("INSERT INTO probe_masked_heads VALUES (?, ?, ?, ?, ?)", heads)
        return pid
    return store.write(write)


def list_probe_runs(store: Store, kind: str | None = None, *, scope: Scope | None = None) -> pd.DataFrame:
    """Probe runs visible to ``scope``, newest first (all columns of ``probe_runs``; ``config`` as JSON text)."""
    visible, params = visible_sql(scope, table="probe_runs")
    sql = f"SELECT * FROM probe_runs WHERE {visible}" + (" AND kind = ?" if kind else "") + " ORDER BY probe_id DESC"
    return store.cursor().execute(sql, params + ([kind] if kind else [])).df()


def probe_run(store: Store, probe_id: int, *, scope: Scope | None = None) -> dict | None:
    """One probe run visible to ``scope`` as a dict (``config`` parsed), or None (absent or not visible)."""
    visible, params = visible_sql(scope, table="probe_runs")
    df = store.cursor().execute(f"SELECT * FROM probe_runs WHERE probe_id = ? AND {visible}", [probe_id, *params]).df()
    if df.empty:
        return None
    row = df.iloc[0].to_dict()
    row["config"] = from_json(row.get("config"), {})
    return row


def delete_probe_run(store: Store, probe_id: int, *, scope: Scope | None = None) -> None:
    """Soft-delete a retrieval-head detection or masking check (an admin of its workspace, or the
    member who ran it): hidden at once, restorable by an admin with :func:`restore_probe_run`
    within the retention window (``storage.trash``), audited with its before-state.

    Raises:
        NoAccessError: not visible to ``scope``, or ``scope`` may not delete it.
    """
    trash.soft_delete(store, "probe", probe_id, scope=scope)


def restore_probe_run(store: Store, probe_id: int, *, scope: Scope | None = None) -> None:
    """Undo :func:`delete_probe_run` (admins of its workspace), with an audit row.

    Raises:
        NoAccessError: no such deleted probe run in a workspace where ``scope`` is admin.
        ValueError: deleted longer ago than the retention window.
    """
    trash.restore(store, "probe", probe_id, scope=scope)


def head_scores(store: Store, probe_id: int, *, scope: Scope | None = None) -> pd.DataFrame:
    """``layer, head, score, hits, samples`` of a detection run, best first."""
    cur = store.cursor()
    require_visible(cur, scope, [probe_id], table="probe_runs")
    return cur.execute(
        "SELECT layer, head, score, hits, samples FROM probe_head_scores WHERE probe_id = ?"
        " ORDER BY score DESC, layer, head", [probe_id]).df()


def probe_trials(store: Store, probe_id: int, *, scope: Scope | None = None) -> pd.DataFrame:
    """Trials of a probe run (detection samples or masking conditions)."""
    cur = store.cursor()
    require_visible(cur, scope, [probe_id], table="probe_runs")
    return cur.execute(
        "SELECT condition, draw, context_length, depth_percent, needle, trial, exact, recall, used, response, extra"
        " FROM probe_trials WHERE probe_id = ? ORDER BY condition, draw, context_length, depth_percent, needle, trial",
        [probe_id]).df()


def masking_summary(store: Store, probe_id: int, *, scope: Scope | None = None) -> pd.DataFrame:
    """Per condition and draw: trials, accuracy (mean exact match), mean recall."""
    cur = store.cursor()
    require_visible(cur, scope, [probe_id], table="probe_runs")
    return cur.execute(
        "SELECT condition, draw, count(*) AS trials, avg(exact) AS accuracy, avg(recall) AS recall"
        " FROM probe_trials WHERE probe_id = ? GROUP BY condition, draw"
        " ORDER BY CASE condition WHEN 'none' THEN 0 WHEN 'top-k' THEN 1 ELSE 2 END, draw", [probe_id]).df()


def masked_heads(store: Store, probe_id: int, *, scope: Scope | None = None) -> pd.DataFrame:
    """``condition, draw, layer, head`` masked in a masking run."""
    cur = store.cursor()
    require_visible(cur, scope, [probe_id], table="probe_runs")
    return cur.execute(
        "SELECT condition, draw, layer, head FROM probe_masked_heads WHERE probe_id = ? ORDER BY ALL", [probe_id]).df()


# --- NIAH sweeps: stored as ordinary runs (runs + niah_trials), so every results page works on them ---

SWEEP_FORMAT = "longscope_probe_niah"


def sweep_run_id(store: Store, run_key: str, *, scope: Scope | None = None, workspace: str | None = None) -> int | None:
    """The run id of a sweep's run key in the workspace the sweep writes to
    (``storage.scope.target_workspace``), or None when nothing was stored there yet (a run key is
    unique per workspace: the same sweep in another workspace is another run)."""
    ws = target_workspace(scope, workspace)
    visible, params = visible_sql(scope)
    row = store.cursor().execute(f"SELECT run_id FROM runs WHERE run_key = ? AND workspace = ? AND {visible}",
                                 [run_key, ws, *params]).fetchone()
    return None if row is None else int(row[0])


def done_cells(store: Store, run_key: str, *, scope: Scope | None = None,
               workspace: str | None = None) -> dict[tuple[int, float], int]:
    """``{(context_length, depth_percent): trials stored}`` of a sweep run in the workspace the sweep
    writes to (empty if new there; another workspace's trials never count)."""
    ws = target_workspace(scope, workspace)
    rows = store.cursor().execute(
        "SELECT t.context_length, t.depth_percent, count(*) FROM niah_trials t JOIN runs r USING (run_id)"
        " WHERE r.run_key = ? AND r.workspace = ? GROUP BY ALL", [run_key, ws]).fetchall()
    return {(int(n), float(d)): int(c) for n, d, c in rows}


def write_sweep_cell(store: Store, run_key: str, *, model: str, label: str, tokenizer: str, config: dict,
                     trials: pd.DataFrame, scope: Scope | None = None, workspace: str | None = None) -> int:
    """Append one grid cell's trials to the sweep's run (created on first write); returns the run id.

    ``trials`` has the columns of ``storage.importers.parsed.NIAH_COLUMNS`` (score_raw 0/1 exact
    match). The run is ``benchmark='niah'``, ``harness='longscope_probe_niah'``, ``score_scale='binary'``,
    ``model_source='probe'``, with ``config`` (the sweep's full configuration), in ``workspace``
    (the member role there is needed; ``created_by`` is the scope's identity).

    Raises:
        NoAccessError: ``scope`` is not a member of the workspace, or the workspace's run of that key
            is soft-deleted (restore it first).
    """
    ws = target_workspace(scope, workspace)
    part = ParsedFile(format=SWEEP_FORMAT, run_key=run_key, benchmark="niah", score_scale="binary",
                      length_unit="tokens", model=model, model_source="probe", evaluator="exact match (0/1)",
                      tokenizer=tokenizer, config=config, niah_trials=trials.assign(source_file="probe"))
    def write(cur) -> int:
        existing = cur.execute("SELECT run_id FROM runs WHERE run_key = ? AND workspace = ?", [run_key, ws]).fetchone()
        run = PlannedRun(run_key, [part], None if existing is None else int(existing[0]))
        owned_elsewhere(cur, [] if existing is None else [int(existing[0])], ws)
        run_id = writer.write_run(cur, run, [part], [], model=model, model_source="probe", label=label,
                                  scale="binary", uploaded_by=resolve(scope).identity, formats={})
        if existing is None:
            claim_runs(cur, [run_id], ws, resolve(scope).identity)
        return run_id
    return store.write(write)


def update_run_config(store: Store, run_id: int, updates: dict, *, scope: Scope | None = None) -> None:
    """Merge ``updates`` into a run's JSON config (e.g. the sweep's "not run" cells).

    Raises:
        NoAccessError: the run is not visible to ``scope``, or ``scope`` is not a member of its workspace.
    """
    scope = resolve(scope)

    def write(cur) -> None:
        require_visible(cur, scope, [run_id])
        scope.require(cur.execute("SELECT workspace FROM runs WHERE run_id = ?", [run_id]).fetchone()[0], MEMBER)
        row = cur.execute("SELECT config FROM runs WHERE run_id = ?", [run_id]).fetchone()
        cfg = from_json(row[0] if row else None, {})
        cfg.update(updates)
        cur.execute("UPDATE runs SET config = ? WHERE run_id = ?", [to_json(cfg), run_id])
    store.write(write)


def sweep_runs(store: Store, *, scope: Scope | None = None) -> pd.DataFrame:
    """NIAH sweep runs made by the probe visible to ``scope``, newest first: run_id, label, model,
    created_at, trials, config (dict) (:func:`storage.runs.list_runs` of the sweep harness)."""
    runs = list_runs(store, harness=SWEEP_FORMAT, newest_first=True, scope=scope)
    return runs[["run_id", "label", "model", "created_at", "n_trials", "config"]].rename(columns={"n_trials": "trials"})


def sweep_trials(store: Store, run_id: int, *, scope: Scope | None = None) -> pd.DataFrame:
    """All trials of a sweep run with their JSON ``extra`` (for the needlehaystack export)."""
    cur = store.cursor()
    require_visible(cur, scope, [run_id])
    return cur.execute(
        "SELECT context_length, depth_percent, trial, score_raw, needle, response, extra FROM niah_trials"
        " WHERE run_id = ? ORDER BY context_length, depth_percent, trial", [run_id]).df()
