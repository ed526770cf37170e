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
    or a config update changes ``runs_hash``.
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
    tracebacks: int
    max_traceback_id: int


def store_fingerprint(store: Store) -> StoreFingerprint:
    """The current :class:`StoreFingerprint` of ``store`` (one cheap statement: counts and maxima)."""
    row = store.cursor().execute(
        """SELECT (SELECT count(*) FROM runs), (SELECT coalesce(max(run_id), 0) FROM runs),
                  (SELECT coalesce(bit_xor(hash(run_id, label, model, config)), 0) FROM runs),
                  (SELECT count(*) FROM files), (SELECT count(*) FROM niah_trials),
                  (SELECT count(*) FROM task_scores), (SELECT count(*) FROM samples),
                  (SELECT count(*) FROM probe_runs), (SELECT coalesce(max(probe_id), 0) FROM probe_runs),
                  (SELECT count(*) FROM traceback_runs),
                  (SELECT coalesce(max(traceback_id), 0) FROM traceback_runs)"""
    ).fetchone()
    return StoreFingerprint(store.path, *(int(v) for v in row))
