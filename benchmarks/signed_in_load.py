"""Load on a shared, signed-in board (issue 11): ``--sessions`` (default 20) signed-in browser
sessions browse the NIAH heatmap and the length-degradation page while another session keeps
uploading result files, against a store of ``--trials`` (default 1,000,000) NIAH trials. A
benchmark, not a timed test; loopback only, bounded in sessions, rounds and time.

Set-up: ``tests.factories.synthetic_store`` (80 NIAH runs of 35 x 35 cells + 20 RULER-like runs),
a real OpenID Connect provider on loopback (``oidc-provider-mock``), ``streamlit run app.py`` with
``LONGSCOPE_AUTH=oidc``; ``bench00@example.org`` is the first admin, the others members of the
``default`` workspace. Each session signs in once (the provider's form), then does ``--rounds``
rounds of: open ``/niah_heatmap?runs=R`` and ``/length_degradation?runs=R`` (R a random NIAH run; the sessions start evenly over ``--ramp`` seconds)
and time, from the navigation, until the page's first Plotly chart is drawn with its points (the
heatmap: its cells) and the script run has finished. The uploader session uploads a fresh 1,225-
trial NIAH file on the Upload page and stores it, over and over, until the browsing ends.

Errors: a navigation that times out (``--timeout`` s), a page showing a Python exception or an
error box, or an upload whose "Stored" message does not come.

Usage::

    python benchmarks/signed_in_load.py [--sessions 20] [--rounds 3] [--trials 1000000] [--out FILE.json]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.app_server import free_port, start_app  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
RUN_TAG = time.strftime("%Y%m%d%H%M%S")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]
READY = ('[data-testid="stApp"][data-test-connection-state="CONNECTED"]'
         '[data-test-script-state="notRunning"]')
CHART_DRAWN = ("() => { const p = document.querySelector('[data-testid=\"stPlotlyChart\"] .js-plotly-plot');"
               " return !!(p && p._fullLayout && p.querySelectorAll('.point').length); }")


def build_store(path: Path, trials: int, sessions: int) -> list[int]:
    """The synthetic store plus the members; returns the NIAH run ids."""
    from storage.db import open_store
    from storage.runs import list_runs
    from storage.scope import MEMBER
    from storage.workspaces import ensure_first_admin, scope_for, set_role
    from tests.factories import synthetic_store

    fresh = not path.exists()  # --workdir of an earlier run: its store is reused as it is
    store = open_store(path)
    if fresh:
        synthetic_store(store, trials_total=trials)
    ensure_first_admin(store, "bench00@example.org")
    admin = scope_for(store, "bench00@example.org")
    for i in range(1, sessions + 1):
        set_role(store, "default", f"bench{i:02d}@example.org", MEMBER, scope=admin)
    runs = [r for r, m in list_runs(store, kind="trials")[["run_id", "model"]].itertuples(index=False)
            if m.startswith("model-")]  # the synthetic runs (not earlier uploads)
    store.close()
    return runs


def niah_file(folder: Path, k: int) -> Path:
    """A tidy NIAH JSONL file of 35 x 35 cells for model ``upload-<start time>-k`` (new on every
    run of the benchmark, so a reused ``--workdir`` store never sees it as already ingested)."""
    rng = random.Random(k)
    lines = [json.dumps({"model": f"upload-{RUN_TAG}-{k:03d}", "benchmark": "niah", "task": None, "context_length": 1000 + 3700 * i,
                         "depth_percent": round(100 * j / 34, 3), "score": int(rng.random() < 0.8), "scale": "binary"})
             for i in range(35) for j in range(35)]
    path = folder / f"upload_{k:03d}.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


async def sign_in(page, base: str, who: str, timeout_ms: int) -> None:
    await page.goto(f"{base}/", wait_until="domcontentloaded")
    await page.get_by_role("button", name="Sign in").click(timeout=timeout_ms)
    await page.locator('input[name="sub"]').fill(who, timeout=timeout_ms)
    await page.get_by_role("button", name="Authorize").click(timeout=timeout_ms)
    await page.get_by_text(f"Signed in as {who}").wait_for(timeout=timeout_ms)


async def timed_view(page, url: str, timeout_ms: int) -> tuple[float | None, str | None]:
    """Seconds from navigation to the first chart drawn and the run finished; or (None, error)."""
    t0 = time.perf_counter()
    try:
        await page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
        await page.wait_for_function(CHART_DRAWN, timeout=timeout_ms)
        drawn = time.perf_counter() - t0
        await page.wait_for_selector(READY, timeout=timeout_ms)
        if await page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]').count():
            return None, f"{url}: error shown"
        return drawn, None
    except Exception as exc:  # a timeout or a crashed page: counted, the session goes on
        return None, f"{url}: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}"


async def browse(browser, base: str, who: str, runs: list[int], rounds: int, timeout_ms: int, out: dict,
                 delay_s: float = 0.0) -> None:
    await asyncio.sleep(delay_s)  # colleagues arrive over a minute or so, not in the same millisecond
    ctx = await browser.new_context(viewport={"width": 1300, "height": 900})
    ctx.set_default_timeout(timeout_ms)
    ctx.set_default_navigation_timeout(timeout_ms)
    page = await ctx.new_page()
    for attempt in (1, 2):  # one retry: a sign-in is a round trip through the provider
        try:
            t0 = time.perf_counter()
            await sign_in(page, base, who, timeout_ms)
            out["sign_ins"].append(time.perf_counter() - t0)
            break
        except Exception as exc:
            out["errors"].append(f"{who}: sign-in attempt {attempt} failed at {page.url}: {type(exc).__name__}: "
                                 f"{str(exc).splitlines()[0][:100]}")
    else:
        await ctx.close()
        return
    rng = random.Random(who)
    for _ in range(rounds):
        for name in ("niah_heatmap", "length_degradation"):
            secs, err = await timed_view(page, f"{base}/{name}?runs={rng.choice(runs)}", timeout_ms)
            (out["errors"].append(err) if err else out["times"][name].append(secs))
            print(f"{time.strftime('%H:%M:%S')} {who} {name}: {err or f'{secs:.1f} s'}", flush=True)
    await ctx.close()


async def upload_loop(browser, base: str, folder: Path, stop: asyncio.Event, timeout_ms: int, out: dict) -> None:
    ctx = await browser.new_context(viewport={"width": 1300, "height": 1000})
    ctx.set_default_timeout(timeout_ms)
    ctx.set_default_navigation_timeout(timeout_ms)
    page = await ctx.new_page()
    try:
        await sign_in(page, base, "bench00@example.org", timeout_ms)
    except Exception as exc:
        out["errors"].append(f"uploader: sign-in failed: {type(exc).__name__}")
        await ctx.close()
        return
    k = 0
    while not stop.is_set():
        k += 1
        t0 = time.perf_counter()
        try:
            await page.goto(f"{base}/upload", wait_until="domcontentloaded")
            await page.wait_for_selector(READY, timeout=timeout_ms)
            await page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(niah_file(folder, k)))
            await page.get_by_role("button", name="Store 1 run(s)").click(timeout=timeout_ms)
            await page.get_by_text("Stored 1 run(s)").wait_for(timeout=timeout_ms)
            out["uploads"].append(time.perf_counter() - t0)
            print(f"{time.strftime('%H:%M:%S')} upload {k}: {out['uploads'][-1]:.1f} s", flush=True)
        except Exception as exc:
            out["errors"].append(f"upload {k}: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
    await ctx.close()


def _pct(xs: list[float], q: float) -> float | None:
    if not xs:
        return None
    return round(statistics.quantiles(xs, n=100, method="inclusive")[q - 1], 2) if len(xs) > 1 else round(xs[0], 2)


async def run(args) -> dict:
    from oidc_provider_mock import run_server_in_thread
    from playwright.async_api import async_playwright

    work = Path(args.workdir or tempfile.mkdtemp(prefix="longscope-load-"))
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    runs = build_store(work / "load.duckdb", args.trials, args.sessions)
    built = time.time() - t0
    out = {"times": {"niah_heatmap": [], "length_degradation": []}, "uploads": [], "errors": [], "sign_ins": []}
    with run_server_in_thread(port=free_port()) as oidc:
        port = free_port()
        base = f"http://localhost:{port}"
        secrets = work / "secrets.toml"
        secrets.write_text(f'[auth]\nredirect_uri = "{base}/oauth2callback"\ncookie_secret = "bench-cookie-secret-0123456789"\n'
                           f'client_id = "bench"\nclient_secret = "bench"\n'
                           f'server_metadata_url = "http://localhost:{oidc.server_port}/.well-known/openid-configuration"\n')
        app, _ = start_app(work / "load.duckdb", port=port, args=("--secrets.files", str(secrets)),
                           env={"LONGSCOPE_AUTH": "oidc", "NO_PROXY": "127.0.0.1,localhost", "LONGSCOPE_ADMIN": None})
        try:
            timeout_ms = int(args.timeout * 1000)
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
                stop = asyncio.Event()
                uploader = asyncio.create_task(upload_loop(browser, base, work, stop, timeout_ms, out))
                t1 = time.time()
                await asyncio.gather(*[browse(browser, base, f"bench{i:02d}@example.org", runs, args.rounds, timeout_ms,
                                              out, delay_s=args.ramp * (i - 1) / max(1, args.sessions - 1))
                                       for i in range(1, args.sessions + 1)])
                wall = time.time() - t1
                stop.set()
                await uploader
                await browser.close()
        finally:
            app.terminate()
            app.wait(timeout=30)
    every = [t for ts in out["times"].values() for t in ts]
    return {
        "sessions": args.sessions, "rounds": args.rounds, "trials_in_store": args.trials, "niah_runs": len(runs),
        "store_build_s": round(built, 1), "browse_wall_s": round(wall, 1),
        "time_to_chart_s": {name: {"n": len(ts), "p50": _pct(ts, 50), "p95": _pct(ts, 95), "max": round(max(ts), 2) if ts else None}
                            for name, ts in {**out["times"], "all": every}.items()},
        "uploads": {"n": len(out["uploads"]), "p50_s": _pct(out["uploads"], 50)},
        "sign_ins": {"n": len(out["sign_ins"]), "p50_s": _pct(out["sign_ins"], 50), "p95_s": _pct(out["sign_ins"], 95)},
        "sessions_that_browsed": args.sessions - sum("attempt 2 failed" in e for e in out["errors"]),
        "errors": len(out["errors"]), "error_samples": out["errors"][:20],
        "machine": f"{os.cpu_count()} cores, shared with other work (load average at the end "
                   f"{os.getloadavg()[0]:.1f})",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--trials", type=int, default=1_000_000)
    ap.add_argument("--timeout", type=float, default=180.0, help="seconds per navigation before it counts as an error")
    ap.add_argument("--ramp", type=float, default=60.0, help="seconds over which the sessions start (evenly)")
    ap.add_argument("--workdir")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "signed_in_load.json"))
    args = ap.parse_args()
    result = asyncio.run(run(args))
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
