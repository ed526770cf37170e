"""Copy an embedded store (a DuckDB file) into another store, typically the team store.

Command line::

    python -m storage.migrate --from data/longscope.duckdb --to 'ducklake:postgres:dbname=longscope host=db user=longscope' [--data-path DIR]

Every run with its files, trials, task scores and samples, every probe run (head scores, trials,
masked heads), traceback (passages) and published number is copied in ONE write transaction
(all or nothing), then verified: per table, the row count and a checksum (sum of the row hashes
over every column except the ids, which are re-numbered in the target) must match the source.

Identity, so running it twice adds nothing and a run already in the target is not duplicated:
runs by (``run_key``, ``workspace``), files (those of the runs copied) by ``file_id``, probe runs by (kind, created_at, model, label),
tracebacks by (created_at, model, question, method, context_hash), published numbers by all
their fields. A thing already in the target is left as it is (and still verified).
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from storage.db import Store, StoreBusyError, open_store
from storage.ids import allocate_ids

SOURCE = "migrate_source"


@dataclass(frozen=True)
class Entity:
    """A table with its own id, the columns that identify a row across stores, its child tables
    (``(table, foreign key column)``) and the columns that hold another entity's id."""

    table: str
    id_col: str | None
    identity: tuple[str, ...]
    children: tuple[tuple[str, str], ...] = ()
    refs: dict[str, str] = field(default_factory=dict)


ENTITIES = (
    Entity("runs", "run_id", ("run_key", "workspace"),  # a run key is unique per workspace
           (("run_files", "run_id"), ("niah_trials", "run_id"), ("task_scores", "run_id"), ("samples", "run_id"))),
    Entity("files", None, ("file_id",)),  # the files of the runs copied (not re-numbered: file_id is their hash)
    Entity("probe_runs", "probe_id", ("kind", "created_at", "model", "label"),
           (("probe_head_scores", "probe_id"), ("probe_trials", "probe_id"), ("probe_masked_heads", "probe_id")),
           {"source_probe_id": "probe_runs", "niah_run_id": "runs"}),
    Entity("traceback_runs", "traceback_id", ("created_at", "model", "question", "method", "context_hash"),
           (("traceback_passages", "traceback_id"),)),
    Entity("published_numbers", "published_id", ()),  # identity: every other column
)


class VerificationError(RuntimeError):
    """Counts or checksums of the copy differ from the source (the message names the tables)."""


def _columns(cur, table: str) -> list[str]:
    return [r[0] for r in cur.execute(f"DESCRIBE SELECT * FROM {SOURCE}.{table}").fetchall()]


def _identity(cur, e: Entity) -> list[str]:
    return list(e.identity) or [c for c in _columns(cur, e.table) if c != e.id_col]


def _keys(cur, e: Entity, where: str) -> pd.DataFrame:
    """id and identity of every row (identity as one text key: equal values compare equal across backends)."""
    ident = _identity(cur, e)
    key = "CAST(to_json(struct_pack(" + ", ".join(f"{c} := {c}" for c in ident) + ")) AS VARCHAR)"
    return cur.execute(f"SELECT {e.id_col} AS id, {key} AS key FROM {where}").df()


def _copy(cur, e: Entity, maps: dict[str, pd.DataFrame]) -> tuple[int, int]:
    """Copy the source rows of ``e`` missing in the target; returns (copied, already there)."""
    if e.id_col is None:  # files of the runs copied now, unless the target has them (from another run)
        cur.register("_runs_map", maps["runs"])
        m = cur.execute(f"""SELECT DISTINCT file_id AS src_id, file_id AS new_id,
                                   file_id NOT IN (SELECT file_id FROM {e.table}) AS is_new
                            FROM {SOURCE}.run_files WHERE run_id IN (SELECT src_id FROM _runs_map WHERE is_new)""").df()
        maps[e.table] = m
        cur.register("_files_map", m)
        cur.execute(f"INSERT INTO {e.table} BY NAME SELECT * FROM {SOURCE}.{e.table} "
                    f"WHERE file_id IN (SELECT src_id FROM _files_map WHERE is_new)")
        return int(m["is_new"].sum()), int((~m["is_new"]).sum())
    src, dst = _keys(cur, e, f"{SOURCE}.{e.table}"), _keys(cur, e, e.table)
    if src["key"].duplicated().any():
        dup = src.loc[src["key"].duplicated(), "id"].tolist()[:5]
        raise VerificationError(f"{e.table}: rows {dup} of the source have the same identity as an earlier row "
                                f"({', '.join(_identity(cur, e))}); not copied")
    found = src["key"].map(dict(zip(dst["key"], dst["id"])))
    new = found.isna()
    first = allocate_ids(cur, e.id_col, int(new.sum())) if new.any() else 0
    found[new] = range(first, first + int(new.sum()))
    m = pd.DataFrame({"src_id": src["id"].astype("int64"), "new_id": found.astype("int64"), "is_new": new})
    maps[e.table] = m
    cur.register(f"_map_{e.table}", m)
    for name, other in e.refs.items():
        cur.register(f"_ref_{name}", maps[other])
    cols = _columns(cur, e.table)
    select = ", ".join(
        "m.new_id" if c == e.id_col else
        f"(SELECT r.new_id FROM _ref_{c} r WHERE r.src_id = s.{c})" if c in e.refs else f"s.{c}" for c in cols)
    cur.execute(f"INSERT INTO {e.table} ({', '.join(cols)}) SELECT {select} FROM {SOURCE}.{e.table} s "
                f"JOIN _map_{e.table} m ON s.{e.id_col} = m.src_id WHERE m.is_new ORDER BY s.{e.id_col}")
    for child, fk in e.children:
        ccols = _columns(cur, child)
        csel = ", ".join("m.new_id" if c == fk else f"c.{c}" for c in ccols)
        cur.execute(f"INSERT INTO {child} ({', '.join(ccols)}) SELECT {csel} FROM {SOURCE}.{child} c "
                    f"JOIN _map_{e.table} m ON c.{fk} = m.src_id WHERE m.is_new")
    return int(new.sum()), int((~new).sum())


def _sums(cur, name: str, cols: list[str], where: str) -> tuple[int, int]:
    n, h = cur.execute(f"SELECT count(*), coalesce(sum(hash({', '.join(cols)})::HUGEINT), 0) FROM {name} {where}").fetchone()
    return int(n), int(h)


def verify(cur, maps: dict[str, pd.DataFrame]) -> dict[str, tuple[int, int]]:
    """Compare the copy with the source, table by table, over every source row and the target row it
    maps to (copied now or already there): row counts, and checksums (sum of the row hashes over
    every column but the ids) of the rows (trials, scores, samples, head scores, passages, ...).
    A run, file, probe or traceback already in the target came from its own ingest (its own
    timestamps and label), so its own row is checksummed only when copied now.

    Returns:
        ``{table: (source rows, checksum of the rows copied now)}``.

    Raises:
        VerificationError: naming every table that differs.
    """
    out, bad = {}, []
    for e in ENTITIES:
        for table, key in [(e.table, e.id_col)] + list(e.children):
            key = key or "file_id"  # files keep their id (the content hash): it is checked too
            cols = [c for c in _columns(cur, table) if (c != key or e.id_col is None) and c not in e.refs]
            cur.register("_verify_map", maps[e.table])
            every_src = "" if e.id_col else f"WHERE {key} IN (SELECT src_id FROM _verify_map)"
            every_dst = f"WHERE {key} IN (SELECT new_id FROM _verify_map)"
            new_src = f"WHERE {key} IN (SELECT src_id FROM _verify_map WHERE is_new)"
            new_dst = f"WHERE {key} IN (SELECT new_id FROM _verify_map WHERE is_new)"
            parent = table == e.table
            every = _sums(cur, f"{SOURCE}.{table}", cols, every_src), _sums(cur, table, cols, every_dst)
            checked = (_sums(cur, f"{SOURCE}.{table}", cols, new_src), _sums(cur, table, cols, new_dst)) \
                if parent else every
            out[table] = (every[0][0], checked[0][1])
            if every[0][0] != every[1][0] or checked[0] != checked[1]:
                bad.append(f"{table}: source {every[0][0]} rows (checksum {checked[0][1]}), "
                           f"target {every[1][0]} rows (checksum {checked[1][1]})")
    if bad:
        raise VerificationError("the copy differs from the source: " + "; ".join(bad))
    return out


def migrate(source: Path | str, target: Store) -> dict[str, dict]:
    """Copy the embedded store ``source`` into ``target`` and verify it (see the module docstring).

    Returns:
        ``{table: {"copied": n, "already": m, "rows": source rows, "checksum": c}}`` (copied/already
        for the tables with an identity).

    Raises:
        FileNotFoundError: no such source file.
        StoreBusyError: the source is held by another process.
        VerificationError: the copy does not match (the write is rolled back when found before
            the commit; see :func:`verify`).
    """
    source = Path(source)
    if not source.is_file():
        raise FileNotFoundError(f"no store file at {source}")
    open_store(source).close()  # bring an older file's schema up to date (its migrations), then release it
    cur = target.cursor()
    cur.execute(f"ATTACH '{str(source.resolve())}' AS {SOURCE} (READ_ONLY)")
    try:
        counts: dict[str, tuple[int, int]] = {}
        maps: dict[str, pd.DataFrame] = {}

        def write(c) -> dict[str, tuple[int, int]]:
            maps.clear()
            got = {e.table: _copy(c, e, maps) for e in ENTITIES}
            verify(c, maps)  # inside the transaction: a mismatch rolls the copy back
            return got

        counts = target.write(write)
        sums = verify(cur, maps)  # and again on the committed data
    finally:
        cur.execute(f"DETACH {SOURCE}")
    return {t: {"rows": r, "checksum": s, **({"copied": counts[t][0], "already": counts[t][1]} if t in counts else {})}
            for t, (r, s) in sums.items()}


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; returns 0 when copied and verified, 1 on a verification error, 2 when a
    store cannot be opened."""
    ap = argparse.ArgumentParser(prog="python -m storage.migrate", description=__doc__.split("\n\n")[0])
    ap.add_argument("--from", dest="source", required=True, help="the embedded store (.duckdb file)")
    ap.add_argument("--to", dest="target", required=True, help="the target store: a DuckLake URL or a .duckdb file")
    ap.add_argument("--data-path", help="team store: Parquet data folder or bucket (default: $LONGSCOPE_DATA_PATH)")
    args = ap.parse_args(argv)
    try:
        target = open_store(args.target, data_path=args.data_path)
        result = migrate(args.source, target)
    except (StoreBusyError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except VerificationError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    for table, r in result.items():
        moved = f"{r['copied']:,} copied, {r['already']:,} already there; " if "copied" in r else ""
        print(f"{table:20s} {moved}{r['rows']:,} source rows verified (count and checksum)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
