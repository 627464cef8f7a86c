"""Groups in the entry writer (``nlentry.storage.entry_writer``): the rows of one
submission stored all or none, in the transaction of their batch.

Each test runs a writer of its own over the test database, behind a gate the test
holds (its ``write_lock``), so that what shares a batch is certain: the first
submission is taken alone and waits at the gate while the others queue up; once
the gate opens, the others are one batch.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import func, select, update

from nlentry.storage.catalog_versions import bump_user_catalog
from nlentry.storage.entry_submissions import (
    REVOKED,
    Answer,
    Claimed,
    NewEntry,
    Stale,
    Stored,
    entry_row,
)
from nlentry.storage.entry_writer import MAX_BATCH_ROWS, EntryWriter
from nlentry.storage.models import ApiToken, TimeEntry, utcnow

ENTRIES = "/api/v1/time_entries.json"
DAY = dt.date(2026, 3, 1)


def _row(account, body: str, duration: int | None = 60) -> dict:
    return entry_row(account.id, {"body": body, "date": DAY, "duration": duration}, utcnow())


def _one_place() -> Answer:
    return Answer(201, b'{"id":', b"}")


def _places(count: int) -> Answer:
    """``[id,id,...]``: an answer with a place for each of ``count`` ids."""
    return Answer(201, b"[", *([b","] * (count - 1)), b"]")


def _ids(outcome: Stored) -> list[int]:
    return [int(part) for part in outcome.body.strip(b"[]").split(b",")]


class Gated:
    """A writer of its own over the app's engine, with a gate the test opens."""

    def __init__(self, app):
        self.gate = threading.Lock()
        self.writer = EntryWriter(app.state.db.engine, self.gate)

    def write(self, first: NewEntry, rest: list[NewEntry]) -> list:
        """``first`` alone, then ``rest`` in one batch; the outcomes of all, in order."""
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

    def close(self) -> None:
        self.writer.close()


@pytest.fixture
def gated(app):
    writer = Gated(app)
    yield writer
    writer.close()


@pytest.fixture
def token(client, alice):
    """Alice's token id and catalog versions, as a request would carry them."""
    from nlentry.api.credentials import Credentials

    assert client.post(ENTRIES, data={"body": "1 uur werk"}, headers=alice.headers).status_code == 201
    caller = client.app.state.callers.get(Credentials(alice.token))
    return caller.token_id, caller.catalog_versions


def _single(alice, token, body: str, key: str | None = None) -> NewEntry:
    token_id, versions = token
    return NewEntry(token_id, alice.id, versions, _row(alice, body), _one_place(), key)


def _group(alice, token, bodies: list[str], key: str | None = None, bad: int | None = None,
           versions=None, token_id=None) -> NewEntry:  # fmt: skip
    rows = [_row(alice, body, None if i == bad else 60) for i, body in enumerate(bodies)]
    if bad is not None:
        rows[bad]["body"] = None  # NOT NULL: the database refuses this row
    return NewEntry(token_id or token[0], alice.id, versions or token[1], None,
                    _places(len(rows)), key, "hash" if key else "", group=tuple(rows))  # fmt: skip


def _bodies(app) -> dict[int, str]:
    with app.state.db.read() as session:
        return dict(session.execute(select(TimeEntry.id, TimeEntry.body)).all())


def test_a_group_shares_the_batch_with_single_entries_and_each_answer_names_its_rows(
    app, alice, token, gated
):
    group = _group(alice, token, [f"group {i}" for i in range(5)])
    rest = [_single(alice, token, "single a"), group, _single(alice, token, "single b"),
            _group(alice, token, ["keyed 0", "keyed 1"], key="k")]  # fmt: skip
    outcomes = gated.write(_single(alice, token, "first"), rest)
    assert all(isinstance(outcome, Stored) and outcome.status == 201 for outcome in outcomes)
    assert gated.writer.batches == 2  # the first alone, then everything else in one
    bodies = _bodies(app)
    ids = _ids(outcomes[2])
    assert [bodies[i] for i in ids] == [f"group {i}" for i in range(5)]
    assert ids == sorted(ids)
    assert [bodies[i] for i in _ids(outcomes[4])] == ["keyed 0", "keyed 1"]
    assert bodies[int(outcomes[1].body[6:-1])] == "single a"
    assert bodies[int(outcomes[3].body[6:-1])] == "single b"


def test_a_group_with_a_row_the_database_refuses_stores_none_of_it_and_fails_alone(
    app, alice, token, gated
):
    before = set(_bodies(app))
    bad = _group(alice, token, [f"bad {i}" for i in range(4)], bad=2)
    good = _group(alice, token, ["good 0", "good 1"])
    outcomes = gated.write(_single(alice, token, "first"),
                           [_single(alice, token, "beside"), bad, good])  # fmt: skip
    assert isinstance(outcomes[2], Exception)  # the refusal (an IntegrityError), no answer
    assert all(isinstance(outcomes[i], Stored) for i in (0, 1, 3)), outcomes
    bodies = set(_bodies(app).values())
    assert not any(body and body.startswith("bad") for body in bodies)
    assert {"first", "beside", "good 0", "good 1"} <= bodies
    assert len(_bodies(app)) == len(before) + 4


def test_a_keyed_group_that_fails_keeps_no_claim(app, alice, token, gated):
    outcomes = gated.write(_single(alice, token, "first"),
                           [_group(alice, token, ["x", "y"], key="once", bad=1)])
    assert isinstance(outcomes[1], Exception)
    again = gated.write(_single(alice, token, "second"),
                        [_group(alice, token, ["x", "y"], key="once")])
    assert isinstance(again[1], Stored)  # the key was never claimed: stored now, once
    assert sorted(_bodies(app)[i] for i in _ids(again[1])) == ["x", "y"]


def test_a_group_parsed_with_an_old_catalog_is_stale_and_stores_nothing(app, alice, token, gated):
    with app.state.db.write() as session:
        bump_user_catalog(session, alice.id)
        session.commit()
    before = len(_bodies(app))
    old = token[1]
    outcomes = gated.write(_single(alice, token, "first"),
                           [_group(alice, token, ["a", "b", "c"], versions=old)])
    assert isinstance(outcomes[1], Stale) and outcomes[1].catalog_versions != old
    assert isinstance(outcomes[0], Stale)  # the same old versions
    assert len(_bodies(app)) == before


def test_a_group_of_a_revoked_token_stores_nothing(app, alice, token, gated):
    with app.state.db.write() as session:
        session.execute(update(ApiToken).where(ApiToken.id == token[0]).values(revoked_at=utcnow()))
        session.commit()
    before = len(_bodies(app))
    outcomes = gated.write(_single(alice, token, "first"), [_group(alice, token, ["a", "b"])])
    assert outcomes == [REVOKED, REVOKED]
    assert len(_bodies(app)) == before


def test_a_keyed_group_is_answered_from_its_claim_the_second_time(app, alice, token, gated):
    first = gated.write(_single(alice, token, "first"),
                        [_group(alice, token, ["a", "b"], key="k2")])[1]
    again = gated.write(_single(alice, token, "second"),
                        [_group(alice, token, ["a", "b"], key="k2")])[1]
    assert isinstance(first, Stored) and isinstance(again, Claimed)
    assert again.response_body.encode() == first.body and again.request_hash == "hash"
    assert sorted(_bodies(app).values()).count("a") == 1


def test_a_large_group_is_one_transaction_with_ids_in_order(app, alice, token, gated):
    count = MAX_BATCH_ROWS
    outcomes = gated.write(_single(alice, token, "first"),
                           [_group(alice, token, [f"row {i}" for i in range(count)])])
    ids = _ids(outcomes[1])
    assert len(ids) == count and ids == sorted(ids) and len(set(ids)) == count
    assert gated.writer.batches == 2
    bodies = _bodies(app)
    assert [bodies[i] for i in ids[:3]] == ["row 0", "row 1", "row 2"]
    assert bodies[ids[-1]] == f"row {count - 1}"
    with app.state.db.read() as session:
        assert session.scalar(select(func.count()).select_from(TimeEntry)
                              .where(TimeEntry.body.like("row %"))) == count


def test_a_submission_and_its_answer_must_agree():
    row = {"body": "x"}
    with pytest.raises(ValueError):
        NewEntry(1, 1, (0, 0), None, _one_place(), group=(row, row))
    with pytest.raises(ValueError):
        NewEntry(1, 1, (0, 0), row, _one_place(), group=(row,))
    refusal = NewEntry(1, 1, (0, 0), None, Answer(422, b"{}"), "key")
    assert refusal.rows == () and refusal.answer.body() == b"{}"
    assert _places(3).body([7, 8, 9]) == b"[7,8,9]"
    with pytest.raises(ValueError):
        _places(3).body([1])
