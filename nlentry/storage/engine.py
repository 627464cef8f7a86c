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
import os
import threading
from collections.abc import Iterator

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

DATABASE_URL_ENV = "NLENTRY_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///./nlentry.db"
SQLITE_BUSY_TIMEOUT_SECONDS = 30


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


class Database:
    """An engine with a session factory for readers and one for writers.

    On SQLite one writer at a time holds the database lock; writers of the
    same process queue on a ``threading.Lock`` first, which is far cheaper
    than SQLite's sleeping busy handler. PostgreSQL needs no such lock.
    """

    def __init__(self, url: str | None = None, engine: Engine | None = None):
        self.engine = engine or make_engine(url)
        self.url = self.engine.url
        self.reader = sessionmaker(self.engine, expire_on_commit=False)
        self.writer = sessionmaker(
            self.engine.execution_options(sqlite_immediate=True), expire_on_commit=False
        )
        self._write_lock = threading.Lock() if self.is_sqlite else contextlib.nullcontext()

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

    def dispose(self) -> None:
        self.engine.dispose()
