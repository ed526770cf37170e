"""The store fingerprint: what the app's caches key on. It changes with every write: an upload, a
live-sweep cell, a probe or traceback result, a rename, a config update, a delete."""
from __future__ import annotations

from typing import NamedTuple

from storage.db import Store


class StoreFingerprint(NamedTuple):
    """Row counts and highest ids of every table the pages read, plus a hash of the runs' editable
    fields. A hashable tuple (``st.cache_data`` keys on it); ``path`` first.

    Why it always changes: adding rows raises a count (trials, scores, samples and passages are
    only ever added with a new or extended run / result); creating a run or result raises its
    table's highest id (ids are never reused), deleting one lowers its table's count, and a rename
    or a config update, a soft delete or a restore changes ``runs_hash`` (of a probe run or a
    traceback: ``probes_hash`` / ``tracebacks_hash``).
    """

    path: str
    runs: int
    max_run_id: int
    runs_hash: int
    files: int
    niah_trials: int
    task_scores: int
    samples: int
    probe_runs: int
    max_probe_id: int
    probes_hash: int
    tracebacks: int
    max_traceback_id: int
    tracebacks_hash: int
    #: the :class:`storage.scope.Scope` the page reads with (``Scope.reader()`` of the signed-in
    #: user, set by ``ui.page.page_setup``): part of every cache key, so cached rows are shared only
    #: by users who see the same workspaces
    scope: object = None


def store_fingerprint(store: Store) -> StoreFingerprint:
    """The current :class:`StoreFingerprint` of ``store`` (one cheap statement: counts and maxima,
    one row per table; a few ms on a store of 1M trials)."""
    # one UNION ALL branch per table: DuckDB plans a SELECT of many scalar subqueries far slower
    rows = store.cursor().execute(
        """SELECT 0, count(*), coalesce(max(run_id), 0), coalesce(bit_xor(hash(run_id, label, model, config, workspace, deleted_at)), 0)
           FROM runs
           UNION ALL SELECT 1, count(*), 0, 0 FROM files
           UNION ALL SELECT 2, count(*), 0, 0 FROM niah_trials
           UNION ALL SELECT 3, count(*), 0, 0 FROM task_scores
           UNION ALL SELECT 4, count(*), 0, 0 FROM samples
           UNION ALL SELECT 5, count(*), coalesce(max(probe_id), 0), coalesce(bit_xor(hash(probe_id, deleted_at)), 0)
           FROM probe_runs
           UNION ALL SELECT 6, count(*), coalesce(max(traceback_id), 0), coalesce(bit_xor(hash(traceback_id, deleted_at)), 0)
           FROM traceback_runs
           ORDER BY 1"""
    ).fetchall()
    runs, files, trials, scores, samples, probes, tracebacks = rows
    return StoreFingerprint(store.path, int(runs[1]), int(runs[2]), int(runs[3]), int(files[1]), int(trials[1]),
                            int(scores[1]), int(samples[1]), int(probes[1]), int(probes[2]), int(probes[3]),
                            int(tracebacks[1]), int(tracebacks[2]), int(tracebacks[3]))
