"""Start ``streamlit run app.py`` for a benchmark: a free loopback port, one store, wait for health."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(store: Path, *, port: int | None = None, env: dict[str, str | None] | None = None,
              args: tuple[str, ...] = (), deadline: float = 300.0) -> tuple[subprocess.Popen, str]:
    """``streamlit run app.py`` on ``store`` (``LONGSCOPE_DB``, offline) with the extra ``env``
    (a None value removes the variable) and command-line ``args``.

    Returns:
        (process, ``http://127.0.0.1:PORT``) once ``/_stcore/health`` answers.

    Raises:
        RuntimeError: the server exited or did not answer within ``deadline`` seconds (it is killed).
    """
    port = port or free_port()
    full = {**os.environ, "LONGSCOPE_DB": str(store), "HF_HUB_OFFLINE": "1", **(env or {})}
    full = {k: v for k, v in full.items() if v is not None}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
                             "--server.headless", "true", *args], cwd=ROOT, env=full,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    end = time.time() + deadline
    while time.time() < end and proc.poll() is None:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return proc, url
        except OSError:
            time.sleep(0.3)  # polling the health endpoint
    proc.kill()
    raise RuntimeError("streamlit did not start")
