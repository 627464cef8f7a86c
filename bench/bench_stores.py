"""Where the benchmark's two servers store their rows: SQLite in a temp dir, or PostgreSQL.

Each store gives nlentry's database URL, the bare ceiling's app (one endpoint that
inserts one row into the same kind of store, nothing else) with its environment, and
counts the rows each server stored, so that the bench can check every answered entry,
and (``--webhook``) the deliveries of nlentry's one subscription, by status.

* ``SQLiteStore``: nlentry's database and the bare app's are files in the temp dir;
  the bare app uses the same settings as nlentry (WAL, ``synchronous`` as nlentry
  sets it, ``BEGIN IMMEDIATE``).
* ``PostgresStore``: both servers use the PostgreSQL named by ``--database-url``;
  nlentry's user gets a workspace of its own (so a database used before does no
  harm), the bare app inserts into a table of its own, ``bench_bare_entries``
  (made fresh, dropped at the end), through an async psycopg pool: what a bare
  async endpoint on PostgreSQL looks like.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

BARE_SQLITE_APP = '''
"""The ceiling: one endpoint that inserts one row into SQLite, nothing else."""
import datetime
import os
import sqlite3

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

DB = os.environ["BARE_DB"]
_conn = None


def conn():
    global _conn
    if _conn is None:
        _conn = sqlite3.connect(DB, isolation_level=None, timeout=30)
        _conn.execute("PRAGMA journal_mode=WAL")
        _conn.execute("PRAGMA synchronous=" + os.environ["BARE_SYNC"])
        _conn.execute("PRAGMA busy_timeout=30000")
    return _conn


async def create(request):
    form = await request.form()
    body = form.get("body", "")
    now = datetime.datetime.now(datetime.timezone.utc).isoformat()
    c = conn()
    c.execute("BEGIN IMMEDIATE")
    cur = c.execute(
        "INSERT INTO entries (body, duration, created_at) VALUES (?, ?, ?)", (body, 3600, now)
    )
    c.execute("COMMIT")
    return JSONResponse({"id": cur.lastrowid, "body": body, "duration": 3600}, status_code=201)


app = Starlette(routes=[Route("/entries", create, methods=["POST"])])
'''

BARE_POSTGRES_APP = '''
"""The ceiling: one endpoint that inserts one row into PostgreSQL through an async
psycopg pool, nothing else."""
import contextlib
import datetime
import os

from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

POOL = AsyncConnectionPool(os.environ["BARE_DSN"], min_size=int(os.environ["BARE_POOL"]),
                           max_size=int(os.environ["BARE_POOL"]), open=False)


@contextlib.asynccontextmanager
async def lifespan(app):
    await POOL.open(wait=True)
    yield
    await POOL.close()


async def create(request):
    form = await request.form()
    body = form.get("body", "")
    now = datetime.datetime.now(datetime.timezone.utc)
    async with POOL.connection() as conn:  # one transaction, committed on the way out
        cur = await conn.execute(
            "INSERT INTO bench_bare_entries (body, duration, created_at) VALUES (%s, %s, %s)"
            " RETURNING id", (body, 3600, now))
        (new_id,) = await cur.fetchone()
    return JSONResponse({"id": new_id, "body": body, "duration": 3600}, status_code=201)


app = Starlette(routes=[Route("/entries", create, methods=["POST"])], lifespan=lifespan)
'''


class SQLiteStore:
    """nlentry and the bare app each on a SQLite file in ``tmp``."""

    name = "SQLite"

    def __init__(self, tmp: Path, bare_sync: str | None = None):
        self.db = tmp / "bench.db"
        self.bare_db = tmp / "bare.db"
        self.url = f"sqlite:///{self.db}"
        self._bare_sync = bare_sync

    def entries(self) -> int:
        return _sqlite_count(self.db, "time_entries")

    def settings(self) -> str:
        return (f"SQLite WAL, synchronous={self.synchronous()} in nlentry, "
                f"{self._bare_sync or self.synchronous()} in the bare app")  # fmt: skip

    def synchronous(self) -> str:
        """The ``synchronous`` setting nlentry's own engine gives its SQLite connections."""
        from nlentry.storage.engine import make_engine

        engine = make_engine(self.url)
        try:
            with engine.connect() as conn:
                level = conn.exec_driver_sql("PRAGMA synchronous").scalar()
        finally:
            engine.dispose()
        return {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[int(level)]

    def deliveries(self, subscription_id: int) -> dict[str, int]:
        """The subscription's webhook deliveries, by status."""
        with contextlib.closing(sqlite3.connect(self.db)) as conn:
            return dict(conn.execute("SELECT status, count(*) FROM webhook_deliveries WHERE "
                                     "subscription_id = ? GROUP BY status", (subscription_id,)))

    def bare(self, workers: int) -> tuple[str, dict[str, str]]:
        """The bare app's source and environment, its table made."""
        with contextlib.closing(sqlite3.connect(self.bare_db)) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("CREATE TABLE entries (id INTEGER PRIMARY KEY, body TEXT NOT NULL,"
                         " duration INTEGER, created_at TEXT NOT NULL)")  # fmt: skip
            conn.commit()
        return BARE_SQLITE_APP, {"BARE_DB": str(self.bare_db),
                                 "BARE_SYNC": self._bare_sync or self.synchronous()}

    def bare_entries(self) -> int:
        return _sqlite_count(self.bare_db, "entries")

    def close(self) -> None:
        pass


def _sqlite_count(db: Path, table: str) -> int:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


class PostgresStore:
    """nlentry and the bare app on one PostgreSQL (``postgresql+psycopg://...``)."""

    name = "PostgreSQL"

    def __init__(self, url: str):
        import psycopg

        self.url = url
        self.dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
        self._conn = psycopg.connect(self.dsn, autocommit=True)

    def _one(self, sql: str) -> object:
        return self._conn.execute(sql).fetchone()[0]

    def entries(self) -> int:
        return int(self._one("SELECT count(*) FROM time_entries"))

    def deliveries(self, subscription_id: int) -> dict[str, int]:
        """The subscription's webhook deliveries, by status."""
        rows = self._conn.execute("SELECT status, count(*) FROM webhook_deliveries WHERE "
                                  "subscription_id = %s GROUP BY status", (subscription_id,))
        return {status: int(count) for status, count in rows}

    def settings(self) -> str:
        return (f"PostgreSQL {self._one('SHOW server_version')}, fsync={self._one('SHOW fsync')}, "
                f"synchronous_commit={self._one('SHOW synchronous_commit')}")  # fmt: skip

    def bare(self, workers: int) -> tuple[str, dict[str, str]]:
        self._conn.execute("DROP TABLE IF EXISTS bench_bare_entries")
        self._conn.execute("CREATE TABLE bench_bare_entries (id serial PRIMARY KEY, body text"
                           " NOT NULL, duration integer, created_at timestamptz NOT NULL)")
        return BARE_POSTGRES_APP, {"BARE_DSN": self.dsn, "BARE_POOL": "16"}

    def bare_entries(self) -> int:
        return int(self._one("SELECT count(*) FROM bench_bare_entries"))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._conn.execute("DROP TABLE IF EXISTS bench_bare_entries")
        self._conn.close()
