"""Published-number widgets: read a README / leaderboard table into published numbers (with a column
mapping preview before storing), and keep typed-in numbers in the store."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.display_text import markdown_literal as md
from analysis.result_tables import ROLES, find_tables, suggest_mapping, to_published
from storage.db import Store
from storage.published import delete_published, save_published, stored_published

SCALE_CHOICES = {"pct_0_100": "score 0-100", "frac_0_1": "score 0-1", "perplexity": "perplexity (lower is better)"}


def table_reader(store: Store, scope=None) -> None:  # scope: storage.scope.Scope of the signed-in user
    """Expander: upload or paste a Markdown / HTML document, pick a table, confirm the column roles,
    preview the numbers, store them (``published_numbers``, origin 'table')."""
    with st.expander("Read a published table (README, leaderboard page, pasted table)"):
        up = st.file_uploader("Markdown or HTML file", type=["md", "markdown", "html", "htm", "txt"], key="pubtab_file")
        pasted = st.text_area("…or paste a Markdown / HTML table", key="pubtab_text", height=120)
        if up is not None:
            text, name = up.getvalue().decode("utf-8", errors="replace"), up.name
        else:
            text, name = pasted, "pasted table"
        if not text.strip():
            return
        is_html = name.lower().endswith((".html", ".htm")) or text.lstrip().lower().startswith(("<!doctype", "<html"))
        tables = find_tables(text, markdown=not is_html)
        if not tables:
            st.warning(f"No table found in {md(name)}.")
            return
        pick = st.selectbox("Table", range(len(tables)), format_func=lambda i: tables[i].title, key="pubtab_pick",
                            index=len(tables) - 1 if len(tables) > 1 and tables[-1].heading else 0)
        table = tables[pick]
        st.dataframe(table.frame, hide_index=True)
        st.caption("Column roles (confirm before storing): model · length (values at that length) · task · "
                   "average (mean of the task columns) · row_length (per-row evaluation length) · ignore.")
        mapping = st.data_editor(suggest_mapping(table.frame), hide_index=True, key=f"pubtab_map_{name}_{pick}",
                                 disabled=["column", "reason"],
                                 column_config={"role": st.column_config.SelectboxColumn(options=list(ROLES), required=True)})
        c1, c2, c3, c4 = st.columns(4)
        benchmark = c1.text_input("Benchmark", key="pubtab_bench", placeholder="e.g. nolima")
        task = c2.text_input("Task of length columns", key="pubtab_task", placeholder="empty = aggregate")
        scale = c3.selectbox("Values are", list(SCALE_CHOICES), format_func=SCALE_CHOICES.get, key="pubtab_scale")
        source = c4.text_input("Source", value=name, key="pubtab_source")
        try:
            rows, skipped = to_published(table.frame, mapping, benchmark.strip().lower() or "?", source, task.strip() or None)
        except ValueError as exc:
            st.error(md(f"{name}, {table.title}: {exc}"))
            return
        for s in skipped:
            st.caption(f"Left out: {md(s)}")
        st.markdown(f"**Preview: {len(rows)} published number(s)**")
        st.dataframe(rows, hide_index=True)
        if st.button(f"Store {len(rows)} published number(s)", disabled=not benchmark.strip() or rows.empty,
                     key="pubtab_store"):
            try:
                n = save_published(store, rows.assign(scale=scale), origin="table", scope=scope)
            except (ValueError, PermissionError) as exc:  # PermissionError: storage.scope.NoAccessError (a viewer)
                st.error(md(f"{name}: {exc}"))
            else:
                st.success(f"Stored {n} published number(s) from {md(name)}.")


def save_entered(store: Store, entered: pd.DataFrame, scope=None) -> None:
    """Button storing the rows typed into the editor (origin 'entered'); errors name the row and field."""
    rows = entered.dropna(how="all")
    if st.button(f"Store the {len(rows)} typed number(s)", disabled=rows.empty, key="pub_store_entered"):
        try:
            save_published(store, rows, origin="entered", scope=scope)
        except (ValueError, PermissionError) as exc:
            st.error(str(exc))
        else:
            st.session_state.pop("user_published", None)  # now stored: clear the editor, no double counting
            st.rerun()


def stored_table(store: Store, scope=None) -> pd.DataFrame:
    """Expander listing the stored published numbers with a delete picker; returns them."""
    stored = stored_published(store)
    with st.expander(f"Stored published numbers ({len(stored)})"):
        st.dataframe(stored, hide_index=True)
        gone = st.multiselect("Delete", stored["published_id"].tolist(), key="pub_delete",
                              format_func=lambda i: f"#{i}")
        if gone and st.button("Delete the picked numbers", key="pub_delete_go"):
            try:
                delete_published(store, gone, scope=scope)
            except PermissionError as exc:
                st.error(str(exc))
            else:
                st.rerun()
    return stored
