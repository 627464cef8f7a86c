"""The entry writer's webhook events: the outbox's rows, written in as few round trips as can be.

``CreatedEvents(dialect).emit(cursor, events)`` does what the outbox's
``EventSQL.emit_many`` does (``nlentry.storage.webhook_outbox``: one query
for the subscriptions of all the events' users, then for each event some
subscription wants, its ``webhook_events`` row and a pending
``webhook_deliveries`` row per subscription), in the caller's transaction:

* on SQLite it *is* ``EventSQL.emit_many``: a statement is a call into the
  library in this process, a few microseconds;
* on PostgreSQL every statement is a round trip, and an event row then its
  deliveries, event by event, would make two per new entry inside the
  writer's transaction (0.4 ms each on loopback, most of a batch's time).
  Here the batch's event rows are sent at once in psycopg's pipeline mode
  (``executemany(..., returning=True)``, as ``EntrySQL.insert_entries`` sends
  the entries: each statement's id back in order), and all their deliveries
  in one multi-row ``INSERT``: three round trips for the batch, whatever its
  size.

The rows are the outbox's, column for column, and the events' ids keep the
order of ``events`` (the order one entry's deliveries are sent in);
``tests/storage/test_entry_writer_events.py`` compares both ways.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Dialect

from nlentry.storage.models import utcnow
from nlentry.storage.webhook_models import PENDING, WebhookEvent
from nlentry.storage.webhook_outbox import EVENT_TYPES, Event, EventSQL, new_event_uid, wants

_EVENT_COLUMNS = ("uid", "workspace_id", "user_id", "type", "entry_id", "payload", "created_at")
_INSERT_EVENT = (f"INSERT INTO webhook_events ({', '.join(_EVENT_COLUMNS)}) "
                 f"VALUES ({', '.join('%s' for _ in _EVENT_COLUMNS)}) RETURNING id")  # fmt: skip
_DELIVERY_COLUMNS = ("event_id", "subscription_id", "entry_id", "status", "attempts",
                     "next_attempt_at", "created_at")  # fmt: skip
_DELIVERY_ROW = f"({', '.join('%s' for _ in _DELIVERY_COLUMNS)})"
#: Deliveries per ``INSERT`` (PostgreSQL takes at most 65,535 parameters in a statement).
DELIVERIES_PER_INSERT = 5000


class CreatedEvents:
    """The writer's outbox: ``EventSQL.emit_many``, pipelined on PostgreSQL."""

    def __init__(self, dialect: Dialect):
        self._outbox = EventSQL(dialect)
        self._pipelined = dialect.name == "postgresql"
        events = WebhookEvent.__table__
        self._payload = _processor(events, "payload", dialect)
        self._datetime = _processor(events, "created_at", dialect)

    def emit(self, cursor, events: list[Event], now: dt.datetime | None = None) -> int:
        """Write ``events`` for every subscription that wants them: the deliveries written."""
        if not self._pipelined:
            return self._outbox.emit_many(cursor, events, now)
        for item in events:
            if item.type not in EVENT_TYPES:
                raise ValueError(f"no such webhook event type: {item.type!r}")
        if not events:
            return 0
        wanted = self._outbox.wanted(cursor, (item.user_id for item in events))
        if not wanted:
            return 0
        stamp = self._datetime(now or utcnow())
        rows: list[tuple] = []
        targets: list[tuple[int | None, list[int]]] = []
        for item in events:
            found = [(subscription, workspace) for subscription, workspace, types
                     in wanted.get(item.user_id, ()) if wants(types, item.type)]  # fmt: skip
            if found:
                rows.append((new_event_uid(), found[0][1], item.user_id, item.type, item.entry_id,
                             self._payload(item.payload()), stamp))  # fmt: skip
                targets.append((item.entry_id, [subscription for subscription, _ in found]))
        if not rows:
            return 0
        cursor.executemany(_INSERT_EVENT, rows, returning=True)
        ids = [cursor.fetchone()[0]]
        while cursor.nextset():
            ids.append(cursor.fetchone()[0])
        deliveries = [(event_id, subscription, entry_id, PENDING, 0, stamp, stamp)
                      for event_id, (entry_id, subscriptions) in zip(ids, targets, strict=True)
                      for subscription in subscriptions]  # fmt: skip
        for start in range(0, len(deliveries), DELIVERIES_PER_INSERT):
            chunk = deliveries[start:start + DELIVERIES_PER_INSERT]
            cursor.execute(f"INSERT INTO webhook_deliveries ({', '.join(_DELIVERY_COLUMNS)}) "
                           f"VALUES {', '.join([_DELIVERY_ROW] * len(chunk))}",
                           [value for row in chunk for value in row])  # fmt: skip
        return len(deliveries)


def _processor(table, column: str, dialect: Dialect) -> Callable[[Any], Any]:
    processor = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    return processor or (lambda value: value)
