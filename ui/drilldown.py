"""Click-to-drill-down: the trials or samples behind a clicked point of a chart."""
from __future__ import annotations

import streamlit as st

from analysis.display_text import markdown_literal as md
from analysis.lengths import format_length
from storage.fingerprint import StoreFingerprint
from ui import data, downloads


def _clicked(event) -> list | None:
    sel = (event.selection.points if event and event.selection else []) or []
    hit = next((p for p in sel if p.get("customdata")), None)
    return hit["customdata"] if hit else None


def length_point(event, fp: StoreFingerprint, names: dict[int, str], key: str) -> None:
    """Below a ``ui.figures.line_panels`` chart: rows behind the clicked (run, length) point."""
    cd = _clicked(event)
    if not cd:
        st.caption("Click a point to see the trials or samples behind it.")
        return
    rid, lv, ll = int(cd[0]), (None if cd[1] == -1 else float(cd[1])), (cd[2] or None)
    if rid == -1:
        st.info("This point averages several runs: turn off combining to see the rows of each run.")
        return
    st.subheader(f"Behind the point: {md(names.get(rid, rid))} at {md(format_length(lv, ll))}")
    rows = data.point_rows(fp, rid, lv, ll)
    st.dataframe(rows, hide_index=True)
    downloads.table(rows, f"point_run{rid}_{ll or lv}", key=f"{key}-point")


def depth_point(event, fp: StoreFingerprint, names: dict[int, str], key: str) -> None:
    """Below a ``ui.figures.depth_panels`` chart: trials behind the clicked (run, band, depth) point."""
    cd = _clicked(event)
    if not cd:
        st.caption("Click a point to see the trials behind it.")
        return
    rid, depth, lo, hi = int(cd[0]), float(cd[1]), float(cd[2]), float(cd[3])
    st.subheader(f"Behind the point: {md(names.get(rid, rid))}, depth {depth:g}%, lengths {format_length(lo)}–{format_length(hi)}")
    rows = data.depth_rows(fp, rid, depth, lo, hi)
    st.dataframe(rows, hide_index=True)
    downloads.table(rows, f"depth_run{rid}_{depth:g}", key=f"{key}-point")
