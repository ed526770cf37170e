"""The probe pages' job panel: queued / running (progress bar, ETA) / done / failed (with the
error) / cancelled, with a Cancel button, for the jobs of one probe kind from every session and
process (``jobs.backend``: the app's in-process queue on an embedded store, the workers' PostgreSQL
queue on the team store). Redraws itself every 2 s; when a job it showed running ends, the whole
page reruns so the stored results below include it.

    job_id = niah_sweep.submit(options, store, ...); st.session_state["niah_job"] = job_id
    job_panel("niah_job", store, kind=niah_sweep.KIND)
"""
from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from jobs.backend import JobView, backend_for
from jobs.team_queue import redact
from storage.scope import DEFAULT_WORKSPACE, Scope
from ui.page import current_scope

ACTIVE = ("queued", "running")


def worker_hint(store) -> str:
    """How to start a worker on this team store (the catalog URL with any password masked)."""
    url = redact(store.path)
    data = f" --data-path {store.data_path}" if store.data_path else " --data-path <the shared data folder>"
    return f"longscope worker --store '{url}'{data} --device cuda:0"


def _visible(job: JobView, scope: Scope) -> bool:
    return scope.every_workspace or job.workspace is None or job.workspace in scope.workspaces


def _may_cancel(job: JobView, scope: Scope) -> bool:
    return scope.may_change(job.workspace or DEFAULT_WORKSPACE, job.owner) or job.owner is None


def _progress_line(job: JobView) -> str:
    eta = f" · about {job.eta_s:.0f} s left" if job.eta_s else ""
    if job.status == "queued":
        steps = "waiting for a worker" if job.device is None else "waiting for the running job on its device"
    elif job.cancelling:
        steps = "cancelling (stops at the next check)"
    else:
        since = f", {time.time() - job.started:.0f} s" if job.started else ""
        steps = f"{job.done}/{job.total} {job.message}" if job.total else f"starting (loading the model{since})"
    where = f" on {job.device}" if job.device else ""
    by = f" · queued by {job.owner}" if job.owner else ""
    return f"{job.label}: {job.status}{where} · {steps}{eta}{by}"


def _ended(job: JobView) -> None:
    took = f" in {job.finished - job.started:.0f} s" if job.finished and job.started else ""
    if job.status == "done":
        st.success(f"{job.label}: done{took} · {job.summary or ''}")
    elif job.status == "failed":
        st.error(f"{job.label} failed: {job.error}")
    else:
        st.warning(f"{job.label}: cancelled (what it stored before the cancel is kept)")


def _table(jobs: list[JobView]) -> pd.DataFrame:
    return pd.DataFrame([{"job": j.id, "label": j.label, "status": j.status, "device": j.device,
                          "progress": f"{j.done}/{j.total}" if j.total else "", "by": j.owner,
                          "took (s)": round(j.finished - j.started) if j.finished and j.started else None,
                          "result": (j.summary or (j.error or "").split("\n")[0])[:160]} for j in jobs])


def job_panel(session_key: str, store, kind: str) -> None:
    """Draw the jobs of probe ``kind`` on ``store``'s backend; ``st.session_state[session_key]``
    holds the id of the job this session submitted (its outcome is shown when it ends)."""
    backend = backend_for(store)

    @st.fragment(run_every=2)
    def _panel():
        scope = current_scope()
        jobs = [j for j in backend.jobs(kind) if _visible(j, scope)]
        active = [j for j in jobs if j.status in ACTIVE]
        if backend.remote:
            st.caption("Team store: jobs run on a worker (`longscope worker`); the worker's `--device` decides "
                       "where, the Device above only describes the model here.")
            if not backend.live_workers():
                say = st.warning if active else st.info
                say(f"No worker is running{': queued jobs wait until one starts' if active else ''}. Start one on a "
                    f"GPU server with `{worker_hint(store)}` (README, 'Team store').", icon=":material/dns:")
        for job in active:
            st.progress(job.fraction, text=_progress_line(job))
            if _may_cancel(job, scope) and not job.cancelling and \
                    st.button("Cancel", key=f"{session_key}_cancel_{job.id}", help=f"job {job.id}"):
                backend.cancel(job.id)
        seen = st.session_state.get(f"{session_key}_active", set())
        now_active = {j.id for j in active}
        st.session_state[f"{session_key}_active"] = now_active
        if seen - now_active:
            # a job shown running has ended: rerun the whole page so the stored results below include it
            st.rerun(scope="app")
        mine = next((j for j in jobs if j.id == st.session_state.get(session_key)), None)
        if mine is not None and mine.status not in ACTIVE:
            _ended(mine)
        if jobs:
            with st.expander(f"Recent jobs ({len(jobs)}, {'all workers' if backend.remote else 'this app'})"):
                st.dataframe(_table(jobs), hide_index=True)

    _panel()

