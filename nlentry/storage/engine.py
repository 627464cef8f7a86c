"""Creating the database engine and its sessions.

SQLite (the embedded default) runs in WAL mode with ``synchronous=FULL`` so an
acknowledged commit survives a crash, foreign keys on, and a busy timeout.
Python's sqlite3 module is told not to open transactions itself; the
``begin`` event opens them instead, as ``BEGIN IMMEDIATE`` for writers so two
writers queue on the lock instead of failing on a stale snapshot.
PostgreSQL is chosen with a ``postgresql+psycopg://`` URL.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
from collections.abc import Iterator

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from nlentry.storage.entry_writer import EntryWriter

DATABASE_URL_ENV = "NLENTRY_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///./nlentry.db"
SQLITE_BUSY_TIMEOUT_SECONDS = 30

logger = logging.getLogger("nlentry.storage")


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
        self.entry_writer = EntryWriter(self.engine, self._write_lock)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def read(self) -> Session:
        return self.reader()

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """A session for one writing transaction (``BEGIN IMMEDIATE`` on SQLite)."""
        with self._write_lock, self.writer() as session:
            yield session

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def answers(self) -> bool:
        """Whether the database answers a query now."""
        try:
            with self.read() as session:
                return session.execute(text("SELECT 1")).scalar() == 1
        except (SQLAlchemyError, OSError):
            logger.exception("the database does not answer")
            return False

    def dispose(self) -> None:
        self.entry_writer.close()
        self.engine.dispose()
        if isinstance(self._write_lock, SQLiteWriteLock):
            self._write_lock.close()
