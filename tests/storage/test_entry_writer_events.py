"""``time_entry.created`` in the entry writer's transaction (``nlentry.storage.entry_writer``).

A writer of its own runs over the test database behind a gate the test holds (as in
``test_entry_writer_groups``), so what shares a batch is certain. Each committed row
has exactly one event, ``id`` first; a submission that fails takes its events along
(the batch it failed in is rolled back, and each submission is tried again alone); a
replayed key has none; an event's data function is called only when a subscription
wants it; the delivery worker is woken after a commit that wrote events.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import select

from nlentry.api.credentials import Credentials
from nlentry.api.webhook_urls import ALLOW_PRIVATE_ENV
from nlentry.storage import webhook_outbox
from nlentry.storage.entry_submissions import Answer, Claimed, NewEntry, Stored, entry_row
from nlentry.storage.entry_writer import EntryWriter
from nlentry.storage.models import TimeEntry, utcnow
from nlentry.storage.webhook_models import WebhookEvent

DAY = dt.date(2026, 3, 1)


class Gated:
    """A writer over the app's engine whose first batch waits at a gate the test opens."""

    def __init__(self, app):
        self.gate = threading.Lock()
        self.writer = EntryWriter(app.state.db.engine, self.gate)

    def write(self, first: NewEntry, rest: list[NewEntry]) -> list:
        entries = [first, *rest]
        outcomes: list = [None] * len(entries)
        done = threading.Semaphore(0)

        def answer(i):
            def settle(outcome):
                outcomes[i] = outcome
                done.release()
            return settle

        with self.gate:
            self.writer.submit(first, answer(0))
            deadline = time.monotonic() + 10
            while not self.writer._worker.queue.empty():  # taken, and waiting at the gate
                assert time.monotonic() < deadline
                time.sleep(0.001)
            time.sleep(0.01)
            for i, entry in enumerate(rest, start=1):
                self.writer.submit(entry, answer(i))
        for _ in entries:
            assert done.acquire(timeout=60)
        return outcomes


@pytest.fixture
def gated(app):
    made = Gated(app)
    yield made
    made.writer.close()


@pytest.fixture
def token(client, alice):
    assert client.post("/api/v1/time_entries.json", data={"body": "1 uur werk"},
                       headers=alice.headers).status_code == 201  # fmt: skip
    caller = client.app.state.callers.get(Credentials(alice.token))
    return caller.token_id, caller.catalog_versions


@pytest.fixture
def subscribed(client, alice, monkeypatch, token):
    """Alice subscribes to every event (after the token's first entry, which has none)."""
    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "1")
    answer = client.post("/api/v1/webhooks.json", json={"url": "http://127.0.0.1:9/hook"},
                         headers=alice.headers)  # fmt: skip
    assert answer.status_code == 201, answer.text


@pytest.fixture
def woken():
    """How many times this process's delivery workers were woken."""
    calls = []
    listener = lambda: calls.append(1)
    webhook_outbox.add_listener(listener)
    yield calls
    webhook_outbox.remove_listener(listener)


def _row(alice, body: str, refused: bool = False) -> dict:
    row = entry_row(alice.id, {"body": body, "date": DAY, "duration": 60}, utcnow())
    if refused:
        row["body"] = None  # NOT NULL: the database refuses it
    return row


def _data(body: str) -> dict:
    return {"body": body, "note": "made by the request"}


def single(alice, token, body: str, key: str | None = None, data=None) -> NewEntry:
    return NewEntry(token[0], alice.id, token[1], _row(alice, body), Answer(201, b'{"id":', b"}"),
                    key, "hash" if key else "", event_data=(data or _data(body),))  # fmt: skip


def group(alice, token, bodies: list[str], bad: int | None = None, key: str | None = None,
          data=None) -> NewEntry:  # fmt: skip
    rows = tuple(_row(alice, body, i == bad) for i, body in enumerate(bodies))
    return NewEntry(token[0], alice.id, token[1], None,
                    Answer(201, b"[", *([b","] * (len(rows) - 1)), b"]"), key,
                    "hash" if key else "", group=rows,
                    event_data=data or tuple(_data(body) for body in bodies))  # fmt: skip


def ids_of(outcome: Stored) -> list[int]:
    return [int(part) for part in outcome.body.strip(b"[]{}").replace(b'"id":', b"").split(b",")]


def stored_rows(app) -> dict[int, str]:
    with app.state.db.read() as session:
        return dict(session.execute(select(TimeEntry.id, TimeEntry.body)).all())


def created(app) -> list[tuple[int, dict]]:
    with app.state.db.read() as session:
        rows = session.execute(select(WebhookEvent.type, WebhookEvent.entry_id,
                                      WebhookEvent.payload).order_by(WebhookEvent.id))  # fmt: skip
        found = [tuple(row) for row in rows]
    assert {type for type, _, _ in found} <= {"time_entry.created"}
    return [(entry_id, payload) for _, entry_id, payload in found]


def test_every_committed_row_has_one_event_a_failed_submission_none(
        app, alice, token, subscribed, gated, woken):  # fmt: skip
    before = set(stored_rows(app))
    rest = [single(alice, token, "single"), group(alice, token, ["g0", "g1", "g2"]),
            single(alice, token, "keyed", key="k"), single(alice, token, "keyed", key="k"),
            group(alice, token, ["bad0", "bad1"], bad=1), group(alice, token, ["h0", "h1"]),
            group(alice, token, ["keyed g0", "keyed g1"], key="g")]  # fmt: skip
    outcomes = gated.write(single(alice, token, "first"), rest)
    assert isinstance(outcomes[5], Exception)  # the bad group failed alone...
    assert isinstance(outcomes[4], Claimed)  # ...and the key's second request found the first
    assert all(isinstance(outcomes[i], Stored) for i in (0, 1, 2, 3, 6, 7)), outcomes
    rows = {id: body for id, body in stored_rows(app).items() if id not in before}
    assert sorted(rows.values()) == sorted(["first", "single", "g0", "g1", "g2", "keyed", "h0",
                                            "h1", "keyed g0", "keyed g1"])  # fmt: skip
    events = created(app)
    assert Counter(entry_id for entry_id, _ in events) == Counter(list(rows))  # one per row
    for entry_id, payload in events:
        assert next(iter(payload)) == "id" and payload == {"id": entry_id, **_data(rows[entry_id])}
    answered = [id for i in (0, 1, 2, 3, 6, 7) for id in ids_of(outcomes[i])]
    assert sorted(answered) == sorted(rows)
    assert woken  # the commits that wrote events woke the delivery worker


def test_data_is_made_only_when_a_subscription_wants_it(app, alice, token, gated, woken,
                                                        client, monkeypatch):  # fmt: skip
    calls = []

    def making(body):
        def make():
            calls.append(body)
            return _data(body)
        return make

    gated.write(single(alice, token, "a", data=making("a")),
                [group(alice, token, ["b", "c"], data=(making("b"), making("c")))])
    assert calls == [] and created(app) == [] and woken == []  # nobody subscribed
    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "1")
    answer = client.post("/api/v1/webhooks.json", json={"url": "http://127.0.0.1:9/h",
                                                        "events": ["timer.started"]},
                         headers=alice.headers)  # fmt: skip
    assert answer.status_code == 201
    gated.write(single(alice, token, "d", data=making("d")), [])
    assert calls == [] and created(app) == []  # subscribed, but not to this type
    client.patch(f"/api/v1/webhooks/{answer.json()['id']}.json", json={"events": "*"},
                 headers=alice.headers)  # fmt: skip
    outcomes = gated.write(single(alice, token, "e", data=making("e")),
                           [group(alice, token, ["f", "g"], data=(making("f"), making("g")))])
    assert calls == ["e", "f", "g"]
    ids = [id for outcome in outcomes for id in ids_of(outcome)]
    assert created(app) == [(id, {"id": id, **_data(body)}) for id, body in zip(ids, "efg",
                                                                                strict=True)]


def test_a_submission_whose_event_cannot_be_made_fails_alone(app, alice, token, subscribed,
                                                             gated):  # fmt: skip
    before = set(stored_rows(app))

    def broken():
        raise RuntimeError("no JSON today")

    outcomes = gated.write(single(alice, token, "first"),
                           [single(alice, token, "beside"),
                            group(alice, token, ["x0", "x1"], data=(_data("x0"), broken)),
                            single(alice, token, "after")])  # fmt: skip
    assert isinstance(outcomes[2], RuntimeError)
    rows = {id: body for id, body in stored_rows(app).items() if id not in before}
    assert sorted(rows.values()) == ["after", "beside", "first"]  # the group: neither row
    assert sorted(entry_id for entry_id, _ in created(app)) == sorted(rows)


def test_a_submission_without_event_data_has_no_event(app, alice, token, subscribed, gated):
    plain = NewEntry(token[0], alice.id, token[1], _row(alice, "quiet"),
                     Answer(201, b'{"id":', b"}"))  # fmt: skip
    (outcome,) = gated.write(plain, [])
    assert isinstance(outcome, Stored) and created(app) == []


def test_event_data_must_match_the_rows(alice):
    row = entry_row(alice.id, {"body": "x", "date": DAY, "duration": 60}, utcnow())
    with pytest.raises(ValueError):
        NewEntry(1, alice.id, (0, 0), None, Answer(201, b"[", b",", b"]"), group=(row, row),
                 event_data=({},))  # fmt: skip
    with pytest.raises(ValueError):
        NewEntry(1, alice.id, (0, 0), row, Answer(201, b"{", b"}"), event_data=({}, {}))


def test_the_writers_way_writes_the_outboxs_rows(app, client, alice, bob, monkeypatch):
    """``EventSQL.emit_many`` given the subscriptions read beforehand on another cursor (the
    writer's way: read with the batch's tokens) and reading them itself write the same
    rows: events in order, a delivery to each subscription that wants each one."""
    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "1")
    for account, data in ((alice, {}), (alice, {"all_users": True}),
                          (bob, {"events": ["time_entry.created"]}),
                          (bob, {"events": ["timer.started"]})):  # fmt: skip
        answer = client.post("/api/v1/webhooks.json",
                             json={"url": "http://127.0.0.1:9/h", **data},
                             headers=account.headers)  # fmt: skip
        assert answer.status_code == 201, answer.text
    now = dt.datetime(2026, 3, 1, 12, 0, 0, 123456)

    def made(offset: int) -> list[webhook_outbox.Event]:
        return [webhook_outbox.Event(user.id, "time_entry.created",
                                     lambda n=n: {"id": offset + n, "n": n}, offset + n)
                for n, user in enumerate((alice, bob, alice, bob, bob))]  # fmt: skip

    engine = app.state.db.engine
    sql = webhook_outbox.EventSQL(engine.dialect)
    written = []
    for offset, read_first in ((100, False), (200, True)):
        connection = engine.raw_connection()
        try:
            cursor, side = connection.cursor(), connection.cursor()
            wanted = None
            if read_first:
                assert sql.ask_wanted(side, {alice.id, bob.id})
                wanted = sql.read_wanted(side)
            written.append(sql.emit_many(cursor, made(offset), now, wanted=wanted))
            connection.commit()
        finally:
            connection.close()
    assert written == [2 + 2 + 2 + 2 + 2] * 2  # alice's: own + all; bob's: all + created

    def rows(low: int, high: int):
        with app.state.db.read() as session:
            from nlentry.storage.webhook_models import WebhookDelivery

            found = session.execute(
                select(WebhookEvent.id, WebhookEvent.workspace_id, WebhookEvent.user_id,
                       WebhookEvent.type, WebhookEvent.entry_id, WebhookEvent.payload,
                       WebhookEvent.created_at, WebhookEvent.uid)
                .where(WebhookEvent.entry_id.between(low, high)).order_by(WebhookEvent.id)).all()
            deliveries = session.execute(
                select(WebhookDelivery.event_id, WebhookDelivery.subscription_id,
                       WebhookDelivery.entry_id, WebhookDelivery.status,
                       WebhookDelivery.attempts, WebhookDelivery.next_attempt_at,
                       WebhookDelivery.created_at, WebhookDelivery.claim)
                .where(WebhookDelivery.entry_id.between(low, high))
                .order_by(WebhookDelivery.event_id, WebhookDelivery.subscription_id)).all()
        order = {row[0]: i for i, row in enumerate(found)}
        return ([(*row[1:4], row[4] - low, {**row[5], "id": row[5]["id"] - low}, row[6],
                  row[7].startswith("evt_")) for row in found],
                [(order[row[0]], *row[1:2], row[2] - low, *row[3:]) for row in deliveries])

    outbox, writers = rows(100, 199), rows(200, 299)
    assert writers == outbox
    events, deliveries = writers
    assert [e[3] for e in events] == [0, 1, 2, 3, 4]  # in order
    assert all(d[2:] == (d[2], "pending", 0, now, now, None) for d in deliveries)
