"""``EntryWriter.write`` from an event loop told to (``run_on_this_loop``, as the server's
lifespan does): on PostgreSQL the writer's transactions run on the loop itself
(``nlentry.storage.loop_writer``), on SQLite in the writer's thread; a loop not told
to (a test client's, one per request) always writes through the thread.

Both run in the PostgreSQL stage of CI too (``NLENTRY_TEST_DATABASE_URL``), where the
first three are about the loop's side: batches, a bad entry alone, a lost connection.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import replace

from sqlalchemy import func, select

from nlentry.api.webhook_urls import ALLOW_PRIVATE_ENV
from nlentry.storage.entry_submissions import Answer, NewEntry, Stored, entry_row
from nlentry.storage.entry_writer import LOOP_MAX_ROWS
from nlentry.storage.models import TimeEntry, utcnow
from nlentry.storage.webhook_models import WebhookEvent
from tests.storage.test_entry_writer import _entry, _token_id, _versions

DAY = dt.date(2026, 3, 2)


def _on_postgres(app) -> bool:
    return app.state.db.dialect == "postgresql"


def _count(app, model) -> int:
    with app.state.db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def _rows(app) -> int:
    return _count(app, TimeEntry)


def test_concurrent_writes_from_a_loop_share_transactions(app, client, alice):
    token_id, versions = _token_id(client, alice), _versions(client, alice)
    writer = app.state.db.entry_writer
    writer.close()  # the thread the first request may have started (SQLite) is gone
    before, rows = writer.batches, _rows(app)

    async def run():
        writer.run_on_this_loop()
        entries = [_entry(alice, versions=versions, token_id=token_id) for _ in range(40)]
        outcomes = await asyncio.gather(*(writer.write(entry) for entry in entries))
        await writer.aclose()
        return outcomes

    outcomes = asyncio.run(run())
    assert all(isinstance(o, Stored) and o.status == 201 for o in outcomes)
    assert len({int(o.body[6:-1]) for o in outcomes}) == 40
    assert 1 <= writer.batches - before < 40  # grouped
    assert _rows(app) == rows + 40
    # on PostgreSQL no thread was started: the loop wrote them; on SQLite the thread did
    assert (writer._worker is None) == _on_postgres(app)
    assert not writer._loops  # aclose ended this loop's side


def test_a_bad_entry_written_from_a_loop_fails_alone(app, client, alice):
    token_id, versions = _token_id(client, alice), _versions(client, alice)
    writer = app.state.db.entry_writer

    async def run():
        writer.run_on_this_loop()
        entries = [_entry(alice, versions=versions, token_id=token_id) for _ in range(5)]
        entries.insert(2, _entry(alice, project_id=999_999, versions=versions,
                                 token_id=token_id))  # fmt: skip
        outcomes = await asyncio.gather(*(writer.write(entry) for entry in entries),
                                        return_exceptions=True)  # fmt: skip
        await writer.aclose()
        return outcomes

    outcomes = asyncio.run(run())
    assert isinstance(outcomes[2], Exception)  # no such project: the foreign key refuses it
    assert all(isinstance(o, Stored) for i, o in enumerate(outcomes) if i != 2)


def test_a_lost_connection_fails_one_batch_and_the_next_connects_again(app, client, alice):
    """The writer's connection dies between batches (the server ended it): the next batch
    fails with the store's error, and the one after opens a new connection and commits."""
    token_id, versions = _token_id(client, alice), _versions(client, alice)
    writer = app.state.db.entry_writer

    async def run():
        writer.run_on_this_loop()
        first = await writer.write(_entry(alice, versions=versions, token_id=token_id))
        if _on_postgres(app):
            side = writer._loops[asyncio.get_running_loop()]
            pid = side.transactions._connection.info.backend_pid
            with app.state.db.engine.connect() as connection:
                connection.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
        else:  # the thread's connection, closed under it
            writer._worker._transactions._connection.dbapi_connection.close()
        failed = await asyncio.gather(writer.write(_entry(alice, versions=versions,
                                                          token_id=token_id)),
                                      return_exceptions=True)  # fmt: skip
        later = await writer.write(_entry(alice, versions=versions, token_id=token_id))
        await writer.aclose()
        return first, failed[0], later

    rows = _rows(app)
    first, failed, later = asyncio.run(run())
    assert isinstance(first, Stored) and isinstance(later, Stored)
    assert isinstance(failed, Exception), failed
    assert _rows(app) == rows + 2


def test_keys_and_webhook_events_on_the_loop(app, client, alice, monkeypatch):
    """A key claimed twice in one batch stores once; each stored row of a subscribed
    user gets its event in the same transaction (the side cursor's query, the outbox)."""
    token_id, versions = _token_id(client, alice), _versions(client, alice)
    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "1")
    assert client.post("/api/v1/webhooks.json", json={"url": "http://127.0.0.1:9/hook"},
                       headers=alice.headers).status_code == 201  # fmt: skip
    writer = app.state.db.entry_writer
    rows, events = _rows(app), _events(app)

    def made(key=None) -> NewEntry:
        entry = _entry(alice, versions=versions, token_id=token_id, key=key)
        return replace(entry, event_data=({"body": "1 uur werk"},))

    async def run():
        writer.run_on_this_loop()
        entries = [made("k-1"), made(), made("k-1"), made()]
        outcomes = await asyncio.gather(*(writer.write(entry) for entry in entries))
        await writer.aclose()
        return outcomes

    outcomes = asyncio.run(run())
    kinds = sorted(type(o).__name__ for o in outcomes)
    assert kinds == ["Claimed", "Stored", "Stored", "Stored"]
    assert _rows(app) == rows + 3 and _events(app) == events + 3


def _events(app) -> int:
    return _count(app, WebhookEvent)


def test_a_loop_not_told_to_writes_through_the_thread(app, client, alice):
    token_id, versions = _token_id(client, alice), _versions(client, alice)
    writer = app.state.db.entry_writer

    async def run():
        return await writer.write(_entry(alice, versions=versions, token_id=token_id))

    assert isinstance(asyncio.run(run()), Stored)
    assert writer._worker is not None and not writer._loops


def test_a_large_group_is_written_by_the_thread_even_where_the_loop_writes(app, client, alice):
    """A group of more than LOOP_MAX_ROWS rows (a CSV import) would hold the loop while
    its values are converted: the thread writes it; a small one stays on the loop."""
    token_id, versions = _token_id(client, alice), _versions(client, alice)
    writer = app.state.db.entry_writer
    writer.close()
    rows = _rows(app)

    def group(count: int) -> NewEntry:
        made = tuple(entry_row(alice.id, {"body": f"row {i}", "date": DAY, "duration": 60},
                               utcnow()) for i in range(count))  # fmt: skip
        return NewEntry(token_id, alice.id, versions, None,
                        Answer(201, b"[", *([b","] * (count - 1)), b"]"), group=made)

    async def run():
        writer.run_on_this_loop()
        small = await writer.write(group(LOOP_MAX_ROWS))
        thread_after_small = writer._worker is not None
        large = await writer.write(group(LOOP_MAX_ROWS + 1))
        await writer.aclose()
        return small, thread_after_small, large

    small, thread_after_small, large = asyncio.run(run())
    for outcome, count in ((small, LOOP_MAX_ROWS), (large, LOOP_MAX_ROWS + 1)):
        assert isinstance(outcome, Stored)
        assert len(set(outcome.body.strip(b"[]").split(b","))) == count
    assert _rows(app) == rows + 2 * LOOP_MAX_ROWS + 1
    assert thread_after_small == (not _on_postgres(app))  # on PostgreSQL the loop wrote it
    assert writer._worker is not None  # the large one: the thread, on either store
