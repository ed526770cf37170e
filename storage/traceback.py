"""SQL for stored traceback results (tables in ``migrations/0003_traceback.sql``).

A result is passed in and returned as the CLI's JSON document (``TracebackResult.to_json()``:
answer, passages [{index, text, score}], top_k, forward_passes, seconds, method, model, question,
answer_source, config, faithfulness), so storage does not import the analysis package.
"""
from __future__ import annotations

import math
from typing import Any

import pandas as pd

from storage.db import Store
from storage import trash
from storage.ids import allocate_ids
from storage.scope import Scope, require_visible, resolve, target_workspace, visible_sql
from storage.json_column import from_json, to_json


def _ranks(scores: list[float | None]) -> list[int | None]:
    scored = sorted((i for i, s in enumerate(scores) if s is not None and not math.isnan(s)),
                    key=lambda i: -scores[i])
    out: list[int | None] = [None] * len(scores)
    for r, i in enumerate(scored, 1):
        out[i] = r
    return out


def save_traceback(store: Store, doc: dict[str, Any], *, context_hash: str, label: str | None = None,
                   scope: Scope | None = None, workspace: str | None = None) -> int:
    """Insert one traceback result in ``workspace`` (needs the member role there); returns its ``traceback_id``.

    Raises:
        NoAccessError: ``scope`` is not a member of the workspace.
        KeyError: ``doc`` lacks a required key (answer, passages, top_k, forward_passes, seconds,
            method, model, question).
    """
    cfg = doc.get("config") or {}
    passages = doc["passages"]
    scores = [p.get("score") for p in passages]
    ws = target_workspace(scope, workspace)

    def write(cur) -> int:
        tid = allocate_ids(cur, "traceback_id")
        cur.execute(
            "INSERT INTO traceback_runs (traceback_id, model, question, answer, answer_source, context_hash, segmentation,"
            " method, k, n_passages, top_k, forward_passes, seconds, config, faithfulness, label, workspace,"
            " created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [tid, doc["model"], doc["question"], doc["answer"], doc.get("answer_source", "given"), context_hash,
             cfg.get("segmentation", "passages"), doc["method"], int(cfg.get("k", len(doc["top_k"]))),
             len(passages), to_json(doc["top_k"]), int(doc["forward_passes"]), float(doc["seconds"]),
             to_json(cfg), to_json(doc.get("faithfulness")), label, ws, resolve(scope).identity],
        )
        rows = [(tid, p["index"], p["text"], s, r) for p, s, r in zip(passages, scores, _ranks(scores))]
        cur.executemany("INSERT INTO traceback_passages VALUES (?, ?, ?, ?, ?)", rows)
        return tid
    return store.write(write)


def list_tracebacks(store: Store, *, scope: Scope | None = None) -> pd.DataFrame:
    """Stored tracebacks visible to ``scope``, newest first: id, created_at, model, method, question,
    answer, k, n_passages, forward_passes, seconds, context_hash, label, top1 (text of the best
    passage), workspace, created_by."""
    visible, params = visible_sql(scope, "r", table="traceback_runs")
    return store.cursor().execute(
        "SELECT r.traceback_id, r.created_at, r.model, r.method, r.question, r.answer, r.k, r.n_passages,"
        " r.forward_passes, r.seconds, r.context_hash, r.segmentation, r.label, p.text AS top1,"
        " r.workspace, r.created_by"
        " FROM traceback_runs r LEFT JOIN traceback_passages p"
        "   ON p.traceback_id = r.traceback_id AND p.rank = 1"
        f" WHERE {visible} ORDER BY r.traceback_id DESC", params
    ).df()


def load_traceback(store: Store, traceback_id: int, *, scope: Scope | None = None) -> dict[str, Any]:
    """The stored result as the CLI JSON document (plus ``traceback_id``, ``created_at``, ``label``).

    Raises:
        NoAccessError: no such id, or not visible to ``scope``.
    """
    cur = store.cursor()
    require_visible(cur, scope, [traceback_id], table="traceback_runs")
    row = cur.execute(
        "SELECT model, question, answer, answer_source, method, top_k, forward_passes, seconds, config,"
        " faithfulness, created_at, label FROM traceback_runs WHERE traceback_id = ?", [traceback_id]).fetchone()
    if row is None:
        raise KeyError(f"no traceback with id {traceback_id}")
    passages = cur.execute(
        "SELECT passage_index, text, score FROM traceback_passages WHERE traceback_id = ? ORDER BY passage_index",
        [traceback_id]).fetchall()
    model, question, answer, source, method, top_k, passes, secs, cfg, faith, created, label = row
    return {
        "answer": answer,
        "passages": [{"index": i, "text": t, "score": s} for i, t, s in passages],
        "top_k": from_json(top_k),
        "forward_passes": passes,
        "seconds": secs,
        "method": method,
        "model": model,
        "question": question,
        "answer_source": source,
        "config": from_json(cfg, {}),
        "faithfulness": from_json(faith),
        "traceback_id": traceback_id,
        "created_at": str(created),
        "label": label,
    }


def compare_scores(store: Store, traceback_ids: list[int], *, scope: Scope | None = None) -> pd.DataFrame:
    """Wide table to compare methods: one row per passage index, columns ``text`` and one score
    column per traceback (named ``"{id}: {method}"``), plus each traceback's rank ``rank {id}``."""
    if not traceback_ids:
        return pd.DataFrame()
    cur = store.cursor()
    require_visible(cur, scope, traceback_ids, table="traceback_runs")
    df = cur.execute(
        "SELECT p.traceback_id, r.method, p.passage_index, p.text, p.score, p.rank"
        " FROM traceback_passages p JOIN traceback_runs r USING (traceback_id)"
        " WHERE p.traceback_id IN (SELECT unnest(?)) ORDER BY p.passage_index", [list(traceback_ids)]).df()
    df["col"] = df["traceback_id"].astype(str) + ": " + df["method"]
    wide = df.pivot_table(index="passage_index", columns="col", values="score", aggfunc="first", dropna=False)
    ranks = df.pivot_table(index="passage_index", columns="traceback_id", values="rank", aggfunc="first", dropna=False)
    ranks.columns = [f"rank {c}" for c in ranks.columns]
    text = df.groupby("passage_index")["text"].first()
    return pd.concat([text, wide, ranks], axis=1).reset_index()


def delete_traceback(store: Store, traceback_id: int, *, scope: Scope | None = None) -> None:
    """Soft-delete one stored traceback (an admin of its workspace, or the member who made it):
    hidden at once, restorable by an admin with :func:`restore_traceback` within the retention
    window (``storage.trash``); the audit row holds its before-state with the passages.

    Raises:
        NoAccessError: not visible to ``scope``, or ``scope`` may not delete it.
    """
    doc = load_traceback(store, traceback_id, scope=scope)
    trash.soft_delete(store, "traceback", traceback_id, scope=scope, before_extra={"passages": doc["passages"]})


def restore_traceback(store: Store, traceback_id: int, *, scope: Scope | None = None) -> None:
    """Undo :func:`delete_traceback` (admins of its workspace), with an audit row.

    Raises:
        NoAccessError: no such deleted traceback in a workspace where ``scope`` is admin.
        ValueError: deleted longer ago than the retention window.
    """
    trash.restore(store, "traceback", traceback_id, scope=scope)
