"""F20 / F23 / F24: a README or web page holding published result tables (Markdown or HTML).

Such a file holds *published numbers*, not a run: it is recognised here so an upload says what it
is, and read on the Published-number check page ("Read a published table"), where the user picks the
table and confirms the column mapping (:mod:`analysis.result_tables`) before the numbers are stored
(``storage.published``). See docs/result_formats.md §19 (F20, F23, F24).
"""
from __future__ import annotations

from analysis.result_tables import find_tables
from storage.importers.parsed import ParsedFile
from storage.importers.source import SourceFile

FORMAT = "published_table"
LABEL = "README / leaderboard page with result tables (Markdown or HTML): published numbers"
PRIORITY = 90

SUFFIXES = {".md": True, ".markdown": True, ".html": False, ".htm": False}


def detect(src: SourceFile) -> bool:
    """A ``.md`` / ``.html`` file with a Markdown table row (``|---|``) or an HTML ``<table``."""
    if src.suffix not in SUFFIXES:
        return False
    head = src.head(1 << 20)
    return "<table" in head.lower() or "|---" in head.replace(":", "").replace(" ", "")


def parse(src: SourceFile) -> list[ParsedFile]:
    """Never a run: raises with what the file holds and where to read it.

    Raises:
        FormatError: always; the message counts the tables found and names the page that reads them.
    """
    tables = find_tables(src.text, markdown=SUFFIXES[src.suffix])
    raise src.error("format", f"a document with {len(tables)} result table(s): these are published numbers, not a "
                              "run. Read them on the Published-number check page (Read a published table), where "
                              "you pick the table and confirm the column mapping before storing.")
