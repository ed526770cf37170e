"""Upload of many small NIAH files: the command line against every browser route (issue 13, item 1).

Generates ``--files`` (default 1,000) synthetic per-test JSON files of the ``needlehaystack``
package (``tests.factories.niah_package_files``: ``<model>_len_<L>_depth_<D>_results.json`` with the
fields of ``storage.importers.niah_package``; no real file is copied) in a
``model=bench-model_eval=number`` folder, then measures:

* ``cli``: ``python -m storage.ingest FOLDER --store NEW.duckdb`` in a fresh process (wall time);
  the model name each route stored is recorded too (``bench-model`` from the folder name, ``bm``
  from the files' field when the folder names did not arrive);
* ``multi`` / ``folder`` / ``zip``: ``streamlit run app.py`` on a fresh store, the Upload page in
  Debian's chromium (Playwright): the files given to the multi-file uploader with
  ``set_input_files`` (``folder``: the folder, with "Upload a whole folder" on; ``zip``: one .zip of
  the folder), then the time until the preview shows ("1 · What was detected" with the file count)
  and until the run is stored ("Stored 1 run(s)") after clicking "Store".

Every wait polls the page's own text with a deadline (``--deadline`` seconds), never a fixed sleep.
The machine's load average is recorded with the numbers. Goal: every route within 3x the CLI.

Usage::

    python benchmarks/browser_upload.py [--files 1000] [--routes multi folder zip] [--deadline 900]
        [--workdir DIR] [--out benchmarks/results/browser_upload.json]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.app_server import start_app  # noqa: E402

CHROMIUM = "/usr/bin/chromium"


def make_files(folder: Path, n: int) -> list[Path]:
    """``n`` synthetic needlehaystack-package files (``tests.factories.niah_package_files``) written
    into ``folder``'s parent at their relative paths (``folder`` is ``model=bench-model_eval=number``)."""
    from tests.factories import niah_package_files

    paths = []
    for rel, data in niah_package_files(n):
        paths.append(folder.parent / rel)
        paths[-1].parent.mkdir(parents=True, exist_ok=True)
        paths[-1].write_bytes(data)
    return paths


def load() -> list[float]:
    """The 1, 5 and 15 minute load averages."""
    return [round(x, 2) for x in os.getloadavg()]


def time_cli(folder: Path, store: Path) -> float:
    """Seconds for ``python -m storage.ingest FOLDER`` into a new store (a fresh process)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "storage.ingest", str(folder), "--store", str(store)],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def stored_names(store: Path) -> list[list[str]]:
    """``[model, label]`` of every run in ``store`` (read once the app has closed it)."""
    from storage.db import open_store
    from storage.runs import list_runs

    opened = open_store(store)
    try:
        return list_runs(opened)[["model", "label"]].values.tolist()
    finally:
        opened.close()


def _idle(page, timeout_ms: float) -> None:
    page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]'
                           '[data-test-script-state="notRunning"]', timeout=timeout_ms)


def time_browser(browser, url: str, route: str, files: list[Path], folder: Path, zip_path: Path,
                 deadline: float) -> dict:
    """Seconds from giving the files to the uploader until the preview, and until stored."""
    ms = deadline * 1000
    page = browser.new_page()
    page.set_viewport_size({"width": 1400, "height": 1300})
    page.goto(f"{url}/upload", wait_until="domcontentloaded")
    _idle(page, ms)
    page.get_by_text("Result files (.json").first.wait_for(timeout=ms)
    if route == "folder":
        page.get_by_text("Upload a whole folder").click()
        page.wait_for_selector("input[type=file][webkitdirectory]", state="attached", timeout=ms)
        _idle(page, ms)
    given = {"multi": [str(p) for p in files], "folder": str(folder), "zip": [str(zip_path)]}[route]
    start = time.perf_counter()
    page.locator("input[type=file]").first.set_input_files(given)
    page.get_by_text("1 · What was detected").wait_for(timeout=ms)
    page.get_by_text(f"{len(files):,} file(s): {len(files):,} ready").wait_for(timeout=ms)
    preview = time.perf_counter() - start
    button = page.get_by_role("button", name="Store 1 run(s)")
    button.wait_for(timeout=ms)
    _idle(page, ms)
    button.click()
    page.get_by_text("Stored 1 run(s)").wait_for(timeout=ms)
    stored = time.perf_counter() - start
    page.close()
    return {"preview_s": round(preview, 1), "stored_s": round(stored, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--routes", nargs="+", default=["multi", "folder", "zip"], choices=["multi", "folder", "zip"])
    ap.add_argument("--deadline", type=float, default=900.0, help="seconds each wait may take at most")
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "browser_upload.json")
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    work = args.workdir or Path(tempfile.mkdtemp(prefix="browser_upload_"))
    from tests.factories import NIAH_PACKAGE_FOLDER as MODEL_FOLDER

    folder = work / MODEL_FOLDER
    files = make_files(folder, args.files)
    zip_path = work / f"{MODEL_FOLDER}.zip"
    with zipfile.ZipFile(zip_path, "w") as zf:
        for p in files:
            zf.write(p, f"{MODEL_FOLDER}/{p.name}")
    result = {"files": args.files, "bytes": sum(p.stat().st_size for p in files), "cpus": os.cpu_count(),
              "load_before": load()}
    result["cli_s"] = round(time_cli(folder, work / "cli.duckdb"), 1)
    result["cli_runs"] = stored_names(work / "cli.duckdb")
    print(f"cli: {result['cli_s']} s", flush=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        for route in args.routes:
            proc, url = start_app(work / f"{route}.duckdb", deadline=args.deadline)
            try:
                result[route] = {**time_browser(browser, url, route, files, folder, zip_path, args.deadline),
                                 "load": load()}
            finally:
                proc.terminate()
                proc.wait(timeout=30)
            result[route]["x_cli"] = round(result[route]["stored_s"] / result["cli_s"], 2)
            result[route]["runs"] = stored_names(work / f"{route}.duckdb")
            print(f"{route}: {result[route]}", flush=True)
        browser.close()
    result["load_after"] = load()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
