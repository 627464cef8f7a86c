"""Creating the database engine and its sessions.

SQLite (the embedded default) runs in WAL mode with ``synchronous=FULL`` so an
acknowledged commit survives a crash, foreign keys on, and a busy timeout.
Python's sqlite3 module is told not to open transactions itself; the
``begin`` event opens them instead, as ``BEGIN IMMEDIATE`` for writers so two
writers queue on the lock instead of failing on a stale snapshot.
PostgreSQL is chosen with a ``postgresql+psycopg://`` URL.

A fault of the store (unreachable, full, read-only, locked past the busy
timeout: ``store_unavailable``) is not a bug: the API answers it ``503`` and
the store must come back by itself. So ``Database`` discards every pooled
connection opened before the last fault (an SQLite connection opened while
its file was read-only stays read-only for good), opens a fresh one for
each use until a write succeeds again, and ``answers`` (``/health``) checks
that a write can be made, not just a ``SELECT``.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator

from sqlalchemy import Engine, create_engine, event, exc, text
from sqlalchemy.orm import Session, sessionmaker

from nlentry.storage.entry_writer import EntryWriter

DATABASE_URL_ENV = "NLENTRY_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///./nlentry.db"
SQLITE_BUSY_TIMEOUT_SECONDS = 30

logger = logging.getLogger("nlentry.storage")

try:
    import psycopg
except ImportError:  # PostgreSQL is an optional extra
    psycopg = None


class StoreUnavailable(Exception):
    """The store cannot be used now (its files cannot be opened or locked, ...)."""


# SQLite's primary result codes that say the store, not the statement, failed
_SQLITE_UNAVAILABLE = {
    5: "SQLITE_BUSY",  # locked past the busy timeout
    6: "SQLITE_LOCKED",
    7: "SQLITE_NOMEM",
    8: "SQLITE_READONLY",
    10: "SQLITE_IOERR",
    13: "SQLITE_FULL",
    14: "SQLITE_CANTOPEN",
    15: "SQLITE_PROTOCOL",
}
_SQLITE_UNAVAILABLE_MESSAGES = (  # for an error without its code
    "attempt to write a readonly database",
    "database or disk is full",
    "database is locked",
    "database table is locked",
    "unable to open database file",
    "disk i/o error",
)
# PostgreSQL's SQLSTATEs (and classes) for the same: connection exception,
# insufficient resources (disk full, out of memory, too many connections),
# operator intervention (shutdown, cannot connect now; not 57014, a cancelled
# query), system error (I/O), a read-only transaction (a standby)
_PG_UNAVAILABLE_CLASSES = ("08", "53", "57P", "58")
_PG_UNAVAILABLE_STATES = {"25006"}
_OS_UNAVAILABLE = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EIO}


def store_unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the store cannot be used now, which comes right
    by itself: unreachable, full, read-only, locked past its timeout, no
    connection to be had from the pool. Any other error (a constraint, a
    statement that is wrong, a bug) is not: it stays a server fault."""
    seen = 0
    while error is not None and seen < 5:
        seen += 1
        if isinstance(error, StoreUnavailable | exc.DisconnectionError | exc.TimeoutError):
            return True
        if isinstance(error, exc.DBAPIError):
            if error.connection_invalidated:
                return True
            error = error.orig
            continue
        if isinstance(error, sqlite3.Error):
            return _sqlite_unavailable(error)
        if psycopg is not None and isinstance(error, psycopg.Error):
            return _postgres_unavailable(error)
        error = error.__cause__
    return False


def _sqlite_unavailable(error: sqlite3.Error) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _SQLITE_UNAVAILABLE
    message = str(error).lower()
    return isinstance(error, sqlite3.OperationalError) and message.startswith(
        _SQLITE_UNAVAILABLE_MESSAGES
    )


def _postgres_unavailable(error) -> bool:
    state = getattr(error, "sqlstate", None)
    if state is None:  # no answer from the server: the connection failed or is closed
        return isinstance(error, psycopg.OperationalError | psycopg.InterfaceError)
    return state in _PG_UNAVAILABLE_STATES or state.startswith(_PG_UNAVAILABLE_CLASSES)


def database_url(url: str | None = None) -> str:
    """``url``, else ``$NLENTRY_DATABASE_URL``, else ``./nlentry.db``."""
    return url or os.environ.get(DATABASE_URL_ENV) or DEFAULT_DATABASE_URL


def make_engine(url: str | None = None) -> Engine:
    url = database_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            pool_size=20,
            max_overflow=40,
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None  # transactions are begun below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        if connection.get_execution_options().get("sqlite_immediate"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


class SQLiteWriteLock:
    """Writers take turns on one SQLite file: a thread lock, then ``flock`` across processes.

    Without it a writer of another process finds the database locked and
    SQLite's busy handler sleeps (1, 2, 5 ... 100 ms at a time) and tries
    again; under steady load it can lose that race for seconds. ``flock``
    instead blocks in the kernel and wakes the waiter as soon as the lock is
    given back. The lock is taken on ``<database>-writer``, a file of its
    own: SQLite's own POSIX locks are on the database file, and closing any
    descriptor of that file would drop them. The kernel drops the lock of a
    process that dies.
    """

    def __init__(self, database: str | None):
        self._thread_lock = threading.Lock()
        in_memory = not database or database == ":memory:" or database.startswith("file:")
        self.path = None if in_memory else f"{database}-writer"
        self._fd: int | None = None

    def __enter__(self) -> None:
        self._thread_lock.acquire()
        if self.path is None:
            return
        try:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except OSError as error:
            self._thread_lock.release()
            if error.errno in _OS_UNAVAILABLE:  # a read-only or full directory, ...
                raise StoreUnavailable(f"cannot lock {self.path}: {error}") from error
            raise
        except BaseException:
            self._thread_lock.release()
            raise

    def __exit__(self, *exc) -> None:
        try:
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()

    def close(self) -> None:
        with self._thread_lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


class Database:
    """An engine with a session factory for readers and one for writers.

    On SQLite one writer at a time holds the database lock; writers queue on
    ``SQLiteWriteLock`` first (a thread lock, then ``flock`` across
    processes), which is far cheaper and fairer than SQLite's sleeping busy
    handler. PostgreSQL needs no such lock.
    New time entries go through ``entry_writer``, which commits the entries
    of concurrent requests together (``nlentry.storage.entry_writer``).

    After a fault of the store (``store_unavailable``), seen by any statement
    or by the entry writer, no connection opened before it is handed out
    again, and until a write succeeds each use gets a connection opened for
    it: the first write after the store is back gets one that can write.
    """

    def __init__(self, url: str | None = None, engine: Engine | None = None):
        self.engine = engine or make_engine(url)
        self.url = self.engine.url
        self.reader = sessionmaker(self.engine, expire_on_commit=False)
        self.writer = sessionmaker(
            self.engine.execution_options(sqlite_immediate=True), expire_on_commit=False
        )
        self._write_lock = (
            SQLiteWriteLock(self.url.database) if self.is_sqlite else contextlib.nullcontext()
        )
        self._generation = 0  # counts faults (and recoveries); a connection knows its own
        self._faulted = False  # a fault was seen and no write has succeeded since
        self._watch_faults()
        self.entry_writer = EntryWriter(
            self.engine, self._write_lock, noticed=self.noticed, wrote=self.wrote
        )

    # --- faults of the store -----------------------------------------------------------

    def _watch_faults(self) -> None:
        key = ("nlentry.generation", id(self))

        @event.listens_for(self.engine, "connect")
        def opened(dbapi_connection, record):
            record.info[key] = (self._generation, True)

        @event.listens_for(self.engine, "checkout")
        def checked_out(dbapi_connection, record, proxy):
            generation, new = record.info.get(key, (0, False))
            record.info[key] = (generation, False)
            if not new and (self._faulted or generation != self._generation):
                # the pool opens a new one in its place
                raise exc.DisconnectionError("opened before the store's last fault")

        @event.listens_for(self.engine, "handle_error")
        def failed(context):
            self.noticed(context.original_exception)

    def noticed(self, error: BaseException) -> bool:
        """Whether ``error`` is a fault of the store; if so, no connection opened
        before it is used again (each is dropped at its next checkout)."""
        if not store_unavailable(error):
            return False
        if not self._faulted:
            logger.warning("the database is unavailable: %s", describe_fault(error))
        self._faulted = True
        self._generation += 1
        return True

    def wrote(self) -> None:
        """A write succeeded: after a fault, the connections opened during it are dropped."""
        if self._faulted:
            self._faulted = False
            self._generation += 1
            logger.warning("the database takes writes again")

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def read(self) -> Session:
        return self.reader()

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """A session for one writing transaction (``BEGIN IMMEDIATE`` on SQLite).

        A write that fails for a fault of the store discards its connection.
        """
        with self._write_lock, self.writer() as session:
            try:
                yield session
            except BaseException as error:
                if self.noticed(error):
                    with contextlib.suppress(Exception):
                        session.invalidate()
                raise
            self.wrote()

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def answers(self) -> bool:
        """Whether the database takes a write now: a write that changes no row,
        rolled back (a read-only SQLite connection or PostgreSQL standby
        refuses it; ``SELECT 1`` would not tell)."""
        try:
            with self.write() as session:
                session.execute(text(_WRITE_PROBE))
                session.rollback()
            return True
        except Exception as error:
            if store_unavailable(error):
                logger.warning("the database takes no write: %s", describe_fault(error))
            else:
                logger.exception("the database does not answer")
            return False

    def dispose(self) -> None:
        self.entry_writer.close()
        self.engine.dispose()
        if isinstance(self._write_lock, SQLiteWriteLock):
            self._write_lock.close()


_WRITE_PROBE = "UPDATE alembic_version SET version_num = version_num WHERE 1 = 0"


def describe_fault(error: BaseException) -> str:
    """The driver's message for a log line, without SQLAlchemy's statement and
    its parameters: ``OperationalError: attempt to write a readonly database``."""
    shown = getattr(error, "orig", None) or error.__cause__ or error
    lines = str(shown).strip().splitlines()
    return f"{type(shown).__name__}: {lines[0] if lines else ''}"
