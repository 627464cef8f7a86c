"""Writing webhook events: the outbox, in the transaction of the change.

``emit_with_session(session, ...)`` (for a SQLAlchemy session: the API's
handlers) and ``EventSQL(dialect).emit(cursor, ...)`` / ``emit_many`` (for a
raw DB-API cursor: the entry writer's batch, ``nlentry.storage.entry_sql``'s
way, ``?`` or ``%s`` placeholders) do the same thing with the same statements:

1. one query finds the active subscriptions that want the acting user's
   events: the user's own, and those of the workspace's admins that carry
   ``all_users`` (an owner who is no longer an admin gets only their own);
2. for each event that some subscription wants (its ``events`` hold the type
   or ``*``), one ``webhook_events`` row and one pending
   ``webhook_deliveries`` row per subscription, due at once.

When no subscription matches, that one query (on the primary key of
``users`` and the ``(workspace_id, active)`` index of subscriptions) is all
it costs: nothing is inserted. Everything happens in the caller's
transaction: a change that commits has its events, one that rolls back has
none, and a crash after the commit loses nothing (the delivery worker finds
the rows). ``emit_many`` asks once for all the users of a batch.

After the commit, ``notify()`` wakes this process's delivery worker at once
(otherwise it finds the rows at its next poll, within half a second): a
session's emit arranges it itself (``after_commit``); the writer calls
``notify()`` after its commit.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Dialect, event
from sqlalchemy.orm import Session

from nlentry.storage.models import utcnow
from nlentry.storage.webhook_models import PENDING, WebhookEvent, WebhookSubscription

#: The event types a subscription may ask for (``*``: all of them).
EVENT_TYPES = ("time_entry.created", "time_entry.updated", "time_entry.deleted",
               "timer.started", "timer.stopped")  # fmt: skip
ALL_EVENTS = "*"
#: Sent to one subscription on request (``POST /webhooks/{id}/ping``), never emitted.
PING = "ping"

_WANTED = """
SELECT actor.id, s.id, s.workspace_id, s.events
FROM users actor
JOIN webhook_subscriptions s ON s.workspace_id = actor.workspace_id
JOIN users owner ON owner.id = s.user_id
WHERE actor.id IN ({ids}) AND s.active
AND (s.user_id = actor.id OR (s.all_users AND owner.role = 'admin'))
ORDER BY s.id
"""
_EVENT_COLUMNS = ("uid", "workspace_id", "user_id", "type", "entry_id", "payload", "created_at")
_INSERT_EVENTS = f"INSERT INTO webhook_events ({', '.join(_EVENT_COLUMNS)}) VALUES"
_EVENT_ROW = f"({', '.join('?' for _ in _EVENT_COLUMNS)})"
_DELIVERY_COLUMNS = ("event_id", "subscription_id", "entry_id", "status", "attempts",
                     "next_attempt_at", "created_at")  # fmt: skip
_INSERT_DELIVERIES = f"INSERT INTO webhook_deliveries ({', '.join(_DELIVERY_COLUMNS)}) VALUES"
_DELIVERY_ROW = f"({', '.join('?' for _ in _DELIVERY_COLUMNS)})"
#: Rows (events, or deliveries) written by one statement at most: 7 values each, well
#: within SQLite's 32,766 and PostgreSQL's 65,535 parameters.
CHUNK = 500


@dataclass(frozen=True)
class Event:
    """An event to write: who acted, what happened, and its ``data`` (the entry), or a
    function making it, called only when some subscription wants the event."""

    user_id: int
    type: str
    data: dict[str, Any] | Callable[[], dict[str, Any]]
    entry_id: int | None = None

    def payload(self) -> dict[str, Any]:
        return self.data() if callable(self.data) else self.data


def new_event_uid() -> str:
    """A public event id: ``evt_`` and 96 random bits in hex."""
    return f"evt_{secrets.token_hex(12)}"


class EventSQL:
    """The outbox's statements in the dialect's placeholder style, with its conversions."""

    def __init__(self, dialect: Dialect):
        if dialect.name not in ("sqlite", "postgresql"):
            raise ValueError(f"the webhook outbox does not know {dialect.name}")
        self._placeholder = "?" if dialect.paramstyle == "qmark" else "%s"
        self._sqlite = dialect.name == "sqlite"
        events = WebhookEvent.__table__
        self._payload = _processor(events, "payload", dialect)
        self._datetime = _processor(events, "created_at", dialect)
        self._events_of = _result_processor(WebhookSubscription.__table__, "events", dialect)

    def _sql(self, sql: str) -> str:
        return sql if self._placeholder == "?" else sql.replace("?", self._placeholder)

    def wanted(self, cursor, user_ids: Iterable[int]) -> dict[int, list[tuple[int, int, list]]]:
        """Acting user id -> ``(subscription id, workspace id, events)`` of every active
        subscription that carries that user's events."""
        return self.read_wanted(cursor) if self.ask_wanted(cursor, user_ids) else {}

    def ask_wanted(self, cursor, user_ids: Iterable[int]) -> bool:
        """Send the query ``read_wanted`` reads; False (nothing sent, nobody to ask
        for) when ``user_ids`` is empty."""
        ids = sorted(set(user_ids))
        if ids:
            cursor.execute(_WANTED.format(ids=", ".join(self._placeholder for _ in ids)), ids)
        return bool(ids)

    def read_wanted(self, cursor) -> dict[int, list[tuple[int, int, list]]]:
        found: dict[int, list[tuple[int, int, list]]] = {}
        for actor, subscription, workspace, events in cursor.fetchall():
            events = self._events_of(events) if isinstance(events, str | bytes) else events
            found.setdefault(actor, []).append((subscription, workspace, list(events or ())))
        return found

    def emit(self, cursor, *, user_id: int, type: str, data: dict[str, Any],
             entry_id: int | None = None, now: dt.datetime | None = None) -> int:  # fmt: skip
        """Write the event for every subscription that wants it: the deliveries written."""
        return self.emit_many(cursor, [Event(user_id, type, data, entry_id)], now)

    def emit_many(self, cursor, events: Iterable[Event], now: dt.datetime | None = None,
                  wanted: dict[int, list[tuple[int, int, list]]] | None = None) -> int:  # fmt: skip
        """``emit`` for each of ``events`` (in their order, which is the order their
        deliveries keep for one entry), with one query for the subscriptions (none
        when the caller read them already: ``wanted``, for all the events' users)."""
        events = list(events)
        for item in events:
            if item.type not in EVENT_TYPES:  # a ping goes to one subscription, never here
                raise ValueError(f"no such webhook event type: {item.type!r}")
        if not events:
            return 0
        if wanted is None:
            wanted = self.wanted(cursor, (item.user_id for item in events))
        if not wanted:
            return 0
        now = now or utcnow()
        writes = []
        for item in events:
            targets = [(subscription, workspace) for subscription, workspace, types
                       in wanted.get(item.user_id, ()) if wants(types, item.type)]  # fmt: skip
            if targets:
                writes.append((item, targets[0][1], [subscription for subscription, _ in targets]))
        return len(self.write_many(cursor, writes, now))

    def write(self, cursor, item: Event, workspace_id: int, subscription_ids: list[int],
              now: dt.datetime) -> list[int]:  # fmt: skip
        """One event row and a pending delivery of it to each of ``subscription_ids``:
        the deliveries' ids (in no particular order)."""
        return self.write_many(cursor, [(item, workspace_id, subscription_ids)], now)

    def write_many(self, cursor, writes: list[tuple[Event, int, list[int]]],
                   now: dt.datetime) -> list[int]:  # fmt: skip
        """``write`` for each ``(event, workspace id, subscription ids)``, in a few
        statements however many there are (a multi-row ``INSERT`` of the events, then
        one of their deliveries, ``CHUNK`` rows at a time): inside the entry writer's
        transaction every statement is a wait for the GIL while the lock is held. The
        deliveries' ids (in no particular order).

        On SQLite without ``RETURNING``: the driver lets go of the GIL for every row a
        statement gives back, and the writer thread must win it back from the busy
        event loop each time while it holds the write lock (with a subscription,
        that was a fifth of the lock's time). Both tables are ``AUTOINCREMENT``, so
        one statement's rows get consecutive ids in the order of its VALUES
        (https://sqlite.org/autoinc.html), which ``lastrowid`` ends; the entries'
        insert (``entry_sql``) counts on the same rule."""
        stamp = self._datetime(now)
        delivery_ids: list[int] = []
        for at in range(0, len(writes), CHUNK):
            chunk = writes[at:at + CHUNK]
            uids = [new_event_uid() for _ in chunk]
            values = [value for uid, (item, workspace_id, _) in zip(uids, chunk, strict=True)
                      for value in (uid, workspace_id, item.user_id, item.type, item.entry_id,
                                    self._payload(item.payload()), stamp)]  # fmt: skip
            event_ids = self._insert(cursor, _INSERT_EVENTS, _EVENT_ROW, len(chunk), values,
                                     uids)  # fmt: skip
            rows = [(event_id, subscription, item.entry_id, PENDING, 0, stamp, stamp)
                    for event_id, (item, _, subscription_ids) in zip(event_ids, chunk, strict=True)
                    for subscription in subscription_ids]  # fmt: skip
            for start in range(0, len(rows), CHUNK):  # an event may have many subscribers
                part = rows[start:start + CHUNK]
                delivery_ids += self._insert(cursor, _INSERT_DELIVERIES, _DELIVERY_ROW,
                                             len(part), [value for row in part for value in row])
        return delivery_ids

    def _insert(self, cursor, insert: str, row: str, count: int, values: list,
                uids: list[str] | None = None) -> list[int]:  # fmt: skip
        """A multi-row ``INSERT`` of ``count`` rows: their new ids, in the VALUES' order
        when the rows' ``uids`` are given (else in no particular order)."""
        sql = self._sql(f"{insert} {', '.join([row] * count)}")
        if self._sqlite:
            cursor.execute(sql, values)
            last = cursor.lastrowid
            return list(range(last - count + 1, last + 1))
        # PostgreSQL promises no order for a multi-row RETURNING: the uid tells the rows apart
        if uids is None:
            cursor.execute(f"{sql} RETURNING id", values)
            return [found for (found,) in cursor.fetchall()]
        cursor.execute(f"{sql} RETURNING id, uid", values)
        ids = {uid: found for found, uid in cursor.fetchall()}
        return [ids[uid] for uid in uids]


def wants(types: list[str], type: str) -> bool:
    """Whether a subscription asking for ``types`` wants an event of ``type``."""
    return ALL_EVENTS in types or type in types


def check_type(type: str) -> None:
    if type not in EVENT_TYPES and type != PING:
        raise ValueError(f"no such webhook event type: {type!r}")


# --- a SQLAlchemy session -------------------------------------------------------------


def emit_with_session(session: Session, *, user_id: int, type: str, data: dict[str, Any],
                      entry_id: int | None = None) -> int:  # fmt: skip
    """``EventSQL.emit`` in the session's transaction (what it has pending is flushed
    first); the delivery worker is woken once the session commits."""
    with _cursor(session) as (sql, cursor):
        written = sql.emit(cursor, user_id=user_id, type=type, data=data, entry_id=entry_id)
    if written:
        notify_after_commit(session)
    return written


def emit_many_with_session(session: Session, events: Iterable[Event]) -> int:
    """``EventSQL.emit_many`` in the session's transaction (one query for all the users'
    subscriptions; an event's data made only when some subscription wants it)."""
    with _cursor(session) as (sql, cursor):
        written = sql.emit_many(cursor, events)
    if written:
        notify_after_commit(session)
    return written


def emit_to_subscription(session: Session, subscription_id: int, workspace_id: int, *,
                         user_id: int, type: str, data: dict[str, Any]) -> int:  # fmt: skip
    """An event for one subscription only, whatever it asks for (a ``ping``): the new
    delivery's id."""
    check_type(type)
    with _cursor(session) as (sql, cursor):
        (delivery_id,) = sql.write(cursor, Event(user_id, type, data), workspace_id,
                                   [subscription_id], utcnow())  # fmt: skip
    notify_after_commit(session)
    return delivery_id


@contextlib.contextmanager
def _cursor(session: Session) -> Iterator[tuple[EventSQL, Any]]:
    """The outbox's statements and a cursor on the session's own connection (so in its
    transaction); what the session has pending is written first."""
    session.flush()
    connection = session.connection()
    cursor = connection.connection.cursor()
    try:
        yield _event_sql(connection.dialect), cursor
    finally:
        cursor.close()


@functools.lru_cache(maxsize=8)
def _event_sql(dialect: Dialect) -> EventSQL:
    return EventSQL(dialect)


def notify_after_commit(session: Session) -> None:
    """Wake this process's delivery workers once ``session`` commits (asked several times,
    once)."""
    if not session.info.get("nlentry.webhooks.wake"):
        session.info["nlentry.webhooks.wake"] = True
        event.listen(session, "after_commit", _woken, once=True)


def _woken(session: Session) -> None:
    session.info.pop("nlentry.webhooks.wake", None)
    notify()


# --- waking the delivery worker of this process ----------------------------------------------

_listeners: list[Callable[[], None]] = []
_listeners_lock = threading.Lock()


def add_listener(listener: Callable[[], None]) -> None:
    """Call ``listener`` (from any thread) whenever this process has committed events."""
    with _listeners_lock:
        _listeners.append(listener)


def remove_listener(listener: Callable[[], None]) -> None:
    with _listeners_lock:
        if listener in _listeners:
            _listeners.remove(listener)


def notify() -> None:
    """Events were committed: wake this process's delivery workers."""
    with _listeners_lock:
        listeners = list(_listeners)
    for listener in listeners:
        listener()


def _processor(table, column: str, dialect: Dialect) -> Callable[[Any], Any]:
    processor = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    return processor or (lambda value: value)


def _result_processor(table, column: str, dialect: Dialect) -> Callable[[Any], Any]:
    processor = table.c[column].type.dialect_impl(dialect).result_processor(dialect, None)
    return processor or (lambda value: value)
