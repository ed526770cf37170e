"""A throw-away PostgreSQL cluster for tests and benchmarks: ``initdb`` + ``pg_ctl`` on a free
loopback port, run as an unprivileged user (PostgreSQL refuses to run as root).

Used by the ``team_store`` fixtures (tests/storage/conftest.py) and ``benchmarks/team_store.py``.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def pg_bin_dir() -> Path | None:
    """Folder holding ``initdb`` and ``pg_ctl``: ``$PG_BIN``, then ``PATH``, then Debian's
    ``/usr/lib/postgresql/<version>/bin`` (newest first); None when PostgreSQL is not installed."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_as() -> tuple[int, int] | None:
    """(uid, gid) to drop to when we are root: Debian's ``postgres`` user, else ``nobody``."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pw = pwd.getpwnam(name)
            return pw.pw_uid, pw.pw_gid
        except KeyError:
            continue
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' user exists to run PostgreSQL")


class PgCluster:
    """A PostgreSQL cluster in a temporary folder, listening on 127.0.0.1 only (trust auth,
    superuser ``longscope``). Call :meth:`start`, then :meth:`stop` (removes the folder).

    Raises:
        FileNotFoundError: PostgreSQL binaries not found (see :func:`pg_bin_dir`).
        RuntimeError: initdb or pg_ctl failed (their output is in the message).
    """

    user = "longscope"

    def __init__(self, base: Path | str | None = None):
        bindir = pg_bin_dir()
        if bindir is None:
            raise FileNotFoundError("PostgreSQL is not installed (no initdb on PATH or in /usr/lib/postgresql/*/bin)")
        self.bin = bindir
        self.root = Path(tempfile.mkdtemp(prefix="longscope-pg-", dir=base))
        self.data = self.root / "data"
        self.port = _free_port()
        self._ids = _run_as()

    def _run(self, *args: str) -> None:
        def drop():
            if self._ids:
                os.setgid(self._ids[1])
                os.setuid(self._ids[0])
        proc = subprocess.run([str(self.bin / args[0]), *args[1:]], preexec_fn=drop, capture_output=True,
                              text=True, cwd=self.root, timeout=120)
        if proc.returncode:
            raise RuntimeError(f"{args[0]} failed ({proc.returncode}): {proc.stdout[-2000:]} {proc.stderr[-2000:]}")

    def start(self) -> "PgCluster":
        """initdb + pg_ctl start (waits until the server accepts connections)."""
        if self._ids:
            os.chmod(self.root, 0o755)
            os.chown(self.root, *self._ids)
        self._run("initdb", "-D", str(self.data), "-U", self.user, "--auth=trust", "-E", "UTF8", "--no-sync")
        opts = f"-c listen_addresses=127.0.0.1 -c port={self.port} -k {self.root} -c fsync=off -c max_connections=200"
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.root / "server.log"), "-w", "-t", "60", "start")
        return self

    def create_database(self, name: str) -> str:
        """Create database ``name``; returns its libpq connection string (as DuckLake's ATTACH takes it)."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, name)
        return self.dsn(name)

    def dsn(self, name: str) -> str:
        return f"dbname={name} host=127.0.0.1 port={self.port} user={self.user}"

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its folder."""
        try:
            if self.data.exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
