"""Faults of the store on real servers (issue 10, findings 8 and 9).

* An error answer (``503`` for the store, ``500`` for a bug) leaves the
  keep-alive connection usable: the client's next request on the *same*
  connection (one ``http.client.HTTPConnection``, one socket) is answered.
  Before, every such answer was sent and then the connection was dropped
  without ``Connection: close`` (the exception went on to uvicorn, which
  closes the transport), so the next request on it failed.
* PostgreSQL unreachable (a TCP gate between the server and PostgreSQL, shut
  and opened again while ``nlentry serve`` runs) is ``503`` with
  ``Retry-After``, and the service recovers by itself when it is back.

The SQLite server is ``app_from_env()`` served by uvicorn with a fault
switch (``build`` below): while the file named by ``$NLENTRY_TEST_FAULT_FLAG``
exists, every write statement fails in the driver with SQLite's own
``attempt to write a readonly database``, and ``GET /api/v1/boom`` is a bug
(a ``RuntimeError``) for the genuine 500.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import sqlite3
import sys
import threading
from pathlib import Path

import livekit
import pytest

from tests.live.live_support import record_figures

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "scripts"
FAULT_FLAG_ENV = "NLENTRY_TEST_FAULT_FLAG"
ENTRIES = "/api/v1/time_entries.json"
UNAVAILABLE = {"message": "service unavailable", "error_code": "service_unavailable",
               "code": "SERVICE_UNAVAILABLE", "type": "api_error", "param": None}


# --- the server with a fault switch (imported by uvicorn in the server process) ------------

_FLAG: Path | None = None
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def _fail_if_faulted(sql: str) -> None:
    if _FLAG is not None and _FLAG.exists() and sql.lstrip().upper().startswith(_WRITES):
        raise sqlite3.OperationalError("attempt to write a readonly database")


class _FaultyCursor(sqlite3.Cursor):
    def execute(self, sql, parameters=()):
        _fail_if_faulted(sql)
        return super().execute(sql, parameters)

    def executemany(self, sql, parameters):
        _fail_if_faulted(sql)
        return super().executemany(sql, parameters)


class _FaultyConnection(sqlite3.Connection):
    def cursor(self, factory=_FaultyCursor):
        return super().cursor(factory)


def build():
    """``app_from_env()`` whose SQLite writes fail while the flag file exists, plus a bug."""
    global _FLAG
    from sqlalchemy import event
    from starlette.routing import Route

    from nlentry.api.app import app_from_env

    _FLAG = Path(os.environ[FAULT_FLAG_ENV])
    app = app_from_env()
    engine = app.state.db.engine

    @event.listens_for(engine, "do_connect")
    def connect(dialect, record, cargs, cparams):
        return sqlite3.connect(*cargs, factory=_FaultyConnection, **cparams)

    engine.pool.dispose()  # the migration's connections: opened again through the switch

    def boom(request):
        raise RuntimeError("a bug")

    app.router.routes.append(Route("/api/v1/boom", boom))
    return app


# --- one keep-alive connection ---------------------------------------------------------------


class KeptConnection:
    """One ``HTTPConnection`` whose socket must stay the same for every request."""

    def __init__(self, port: int, auth: str):
        self.http = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.auth = auth
        self.sockets: list[tuple[str, int]] = []
        self.closes_announced = 0
        self.answers: list[int] = []

    def send(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict, bytes]:
        headers = {"X-Api-Key": self.auth, "Content-Type": "application/json"}
        data = None if body is None else json.dumps(body).encode()
        previous = self.answers[-1] if self.answers else None
        try:
            self.http.request(method, path, body=data, headers=headers)
            answer = self.http.getresponse()
            payload = answer.read()
        except (http.client.HTTPException, OSError) as error:
            raise AssertionError(
                f"{method} {path} failed on the kept connection after a {previous} "
                f"answer that did not say Connection: close: {error!r}"
            ) from error
        self.sockets.append(self.http.sock.getsockname())
        answer_headers = {k.lower(): v for k, v in answer.getheaders()}
        if answer_headers.get("connection", "").lower() == "close":
            self.closes_announced += 1  # allowed: http.client opens a new connection next
        self.answers.append(answer.status)
        return answer.status, answer_headers, payload

    def close(self) -> None:
        self.http.close()

    def reused(self) -> bool:
        """Every request went over one socket (none was refused or dropped on the way)."""
        return self.closes_announced == 0 and len(set(self.sockets)) == 1


def _assert_unavailable(answer, body=UNAVAILABLE) -> None:
    status, headers, payload = answer
    assert status == 503, (status, payload)
    assert json.loads(payload) == body
    assert int(headers["retry-after"]) >= 1


HEALTH_DOWN = {"status": "unavailable", "database": "unavailable"}


@pytest.mark.parametrize("protocol", ["httptools", "h11"])
def test_an_error_answer_leaves_the_keep_alive_connection_usable(protocol, tmp_path):
    flag = tmp_path / "fault-on"
    database = f"sqlite:///{tmp_path / 'faults.db'}"
    env = livekit.server_env(NLENTRY_DATABASE_URL=database)
    auth = f"alice@example.com:{livekit.add_user(env, 'alice@example.com', cwd=tmp_path)}"
    env.update({"PYTHONPATH": os.pathsep.join([str(REPO), str(SCRIPTS)]),
                FAULT_FLAG_ENV: str(flag)})  # fmt: skip
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "tests.live.test_faults_live:build",
           "--host", "127.0.0.1", "--port", "{port}", "--loop", "uvloop",
           "--http", protocol, "--no-access-log"]  # fmt: skip
    with livekit.running(env, tmp_path, cmd=cmd) as server:
        kept = KeptConnection(server.port, auth)
        try:
            assert kept.send("POST", ENTRIES, {"body": "2 uur werk"})[0] == 201
            flag.touch()  # the store refuses writes
            _assert_unavailable(kept.send("POST", ENTRIES, {"body": "1 uur werk"}))
            assert kept.send("GET", ENTRIES)[0] == 200  # the same connection, answered
            _assert_unavailable(kept.send("GET", "/api/v1/health"), HEALTH_DOWN)
            bug = kept.send("GET", "/api/v1/boom")
            assert bug[0] == 500 and json.loads(bug[2])["message"] == "internal error"
            assert kept.send("GET", ENTRIES)[0] == 200  # still the same connection
            flag.unlink()  # the store is back: no restart
            assert kept.send("POST", ENTRIES, {"body": "3 uur werk"})[0] == 201
            assert kept.send("GET", "/api/v1/health")[0] == 200
        finally:
            kept.close()
        log = server.log_text()
    rows = livekit.query(database, "SELECT count(*) FROM time_entries")[0][0]
    record_figures(f"faults.keep_alive[{protocol}]", sent=len(kept.answers),
                   answers=kept.answers, sockets=len(set(kept.sockets)),
                   connection_close=kept.closes_announced, rows=rows)  # fmt: skip
    assert kept.reused(), f"the answers after an error came on new connections: {kept.sockets}"
    assert rows == 2
    assert "Exception in ASGI application" not in log, log[-3000:]


# --- PostgreSQL unreachable ------------------------------------------------------------------


class TcpGate:
    """127.0.0.1:port relayed to ``target``; ``shut`` cuts every relayed
    connection and refuses new ones (as a stopped server does), ``open`` lets
    them through again."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.port = livekit.free_port()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None

    def __enter__(self) -> TcpGate:  # noqa: PYI034
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.shut()

    def open(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def shut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
            listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for s in sockets:
            _cut(s)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=30)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            _cut(source)
            _cut(sink)


def _cut(s: socket.socket) -> None:
    with contextlib.suppress(OSError):
        s.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        s.close()


def test_postgres_unreachable_is_503_on_a_kept_connection_and_recovers(tmp_path, postgres_url):
    from sqlalchemy.engine import make_url

    server_url = make_url(postgres_url)
    with livekit.fresh_database(postgres_url) as direct, \
            TcpGate(server_url.host or "127.0.0.1", server_url.port or 5432) as gate:  # fmt: skip
        through_gate = make_url(direct).set(host="127.0.0.1", port=gate.port)
        env = livekit.server_env(
            NLENTRY_DATABASE_URL=through_gate.render_as_string(hide_password=False))
        auth = f"alice@example.com:{livekit.add_user(env, 'alice@example.com', cwd=tmp_path)}"
        with livekit.running(env, tmp_path) as server:
            kept = KeptConnection(server.port, auth)
            try:
                assert kept.send("POST", ENTRIES, {"body": "2 uur werk"})[0] == 201
                gate.shut()  # PostgreSQL is gone: connections cut, new ones refused
                down = [kept.send("POST", ENTRIES, {"body": "1 uur werk"}),
                        kept.send("GET", ENTRIES),
                        kept.send("POST", ENTRIES, {"body": "1 uur werk"}),
                        kept.send("GET", "/api/v1/health")]  # fmt: skip
                gate.open()  # back: no restart
                again = kept.send("POST", ENTRIES, {"body": "3 uur werk"})
                listed = kept.send("GET", ENTRIES)
                health = kept.send("GET", "/api/v1/health")
            finally:
                kept.close()
            log = server.log_text()
        rows = livekit.query(direct, "SELECT count(*) FROM time_entries")[0][0]
    record_figures("faults.postgres_unreachable", sent=len(kept.answers), answers=kept.answers,
                   sockets=len(set(kept.sockets)), rows=rows)  # fmt: skip
    for answer in down[:-1]:
        _assert_unavailable(answer)
    _assert_unavailable(down[-1], HEALTH_DOWN)
    assert again[0] == 201, again
    assert listed[0] == 200 and json.loads(listed[2])["total_entries"] == 2
    assert health[0] == 200
    assert rows == 2
    assert kept.reused(), f"answers came on new connections: {kept.sockets}"
    assert "internal error" not in log, log[-3000:]
