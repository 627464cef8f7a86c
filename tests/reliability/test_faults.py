"""Faults of the store (issue 10, findings 7 and 8): read-only, full, unreachable.

The store failing is not a bug: it is answered ``503 {"message": "service
unavailable"}`` with ``Retry-After``, and the service comes back by itself,
without a restart, once the store is back. A genuine bug stays a ``500``.

The read-only fault is made the way SQLite meets it. When the database file
(or its directory) is not writable, SQLite opens a new connection read-only
without a word, and that connection refuses every write for as long as it
lives, whatever happens to the file afterwards; a connection opened before
keeps its writable file descriptor. ``chmod`` cannot show this when the
tests run as root (root writes whatever the mode), so ``ReadOnlyFiles``
opens every new connection with SQLite's ``mode=ro`` while the fault lasts:
the same read-only connection, through the same code, on any account. Its
``start`` also lets go of the connections already open (the pool's and the
entry writer's), as a restart or a growing pool does, so that every
connection in use is one opened during the fault.

The full disk is SQLite's own ``SQLITE_FULL`` ("database or disk is full"),
made by capping the file at its current size (``PRAGMA max_page_count``) on
every connection opened while the fault lasts.
"""

from __future__ import annotations

import socket
import sqlite3
import urllib.request

import psycopg
import pytest
import sqlalchemy.exc
from sqlalchemy import event, func, select
from starlette.routing import Route
from starlette.testclient import TestClient

from nlentry.api.app import create_app
from nlentry.storage.engine import StoreUnavailable, store_unavailable
from nlentry.storage.models import TimeEntry
from tests.reliability.reliability_support import add_account, tally

ENTRIES = "/api/v1/time_entries.json"
HEALTH = "/api/v1/health"
UNAVAILABLE = {"message": "service unavailable"}


class ReadOnlyFiles:
    """While on, the SQLite file is opened read-only by every new connection."""

    def __init__(self, db):
        self.db = db
        self.on = False
        path = db.url.database
        self._read_only_uri = f"file:{urllib.request.pathname2url(path)}?mode=ro"
        event.listen(db.engine, "do_connect", self._connect)

    def _connect(self, dialect, record, cargs, cparams):
        if not self.on:
            return None  # the usual connection
        params = {k: v for k, v in cparams.items() if k != "uri"}
        return sqlite3.connect(self._read_only_uri, uri=True, **params)

    def start(self) -> None:
        self.on = True
        let_go_of_connections(self.db)

    def stop(self) -> None:
        self.on = False  # what was opened meanwhile stays read-only: that is the fault


class FullDisk:
    """While on, every new connection finds the file as large as it may grow."""

    def __init__(self, db):
        self.db = db
        self.on = False
        event.listen(db.engine, "connect", self._connected)

    def _connected(self, dbapi_connection, record):
        if self.on:
            pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    def start(self) -> None:
        self.on = True
        let_go_of_connections(self.db)

    def stop(self) -> None:
        self.on = False


def let_go_of_connections(db) -> None:
    """Close the pool's idle connections and the entry writer's (it opens one on its next batch)."""
    db.entry_writer.close()
    db.engine.pool.dispose()


@pytest.fixture
def sqlite_app(tmp_path):
    app = create_app(f"sqlite:///{tmp_path / 'faults.db'}", rate_limit_per_minute=100_000)
    yield app
    app.state.db.dispose()


def _rows(app) -> int:
    with app.state.db.read() as session:
        return session.scalar(select(func.count()).select_from(TimeEntry))


def _assert_unavailable(answer) -> None:
    assert answer.status_code == 503, (answer.status_code, answer.text)
    assert answer.json()["message"] == UNAVAILABLE["message"]
    assert int(answer.headers["Retry-After"]) >= 1


def test_writes_recover_from_a_read_only_fault_without_a_restart(sqlite_app):
    """Finding 7: the files read-only for a while, then writable again."""
    app, counted = sqlite_app, tally("faults: read-only SQLite")
    alice = add_account(app, "alice@acme.nl")
    http = TestClient(app)

    def call(method, url, **kwargs):
        answer = http.request(method, url, headers=alice.headers, **kwargs)
        counted.count(answer.status_code)
        return answer

    first = call("POST", ENTRIES, data={"body": "2 uur werk"})
    assert first.status_code == 201
    entry = first.json()["id"]
    fault = ReadOnlyFiles(app.state.db)
    fault.start()

    # every kind of write is refused as a fault of the store, not as a bug
    _assert_unavailable(call("POST", ENTRIES, data={"body": "1 uur werk"}))
    _assert_unavailable(call("PATCH", f"/api/v1/time_entries/{entry}.json",
                             data={"description": "anders"}))  # fmt: skip
    _assert_unavailable(call("DELETE", f"/api/v1/time_entries/{entry}.json"))
    # reads still work (and leave read-only connections in the pool)
    assert call("GET", ENTRIES).status_code == 200
    assert call("GET", f"/api/v1/time_entries/{entry}.json").status_code == 200
    # /health checks that a write can be made, not just a SELECT
    health = http.get(HEALTH)
    _assert_unavailable_health(health)
    assert _rows(app) == 1

    fault.stop()
    # no restart, no /health first: the very next writes of each kind succeed
    second = call("POST", ENTRIES, data={"body": "1 uur werk"})
    assert second.status_code == 201, second.text
    changed = call("PATCH", f"/api/v1/time_entries/{entry}.json", data={"description": "anders"})
    assert changed.status_code == 200, changed.text
    assert call("DELETE", f"/api/v1/time_entries/{second.json()['id']}.json").status_code == 204
    assert call("POST", ENTRIES, data={"body": "3 uur werk"}).status_code == 201
    assert http.get(HEALTH).json() == {"status": "ok", "database": "ok"}
    assert _rows(app) == 2


def _assert_unavailable_health(answer) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.json() == {"status": "unavailable", "database": "unavailable"}
    assert int(answer.headers["Retry-After"]) >= 1


def test_the_health_check_sees_a_store_that_reads_but_cannot_write(sqlite_app):
    db = sqlite_app.state.db
    assert db.answers()
    fault = ReadOnlyFiles(db)
    fault.start()
    with db.read() as session:  # reading works: a SELECT 1 would say all is well
        assert session.scalar(select(func.count()).select_from(TimeEntry)) == 0
    assert not db.answers()
    fault.stop()
    assert db.answers()


def test_a_full_disk_answers_503_and_the_service_recovers_by_itself(sqlite_app):
    """Finding 8 on SQLite: ``database or disk is full`` is 503 with Retry-After, not 500."""
    app, counted = sqlite_app, tally("faults: full disk SQLite")
    alice = add_account(app, "alice@acme.nl")
    http = TestClient(app)
    long_body = "2 uur werk " + "x" * 9_000  # needs pages the capped file cannot give

    def post():
        answer = http.post(ENTRIES, data={"body": long_body}, headers=alice.headers)
        counted.count(answer.status_code)
        return answer

    assert post().status_code == 201
    fault = FullDisk(app.state.db)
    fault.start()
    for _ in range(3):
        _assert_unavailable(post())
    assert _rows(app) == 1
    fault.stop()
    assert post().status_code == 201
    assert _rows(app) == 2


def test_a_failed_write_discards_its_connection(sqlite_app):
    """A session's write refused by a read-only connection: that connection is not used again."""
    db = sqlite_app.state.db
    add_account(sqlite_app, "alice@acme.nl")
    fault = ReadOnlyFiles(db)
    fault.start()
    used = []
    with pytest.raises(sqlalchemy.exc.OperationalError), db.write() as session:
        used.append(session.connection().connection.dbapi_connection)
        session.execute(TimeEntry.__table__.delete())
    fault.stop()
    with db.write() as session:
        fresh = session.connection().connection.dbapi_connection
        session.execute(TimeEntry.__table__.delete())
        session.commit()
    assert fresh is not used[0]


# --- what counts as a fault of the store ---------------------------------------------------


def _sqlite_error(sql_setup: list[str], statement: str, tmp_path) -> sqlite3.Error:
    """A real error of SQLite's, as its driver raises it."""
    connection = sqlite3.connect(tmp_path / "errors.db", isolation_level=None)
    try:
        for sql in sql_setup:
            connection.execute(sql)
        connection.execute(statement)
    except sqlite3.Error as error:
        return error
    finally:
        connection.close()
    raise AssertionError(f"{statement} did not fail")


def test_store_faults_are_told_from_bugs(tmp_path):
    (tmp_path / "ro.db").touch()
    ro = sqlite3.connect(f"file:{tmp_path / 'ro.db'}?mode=ro", uri=True)
    try:
        with pytest.raises(sqlite3.OperationalError) as readonly:
            ro.execute("CREATE TABLE t (x)")
    finally:
        ro.close()
    full = _sqlite_error(["CREATE TABLE t (x)", "PRAGMA max_page_count = 2"],
                         "INSERT INTO t VALUES (zeroblob(100000))", tmp_path)  # fmt: skip
    no_table = _sqlite_error([], "SELECT * FROM nowhere", tmp_path)
    unique = _sqlite_error(["CREATE TABLE u (x UNIQUE)", "INSERT INTO u VALUES (1)"],
                           "INSERT INTO u VALUES (1)", tmp_path)  # fmt: skip
    assert store_unavailable(readonly.value)
    assert store_unavailable(full)
    assert store_unavailable(sqlite3.OperationalError("database is locked"))
    assert store_unavailable(sqlite3.OperationalError("unable to open database file"))
    assert store_unavailable(StoreUnavailable("cannot lock"))
    assert store_unavailable(sqlalchemy.exc.OperationalError("INSERT", {}, readonly.value))
    assert store_unavailable(sqlalchemy.exc.TimeoutError("QueuePool limit reached"))
    assert not store_unavailable(no_table)
    assert not store_unavailable(unique)
    assert not store_unavailable(sqlalchemy.exc.IntegrityError("INSERT", {}, unique))
    assert not store_unavailable(RuntimeError("a bug"))
    assert not store_unavailable(ValueError("attempt to write a readonly database"))


def test_postgres_faults_are_told_from_bugs():
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect(f"host=127.0.0.1 port={port} user=x dbname=x connect_timeout=5")
    errors = psycopg.errors
    assert store_unavailable(refused.value)
    assert store_unavailable(sqlalchemy.exc.OperationalError("SELECT 1", {}, refused.value))
    assert store_unavailable(psycopg.InterfaceError("the connection is closed"))
    for fault in (errors.DiskFull, errors.AdminShutdown, errors.CannotConnectNow,
                  errors.TooManyConnections, errors.ReadOnlySqlTransaction, errors.IoError):  # fmt: skip
        assert store_unavailable(fault("x")), fault
    for bug in (errors.UniqueViolation, errors.UndefinedTable, errors.QueryCanceled,
                errors.DeadlockDetected, errors.NumericValueOutOfRange):  # fmt: skip
        assert not store_unavailable(bug("x")), bug


def test_a_store_fault_is_503_anywhere_and_a_bug_stays_500(app, caplog):
    """Finding 8: the one mapping, whichever endpoint the driver's error comes from."""
    faults = {
        "readonly": sqlite3.OperationalError("attempt to write a readonly database"),
        "full": sqlite3.OperationalError("database or disk is full"),
        "wrapped": sqlalchemy.exc.OperationalError(
            "INSERT", {}, sqlite3.OperationalError("disk I/O error")),
        "bug": RuntimeError("secret detail of the bug"),
    }  # fmt: skip

    def boom(request):
        raise faults[request.path_params["kind"]]

    app.router.routes.append(Route("/api/v1/boom/{kind}", boom))
    http = TestClient(app)
    for kind in ("readonly", "full", "wrapped"):
        _assert_unavailable(http.get(f"/api/v1/boom/{kind}"))
    bug = http.get("/api/v1/boom/bug")
    assert bug.status_code == 500
    assert bug.json()["message"] == "internal error"
    assert "secret detail" not in bug.text and "Retry-After" not in bug.headers
