"""The entry writer's statements, run on the driver's own connection.

SQLAlchemy's execution layer costs several times what these few statements
cost themselves (measured on SQLite: about 750 µs of CPU for a one-entry
transaction through Core, 130 µs on the driver), and the writer runs them
for every new entry. So the SQL is written here once, with ``?``
placeholders (``%s`` for psycopg), and values are converted as SQLAlchemy
would store them: each column's type gives its bind processor for the
dialect (SQLite keeps dates and times as ISO text, PostgreSQL takes them as
they are). The tables are those of ``nlentry.storage.models``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Dialect, Table

from nlentry.storage.models import IdempotencyKey, TimeEntry

#: The columns of a new entry, all given.
ENTRY_COLUMNS = ("user_id", "body", "description", "date", "duration", "start_time",
                 "end_time", "project_id", "service_id", "billable", "tags", "metadata",
                 "created_at", "updated_at")  # fmt: skip

#: A token is live while it is neither revoked nor expired.
_LIVE_TOKENS = """
SELECT t.id, w.catalog_version, u.catalog_version
FROM api_tokens t
JOIN users u ON u.id = t.user_id
JOIN workspaces w ON w.id = u.workspace_id
WHERE t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > {now})
AND t.id IN ({ids})
"""
_INSERT_ENTRY = (
    f"INSERT INTO time_entries ({', '.join(ENTRY_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in ENTRY_COLUMNS)}) RETURNING id"
)
_DROP_EXPIRED_KEY = (
    'DELETE FROM idempotency_keys WHERE user_id = ? AND "key" = ? AND created_at < ?'
)
_CLAIM_KEY = (
    'INSERT INTO idempotency_keys (user_id, "key", request_hash, created_at) '
    'VALUES (?, ?, ?, ?) ON CONFLICT (user_id, "key") DO NOTHING RETURNING id'
)
_FIND_CLAIM = (
    "SELECT request_hash, status_code, response_body FROM idempotency_keys "
    'WHERE user_id = ? AND "key" = ? AND created_at >= ?'
)
_RECORD_ANSWER = "UPDATE idempotency_keys SET status_code = ?, response_body = ? WHERE id = ?"


class EntrySQL:
    """The statements in the dialect's placeholder style, with its value conversions."""

    def __init__(self, dialect: Dialect):
        if dialect.name not in ("sqlite", "postgresql"):
            raise ValueError(f"the entry writer does not know {dialect.name}")
        self._sqlite = dialect.name == "sqlite"
        self._begin = "BEGIN IMMEDIATE" if self._sqlite else None
        self._placeholder = "?" if dialect.paramstyle == "qmark" else "%s"
        self._insert_entry = self._sql(_INSERT_ENTRY)
        self._drop_expired_key = self._sql(_DROP_EXPIRED_KEY)
        self._claim_key = self._sql(_CLAIM_KEY)
        self._find_claim = self._sql(_FIND_CLAIM)
        self._record_answer = self._sql(_RECORD_ANSWER)
        self._entry_values = _converter(TimeEntry.__table__, ENTRY_COLUMNS, dialect)
        self._datetime = _processor(IdempotencyKey.__table__, "created_at", dialect)
        dbapi = dialect.loaded_dbapi  # the driver's module: its DB-API exception classes
        self._statement_errors = tuple(
            getattr(dbapi, name) for name in ("IntegrityError", "DataError", "ProgrammingError")
            if dbapi is not None and hasattr(dbapi, name)
        )  # fmt: skip

    def _sql(self, sql: str) -> str:
        return sql if self._placeholder == "?" else sql.replace("?", self._placeholder)

    def begin(self, cursor) -> None:
        """Open the writing transaction (PostgreSQL's driver opens it by itself)."""
        if self._begin is not None:
            cursor.execute(self._begin)

    def pipeline(self, connection) -> contextlib.AbstractContextManager:
        """Around a transaction on ``connection`` (the pool's DB-API connection): on
        PostgreSQL psycopg's pipeline mode, where a statement is sent at once and its
        result waited for only when it is read, so statements sent one after another
        and read together share a round trip (the transaction's ``BEGIN`` rides with
        the first); on SQLite, nothing (a statement is a call in this process)."""
        if self._sqlite:
            return contextlib.nullcontext()
        return connection.driver_connection.pipeline()

    def ask_live_tokens(self, cursor, token_ids: Iterable[int], now: dt.datetime) -> None:
        """Send the query ``read_live_tokens`` reads."""
        ids = sorted(token_ids)
        sql = _LIVE_TOKENS.format(now=self._placeholder,
                                  ids=", ".join(self._placeholder for _ in ids))  # fmt: skip
        cursor.execute(sql, [self._datetime(now), *ids])

    @staticmethod
    def read_live_tokens(cursor) -> dict[int, tuple[int, int]]:
        """Live (not revoked, not expired at the ``now`` asked with) token id -> its
        (workspace, user) catalog versions."""
        return {token_id: (workspace, user) for token_id, workspace, user in cursor.fetchall()}

    def insert_entries(self, cursor, rows: list[dict[str, Any]]) -> list[int]:
        """Insert ``rows``: their new ids, in order (``send_entries``, then its ids)."""
        return self.send_entries(cursor, rows)()

    def send_entries(self, cursor, rows: list[dict[str, Any]]) -> Callable[[], list[int]]:
        """Insert ``rows``; what it gives reads their new ids, in order: on PostgreSQL
        in pipeline mode as late as the commit (nothing else may run on ``cursor``
        before they are read), so that the inserts and the commit share a round trip.

        On SQLite in one statement per ``_SQLITE_ROWS_PER_INSERT`` rows: the
        driver lets go of the GIL for every statement and every row fetched,
        and each time the writer thread must win it back from the busy event
        loop while it holds the database's write lock, so fewer calls mean a
        shorter turn for every worker. The ids follow from ``lastrowid``: in a
        writing transaction, SQLite gives each new row of an ``AUTOINCREMENT``
        table the largest rowid it ever held + 1 (https://sqlite.org/autoinc.html),
        so one statement's rows get consecutive ids, in the order of its VALUES.

        PostgreSQL promises no order for a multi-row ``RETURNING``, so there each
        row has its own statement, all sent at once in psycopg's pipeline mode
        (``executemany(..., returning=True)``): one round trip for the batch, each
        statement's result in its own result set, in order.

        A group's rows (a batch message, a CSV import of up to
        ``limits.MAX_IMPORT_ROWS``) come here with the rest of their batch's: 10,000
        rows take about 0.2 s on SQLite (most of it converting the values; a longer
        statement gains nothing) and 0.4 s on PostgreSQL (``bench/import_bench.py``).
        """
        if not rows:
            return list
        if not self._sqlite:
            cursor.executemany(self._insert_entry, [self._entry_values(row) for row in rows],
                               returning=True)  # fmt: skip

            def read() -> list[int]:
                ids = [cursor.fetchone()[0]]
                while cursor.nextset():
                    ids.append(cursor.fetchone()[0])
                return ids

            return read
        ids: list[int] = []
        for start in range(0, len(rows), _SQLITE_ROWS_PER_INSERT):
            chunk = rows[start:start + _SQLITE_ROWS_PER_INSERT]
            cursor.execute(_sqlite_insert_entries(len(chunk)),
                           [value for row in chunk for value in self._entry_values(row)])  # fmt: skip
            last = cursor.lastrowid
            ids.extend(range(last - len(chunk) + 1, last + 1))
        return lambda: ids

    def failed_statement(self, error: BaseException) -> bool:
        """Whether ``error``, raised by a commit, says the transaction did not commit: a
        statement's error (in pipeline mode raised where its round trip is waited for,
        at the commit when the commit rode with it) or the commit's refusal, as opposed
        to a commit whose fate is unknown (the connection went). On PostgreSQL any
        error the server answered with (a ``sqlstate`` outside class 08, connection
        exceptions: a constraint, a deadlock, a statement timeout); on SQLite a
        refused value or constraint."""
        sqlstate = getattr(error, "sqlstate", None)
        if sqlstate:
            return not sqlstate.startswith("08")
        return isinstance(error, self._statement_errors)

    def claim_key(self, cursor, user_id: int, key: str, request_hash: str,
                  now: dt.datetime, keep_for: dt.timedelta) -> int | None:  # fmt: skip
        """The new claim's id; None when a live claim of the key exists."""
        cutoff = self._datetime(now - keep_for)
        cursor.execute(self._drop_expired_key, (user_id, key, cutoff))
        cursor.execute(self._claim_key, (user_id, key, request_hash, self._datetime(now)))
        claimed = cursor.fetchone()
        return None if claimed is None else claimed[0]

    def find_claim(self, cursor, user_id: int, key: str, now: dt.datetime,
                   keep_for: dt.timedelta) -> tuple[str, int | None, str | None]:  # fmt: skip
        cursor.execute(self._find_claim, (user_id, key, self._datetime(now - keep_for)))
        return tuple(cursor.fetchone())

    def record_answer(self, cursor, claim_id: int, status: int, body: str) -> None:
        cursor.execute(self._record_answer, (status, body, claim_id))


# SQLite before 3.32 allows 999 parameters in a statement
_SQLITE_ROWS_PER_INSERT = 999 // len(ENTRY_COLUMNS)


@functools.lru_cache(maxsize=_SQLITE_ROWS_PER_INSERT)
def _sqlite_insert_entries(count: int) -> str:
    """One INSERT of ``count`` entries (no ``RETURNING``: the ids come from ``lastrowid``)."""
    row = f"({', '.join('?' for _ in ENTRY_COLUMNS)})"
    return f"INSERT INTO time_entries ({', '.join(ENTRY_COLUMNS)}) VALUES {', '.join([row] * count)}"


def _processor(table: Table, column: str, dialect: Dialect) -> Callable[[Any], Any]:
    """How SQLAlchemy hands a value of ``column`` to this dialect's driver (None stays None)."""
    processor = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    return processor or _same


def _same(value: Any) -> Any:
    return value


def _converter(table: Table, columns: tuple[str, ...], dialect: Dialect):
    """``row -> tuple`` of the ``columns``' values, each as the driver takes it."""
    steps = [(name, _processor(table, name, dialect)) for name in columns]

    def convert(row: dict[str, Any]) -> tuple:
        return tuple(process(row[name]) for name, process in steps)

    return convert
