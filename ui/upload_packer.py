"""The Upload page's packer: many files or a folder given to the file uploader are packed into one
zip in the browser and sent as that one archive (``ui/assets/upload_packer.js``).

Streamlit's uploader sends and redraws every file on its own: 1,000 small NIAH files took minutes
in the browser before the page saw them (issue 13, item 1; ``benchmarks/browser_upload.py``), while
one archive of the same files takes seconds. The archive is named ``<folder><PACK_SUFFIX>`` and
holds the files at the paths the browser gives (``<picked folder>/<path inside>`` for a folder, the
file name for files picked one by one), so ``storage.sources.from_upload`` reads its members as if
they had been uploaded themselves. A folder dropped on the box keeps its folder names as well.
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from storage.sources import PACK_SUFFIX, RESULT_ENDINGS, RESULT_SUFFIXES, max_zip_bytes

_JS = (Path(__file__).parent / "assets" / "upload_packer.js").read_text(encoding="utf-8")
_HTML = '<div class="packer-status" data-testid="upload-packer-status"></div>'
_CSS = ".packer-status { font-size: 0.85rem; opacity: 0.75; min-height: 1.2em; }"


@st.cache_resource
def _component():
    """The registered component (registered once per server process)."""
    return st.components.v2.component("longscope_upload_packer", html=_HTML, css=_CSS, js=_JS)


def mount(uploader_key: str, max_upload_mb: float) -> None:
    """Attach the packer to the file uploader with ``uploader_key`` (a status line shows below it).

    Args:
        uploader_key: the ``key`` of the page's ``st.file_uploader``.
        max_upload_mb: the largest file the app accepts (``ui.upload_limits.upload_limit_mb``):
            more than this in all is sent file by file, as without the packer.
    """
    limit = int(min(max_upload_mb * 2**20, max_zip_bytes()))
    _component()(key="upload_packer", data={"key": uploader_key, "suffix": PACK_SUFFIX, "max_bytes": limit,
                                            "suffixes": sorted(RESULT_SUFFIXES) + list(RESULT_ENDINGS)})
