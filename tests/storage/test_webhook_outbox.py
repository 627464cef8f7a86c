"""The outbox on a raw DB-API cursor, as the entry writer uses it (``EventSQL``): events
only for the users someone subscribed to, lazily made data, in the cursor's transaction;
and the delivery bookkeeping (``webhook_deliveries``): claims, order, retries, disabling."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from nlentry.storage import webhook_deliveries as deliveries
from nlentry.storage.models import utcnow
from nlentry.storage.queries.webhooks import create_subscription
from nlentry.storage.webhook_deliveries import Attempt
from nlentry.storage.webhook_models import WebhookDelivery, WebhookEvent, WebhookSubscription
from nlentry.storage.webhook_outbox import CHUNK, Event, EventSQL


def subscribe(app, account, **values):
    with app.state.db.write() as session:
        row = create_subscription(session, account.id, account.workspace_id,
                                  {"url": "http://127.0.0.1:9/h", **values})
        session.commit()
        return row.id


def raw_emit(app, events, commit=True) -> int:
    db = app.state.db
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        if db.is_sqlite:
            cursor.execute("BEGIN IMMEDIATE")
        written = EventSQL(db.engine.dialect).emit_many(cursor, events)
        connection.commit() if commit else connection.rollback()
        return written
    finally:
        connection.close()


def stored(app) -> list[tuple]:
    with app.state.db.read() as session:
        return [tuple(row) for row in session.execute(
            select(WebhookEvent.type, WebhookEvent.user_id, WebhookEvent.entry_id,
                   WebhookEvent.payload).order_by(WebhookEvent.id))]


def test_a_raw_cursor_writes_only_what_a_subscription_wants(app, alice, bob, carol):
    made = []

    def data(entry_id):
        def make():
            made.append(entry_id)
            return {"id": entry_id}
        return make

    events = [Event(alice.id, "time_entry.created", data(1), 1),
              Event(bob.id, "time_entry.created", data(2), 2),
              Event(carol.id, "time_entry.created", data(3), 3)]
    assert raw_emit(app, events) == 0 and made == [] and stored(app) == []  # no subscriber
    subscribe(app, bob, events=["time_entry.created"])
    subscribe(app, alice, events=["timer.started"])  # wants none of these
    subscribe(app, alice, events=["*"], all_users=True)  # alice, the admin: everyone of Acme
    assert raw_emit(app, events) == 3  # bob's event twice (his and alice's), alice's once
    assert made == [1, 2]  # carol's, of another workspace, was never made
    assert stored(app) == [("time_entry.created", alice.id, 1, {"id": 1}),
                           ("time_entry.created", bob.id, 2, {"id": 2})]
    assert raw_emit(app, [Event(bob.id, "time_entry.deleted", {"id": 2}, 2)],
                    commit=False) == 1
    assert len(stored(app)) == 2  # rolled back: no event


def test_more_events_than_a_statement_takes_each_get_their_deliveries(app, alice, bob):
    """A batch larger than ``CHUNK`` (an import's) is written in several statements; each
    event gets its own row and one delivery per subscription that wants it."""
    first = subscribe(app, alice, events=["*"], all_users=True)
    second = subscribe(app, bob, events=["time_entry.created"])
    events = [Event(bob.id if n % 2 else alice.id, "time_entry.created", {"id": n}, n)
              for n in range(CHUNK + 7)]  # fmt: skip
    odd = (CHUNK + 7) // 2  # bob's: alice's subscription and his own
    assert raw_emit(app, events) == CHUNK + 7 + odd
    assert [row[2] for row in stored(app)] == list(range(CHUNK + 7))
    with app.state.db.read() as session:
        d, e = WebhookDelivery, WebhookEvent
        rows = session.execute(select(e.entry_id, d.subscription_id)
                               .join(e, e.id == d.event_id)).all()  # fmt: skip
    wanted = {(n, first) for n in range(CHUNK + 7)} | {(n, second) for n in range(1, CHUNK + 7, 2)}
    assert sorted(rows) == sorted(wanted)


def claim_all(app):
    return deliveries.claim_due(app.state.db, 100)


def test_claims_keep_one_entrys_order_and_are_not_handed_out_twice(app, alice):
    subscribe(app, alice)
    raw_emit(app, [Event(alice.id, "timer.started", {"id": 7}, 7),
                   Event(alice.id, "timer.stopped", {"id": 7}, 7),
                   Event(alice.id, "timer.started", {"id": 8}, 8)])
    first = claim_all(app)
    assert [(d.event_type, d.data["id"]) for d in first] == [("timer.started", 7),
                                                             ("timer.started", 8)]
    assert claim_all(app) == []  # leased; entry 7's stop waits for its start
    assert deliveries.record(app.state.db, first[0], Attempt(500, "HTTP 500"), 60) == "pending"
    assert deliveries.record(app.state.db, first[1], Attempt(200)) == "delivered"
    assert claim_all(app) == []  # the start is pending (retried in a minute): still waiting
    later = utcnow() + dt.timedelta(minutes=2)
    again = deliveries.claim_due(app.state.db, 100, now=later)
    assert [d.event_type for d in again] == ["timer.started"] and again[0].attempts == 1
    assert deliveries.record(app.state.db, again[0], Attempt(204), now=later) == "delivered"
    assert deliveries.record(app.state.db, again[0], Attempt(204), now=later) is None  # lease gone
    after = deliveries.claim_due(app.state.db, 100, now=later)
    assert [(d.event_type, d.data["id"]) for d in after] == [("timer.stopped", 7)]
    assert after[0].event_uid != first[0].event_uid
    assert first[0].body()["id"] == again[0].body()["id"] == first[0].event_uid


def test_a_lease_that_runs_out_is_claimed_again(app, alice):
    subscribe(app, alice)
    raw_emit(app, [Event(alice.id, "timer.started", {"id": 7}, 7)])
    (lost,) = claim_all(app)
    (again,) = deliveries.claim_due(app.state.db, 10, now=utcnow() + deliveries.LEASE * 2)
    assert again.delivery_id == lost.delivery_id and again.claim != lost.claim
    assert deliveries.record(app.state.db, lost, Attempt(200)) is None  # not its lease any more


def test_the_schedule_spans_about_three_days():
    total = sum((deliveries.retry_delay(n) for n in range(1, deliveries.MAX_ATTEMPTS)),
                dt.timedelta())
    assert dt.timedelta(days=2.5) < total < dt.timedelta(days=3.2)
    assert deliveries.retry_delay(1, 0.5) == dt.timedelta(seconds=0.5)
    assert deliveries.retry_delay(3, 0.5) == dt.timedelta(seconds=2)


def test_used_up_attempts_count_and_the_tenth_in_a_row_disables(app, alice):
    hook = subscribe(app, alice)
    db = app.state.db
    with db.write() as session:
        session.execute(update(WebhookSubscription).values(consecutive_failures=8))
        session.commit()
    raw_emit(app, [Event(alice.id, "timer.started", {"id": n}, n) for n in (1, 2, 3)])
    with db.write() as session:
        session.execute(update(WebhookDelivery).values(attempts=deliveries.MAX_ATTEMPTS - 1))
        session.commit()
    first, second, third = claim_all(app)
    assert deliveries.record(db, first, Attempt(None, "refused")) == "failed"
    with db.read() as session:
        row = session.get(WebhookSubscription, hook)
        assert row.active and row.consecutive_failures == 9
    assert deliveries.record(db, second, Attempt(201)) == "delivered"  # the run is broken
    with db.read() as session:
        assert session.get(WebhookSubscription, hook).consecutive_failures == 0
    with db.write() as session:
        session.execute(update(WebhookSubscription).values(consecutive_failures=9))
        session.commit()
    assert deliveries.record(db, third, Attempt(500, "HTTP 500")) == "failed"
    with db.read() as session:
        row = session.get(WebhookSubscription, hook)
        assert not row.active and row.disabled_reason == deliveries.FAILING_REASON


def test_attempts_recorded_together_are_each_recorded(app, alice):
    """``record_many``: one transaction for several finished sends, each as ``record`` would
    have written it alone, a lost lease among them changing nothing of the others."""
    db = app.state.db
    subscribe(app, alice)
    raw_emit(app, [Event(alice.id, "timer.started", {"id": n}, n) for n in (7, 8, 9)])
    claimed = claim_all(app)
    assert len(claimed) == 3
    first, second, lost = claimed[:3]
    deliveries.release(db, lost)  # not this worker's any more
    states = deliveries.record_many(db, [(first, Attempt(200)), (second, Attempt(500, "HTTP 500")),
                                         (lost, Attempt(200))], 60)  # fmt: skip
    assert states == ["delivered", "pending", None]
