"""Real servers for live tests and scripts: nlentry, PostgreSQL, Redis.

Used by ``scripts/crash_test.py`` and by ``tests/live`` (which put this
folder on ``sys.path``). Everything listens on 127.0.0.1 on a free port,
lives in a temp directory, and is stopped by whoever started it.

* ``Nlentry``: ``nlentry serve`` as a subprocess in its own process group,
  ready when ``/api/v1/health`` answers; ``stop()`` (TERM, then KILL) and
  ``kill()`` (SIGKILL to the whole group: the master and every worker).
* ``postgres_server()``: the server named by ``NLENTRY_TEST_DATABASE_URL``
  (as ``.ci/run`` sets it), else one started here from Debian's packages
  (``initdb`` and ``pg_ctl`` as the ``postgres`` user when run as root).
  ``fresh_database(server_url)`` creates a uniquely named database on it.
* ``redis_server()``: ``NLENTRY_TEST_REDIS_URL``, else a ``redis-server``
  started here.

A required server that cannot be had raises ``Unavailable`` with the reason.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NLENTRY = str(BIN / "nlentry") if (BIN / "nlentry").exists() else "nlentry"

TEST_DATABASE_URL_ENV = "NLENTRY_TEST_DATABASE_URL"
TEST_REDIS_URL_ENV = "NLENTRY_TEST_REDIS_URL"

# Every variable that configures a server: cleared first, so that a test's
# server only sees what that test sets.
_SERVER_ENV = ("NLENTRY_DATABASE_URL", "NLENTRY_REDIS_URL", "NLENTRY_RATE_LIMIT",
               "NLENTRY_BODY_TIMEOUT")  # fmt: skip


class Unavailable(RuntimeError):
    """A server that a test needs could not be started or reached."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(**settings: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SERVER_ENV}
    env.update({k: v for k, v in settings.items() if v is not None})
    env["PYTHONUNBUFFERED"] = "1"
    return env


# --- nlentry ---------------------------------------------------------------------


def add_user(env: dict[str, str], email: str, workspace: str = "Default", cwd: Path | None = None
             ) -> str:  # fmt: skip
    """``nlentry user add EMAIL``: its token (the only line on standard output)."""
    out = subprocess.run(
        [NLENTRY, "user", "add", email, "--workspace", workspace],
        env=env, cwd=cwd, check=False, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"nlentry user add {email} failed: {out.stderr}")
    lines = out.stdout.splitlines()
    if len(lines) != 1 or not lines[0].strip():
        raise RuntimeError(f"nlentry user add printed {out.stdout!r}")
    return lines[0].strip()


class Nlentry:
    """``nlentry serve`` on a free port (``workers`` processes), logging to ``log``."""

    def __init__(self, env: dict[str, str], workdir: Path, *, workers: int = 1,
                 log_name: str = "server.log", port: int | None = None,
                 cmd: list[str] | None = None):  # fmt: skip
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.api = self.base + "/api/v1"
        self.log = Path(workdir) / log_name
        self._fh = self.log.open("ab")
        if cmd is None:
            cmd = [NLENTRY, "serve", "--port", str(self.port), "--workers", str(workers)]
        else:  # another way to start it: "{port}" in cmd is this server's port
            cmd = [part.replace("{port}", str(self.port)) for part in cmd]
        self.proc = subprocess.Popen(
            cmd, env=env, cwd=workdir, stdout=self._fh, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip

    def log_text(self) -> str:
        self._fh.flush()
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 90) -> Nlentry:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nlentry serve exited ({self.proc.returncode}):\n"
                                   f"{self.log_text()[-4000:]}")  # fmt: skip
            with contextlib.suppress(OSError), urllib.request.urlopen(
                self.api + "/health", timeout=2
            ) as r:
                if r.status == 200:
                    return self
            time.sleep(0.2)
        raise RuntimeError(f"nlentry serve not ready after {timeout}s:\n{self.log_text()[-4000:]}")

    def worker_pids(self) -> set[int]:
        """The processes of this server's group (the master and its workers)."""
        pids = set()
        for stat in glob.glob("/proc/[0-9]*/stat"):
            with contextlib.suppress(OSError):
                fields = Path(stat).read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == self.proc.pid:  # the process group id
                    pids.add(int(Path(stat).parent.name))
        return pids

    def kill(self) -> None:
        """SIGKILL the whole process group at once: no shutdown, no flush."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._wait_group_gone()

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):  # workers left behind
            os.killpg(self.proc.pid, signal.SIGKILL)
        self._wait_group_gone()
        self._fh.close()

    def _wait_group_gone(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.worker_pids():
            time.sleep(0.05)


@contextlib.contextmanager
def running(env: dict[str, str], workdir: Path, **kwargs) -> Iterator[Nlentry]:
    server = Nlentry(env, workdir, **kwargs)
    try:
        yield server.wait_ready()
    finally:
        server.stop()


def request(method: str, url: str, auth: str, data: dict | None = None,
            headers: dict | None = None, timeout: float = 30) -> tuple[int, dict, bytes]:  # fmt: skip
    """One request on a fresh connection: (status, headers, body)."""
    req = urllib.request.Request(
        url, method=method, data=None if data is None else json.dumps(data).encode(),
        headers={"X-Api-Key": auth, "Content-Type": "application/json", **(headers or {})},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


# --- PostgreSQL ----------------------------------------------------------------------


def _pg_bindir() -> str | None:
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[4]))
    for d in reversed(dirs):
        if os.access(f"{d}/initdb", os.X_OK):
            return d
    return None


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server URL (``postgresql+psycopg://postgres@host:port/postgres``)."""
    url = os.environ.get(TEST_DATABASE_URL_ENV)
    if url:
        _check_postgres(url)
        yield url
        return
    bindir = _pg_bindir()
    if bindir is None:
        raise Unavailable(
            f"PostgreSQL is needed: set {TEST_DATABASE_URL_ENV} or install the Debian package "
            "postgresql (apt-get install -y postgresql)"
        )
    tmp = Path(tempfile.mkdtemp(prefix="nlentry-live-pg."))
    tmp.chmod(0o755)
    data, sock = tmp / "data", tmp / "sock"
    data.mkdir()
    sock.mkdir()
    as_pg: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
        shutil.chown(sock, "postgres", "postgres")
        as_pg = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    pg_ctl = [*as_pg, f"{bindir}/pg_ctl", "-D", str(data)]
    started = False
    try:
        run = subprocess.run(
            [*as_pg, f"{bindir}/initdb", "-D", str(data), "-U", "postgres", "-A", "trust",
             "-E", "UTF8", "--no-locale", "--no-sync"],
            cwd="/", check=False, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        if run.returncode:
            raise Unavailable(f"initdb failed: {run.stderr[-2000:]}")
        opts = (f"-c listen_addresses=127.0.0.1 -p {port} -k {sock} -c max_connections=200 "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")  # fmt: skip
        run = subprocess.run(
            [*pg_ctl, "-l", str(sock / "postgres.log"), "-w", "-t", "60", "-o", opts, "start"],
            cwd="/", check=False, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        if run.returncode:
            log = (sock / "postgres.log").read_text(errors="replace")[-2000:]
            raise Unavailable(f"pg_ctl start failed: {run.stderr} {log}")
        started = True
        url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        _check_postgres(url)
        yield url
    finally:
        if started:
            subprocess.run([*pg_ctl, "-m", "immediate", "-w", "stop"], check=False, cwd="/",
                           capture_output=True, timeout=60)  # fmt: skip
        shutil.rmtree(tmp, ignore_errors=True)


def _psycopg_dsn(url: str, database: str | None = None) -> str:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if database:
        u = u.set(database=database)
    return u.set(drivername="postgresql").render_as_string(hide_password=False)


def _check_postgres(url: str) -> None:
    try:
        import psycopg
    except ImportError as error:
        raise Unavailable("psycopg is needed for PostgreSQL: pip install -e '.[test]'") from error
    try:
        with psycopg.connect(_psycopg_dsn(url, "postgres"), connect_timeout=10) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        raise Unavailable(f"PostgreSQL at {url} does not answer: {error}") from error


@contextlib.contextmanager
def fresh_database(server_url: str, prefix: str = "nlentry_live") -> Iterator[str]:
    """A new, empty database on the server (dropped afterwards): its SQLAlchemy URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = _psycopg_dsn(server_url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- Redis -------------------------------------------------------------------------------


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A Redis URL (``redis://127.0.0.1:port/0``)."""
    url = os.environ.get(TEST_REDIS_URL_ENV)
    if url:
        _check_redis(url)
        yield url
        return
    exe = shutil.which("redis-server")
    if exe is None:
        raise Unavailable(f"Redis is needed: set {TEST_REDIS_URL_ENV} or install the Debian "
                          "package redis-server (apt-get install -y redis-server)")  # fmt: skip
    tmp = Path(tempfile.mkdtemp(prefix="nlentry-live-redis."))
    port = free_port()
    proc = subprocess.Popen(
        [exe, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(tmp), "--save", "",
         "--appendonly", "no", "--logfile", str(tmp / "redis.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        url = f"redis://127.0.0.1:{port}/0"
        deadline = time.monotonic() + 30
        while True:
            try:
                _check_redis(url)
                break
            except Unavailable:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


def _check_redis(url: str) -> None:
    try:
        import redis
    except ImportError as error:
        raise Unavailable("the redis client is needed: pip install -e '.[test]'") from error
    try:
        redis.Redis.from_url(url, socket_timeout=5).ping()
    except redis.RedisError as error:
        raise Unavailable(f"Redis at {url} does not answer: {error}") from error


@contextlib.contextmanager
def fresh_redis_db(server_url: str, db: int = 9) -> Iterator[str]:
    """Database ``db`` of the Redis server, emptied before and after: its URL.

    A fresh nlentry database numbers its tokens from 1 again, so rate-limit
    counts left in Redis by an earlier test would be counted against them.
    """
    import redis

    base = server_url.rsplit("/", 1)[0] if server_url.count("/") > 2 else server_url
    url = f"{base}/{db}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


# --- the database, read directly ---------------------------------------------------------


def query(database_url: str, sql: str, params: dict | None = None) -> list[tuple]:
    """Rows of ``sql`` read straight from the database (not through the API)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params or {})]
    finally:
        engine.dispose()
