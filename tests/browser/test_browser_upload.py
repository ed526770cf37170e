"""Browser test: upload a file with no model name plus a broken one, name the model, store it."""
from __future__ import annotations

import re

import pytest

from playwright.sync_api import expect

from storage.sources import PACK_SUFFIX
from tests.conftest import READY_MS, open_page, wait_until_idle
from tests.factories import NIAH_PACKAGE_FOLDER, niah_package_files

pytestmark = pytest.mark.browser

#: the Upload page's packer script has attached its listeners (ui/assets/upload_packer.js): files
#: given before that travel one by one, after it as one archive, so every test waits for it first
PACKER_READY = "() => window.__longscopePacker && window.__longscopePacker.installed"
GPT4 = "gkamradt__LLMTest_NeedleInAHaystack/original_results/OpenAI_Original_Results/OpenAI_OriginalResults.json"


def test_upload_preview_name_and_store(app_url, browser, real_data, tmp_path):
    broken = tmp_path / "token_len_1000_depth_0_results.json"
    broken.write_text('{"model": "m", "context_length": 1000, "depth_percent": 0.0, "score": 10, "model_resp')
    page = open_page(browser, f"{app_url}/upload", height=1200)
    # the limit is stated before anything is sent (config.toml: maxUploadSize = 1024; ingest limit 1024 MB)
    assert "Up to 1,024 MB per file" in page.inner_text("body") and "client_max_body_size 1024m;" in page.inner_text("body")
    page.wait_for_function(PACKER_READY, timeout=READY_MS)
    page.locator("input[type=file]").first.set_input_files([str(real_data / GPT4), str(broken)])
    page.get_by_text("1 · What was detected").wait_for(timeout=READY_MS)
    page.get_by_text("Model (required: the files do not name it)").wait_for(timeout=READY_MS)
    wait_until_idle(page)  # the preview is drawn in full before it is read
    body = page.inner_text("body")
    assert "1 ready, 0 already ingested, 1 with errors" in body
    assert "token_len_1000_depth_0_results.json (line 1): JSON ends early: the file looks truncated" in body
    assert "Model (required: the files do not name it)" in body
    store_button = page.get_by_role("button", name="Store 1 run(s)")
    assert store_button.is_disabled()  # no model name yet
    page.get_by_role("textbox", name="Model (required: the files do not name it)").fill("gpt-4-1106-preview")
    page.keyboard.press("Enter")
    expect(store_button).to_be_enabled(timeout=READY_MS)  # the rerun with the model name has finished
    store_button.click()
    page.get_by_text("Stored 1 run(s)").wait_for(timeout=READY_MS)
    body = page.inner_text("body")
    assert "1 file(s) with errors were not stored" in body
    run_id = int(re.search(r"Stored 1 run\(s\): run (\d+)", body).group(1))
    # the stored run is on the heatmap: GPT-4-128k grid mean 9.44 (docs/result_formats.md §17) -> (9.44 - 1) / 9
    page.goto(f"{app_url}/niah_heatmap?runs={run_id}", wait_until="domcontentloaded")
    wait_until_idle(page)
    page.get_by_text("gpt-4-1106-preview · mean score (0..1)").wait_for(timeout=READY_MS)
    assert "0.938" in page.inner_text("body")
    assert "225 cells, 225 trials, 0 missing" in page.inner_text("body")


def _write(root, files) -> list:
    paths = []
    for rel, data in files:
        paths.append(root / rel)
        paths[-1].parent.mkdir(parents=True, exist_ok=True)
        paths[-1].write_bytes(data)
    return paths


def _sent(page) -> list[str]:
    """Names of the files the uploader holds (what the browser sent)."""
    return page.get_by_test_id("stFileChipName").all_inner_texts()


def _one_pack(page) -> bool:
    """The uploader holds exactly one file, the packed archive (``…<PACK_SUFFIX>``; the chip shortens a
    long name in the middle, so only its end is compared)."""
    names = _sent(page)
    return len(names) == 1 and names[0].endswith(PACK_SUFFIX[-len("pack.zip"):])


def test_many_files_and_a_folder_travel_as_one_packed_archive(app_url, browser, tmp_path):
    """60 files picked one by one, stored, then another 60 of the run as a folder: each upload is
    packed in the browser into one archive (ui/upload_packer.py), the second one too (after the
    uploader was reset by storing). The folder keeps its name, so the model is the folder's
    ``bench-model`` as on the command line; the files picked alone get the field's ``bm`` and the page
    says why."""
    files = niah_package_files(120)
    picked = _write(tmp_path / "a", files[:60])
    _write(tmp_path / "b", files[60:])
    page = open_page(browser, f"{app_url}/upload", height=1400)
    page.wait_for_function(PACKER_READY, timeout=READY_MS)  # its script listens before files are given
    page.locator("input[type=file]").first.set_input_files([str(p) for p in picked])
    page.get_by_text("60 file(s): 60 ready").wait_for(timeout=READY_MS)
    assert _one_pack(page), _sent(page)  # one archive sent, not 60 files
    assert "60 file(s) came without their folders" in page.inner_text("body")
    expect(page.get_by_role("textbox", name="Model")).to_have_value("bm")
    store_button = page.get_by_role("button", name="Store 1 run(s)")
    expect(store_button).to_be_enabled(timeout=READY_MS)
    store_button.click()
    page.get_by_text("Stored 1 run(s)").wait_for(timeout=READY_MS)

    page.get_by_text("Upload a whole folder").click()
    page.wait_for_selector("input[type=file][webkitdirectory]", state="attached", timeout=READY_MS)
    wait_until_idle(page)
    page.wait_for_function(PACKER_READY, timeout=READY_MS)
    page.locator("input[type=file]").first.set_input_files(str(tmp_path / "b" / NIAH_PACKAGE_FOLDER))
    page.get_by_text("60 file(s): 60 ready").wait_for(timeout=READY_MS)
    assert _one_pack(page), _sent(page)
    assert NIAH_PACKAGE_FOLDER in page.inner_text("body")  # the preview's folder column
    expect(page.get_by_role("textbox", name="Model")).to_have_value("bench-model")
    assert "came without their folders" not in page.inner_text("body")
