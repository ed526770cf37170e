"""Published result tables in README files and web pages (HTML or Markdown) -> published numbers.

Reading: Markdown is rendered to HTML with markdown-it-py (CommonMark + GFM tables, raw HTML kept,
so an HTML table inside a README comes through unchanged), then every ``<table>`` is read with
lxml (forgiving: unclosed or doubled ``<tr>`` are repaired) and ``pandas.read_html``, which applies
``rowspan`` / ``colspan``. Each table keeps the nearest heading above it so a user can pick it.

Mapping: every column gets a role - ``model``, ``length`` (header is a length such as ``1024`` or
``32K``: values at that length), ``task`` (a task or category score), ``average`` (mean of the task
columns), ``row_length`` (a per-row evaluation length such as L-Eval's ``Input Length``) or
``ignore`` (metadata: claimed length, parameters, dates, ranks). :func:`suggest_mapping` proposes
roles from headers and cells; the user confirms them before anything is stored.
:func:`to_published` then gives one row per number: model, setting, task, length, value, source.

Conventions handled (result_formats.md §19, F20/F23/F24): ``-`` and empty cells are "not run"
(skipped); markup (``**``, ``*``, ``<b>``, ``<ins>``) is dropped; a cell ``99.3 (84.4)`` reads as its
first number; rows starting with ``+`` or ``-`` (``+ dynamic_ntk``, ``- w/ CoT``) are the nearest
plain row's model with that setting; a row with no values is a group row (its name is the model of
the setting rows below it); ``Human`` / ``Random`` rows are reference baselines, not models, and
are left out; trailing emoji after a model name are dropped; a ``<p>`` inside a model cell (the
organisation on the LongBench v2 page) goes to the row's note.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass

import lxml.html
import pandas as pd
from markdown_it import MarkdownIt

ROLES = ("model", "length", "task", "average", "row_length", "ignore")
PLACEHOLDERS = {"", "-", "–", "—", "n/a", "na", "?", "none", "nan"}
REFERENCE_ROWS = {"human", "random", "random guess", "random chance"}
IGNORE_HEADERS = {"#", "rank", "no.", "params", "size", "date", "context", "claimed length", "effective length",
                  "organization", "org"}
NUMBER_RE = re.compile(r"^[-+]?\d+(?:\.\d+)?(?:\s*%)?(?:\s*\(.*\))?$")
LENGTH_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*([kKmM]?)$")
_NOTE_SEP = " ¦ "
_MARKUP = "*_~`"


@dataclass
class FoundTable:
    """One table found in a document: ``index`` (0-based, document order), the nearest heading
    above it (or None), and ``frame``: string cells, header levels joined with ' / '."""

    index: int
    heading: str | None
    frame: pd.DataFrame

    @property
    def title(self) -> str:
        cols = ", ".join(map(str, self.frame.columns[:4]))
        return f"table {self.index + 1}" + (f" under '{self.heading}'" if self.heading else "") + f" ({cols}, ...)"


def find_tables(text: str, markdown: bool = True) -> list[FoundTable]:
    """Every table in ``text`` (a Markdown document with optional raw HTML, or an HTML page).

    Args:
        markdown: render ``text`` as Markdown first (False for an HTML page).

    Returns:
        The tables in document order (empty when there is none).
    """
    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(text) if markdown else text
    if not html.strip():
        return []
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    out, heading = [], None
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            heading = " ".join(el.text_content().split())
        elif el.tag == "table":
            for p in el.xpath(".//td//p"):
                p.text = _NOTE_SEP + (p.text or "")
            frames = pd.read_html(io.StringIO(lxml.html.tostring(el, encoding="unicode")), flavor="lxml",
                                  keep_default_na=False, na_values=[])
            if frames:
                out.append(FoundTable(len(out), heading, _flatten(frames[0])))
    return out


def parse_number(cell) -> float | None:
    """The number in a cell (markup dropped; '99.3 (84.4)' -> 99.3, '42%' -> 42.0), None for a
    placeholder ('-', empty) or text that is not a number ('16K', '<1K', '70B')."""
    text = str(cell).strip().strip(_MARKUP).strip()
    if text.lower() in PLACEHOLDERS or not NUMBER_RE.match(text):
        return None
    return float(re.match(r"[-+]?\d+(?:\.\d+)?", text).group(0))


def parse_length(text: str) -> tuple[str, float] | None:
    """('32K', 32768.0) for a length header such as '32K', '32k' or '32768' (>= 128); None otherwise.
    K = 1024 and M = 1024**2 as long-context tables use them."""
    m = LENGTH_RE.match(str(text).strip())
    if not m:
        return None
    value = float(m.group(1)) * {"": 1, "k": 1024, "m": 1024 ** 2}[m.group(2).lower()]
    if not m.group(2) and value < 128:
        return None
    return str(text).strip(), value


def suggest_mapping(frame: pd.DataFrame) -> pd.DataFrame:
    """Proposed role of every column, with the reason.

    Returns:
        Columns: column, role (one of :data:`ROLES`), task (the task name for task columns),
        setting (a sub-header such as 'w/ CoT'), length_label, length_value, reason.
    """
    rows, model_set = [], False
    for col in frame.columns:
        name = str(col)
        top, _, sub = name.partition(" / ")
        cells = [c for c in frame[col] if str(c).strip().strip(_MARKUP).lower() not in PLACEHOLDERS]
        numeric = sum(parse_number(c) is not None for c in cells)
        length = parse_length(sub or top)
        row = {"column": name, "role": "ignore", "task": None, "setting": None, "length_label": None,
               "length_value": None, "reason": ""}
        if not model_set and cells and numeric < len(cells) / 2 and top.lower() not in IGNORE_HEADERS - {"model"}:
            row.update(role="model", reason="first text column")
            model_set = True
        elif "input length" in name.lower() or name.lower() in ("length", "context length"):
            row.update(role="row_length", reason="per-row evaluation length")
        elif top.lower() in IGNORE_HEADERS or not cells or numeric < len(cells) / 2:
            row.update(role="ignore", reason="metadata or text column")
        elif length:
            row.update(role="length", length_label=length[0], length_value=length[1], task=None,
                       reason=f"header {length[0]} is a length")
        elif top.lower().startswith(("average", "avg", "overall average")):
            row.update(role="average", setting=sub or None, reason="mean of the task columns")
        else:
            row.update(role="task", task=_clean_header(top), setting=sub or None, reason="numeric column")
        rows.append(row)
    return pd.DataFrame(rows, columns=["column", "role", "task", "setting", "length_label", "length_value", "reason"])


def to_published(frame: pd.DataFrame, mapping: pd.DataFrame, benchmark: str, source: str,
                 task: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    """The table's numbers in long form under the confirmed ``mapping``.

    Args:
        benchmark: benchmark id the numbers belong to (e.g. 'nolima', 'longbench_v2').
        source: where the table comes from (repository and file, or page address).
        task: task name for ``length`` columns (e.g. 'arxiv perplexity'); None = aggregate.

    Returns:
        (rows, skipped): rows with columns benchmark, model, setting, task, tasks (member tasks of an
        average, ';'-joined), length_label, length_value, value, source, note; skipped = reasons for
        rows left out (reference baselines).

    Raises:
        ValueError: the mapping has no model column, names a column the table lacks, or has an unknown role.
    """
    bad = set(mapping["role"]) - set(ROLES)
    if bad:
        raise ValueError(f"unknown column role(s): {', '.join(sorted(bad))}")
    missing = set(mapping["column"]) - set(map(str, frame.columns))
    if missing:
        raise ValueError(f"mapping names columns the table does not have: {', '.join(sorted(missing))}")
    model_cols = mapping.loc[mapping["role"] == "model", "column"].tolist()
    if len(model_cols) != 1:
        raise ValueError(f"exactly one column must be the model column, found {len(model_cols)}")
    records = frame.set_axis([str(c) for c in frame.columns], axis=1).to_dict("records")
    maps = [m for m in mapping.to_dict("records") if m["role"] in ("length", "task", "average")]
    row_len = mapping.loc[mapping["role"] == "row_length", "column"].tolist()
    task_cols = mapping[mapping["role"] == "task"]
    member_tasks = ";".join(dict.fromkeys(task_cols["task"].fillna(task_cols["column"])))
    out, skipped, base = [], [], None
    for r in records:
        name, _, note = str(r[model_cols[0]]).partition(_NOTE_SEP.strip())
        name = _clean_model(name)
        values = [parse_number(r[m["column"]]) for m in maps]
        if not name:
            continue
        if name.lower() in REFERENCE_ROWS:
            skipped.append(f"{name}: a reference baseline, not a model")
            continue
        setting = None
        if name[0] in "+-" and base:
            model, setting = base, name.lstrip("+- ").strip()
        else:
            model = base = name
        if all(v is None for v in values):
            continue  # a group row (or a row not run at all)
        row_length = parse_length(str(r[row_len[0]])) if row_len else None
        note = " ".join(note.split()) or None
        for m, v in zip(maps, values):
            if v is None:
                continue
            label, length = (m["length_label"], m["length_value"]) if m["role"] == "length" else \
                (row_length if row_length else (None, None))
            col_setting = m["setting"] if isinstance(m["setting"], str) and m["setting"] else None
            out.append({"benchmark": benchmark, "model": model,
                        "setting": "; ".join(x for x in (setting, col_setting) if x) or None,
                        "task": (m["task"] or m["column"]) if m["role"] == "task" else (task if m["role"] == "length" else None),
                        "tasks": member_tasks if m["role"] == "average" else None,
                        "length_label": label, "length_value": length, "value": v, "source": source, "note": note})
    cols = ["benchmark", "model", "setting", "task", "tasks", "length_label", "length_value", "value", "source", "note"]
    return pd.DataFrame(out, columns=cols), skipped


def _flatten(df: pd.DataFrame) -> pd.DataFrame:
    """Header levels joined with ' / ' (repeats and pandas' 'Unnamed: ...' placeholders dropped)."""
    if isinstance(df.columns, pd.MultiIndex):
        names = []
        for col in df.columns:
            parts = [str(p).strip() for p in col if str(p).strip() and not str(p).startswith("Unnamed:")]
            names.append(" / ".join(dict.fromkeys(parts)))
    else:
        names = [str(c).strip() for c in df.columns]
    seen: dict[str, int] = {}
    unique = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        unique.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return df.set_axis(unique, axis=1).astype(str)


def _clean_header(text: str) -> str:
    return " ".join(str(text).strip(_MARKUP).split())


def _clean_model(text: str) -> str:
    """Model cell without markup and trailing markers (emoji, daggers)."""
    t = " ".join(str(text).split()).strip(_MARKUP).strip()
    while t and not (t[-1].isalnum() or t[-1] in ").]"):
        t = t[:-1].rstrip()
    return t
