"""The entry writer on the event loop (PostgreSQL): its transactions without a thread.

The entry writer's thread (``nlentry.storage.entry_writer``) waits for
PostgreSQL several times a batch (the tokens' query, the inserts with the
commit, the pipeline's closing sync, and psycopg's sends in between), and
after each wait it waits again, for the GIL, which the busy event loop
holds. Measured under the API benchmark (2 workers, 32 connections): a batch
of about 6 entries took 6.4 ms, of which the database needed about 2, and
each worker's event loop idled 45% of the time waiting for its answers.

Here the same transactions run on the loop instead, on a psycopg
``AsyncConnection`` of the loop's own: each wait for the database is an
``await``, during which the loop serves other requests, and no thread waits
for the GIL. The transactions' code is the thread's, unchanged
(``entry_writer.Transactions``): it runs in a greenlet (SQLAlchemy's
``greenlet_spawn``, the way its own asyncio support runs blocking code),
and ``AsyncBridge`` gives it the DB-API calls it makes (``cursor()``,
``execute``, ``fetchall``, ``commit`` ...) as awaits of the async
connection's (``await_only``). So the statements, the per-submission retry
and the error handling exist once, for both.

One ``LoopWriter`` serves one event loop (a worker process has one; a test
client makes its own): submissions are queued on the loop, taken in batches
as the thread takes them, and answered on the loop, without a hand-off
between threads. A group of more than ``entry_writer.LOOP_MAX_ROWS`` rows (a CSV
import) still goes to the thread: converting its values is CPU the loop's other
requests would wait behind. Without the ``greenlet`` package (the ``postgres`` extra
installs it), or on SQLite, the writer's thread does it all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

logger = logging.getLogger("nlentry.storage")

try:
    import greenlet  # noqa: F401  (sqlalchemy.util imports without it, and then cannot spawn)
    from sqlalchemy.util import await_only, greenlet_spawn
except ImportError:  # pragma: no cover - the postgres extra installs greenlet
    AVAILABLE = False
else:
    AVAILABLE = True


class LoopWriter:
    """Batches of submissions taken from a queue on the running loop and handed to
    ``transactions.commit`` (blocking code whose database calls go through
    ``AsyncBridge``), run in a greenlet by a task of that loop; ``transactions.close()``
    gives its connection back when it stops. ``take_batch(first, more, empty)`` makes
    a batch, ``fail(items)`` answers submissions left when it stops."""

    def __init__(self, transactions: Any, take_batch: Callable,
                 fail: Callable[[list], None]):  # fmt: skip
        self.loop = asyncio.get_running_loop()
        self.transactions = transactions
        self.closed = False  # takes no more: a new one serves the loop
        self._queue: asyncio.Queue = asyncio.Queue()
        self._task = self.loop.create_task(self._run(take_batch, fail),
                                           name="nlentry-entry-writer")  # fmt: skip

    def submit(self, item: Any) -> None:
        """Queue ``item`` (on the loop's thread)."""
        self._queue.put_nowait(item)

    def stop(self) -> None:
        """From any thread: write what was submitted, then end (without waiting)."""
        self.closed = True
        with contextlib.suppress(RuntimeError):  # the loop is closed: its task went with it
            self.loop.call_soon_threadsafe(self._queue.put_nowait, None)

    async def aclose(self) -> None:
        """Write what was submitted, end, and give the connection back (a task that
        ended on an error was logged then: the shutdown goes on)."""
        self.closed = True
        self._queue.put_nowait(None)
        try:
            await asyncio.shield(self._task)
        except Exception:
            logger.exception("the loop's entry writer ended on an error")

    async def _run(self, take_batch, fail) -> None:
        try:
            while True:
                batch, stop = take_batch(await self._queue.get(), self._queue.get_nowait,
                                         asyncio.QueueEmpty)  # fmt: skip
                if batch:
                    try:
                        await greenlet_spawn(self.transactions.commit, batch)
                    except BaseException:  # the task ends: no request may wait forever
                        fail(batch)
                        raise
                if stop:
                    return
        finally:
            self.closed = True
            left = []
            while not self._queue.empty():
                item = self._queue.get_nowait()
                if item is not None:
                    left.append(item)
            fail(left)
            try:
                await greenlet_spawn(self.transactions.close)
            except Exception:  # a connection that broke cannot close cleanly: it is gone
                logger.debug("closing the loop writer's connection failed", exc_info=True)


def connect(engine) -> AsyncBridge:
    """A new ``AsyncConnection`` to ``engine``'s PostgreSQL, with the arguments its
    SQLAlchemy dialect makes of the URL (to be called in a greenlet). Not the
    engine's own ``connect_args`` or "connect" listeners: ``make_engine`` sets none
    on PostgreSQL."""
    import psycopg

    args, kwargs = engine.dialect.create_connect_args(engine.url)
    return AsyncBridge(await_only(psycopg.AsyncConnection.connect(*args, **kwargs)))


class AsyncBridge:
    """A psycopg ``AsyncConnection`` with the blocking face of the pool's connection that
    the writer's transactions use, each call awaited on the loop (in a greenlet only)."""

    def __init__(self, connection):
        self._connection = connection
        self.driver_connection = _Driver(connection)
        self.info = connection.info  # psycopg's ConnectionInfo (the pool's is a dict)

    def cursor(self) -> _Cursor:
        return _Cursor(self._connection.cursor())

    def commit(self) -> None:
        await_only(self._connection.commit())

    def rollback(self) -> None:
        await_only(self._connection.rollback())

    def close(self) -> None:
        await_only(self._connection.close())

    invalidate = close  # the pool's word for closing a connection that failed


class _Driver:
    def __init__(self, connection):
        self._connection = connection

    @contextlib.contextmanager
    def pipeline(self) -> Iterator[Any]:
        """The async connection's pipeline mode, entered and left by awaits."""
        manager = self._connection.pipeline()
        entered = await_only(manager.__aenter__())
        try:
            yield entered
        except BaseException as error:
            if not await_only(manager.__aexit__(type(error), error, error.__traceback__)):
                raise
        else:
            await_only(manager.__aexit__(None, None, None))


class _Cursor:
    """An ``AsyncCursor`` with the blocking calls of a DB-API cursor."""

    def __init__(self, cursor):
        self._cursor = cursor

    def execute(self, sql: str, params: Any = None) -> _Cursor:
        await_only(self._cursor.execute(sql, params))
        return self

    def executemany(self, sql: str, params: Any, returning: bool = False) -> None:
        await_only(self._cursor.executemany(sql, params, returning=returning))

    def fetchone(self) -> Any:
        return await_only(self._cursor.fetchone())

    def fetchall(self) -> list:
        return await_only(self._cursor.fetchall())

    def nextset(self) -> bool | None:
        return self._cursor.nextset()  # no I/O: the results are read already
