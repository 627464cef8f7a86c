"""Group commit: new time entries of concurrent requests share one transaction.

Each process has a writer thread; on PostgreSQL the server's loop also writes, in a
task of its own (``nlentry.storage.loop_writer``: the same ``Transactions``, each
statement awaited), every submission but a group of more than ``LOOP_MAX_ROWS`` rows,
which the thread takes (the two commit independently: ids follow commit order). A
request hands its ``NewEntry`` to one and waits; it takes every entry waiting (at most
``MAX_BATCH``, no more once they hold ``MAX_BATCH_ROWS`` rows) and, in one writing
transaction (``BEGIN IMMEDIATE`` on SQLite):

1. reads, for the batch's tokens, which are still live (neither revoked nor
   expired) and their catalog versions; an entry whose token is gone is
   answered ``REVOKED``, one parsed with another catalog than the current one
   ``Stale`` (nothing is stored: the request reads its caller again and parses
   again);
2. inserts the entries; for one with an ``Idempotency-Key`` it first claims
   the key (or finds the claim made before, answered ``Claimed``) and keeps
   the entry's answer beside the claim;

then commits once, and only then answers every request of the batch (the
answers of entries without a key are made after the write lock is given
back). With ``synchronous=FULL`` (SQLite) that commit is on disk before any
answer, so an acknowledged entry survives a crash, while one fsync serves
the batch.
A batch that fails is rolled back and its entries are tried again each in a
transaction of its own, so one bad entry fails alone; when the store itself
failed (unreachable, full, read-only: ``noticed`` says so) every entry of
the batch is answered with that error at once. A failed write discards the
writer's connection: the next batch opens a fresh one (an SQLite connection
opened while the file was read-only would refuse every write for good).

A submission may also be a **group**: the rows of one request that are
stored all or none (``POST /time_entries/batch``, a CSV import). Its rows
are inserted inside the batch's transaction like any other entry's, so the
group shares the batch's one commit; and since a failed batch is tried
again submission by submission, a group whose rows fail takes none of them
along and fails alone, while the single entries beside it are stored. A
group is never split across transactions.

Each new row gets its ``time_entry.created`` webhook event in the same
transaction (``nlentry.storage.webhook_outbox``): a submission's
``event_data`` holds, per row, the entry's JSON without its ``id`` (or a
function making it, called only when some subscription wants the event),
and the writer writes the events of every row the transaction inserted,
``id`` first, before it commits. So a committed row always has its event,
and a rolled-back one has none: when a batch fails, its events go with it,
and each submission tried again alone writes its own in its own
transaction. A replayed key (``Claimed``) inserts nothing and emits nothing.
When nobody subscribed, that is one query per batch, sent with the tokens'
query, and nothing is written; otherwise the batch's events take two
statements, whatever its size (``EventSQL.write_many``). On PostgreSQL the
transaction runs in psycopg's pipeline mode (``EntrySQL.pipeline``): a batch
nobody subscribed to takes three round trips (the queries, the inserts with
the commit, the pipeline's closing sync) instead of five.

Entries arrive while a commit is running, so the batch grows with the load
without any waiting on purpose. Nothing here knows about HTTP or JSON: each
entry comes with its ``Answer``, opaque bytes made by the API
(``nlentry.api.idempotency.created_answer``, ``answer_with_ids``,
``refusal_answer``) with a place for each new row's id, which the writer
fills in and, for a key, keeps beside the claim.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from nlentry.storage import loop_writer
from nlentry.storage.entry_sql import EntrySQL
from nlentry.storage.entry_submissions import (
    REVOKED,
    Claimed,
    Done,
    EventData,
    NewEntry,
    Outcome,
    Stale,
    Stored,
)
from nlentry.storage.models import utcnow
from nlentry.storage.webhook_outbox import Event, EventSQL, notify

logger = logging.getLogger("nlentry.storage")

MAX_BATCH = 256
#: A batch takes no further submission once it holds this many rows (a group is never split).
MAX_BATCH_ROWS = 10_000
KEEP_KEYS_FOR = dt.timedelta(hours=24)
#: A group of more rows is written by the thread even where the loop writes: converting
#: its values takes the CPU (about 40 µs a row), which on the loop would hold up every
#: other request of the worker (10,000 rows of an import: 0.4 s).
LOOP_MAX_ROWS = 100


class EntryWriter:
    """The process's writer: a thread (started on the first ``submit``) with its connection;
    on PostgreSQL, for ``write`` from the server's event loop (``run_on_this_loop``), a task
    of that loop with a connection of its own (``nlentry.storage.loop_writer``), which
    runs the same transactions.

    ``write_lock`` is held around each transaction: on SQLite the lock every
    writer of the database takes turns on (``SQLiteWriteLock``). ``close``
    writes what was submitted and stops the thread and the loops' tasks; a later
    ``submit`` starts a new thread, as a disposed engine connects again (a loop writes
    again once told again). ``noticed(error)``
    is told of every failed write and says whether the store is at fault
    (``Database.noticed``); ``wrote()`` of every committed one. A commit that
    wrote webhook events wakes this process's delivery worker (``notify``).
    """

    def __init__(self, engine: Engine, write_lock: Any,
                 noticed: Callable[[BaseException], bool] | None = None,
                 wrote: Callable[[], None] | None = None):  # fmt: skip
        self._engine = engine
        self._write_lock = write_lock
        self.noticed = noticed or (lambda error: False)
        self.wrote = wrote or (lambda: None)
        self._sql = EntrySQL(engine.dialect)
        self._events = EventSQL(engine.dialect)
        self._lock = threading.Lock()
        self._worker: _Worker | None = None
        self._on_loops = loop_writer.AVAILABLE and engine.dialect.name == "postgresql"
        # the loops told to write (a loop side holds its loop: ``aclose`` or ``close`` ends it)
        self._loops: dict[asyncio.AbstractEventLoop, Any] = {}
        self.batches = 0  # committed transactions, for tests and figures

    def submit(self, entry: NewEntry, done: Done) -> None:
        """Queue ``entry``; ``done`` is called from the writer thread with its outcome."""
        with self._lock:
            if self._worker is None or self._worker.closed:
                self._worker = _Worker(self)
            self._worker.queue.put((entry, done))

    def run_on_this_loop(self) -> None:
        """From now on, ``write`` from the running loop (a long-lived one: the server's)
        runs its transactions on that loop, on PostgreSQL with ``greenlet`` installed;
        ``aclose`` ends that. Writes from other loops (a test client's, one per request)
        go through the thread, which has no connection to open per loop."""
        if self._on_loops:
            loop = asyncio.get_running_loop()
            with self._lock:
                side = self._loops.get(loop)
                if side is None or side.closed:
                    transactions = Transactions(self, functools.partial(loop_writer.connect,
                                                                        self._engine))  # fmt: skip
                    # a batch of the loop's stops at LOOP_MAX_ROWS rows too: many groups of
                    # up to 100 rows must not add up to an import's worth of CPU on the loop
                    self._loops[loop] = loop_writer.LoopWriter(
                        transactions, functools.partial(take_batch, max_rows=LOOP_MAX_ROWS),
                        fail_all)  # fmt: skip

    async def write(self, entry: NewEntry) -> Outcome:
        """Store ``entry`` and wait for its committed outcome: on the running loop when it
        was told to (``run_on_this_loop``), otherwise, and for a group of more than
        ``LOOP_MAX_ROWS`` rows, through the writer's thread. A cancelled wait stores
        the entry all the same (its outcome is dropped)."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()

        def settle(outcome: Outcome | BaseException) -> None:  # on the event loop
            if future.done():  # the request was cancelled meanwhile
                return
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

        side = self._loops.get(loop) if self._loops else None
        if side is not None and not side.closed and len(entry.rows) <= LOOP_MAX_ROWS:
            side.submit((entry, settle))
        else:
            self.submit(entry, lambda outcome: loop.call_soon_threadsafe(settle, outcome))
        return await future

    async def aclose(self) -> None:
        """Write what was submitted on the running loop, end its task, close its
        connection (before ``close``, from the loop, when it stops)."""
        with self._lock:
            side = self._loops.pop(asyncio.get_running_loop(), None)
        if side is not None:
            await side.aclose()

    def close(self, timeout: float = 30) -> None:
        """Write what was submitted, stop the thread, give its connection back; tell each
        loop's task to stop once it wrote what it has (not waited for: see ``aclose``)."""
        with self._lock:
            worker, self._worker = self._worker, None
            if worker is not None:
                worker.queue.put(None)
            sides = list(self._loops.values())
            self._loops.clear()
        for side in sides:
            side.stop()
        if worker is not None:
            worker.thread.join(timeout)


class _Worker:
    """One writer thread: its queue, and its transactions on a connection of the pool."""

    def __init__(self, writer: EntryWriter):
        self._writer = writer
        self._transactions = Transactions(writer, writer._engine.raw_connection)
        self.closed = False  # set, under the writer's lock, when the thread takes no more
        self.queue: queue.SimpleQueue[tuple[NewEntry, Done] | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="nlentry-entry-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            while True:
                batch, stop = take_batch(self.queue.get(), self.queue.get_nowait, queue.Empty)
                if batch:
                    try:
                        self._transactions.commit(batch)
                    except BaseException:  # the thread ends: no request may wait forever
                        fail_all(batch)
                        raise
                if stop:
                    return
        finally:
            with self._writer._lock:  # no submit reaches this queue any more
                self.closed = True
                left = self._still_queued()
            fail_all(left)
            self._transactions.close()

    def _still_queued(self) -> list[tuple[NewEntry, Done]]:
        items = []
        while True:
            try:
                item = self.queue.get_nowait()
            except queue.Empty:
                return items
            if item is not None:
                items.append(item)


def take_batch(item: tuple[NewEntry, Done] | None, more: Callable[[], Any],
               empty: type[Exception], max_rows: int = MAX_BATCH_ROWS,
               ) -> tuple[list[tuple[NewEntry, Done]], bool]:  # fmt: skip
    """A batch: ``item`` (the first submission waiting) and those ``more()`` gives until it
    raises ``empty`` (at most ``MAX_BATCH``, and no more once they hold ``max_rows``
    rows); and whether a stop (``None``) came after them."""
    batch = []
    rows = 0
    while item is not None:
        batch.append(item)
        rows += len(item[0].rows)
        if len(batch) >= MAX_BATCH or rows >= max_rows:
            return batch, False
        try:
            item = more()
        except empty:
            return batch, False
    return batch, True


def fail_all(items: list[tuple[NewEntry, Done]]) -> None:
    """Answer ``items`` with an error when the writer ends under them."""
    for _, done in items:
        try:
            done(RuntimeError("the entry writer stopped"))
        except Exception:  # keep answering the others
            logger.exception("answering a queued entry failed")


class Transactions:
    """The writer's transactions on a connection of its own (``connect()`` opens it, and
    again after a failed write), kept between batches. Blocking DB-API calls: in the
    writer's thread on the pool's connection, or on the event loop in a greenlet through
    ``loop_writer.AsyncBridge``."""

    def __init__(self, writer: EntryWriter, connect: Callable[[], Any]):
        self._writer = writer
        self._connect = connect
        self._write_lock = writer._write_lock
        self._sql = writer._sql
        self._events = writer._events
        self._emitted = 0  # the webhook deliveries the current transaction wrote
        self._connection: Any = None

    def close(self) -> None:
        """Give the connection back (or close it)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def commit(self, batch: list[tuple[NewEntry, Done]]) -> None:
        """Write ``batch`` (one transaction, or one per submission when it fails) and
        answer each of its submissions."""
        try:
            outcomes: list = self._write([entry for entry, _ in batch])
        except _CommitFailed as error:  # maybe committed, maybe not: never write twice
            outcomes = [error.__cause__] * len(batch)
        except _StoreFailed as error:  # the store, not an entry: no use trying each alone
            outcomes = [error.__cause__] * len(batch)
        except Exception as error:  # noqa: BLE001 - rolled back; every request gets an answer
            if len(batch) > 1:  # one at a time, so one bad entry fails alone
                for item in batch:
                    self.commit([item])
                return
            outcomes = [error]
        for (_, done), outcome in zip(batch, outcomes, strict=True):
            try:
                done(outcome)
            except Exception:  # a broken callback must not stop the writer
                logger.exception("answering a written entry failed")

    def _write(self, entries: list[NewEntry]) -> list[Outcome]:
        """One transaction for ``entries``: their outcomes once it is committed."""
        try:
            with self._write_lock:
                committed = False
                try:
                    if self._connection is None:
                        self._connection = self._connect()
                    with self._sql.pipeline(self._connection):
                        cursor, side = self._connection.cursor(), self._connection.cursor()
                        self._sql.begin(cursor)
                        outcomes, inserted = self._write_in(cursor, side, entries)
                        try:
                            self._connection.commit()
                        except Exception as error:
                            if self._sql.failed_statement(error):
                                raise  # refused before the commit: like any failed statement
                            raise _CommitFailed from error
                        committed = True
                        plain = inserted()  # on PostgreSQL, came with the commit
                except _CommitFailed:
                    self._drop_connection()
                    raise
                except BaseException as error:
                    self._drop_connection()  # a failed write discards its connection
                    if committed and isinstance(error, Exception):
                        # reading the ids, or leaving pipeline mode: nothing may be written again
                        raise _CommitFailed from error
                    raise
        except _CommitFailed as error:
            self._writer.noticed(error.__cause__)
            raise
        except Exception as error:
            if self._writer.noticed(error):
                raise _StoreFailed from error
            raise
        self._writer.wrote()
        if self._emitted:
            notify()
        for i, ids in plain:  # answered once the lock is given back
            answer = entries[i].answer
            outcomes[i] = Stored(answer.status, answer.body(ids))
        self._writer.batches += 1
        return outcomes

    def _write_in(self, cursor, side, entries: list[NewEntry]
                  ) -> tuple[list, Callable[[], list[tuple[int, list]]]]:  # fmt: skip
        """The batch's statements: the outcomes known so far, and what reads the (index,
        ids) of the submissions without a key (their new rows' ids, in order); then the
        webhook events of every row inserted.

        Three round trips on PostgreSQL when nobody subscribed to the batch's users
        (``BEGIN`` with the tokens' and the subscriptions' queries; the inserts with the
        commit; the pipeline's closing sync), instead of five: each is a wait for the
        database (in the thread, and on a busy machine for the GIL after it), while the
        batch's requests wait."""
        self._emitted = 0
        self._sql.ask_live_tokens(cursor, {entry.token_id for entry in entries}, utcnow())
        asked = self._events.ask_wanted(side, {entry.user_id for entry in entries
                                               if entry.event_data})  # fmt: skip
        live = self._sql.read_live_tokens(cursor)
        wanted = self._events.read_wanted(side) if asked else {}
        outcomes: list[Outcome | None] = [None] * len(entries)
        plain: list[int] = []
        keyed: list[int] = []
        for i, entry in enumerate(entries):
            versions = live.get(entry.token_id)
            if versions is None:
                outcomes[i] = REVOKED
            elif versions != entry.catalog_versions:
                outcomes[i] = Stale(versions)
            elif entry.key is None:
                plain.append(i)
            else:
                keyed.append(i)
        # every row of the plain entries and groups in one go; each gets its own ids back
        read_ids = self._sql.send_entries(cursor, [row for i in plain for row in entries[i].rows])

        def inserted(ids: list[int]) -> list[tuple[int, list]]:
            made, at = [], 0
            for i in plain:
                count = len(entries[i].rows)
                made.append((i, ids[at:at + count]))
                at += count
            return made

        if not keyed and not wanted:  # nothing more to send: the ids come with the commit
            return outcomes, lambda: inserted(read_ids())
        plain_inserted = inserted(read_ids())
        written = [(entries[i], ids) for i, ids in plain_inserted]
        # in key order, so that two batches on PostgreSQL cannot wait on each other
        for i in sorted(keyed, key=lambda i: (entries[i].user_id, entries[i].key)):
            outcomes[i] = self._write_keyed(cursor, entries[i], written)  # answer kept with it
        if wanted:
            self._emit_created(cursor, written, wanted)
        return outcomes, lambda: plain_inserted

    def _emit_created(self, cursor, written: list[tuple[NewEntry, list[int]]],
                      wanted: dict) -> None:  # fmt: skip
        """The ``time_entry.created`` events of the rows ``written`` (submission, its new
        ids), in this transaction, for the subscriptions ``wanted`` (of the batch's users,
        read with its tokens)."""
        events = [Event(entry.user_id, "time_entry.created",
                        functools.partial(_with_id, data, entry_id), entry_id)
                  for entry, ids in written if entry.event_data
                  for data, entry_id in zip(entry.event_data, ids, strict=True)]  # fmt: skip
        if events:
            self._emitted += self._events.emit_many(cursor, events, wanted=wanted)

    def _write_keyed(self, cursor, entry: NewEntry,
                     written: list[tuple[NewEntry, list[int]]]) -> Outcome:  # fmt: skip
        now = utcnow()
        claim_id = self._sql.claim_key(
            cursor, entry.user_id, entry.key, entry.request_hash, now, KEEP_KEYS_FOR
        )
        if claim_id is None:  # claimed before (or earlier in this batch): its answer
            return Claimed(*self._sql.find_claim(cursor, entry.user_id, entry.key, now,
                                                 KEEP_KEYS_FOR))  # fmt: skip
        ids = self._sql.insert_entries(cursor, list(entry.rows))
        written.append((entry, ids))
        status, body = entry.answer.status, entry.answer.body(ids)
        self._sql.record_answer(cursor, claim_id, status, body.decode("utf-8"))
        return Stored(status, body)

    def _drop_connection(self) -> None:
        """Forget the connection (failed, broken, or in an unknown state): rolled
        back and closed; the next batch opens a fresh one."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:  # first, so that the lock is given back even if a statement outlives the close
            connection.rollback()
        except Exception:  # a broken connection cannot roll back: closing does
            logger.debug("rolling the writer's connection back failed", exc_info=True)
        try:
            connection.invalidate()
        except Exception:
            logger.debug("invalidating the writer's connection failed", exc_info=True)


def _with_id(data: EventData, entry_id: int) -> dict[str, Any]:
    """A created event's data: the new row's ``id`` first, then the entry's JSON."""
    made = data() if callable(data) else data
    return {"id": entry_id, **{key: value for key, value in made.items() if key != "id"}}


class _CommitFailed(Exception):
    """The commit of a batch failed after its statements ran (its cause says why)."""


class _StoreFailed(Exception):
    """The batch failed because the store did (its cause says why): nothing was committed."""


__all__ = [
    "KEEP_KEYS_FOR",
    "LOOP_MAX_ROWS",
    "MAX_BATCH",
    "MAX_BATCH_ROWS",
    "EntryWriter",
    "Transactions",
    "fail_all",
    "take_batch",
]
