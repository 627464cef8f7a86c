"""The delivery worker's side of the outbox: what is due, claiming it, recording attempts.

A delivery is due when it is ``pending``, its ``next_attempt_at`` has come,
no worker holds a live lease on it, its subscription is active, and no
earlier event of the same entry is still pending for the same subscription
(one entry's events reach a subscription in the order they happened).

``claim_due`` takes some due deliveries under a lease: a random ``claim`` and
``claimed_until`` (``LEASE`` from now), written in a writing transaction. On
PostgreSQL the rows are chosen with ``FOR UPDATE SKIP LOCKED``, so workers
in several processes or machines claim disjoint rows without waiting on each
other; on SQLite the writing transaction (``BEGIN IMMEDIATE``, after the
process-wide write lock) lets one claimer in at a time. A worker that dies
holding a lease leaves its deliveries to be claimed again once the lease has
run out: a delivery is sent at least once, and exactly once unless a worker
dies between sending it and recording the answer (receivers deduplicate by
``webhook-id``, which stays the same).

``record`` writes an attempt's outcome, if the lease is still the worker's:
a ``2xx`` is delivered (and resets the subscription's run of failures); a
``410`` fails the delivery and disables the subscription; anything else is
tried again after ``retry_delay`` until ``MAX_ATTEMPTS`` are used up, and the
``DISABLE_AFTER``-th event in a row to use them all up disables the
subscription. ``prune`` drops events (and so their deliveries) older than
``WEBHOOK_LOG_DAYS``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, exists, or_, select, update
from sqlalchemy.orm import aliased

from nlentry.limits import WEBHOOK_LOG_DAYS, WEBHOOK_TIMEOUT_SECONDS
from nlentry.storage.models import utcnow
from nlentry.storage.webhook_models import (
    DELIVERED,
    FAILED,
    PENDING,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)

#: Attempts of one delivery: the first and 11 retries.
MAX_ATTEMPTS = 12
#: The default base of the backoff, in seconds: the n-th retry comes ``base * 2**(n-1)``
#: after the attempt before it, so the 12th attempt is 4095 * 120 s (~68 hours, almost
#: three days) after the first.
DEFAULT_RETRY_BASE_SECONDS = 120.0
#: Events in a row whose deliveries used up every attempt before the subscription is disabled.
DISABLE_AFTER = 10
#: How long a claim holds: the receiver's time to answer, and a margin to record it.
LEASE = dt.timedelta(seconds=WEBHOOK_TIMEOUT_SECONDS + 20)
#: The reasons a subscription is disabled with.
GONE_REASON = "the receiver answered 410 Gone"
FAILING_REASON = f"{DISABLE_AFTER} events in a row failed every attempt"


def retry_delay(attempts: int, base: float = DEFAULT_RETRY_BASE_SECONDS) -> dt.timedelta:
    """The wait before the next attempt, after ``attempts`` attempts (1 or more)."""
    return dt.timedelta(seconds=base * 2 ** (attempts - 1))


@dataclass(frozen=True)
class Due:
    """A claimed delivery, with what sending it takes."""

    delivery_id: int
    claim: str
    attempts: int  # made before this one
    event_uid: str
    event_type: str
    event_created_at: dt.datetime
    workspace_id: int
    user_id: int
    data: Any
    subscription_id: int
    url: str
    secret: str

    def body(self) -> dict[str, Any]:
        """The JSON the receiver is sent (the same on every attempt)."""
        created = self.event_created_at.replace(tzinfo=dt.UTC).isoformat(timespec="seconds")
        return {"id": self.event_uid, "type": self.event_type,
                "created_at": created.replace("+00:00", "Z"),
                "workspace_id": self.workspace_id, "user_id": self.user_id, "data": self.data}


def _due_query():
    """Due deliveries, oldest due first, at most ``:limit`` of them at ``:now``; an
    entry's later event waits while an earlier one is pending (the order per entry)."""
    d = WebhookDelivery
    earlier = aliased(WebhookDelivery)
    now = bindparam("now")
    blocked = exists().where(
        earlier.subscription_id == d.subscription_id, earlier.entry_id == d.entry_id,
        earlier.status == PENDING, earlier.event_id < d.event_id,
    )
    return (
        select(d.id)
        .join(WebhookSubscription, WebhookSubscription.id == d.subscription_id)
        .where(d.status == PENDING, d.next_attempt_at <= now,
               or_(d.claimed_until.is_(None), d.claimed_until <= now),
               WebhookSubscription.active, ~blocked)
        .order_by(d.next_attempt_at, d.id)
        .limit(bindparam("limit"))
    )


# Built once: the worker asks several times a second.
_DUE = _due_query()
_DUE_LOCKED = _DUE.with_for_update(of=WebhookDelivery, skip_locked=True)  # PostgreSQL


def has_due(db: Any, now: dt.datetime | None = None) -> bool:
    """Whether some delivery is due (a read: the claim's writing transaction only follows
    when there is something to claim)."""
    with db.read() as session:
        return session.scalar(_DUE, {"now": now or utcnow(), "limit": 1}) is not None


def claim_due(db: Any, limit: int, now: dt.datetime | None = None) -> list[Due]:
    """Claim up to ``limit`` due deliveries, oldest due first."""
    now = now or utcnow()
    with db.write() as session:
        query = _DUE_LOCKED if db.dialect == "postgresql" else _DUE
        ids = list(session.scalars(query, {"now": now, "limit": limit}))
        if not ids:
            session.rollback()
            return []
        claim = secrets.token_hex(8)
        d, e, s = WebhookDelivery, WebhookEvent, WebhookSubscription
        session.execute(update(d).where(d.id.in_(ids))
                        .values(claim=claim, claimed_until=now + LEASE))  # fmt: skip
        rows = session.execute(
            select(d.id, d.attempts, e.uid, e.type, e.created_at, e.workspace_id, e.user_id,
                   e.payload, s.id, s.url, s.secret)
            .join(e, e.id == d.event_id).join(s, s.id == d.subscription_id)
            .where(d.id.in_(ids)).order_by(d.next_attempt_at, d.id)
        ).all()
        session.commit()
    return [Due(row[0], claim, *row[1:]) for row in rows]


@dataclass(frozen=True)
class Attempt:
    """What one attempt got: the receiver's status (None: no answer) and what went wrong."""

    status: int | None
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def record(db: Any, due: Due, attempt: Attempt, retry_base: float = DEFAULT_RETRY_BASE_SECONDS,
           now: dt.datetime | None = None) -> str | None:  # fmt: skip
    """Write ``attempt`` of ``due``: the delivery's state after it, or None when the
    lease is no longer this worker's (it ran out, or the delivery was sent again)."""
    return record_many(db, [(due, attempt)], retry_base, now)[0]


def record_many(db: Any, attempts: list[tuple[Due, Attempt]],
                retry_base: float = DEFAULT_RETRY_BASE_SECONDS,
                now: dt.datetime | None = None) -> list[str | None]:  # fmt: skip
    """``record`` for several attempts in one writing transaction (one commit, one turn
    on SQLite's write lock, however many sends finished meanwhile), in order."""
    now = now or utcnow()
    states: list[str | None] = [None] * len(attempts)
    with db.write() as session:
        delivered = [i for i, (_, attempt) in enumerate(attempts) if attempt.delivered]
        for i in _record_delivered(session, [attempts[i] for i in delivered], now):
            states[delivered[i]] = DELIVERED
        for i, (due, attempt) in enumerate(attempts):
            if not attempt.delivered:
                states[i] = _record_in(session, due, attempt, retry_base, now)
        session.commit()
    return states


def _record_delivered(session: Any, attempts: list[tuple[Due, Attempt]],
                      now: dt.datetime) -> list[int]:  # fmt: skip
    """The delivered ones of a batch in a few statements, not a few per delivery (the
    common case, and the one a busy worker has many of): one ``UPDATE`` per claim and
    answer status, one per subscription that had counted failures. The positions in
    ``attempts`` of those still leased to this worker (the others were left alone)."""
    d, s = WebhookDelivery, WebhookSubscription
    groups: dict[tuple[str, int | None], list[int]] = {}
    for i, (due, attempt) in enumerate(attempts):
        groups.setdefault((due.claim, attempt.status), []).append(i)
    recorded: list[int] = []
    for (claim, status), positions in groups.items():
        ids = [attempts[i][0].delivery_id for i in positions]
        done = set(session.scalars(
            update(d).where(d.id.in_(ids), d.claim == claim)
            .values(attempts=d.attempts + 1, claim=None, claimed_until=None,
                    response_status=status, status=DELIVERED, delivered_at=now,
                    last_error=None, next_attempt_at=None)
            .returning(d.id).execution_options(synchronize_session=False)
        ))  # fmt: skip
        recorded += [i for i in positions if attempts[i][0].delivery_id in done]
    subscriptions = {attempts[i][0].subscription_id for i in recorded}
    if subscriptions:
        session.execute(update(s).where(s.id.in_(subscriptions), s.consecutive_failures != 0)
                        .values(consecutive_failures=0, updated_at=s.updated_at)
                        .execution_options(synchronize_session=False))  # fmt: skip
    return sorted(recorded)


def _record_in(session: Any, due: Due, attempt: Attempt, retry_base: float,
               now: dt.datetime) -> str | None:  # fmt: skip
    """One attempt's outcome, in ``session`` (see ``record``)."""
    d, s = WebhookDelivery, WebhookSubscription
    delivery = session.get(d, due.delivery_id)
    if delivery is None or delivery.claim != due.claim:
        return None
    delivery.attempts += 1
    delivery.claim = None
    delivery.claimed_until = None
    delivery.response_status = attempt.status
    keep_updated = {"updated_at": s.updated_at}  # counting is no change of the subscription
    if attempt.delivered:
        delivery.status, delivery.delivered_at = DELIVERED, now
        delivery.last_error, delivery.next_attempt_at = None, None
        session.execute(update(s).where(s.id == delivery.subscription_id,
                                        s.consecutive_failures != 0)
                        .values(consecutive_failures=0, **keep_updated))  # fmt: skip
    elif attempt.status == 410:
        delivery.status, delivery.last_error, delivery.next_attempt_at = FAILED, attempt.error, None
        _disable(session, delivery.subscription_id, GONE_REASON, now)
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status, delivery.last_error, delivery.next_attempt_at = FAILED, attempt.error, None
        failures = session.scalar(
            update(s).where(s.id == delivery.subscription_id)
            .values(consecutive_failures=s.consecutive_failures + 1, **keep_updated)
            .returning(s.consecutive_failures)
        )
        if failures is not None and failures >= DISABLE_AFTER:
            _disable(session, delivery.subscription_id, FAILING_REASON, now)
    else:
        delivery.last_error = attempt.error
        delivery.next_attempt_at = now + retry_delay(delivery.attempts, retry_base)
    session.flush()  # the next attempt of the transaction sees this one's counts
    return delivery.status


def _disable(session: Any, subscription_id: int, reason: str, now: dt.datetime) -> None:
    s = WebhookSubscription
    session.execute(update(s).where(s.id == subscription_id, s.active)
                    .values(active=False, disabled_reason=reason, updated_at=now))  # fmt: skip


def release(db: Any, due: Due) -> None:
    """Give a claimed delivery back unsent (the worker is stopping): due again at once."""
    d = WebhookDelivery
    with db.write() as session:
        session.execute(update(d).where(d.id == due.delivery_id, d.claim == due.claim)
                        .values(claim=None, claimed_until=None))  # fmt: skip
        session.commit()


def prune(db: Any, now: dt.datetime | None = None) -> int:
    """Drop the events older than ``WEBHOOK_LOG_DAYS`` and, with them, their deliveries
    (whatever their state): how many events went."""
    cutoff = (now or utcnow()) - dt.timedelta(days=WEBHOOK_LOG_DAYS)
    e, d = WebhookEvent, WebhookDelivery
    with db.write() as session:
        old = select(e.id).where(e.created_at < cutoff).scalar_subquery()
        session.execute(delete(d).where(d.event_id.in_(old)))  # not left to ON DELETE CASCADE
        count = session.execute(delete(e).where(e.created_at < cutoff)).rowcount
        session.commit()
    return count
