"""AppTest of the Upload page with many files (issue 13, items 1 and 7): the files are prepared in
one pass, once, whatever the number of reruns; the run frames the preview reads are built once;
the labels shown are the ones the command line stores."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import storage.plan
import ui.uploads
from storage.db import open_store
from storage.ingest import ingest_paths
from storage.runs import list_runs
from tests.factories import NIAH_PACKAGE_FOLDER, niah_package_files

ROOT = Path(__file__).resolve().parents[2]
N_FILES = 200


@pytest.fixture
def upload_db(tmp_path, monkeypatch):
    path = tmp_path / "upload.duckdb"
    open_store(path).close()
    monkeypatch.setenv("LONGSCOPE_DB", str(path))
    return path


def _counting(monkeypatch, module, name: str) -> list:
    """Replace ``module.name`` by a wrapper that records each call; returns the record."""
    calls, real = [], getattr(module, name)

    def wrapper(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def test_many_files_prepared_once_in_one_pass(upload_db, monkeypatch, tmp_path):
    prepared = _counting(monkeypatch, ui.uploads, "prepare")
    frames = _counting(monkeypatch, storage.plan, "_with_file_ids")
    at = AppTest.from_file(str(ROOT / "pages" / "upload.py"), default_timeout=120)
    at.run()
    files = niah_package_files(N_FILES)
    at.file_uploader[0].set_value([(name, data, "application/json") for name, data in files])
    start = time.perf_counter()
    at.run()
    took = time.perf_counter() - start
    assert not at.exception, at.exception
    assert any(f"{N_FILES} file(s): {N_FILES} ready" in c.value for c in at.caption)
    assert len(prepared) == 1 and len(prepared[0][0]) == N_FILES  # every file in one call
    built = len(frames)
    assert built <= 3  # one frame per table of the one run, not one per file
    label_box = next(t for t in at.text_input if t.key.startswith("label_"))
    shown = label_box.value
    # a rerun (any widget change) reuses the plan and its frames
    label_box.set_value("renamed").run()
    assert not at.exception, at.exception
    assert len(prepared) == 1 and len(frames) == built
    # 200 small files: about 1-2 s on an idle core (per-file frames used to take ~10 s per rerun);
    # a generous bound for a loaded 2-core machine
    assert took < 90, f"{N_FILES} files took {took:.0f} s"

    # the label and model shown are the ones the command line stores for the same folder
    (tmp_path / NIAH_PACKAGE_FOLDER).mkdir()
    for name, data in files:
        (tmp_path / name).write_bytes(data)
    cli = open_store(tmp_path / "cli.duckdb")
    ingest_paths([tmp_path / NIAH_PACKAGE_FOLDER], cli)
    runs = list_runs(cli)
    cli.close()
    assert shown == "bench-model" and runs[["model", "label"]].values.tolist() == [["bench-model", "bench-model"]]
