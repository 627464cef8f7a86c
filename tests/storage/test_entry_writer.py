"""Group commit (``nlentry.storage.entry_writer``) and the caches in front of it.

The cached caller and catalog only decide what a request parses with; the
writer's transaction confirms both, so a revocation or a catalog change made
elsewhere (another worker, the command line) takes effect at once.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select, update

from nlentry.storage.api_tokens import revoke_token
from nlentry.storage.catalog_versions import bump_user_catalog
from nlentry.storage.entry_sql import EntrySQL
from nlentry.storage.entry_submissions import REVOKED, Answer, NewEntry, Stale, Stored, entry_row
from nlentry.storage.models import Alias, ApiToken, Project, TimeEntry, utcnow

ENTRIES = "/api/v1/time_entries.json"


def _entry(account, project_id=None, key=None, versions=(0, 0), token_id=1,
           body="1 uur werk") -> NewEntry:  # fmt: skip
    values = {"body": body, "description": "werk", "date": dt.date(2026, 3, 1),
              "duration": 3600, "project_id": project_id}  # fmt: skip
    row = entry_row(account.id, values, utcnow())
    return NewEntry(token_id, account.id, versions, row,
                    Answer(201, b'{"id":', b"}"), key)  # fmt: skip


def _write_all(app, entries: list[NewEntry]) -> list:
    """Submit every entry before the writer can take the first: one batch, or a few."""
    outcomes: list = [None] * len(entries)
    done = threading.Semaphore(0)

    def answer(i):
        def settle(outcome):
            outcomes[i] = outcome
            done.release()
        return settle

    writer = app.state.db.entry_writer
    for i, entry in enumerate(entries):
        writer.submit(entry, answer(i))
    for _ in entries:
        assert done.acquire(timeout=30)
    return outcomes


def _token_id(client, account) -> int:
    answer = client.post(ENTRIES, data={"body": "1 uur werk"}, headers=account.headers)
    assert answer.status_code == 201
    return client.app.state.callers.get(_credentials(account)).token_id


def _credentials(account):
    from nlentry.api.credentials import Credentials

    return Credentials(account.token)


def _versions(client, account):
    return client.app.state.callers.get(_credentials(account)).catalog_versions


def test_concurrent_entries_share_transactions_and_all_land(app, client, alice):
    token_id = _token_id(client, alice)
    before = app.state.db.entry_writer.batches
    entries = [_entry(alice, versions=_versions(client, alice), token_id=token_id)
               for _ in range(40)]  # fmt: skip
    outcomes = _write_all(app, entries)
    assert all(isinstance(outcome, Stored) and outcome.status == 201 for outcome in outcomes)
    ids = {int(outcome.body[6:-1]) for outcome in outcomes}
    assert len(ids) == 40
    assert app.state.db.entry_writer.batches - before < 40  # grouped
    with app.state.db.read() as session:
        stored = set(session.scalars(select(TimeEntry.id).where(TimeEntry.id.in_(ids))))
    assert stored == ids


def test_each_answer_names_its_own_row(app, client, alice):
    """Many entries at once, a refused one and a keyed one among them: each id is its own row's."""
    token_id = _token_id(client, alice)
    versions = _versions(client, alice)
    entries = [_entry(alice, versions=versions, token_id=token_id, body=f"{i} uur werk")
               for i in range(200)]  # fmt: skip
    entries[50] = _entry(alice, versions=versions, token_id=token_id + 1000, body="revoked")
    entries[120] = _entry(alice, versions=versions, token_id=token_id, key="k", body="keyed")
    outcomes = _write_all(app, entries)
    with app.state.db.read() as session:
        bodies = dict(session.execute(select(TimeEntry.id, TimeEntry.body)).all())
    assert outcomes[50] is REVOKED
    for i, (entry, outcome) in enumerate(zip(entries, outcomes, strict=True)):
        if i != 50:
            assert bodies[int(outcome.body[6:-1])] == entry.row["body"], i


def test_insert_entries_gives_ids_in_order_after_the_newest_rows_were_deleted(app, alice):
    """More rows than one SQLite statement takes, after the table's newest rows were deleted."""
    db = app.state.db
    sql = EntrySQL(db.engine.dialect)

    def rows(count, name):
        values = {"date": dt.date(2026, 3, 1), "duration": 60}
        return [entry_row(alice.id, {**values, "body": f"{name} {i}"}, utcnow())
                for i in range(count)]  # fmt: skip

    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        sql.begin(cursor)
        first = sql.insert_entries(cursor, rows(3, "first"))
        cursor.execute(f"DELETE FROM time_entries WHERE id >= {first[1]}")
        connection.commit()
        sql.begin(cursor)
        new = rows(250, "new")
        ids = sql.insert_entries(cursor, new)
        connection.commit()
    finally:
        connection.close()
    assert len(set(ids)) == 250 and first[0] not in ids
    with db.read() as session:
        bodies = dict(session.execute(select(TimeEntry.id, TimeEntry.body)).all())
    assert [bodies[i] for i in ids] == [row["body"] for row in new]


def test_one_bad_entry_fails_alone(app, client, alice):
    token_id = _token_id(client, alice)
    versions = _versions(client, alice)
    entries = [_entry(alice, versions=versions, token_id=token_id) for _ in range(5)]
    entries.insert(2, _entry(alice, project_id=999_999, versions=versions, token_id=token_id))
    outcomes = _write_all(app, entries)
    assert isinstance(outcomes[2], Exception)  # no such project: the foreign key refuses it
    assert all(isinstance(o, Stored) for i, o in enumerate(outcomes) if i != 2)


def test_revoked_token_and_stale_catalog_are_told_apart(app, client, alice):
    token_id = _token_id(client, alice)
    versions = _versions(client, alice)
    stale = _entry(alice, versions=(versions[0], versions[1] - 1), token_id=token_id)
    unknown = _entry(alice, versions=versions, token_id=token_id + 1000)
    fresh = _entry(alice, versions=versions, token_id=token_id)
    outcomes = _write_all(app, [stale, unknown, fresh])
    assert outcomes[0] == Stale(versions)
    assert outcomes[1] is REVOKED
    assert isinstance(outcomes[2], Stored)


def test_a_token_revoked_elsewhere_is_refused_at_once_on_create(app, client, alice):
    assert client.post(ENTRIES, data={"body": "1 uur werk"}, headers=alice.headers).status_code == 201
    with app.state.db.write() as session:  # as the command line would, in another process
        assert revoke_token(session, alice.token)
        session.commit()
    answer = client.post(ENTRIES, data={"body": "2 uur werk"}, headers=alice.headers)
    assert answer.status_code == 401
    assert answer.json()["message"] == "unauthorized"
    # so is a refusal: 401, not 422
    assert client.post(ENTRIES, data={"body": ""}, headers=alice.headers).status_code == 401
    with app.state.db.read() as session:
        assert session.scalar(select(TimeEntry.id).where(TimeEntry.body == "2 uur werk")) is None


def test_an_alias_added_elsewhere_is_parsed_at_once(app, client, example_catalog):
    alice = example_catalog
    first = client.post(ENTRIES, data={"body": "1 uur aan Zebra gewerkt"}, headers=alice.headers)
    assert first.status_code == 201 and first.json()["project"] is None
    with app.state.db.write() as session:  # another worker adds the alias
        project = session.scalar(select(Project).where(Project.name == "Timi"))
        session.add(Alias(user_id=alice.id, project_id=project.id, name="Zebra",
                          normalized="zebra"))  # fmt: skip
        bump_user_catalog(session, alice.id)
        session.commit()
    answer = client.post(ENTRIES, data={"body": "1 uur aan Zebra gewerkt"}, headers=alice.headers)
    assert answer.status_code == 201
    assert answer.json()["project"]["name"] == "Timi"


def test_one_key_twice_in_one_batch_stores_one_entry(app, client, alice):
    token_id = _token_id(client, alice)
    versions = _versions(client, alice)
    outcomes = _write_all(app, [_entry(alice, key="same", versions=versions, token_id=token_id)
                                for _ in range(6)])  # fmt: skip
    stored = [o for o in outcomes if isinstance(o, Stored)]
    assert len(stored) == 1
    replays = [o for o in outcomes if not isinstance(o, Stored)]
    assert all(o.response_body == stored[0].body.decode() for o in replays)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_no_request_waits_forever_when_the_writer_thread_dies(app, client, alice, monkeypatch):
    """A writer thread ended by a BaseException answers its batch and its queue."""
    from nlentry.storage import entry_writer as writer_module

    token_id = _token_id(client, alice)
    versions = _versions(client, alice)
    real_commit = writer_module.Transactions.commit
    calls = []

    def dying_commit(self, batch):
        calls.append(len(batch))
        if len(calls) == 1:
            raise SystemExit("writer killed")
        return real_commit(self, batch)

    monkeypatch.setattr(writer_module.Transactions, "commit", dying_commit)
    entries = [_entry(alice, versions=versions, token_id=token_id) for _ in range(20)]
    outcomes = _write_all(app, entries)  # each waits at most 30 s
    failed = [o for o in outcomes if isinstance(o, RuntimeError)]
    assert len(failed) >= calls[0] >= 1
    assert all(isinstance(o, (Stored, RuntimeError)) for o in outcomes)
    later = _write_all(app, [_entry(alice, versions=versions, token_id=token_id)])
    assert isinstance(later[0], Stored)  # a new thread takes over


def test_an_entry_is_stored_however_often_the_catalog_changes_while_it_is_parsed(
    app, client, alice, monkeypatch
):
    """A colleague's catalog changes make the entry parse again, never fail (no fixed cap)."""
    from nlentry.api.resources import entry_create

    prepare = entry_create._prepare_entry
    changes = {"left": 12}  # more than any fixed number of attempts the path ever had

    def prepare_then_change_the_catalog(call, key):
        entry = prepare(call, key)
        if changes["left"]:
            changes["left"] -= 1
            with app.state.db.write() as session:
                bump_user_catalog(session, alice.id)
                session.commit()
        return entry

    monkeypatch.setattr(entry_create, "_prepare_entry", prepare_then_change_the_catalog)
    answer = client.post(ENTRIES, data={"body": "2 uur werk"}, headers=alice.headers)
    assert answer.status_code == 201, answer.text
    assert changes["left"] == 0 and answer.json()["duration"] == 7200
    with app.state.db.read() as session:
        assert session.scalar(select(TimeEntry.id).where(TimeEntry.id == answer.json()["id"]))


def test_a_token_expired_since_it_was_cached_is_refused_on_create(app, client, alice):
    assert client.post(ENTRIES, data={"body": "1 uur werk"}, headers=alice.headers).status_code == 201
    with app.state.db.write() as session:  # it expired a second ago; the worker still knows it
        session.execute(update(ApiToken).where(ApiToken.user_id == alice.id)
                        .values(expires_at=utcnow() - dt.timedelta(seconds=1)))
        session.commit()
    answer = client.post(ENTRIES, data={"body": "2 uur werk"}, headers=alice.headers)
    assert answer.status_code == 401
    with app.state.db.read() as session:
        assert session.scalar(select(TimeEntry.id).where(TimeEntry.body == "2 uur werk")) is None


def test_the_writer_stores_billable_tags_and_metadata(app, client, alice):
    token_id = _token_id(client, alice)
    values = {"body": "1 uur #a", "date": dt.date(2026, 3, 1), "duration": 3600,
              "billable": False, "tags": ["a", "b"], "metadata": {"k": "v"}}  # fmt: skip
    given = NewEntry(token_id, alice.id, _versions(client, alice),
                     entry_row(alice.id, values, utcnow()), Answer(201, b'{"id":', b"}"))
    default = _entry(alice, versions=_versions(client, alice), token_id=token_id)
    soon = utcnow() + dt.timedelta(days=1)
    with app.state.db.write() as session:  # expiring later is still live
        session.execute(update(ApiToken).where(ApiToken.id == token_id).values(expires_at=soon))
        session.commit()
    outcomes = _write_all(app, [given, default])
    assert all(isinstance(outcome, Stored) for outcome in outcomes), outcomes
    with app.state.db.read() as session:
        rows = session.scalars(select(TimeEntry).where(TimeEntry.date == dt.date(2026, 3, 1))
                               .order_by(TimeEntry.id)).all()
        assert [(r.billable, r.tags, r.meta) for r in rows] == [
            (False, ["a", "b"], {"k": "v"}), (True, [], {})]


def test_a_commit_error_is_a_statement_error_only_when_the_database_answered_it():
    """In pipeline mode a statement's error comes back at the commit: one the server
    answered (a constraint, a deadlock: not committed) is tried again entry by entry; a
    lost connection (the commit's fate unknown) never is."""
    import sqlite3

    from sqlalchemy import create_engine

    class ServerError(Exception):
        def __init__(self, sqlstate):
            self.sqlstate = sqlstate

    pg = EntrySQL(create_engine("postgresql+psycopg://nobody@127.0.0.1:9/none").dialect)
    assert pg.failed_statement(ServerError("23503"))  # a foreign key
    assert pg.failed_statement(ServerError("40P01"))  # a deadlock
    assert pg.failed_statement(ServerError("57014"))  # a statement timeout
    assert not pg.failed_statement(ServerError("08006"))  # the connection failed
    assert not pg.failed_statement(ServerError(None))  # no answer at all
    lite = EntrySQL(create_engine("sqlite://").dialect)
    assert lite.failed_statement(sqlite3.IntegrityError("FOREIGN KEY constraint failed"))
    assert not lite.failed_statement(sqlite3.OperationalError("disk I/O error"))
