"""Upload result files, preview what was detected, confirm; manage stored runs (rename, delete)."""
import pandas as pd
import streamlit as st

from analysis.display_text import display_frame, markdown_literal as md
from ui import data, upload_packer, upload_preview
from ui.page import current_scope, page_setup
from ui.upload_limits import upload_limit_mb, upload_limit_text
from ui.uploads import (DUPLICATE, ERROR, MAX_ERRORS_SHOWN, READY, REPEATED, MissingModelError, NoAccessError, check_override, commit,
                        count_summary, delete_run, folderless, prepare, read_uploads, rename_run, retention_days,
                        supported_formats)

store, fp = page_setup("Upload & runs")
scope = current_scope()  # identity and roles: what this user may store and change

state = st.session_state
state.setdefault("uploader_key", 0)
# workspaces this user may upload to (member or admin); a viewer sees the stored runs only
writable = [w for w in (scope.workspaces if not scope.every_workspace else ["default"]) if scope.allows(w, "member")]

with st.expander("Supported formats", expanded=False):
    st.dataframe(supported_formats(), hide_index=True, width="stretch")
    st.caption("RULER, LongBench, BABILong and InfiniteBench keep the model name (and RULER the sequence "
               "length) only in folder names: upload a .zip of the folder, or a folder, to keep them.")

if not writable:
    st.info("Your role is viewer: you can browse the runs of your workspaces, not upload or change them.",
            icon=":material/visibility:")
    uploaded = None
elif len(writable) > 1:
    target_ws = st.selectbox("Workspace to store the runs in", writable, key="upload_workspace")
else:
    target_ws = writable[0]

folder_mode = writable and st.toggle("Upload a whole folder", help="Keeps the folder names, where harnesses store the model name.")
if writable:
    uploaded = st.file_uploader(
        "Result files (.json, .jsonl, .csv, .parquet) or .zip archives",
        type=["json", "jsonl", "csv", "tsv", "parquet", "zip"],
        accept_multiple_files="directory" if folder_mode else True,
        key=f"uploader_{state.uploader_key}",
    )
    # many files or a folder travel as one archive packed in the browser (file by file took minutes)
    upload_packer.mount(f"uploader_{state.uploader_key}", upload_limit_mb())
    st.caption(upload_limit_text())

if state.get("last_result"):
    st.success(state.last_result)


def _plan_for(files, workspace: str):
    """Parse the uploads once per distinct set of files and target workspace (Streamlit reruns reuse
    the plan; "already ingested" means already in that workspace)."""
    signature = (workspace, *((f.file_id, f.name, f.size) for f in files))
    cached = state.get("upload_plan")
    if cached and cached[0] == signature:
        return cached[1]
    sources, skipped = read_uploads([(f.name, f.getvalue()) for f in files])
    bar = st.progress(0.0, text=f"Reading {len(sources):,} file(s)…")
    plan = prepare(sources, store, skipped, scope=scope, workspace=workspace,  # one pass; the bar moves <= ~100 times
                   progress=lambda done, total: bar.progress(done / total, text=f"Read {done:,} of {total:,} file(s)…"))
    bar.empty()
    state.upload_plan = (signature, plan)
    return plan


if uploaded:
    state.last_result = None
    plan = _plan_for(uploaded, target_ws)
    run_names = {key: i for i, key in enumerate(plan.runs, start=1)}
    files_df = pd.DataFrame([{
        "file": o.path.rsplit("/", 1)[-1], "status": o.status, "format": o.format or "",
        "run": ", ".join(f"#{run_names[k]}" for k in dict.fromkeys(o.run_keys) if k in run_names),
        "records": o.records, "details": o.message, "folder": o.path.rsplit("/", 1)[0] if "/" in o.path else "",
    } for o in plan.files])
    n_err = int((files_df["status"] == ERROR).sum()) if len(files_df) else 0
    n_dup = int((files_df["status"] == DUPLICATE).sum()) if len(files_df) else 0
    n_rep = int((files_df["status"] == REPEATED).sum()) if len(files_df) else 0
    st.subheader("1 · What was detected")
    n_bare = folderless([o.path for o in plan.files])
    if n_bare > 1 or (n_bare and folder_mode):
        st.info(f"{n_bare:,} file(s) came without their folders (picked one by one: the browser then sends "
                "file names only). Names some harnesses keep only in folders - the "
                "model of RULER, LongBench, BABILong and InfiniteBench runs, the full model id of `model=...` NIAH "
                "folders - cannot be read. To get the names `longscope ingest FOLDER` gives, drop the folder on "
                "the box, or turn on **Upload a whole folder** and pick it with **Browse files**, or upload a .zip.", icon=":material/folder_off:")
    st.caption(f"{len(files_df):,} file(s): {int((files_df['status'] == READY).sum()):,} ready, "
               f"{n_dup:,} already ingested, " + (f"{n_rep:,} duplicate(s) in this upload, " if n_rep else "")
               + f"{n_err:,} with errors (errors don't stop the others).")
    st.dataframe(files_df, hide_index=True, width="stretch",
                 column_config={"details": st.column_config.TextColumn(width="large")})
    for o in plan.failed[:MAX_ERRORS_SHOWN]:  # every error is in the table above; a few spelled out here
        st.error(o.message if o.message.startswith(o.path) else f"{o.path}: {o.message}", icon=":material/error:")
    if len(plan.failed) > MAX_ERRORS_SHOWN:
        st.error(f"… and {len(plan.failed) - MAX_ERRORS_SHOWN:,} more file(s) with errors: see the table's "
                 "details column.", icon=":material/error:")

    if plan.runs:
        st.subheader("2 · Confirm the runs")
        upload_preview.evaluation_length(plan)
        models, labels, scales = {}, {}, {}
        for key, run in plan.runs.items():
            n = run_names[key]
            with st.container(border=True):
                head = f"**Run #{n}** · {run.benchmark} · format `{run.format}` · {count_summary(run.counts())}"
                if run.existing_run_id is not None:
                    head += f" · appends to stored run {run.existing_run_id}"
                elif run.rerun_of is not None:
                    head += f" · **re-run**: stored as version {run.version}, a new run beside stored run {run.rerun_of}"
                st.markdown(head)
                c1, c2, c3 = st.columns([2, 2, 1])
                models[key] = c1.text_input(
                    "Model" + (" (required: the files do not name it)" if run.needs_model else ""),
                    value=run.model or "", key=f"model_{key}",
                    help="As found in the files; change it to map to your canonical model name.")
                labels[key] = c2.text_input("Display label", value=run.label or models[key] or "", key=f"label_{key}")
                scale_names = list(data.SCALES)
                rescalable = run.rescalable()
                scales[key] = c3.selectbox(
                    "Score scale" + (" (required)" if run.needs_scale else ""), scale_names,
                    index=None if run.needs_scale else scale_names.index(run.score_scale),
                    placeholder="choose", key=f"scale_{key}", format_func=data.SCALE_LABELS.get,
                    disabled=not rescalable,
                    help=(data.SCALES[run.score_scale][0] if rescalable else
                          "Fixed: every score's scale is set by the file or by LongScope's own scoring."))
                if run.scale_guesses:
                    st.caption("Score scale decided from the values (per file and column):")
                    st.dataframe(pd.DataFrame([{"values": g.column, "scale": g.scale, "harness writes": g.convention,
                                                "evidence": g.evidence, "the other scale": g.flag or ""}
                                               for g in run.scale_guesses]), hide_index=True, width="stretch")
                upload_preview.show(run)
                chosen = scales[key]
                problem = chosen and check_override(pd.concat(list(rescalable.values())), chosen) if rescalable else None
                if problem:
                    st.error(f"Not plausible on {chosen}: {md(problem)}.", icon=":material/error:")
                inferred = run.inferred
                if inferred:
                    st.caption("Inferred: " + "; ".join(f"**{md(k)}**: {md(v)}" for k, v in inferred.items()))
                for note in run.notes:
                    st.warning(md(note), icon=":material/info:")
        missing = [run_names[k] for k, r in plan.runs.items()
                   if r.needs_model and not models[k].strip() and r.existing_run_id is None]
        if missing:
            st.warning("Name the model of run " + ", ".join(f"#{m}" for m in missing) + " to store it.")
        unscaled = [run_names[k] for k, r in plan.runs.items() if r.needs_scale and not scales[k]]
        if unscaled:
            st.warning("Choose the score scale of run " + ", ".join(f"#{m}" for m in unscaled)
                       + ": its files cannot tell it.")
        if st.button(f"Store {len(plan.runs)} run(s)", type="primary", disabled=bool(missing or unscaled)):
            try:
                written = commit(
                    plan, store,
                    models={k: v.strip() for k, v in models.items() if v.strip() and v.strip() != (plan.runs[k].model or "")},
                    # a label left at its default is made unique by commit (storage.run_labels), as on the CLI
                    labels={k: v.strip() for k, v in labels.items()
                            if v.strip() and v.strip() != (plan.runs[k].label or models[k].strip())},
                    scales={k: v for k, v in scales.items()
                            if v and (v != plan.runs[k].score_scale or plan.runs[k].needs_scale)},
                    uploaded_by=scope.identity, scope=scope, workspace=target_ws,
                )
            except (MissingModelError, ValueError, NoAccessError) as exc:
                st.error(str(exc))
            else:
                state.last_result = (f"Stored {len(written)} run(s): "
                                     + ", ".join(f"run {rid}" for rid in written.values())
                                     + (f". {n_err} file(s) with errors were not stored." if n_err else "."))
                state.upload_plan = None
                state.uploader_key += 1
                st.rerun()
    elif not n_err:
        st.info("Nothing new to store: every file is already ingested.")

st.divider()
st.subheader("Stored runs")
runs = display_frame(data.runs(fp), ["files"])  # bidi controls shown, not applied
if runs.empty:
    st.caption("No runs yet. Upload files above, or run `longscope ingest PATH...`.")
    st.stop()

view = runs.assign(
    inferred=[", ".join(f"{k}: {v}" for k, v in (c.get("inferred") or {}).items()) for c in runs["config"]],
)[["run_id", "label", "model", "model_source", "benchmark", "harness", "evaluator", "score_scale",
   "length_unit", "tokenizer", "n_files", "n_trials", "n_task_scores", "n_samples", "files", "inferred", "created_at",
   "workspace", "created_by"]]
st.dataframe(view, hide_index=True, width="stretch",
             column_config={"run_id": st.column_config.NumberColumn("run", format="%d"),
                            "files": st.column_config.TextColumn("first file", width="medium"),
                            "created_at": st.column_config.DatetimeColumn("ingested", format="YYYY-MM-DD HH:mm")})

labels_by_id = dict(zip(runs["run_id"], runs["label"]))
# the runs this user may rename / delete: an admin of the run's workspace, or the member who stored it
# (storage.runs refuses the others too; here they are simply not offered)
changeable = {int(r.run_id): r.label for r in runs.itertuples() if scope.may_change(r.workspace, r.created_by)}
c1, c2 = st.columns(2)
with c1, st.container(border=True):
    st.markdown("**Files of a run**")
    fid = st.selectbox("Run", list(labels_by_id), format_func=lambda r: f"{r} · {labels_by_id[r]}", key="files_run")
    st.dataframe(data.run_files(fp, int(fid)), hide_index=True, width="stretch")


@st.dialog("Rename run?")
def _confirm_rename(run_id: int, old: str, new: str) -> None:
    st.write(f"Run **{run_id}**: **{old}** → **{new}**. The change is recorded in the audit log.")
    if st.button("Rename", type="primary"):
        try:
            rename_run(store, run_id, new, scope=scope)
        except (ValueError, NoAccessError) as exc:
            st.error(str(exc))
        else:
            st.session_state.last_result = f"Renamed run {run_id} to {new}."
            st.rerun()


@st.dialog("Delete run?")
def _confirm_delete(run_id: int, label: str) -> None:
    st.write(f"Run **{run_id} · {md(label)}** will be hidden from every page at once. An admin can restore it "
             f"from the Admin page for {retention_days()} days; after that it is removed for good. "
             "The deletion is recorded in the audit log.")
    if st.button("Delete", type="primary"):
        try:
            delete_run(store, run_id, scope=scope)
        except NoAccessError as exc:
            st.error(str(exc))
        else:
            st.session_state.last_result = f"Deleted run {run_id} ({label})."
            st.rerun()


if changeable:
    with c2, st.container(border=True):
        st.markdown("**Rename a run**")
        rid = st.selectbox("Run", list(changeable), format_func=lambda r: f"{r} · {changeable[r]}", key="rename_run")
        new_label = st.text_input("New display label", value=changeable[rid], key=f"new_label_{rid}")
        if st.button("Rename…") and new_label.strip() and new_label.strip() != changeable[rid]:
            _confirm_rename(int(rid), changeable[rid], new_label.strip())
    with c2, st.container(border=True):
        st.markdown("**Delete a run**")
        did = st.selectbox("Run", list(changeable), format_func=lambda r: f"{r} · {changeable[r]}", key="delete_run")
        if st.button("Delete…"):
            _confirm_delete(int(did), changeable[did])
