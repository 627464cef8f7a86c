"""The webhook delivery worker: one per process, outside request handling.

``DeliveryWorker.start()`` (from the app's lifespan) runs an asyncio task on
the serving event loop. It claims due deliveries
(``nlentry.storage.webhook_deliveries``: a lease in the database, ``FOR UPDATE
SKIP LOCKED`` on PostgreSQL, the writing transaction on SQLite, so several
processes or machines send each event once), sends each with an
``httpx.AsyncClient`` (through ``webhook_urls.guarded_transport``: only to
public addresses, checked at connect time) and records the outcome. Database
work runs in threads of the worker's own (``anyio.to_thread``, at most
``DB_THREADS`` at once), so requests never wait for it, and a slow or dead
receiver only ever holds one of the worker's ``MAX_IN_FLIGHT`` sends.

It looks for due deliveries every ``POLL_SECONDS``, and at once when this
process commits events (``webhook_outbox.notify``) or a send finishes, but
claims at most once every ``CLAIM_SPACING_SECONDS`` and records finished sends
at most once every ``RECORD_SPACING_SECONDS``: under load each of its writing
transactions takes what gathered meanwhile (up to ``MAX_IN_FLIGHT`` sends), so
it commits a few times a second however many events the API writes, instead
of twice per entry writer batch (on SQLite every commit is a turn on the
entries' write lock and an fsync). An event waits at most about that long more.

Requests come first. A send costs the process's CPU (and the GIL) about what
serving a small request does, so a worker that sent every event as fast as a
busy API writes them would halve the requests it can answer. The worker
therefore watches the process's load (``nlentry.api.middleware.load``): when
requests were in flight more than ``BUSY_SHARE`` of the last
``LOAD_WINDOW_SECONDS`` and the process used more than ``BUSY_CPU_SHARE`` of a
core meanwhile, the process is busy, and the worker claims at most
``BUSY_CLAIM_SIZE`` deliveries every ``BUSY_SPACING_SECONDS`` (16 a second)
and records them as seldom: events keep flowing under any load, at a pace
the requests hardly notice. Once the load eases, what gathered is sent at
full speed: a claim that got all it asked for claims again as soon as half
the sends are free. A process serving a team's everyday traffic is busy a
few percent of the time, and sends each event within
``CLAIM_SPACING_SECONDS``.

Each attempt ``POST``s ``{"id", "type", "created_at", "workspace_id",
"user_id", "data"}`` (compact JSON, the same bytes on every attempt) with the
Standard Webhooks headers ``webhook-id`` (the event's id), ``webhook-timestamp``
(this attempt's Unix time) and ``webhook-signature`` (``v1,`` and the base64
HMAC-SHA256 of ``{id}.{timestamp}.{body}`` with the subscription's secret;
signed by the ``standardwebhooks`` package). A ``2xx`` within
``WEBHOOK_TIMEOUT_SECONDS`` is delivered; redirects are not followed (a
``3xx`` is a failure). The retry schedule's base is
``NLENTRY_WEBHOOK_RETRY_BASE`` seconds (default 120: about three days over 12
attempts; see ``webhook_deliveries``).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import time
from typing import Any

import anyio
import anyio.to_thread
import httpx
from standardwebhooks import Webhook

from nlentry import __version__
from nlentry.api.middleware.load import Load
from nlentry.api.webhook_urls import guarded_transport
from nlentry.limits import WEBHOOK_TIMEOUT_SECONDS
from nlentry.storage import webhook_deliveries, webhook_outbox
from nlentry.storage.engine import describe_fault, store_unavailable
from nlentry.storage.webhook_deliveries import DEFAULT_RETRY_BASE_SECONDS, Attempt, Due

logger = logging.getLogger("nlentry.webhooks")

RETRY_BASE_ENV = "NLENTRY_WEBHOOK_RETRY_BASE"
POLL_SECONDS = 0.5
CLAIM_SPACING_SECONDS = 0.2
RECORD_SPACING_SECONDS = 0.2
MAX_IN_FLIGHT = 64
#: Above this share of the last moment with requests in flight, and with the process
#: using more than this share of a core, the process is busy ...
BUSY_SHARE = 0.5
BUSY_CPU_SHARE = 0.3
LOAD_WINDOW_SECONDS = 0.2
#: ... and the worker claims (and records) this seldom, this many at a time: 16 sends a
#: second, a few at once (a claim's sends all start together: the loop's CPU for each,
#: in a row), and four writing transactions a second (on SQLite each is a turn on the
#: entries' write lock and an fsync).
BUSY_SPACING_SECONDS = 0.5
BUSY_CLAIM_SIZE = 8
#: A successful answer's body is read up to this much (and so its connection kept).
DRAIN_BYTES = 64 * 1024
DB_THREADS = 2
PRUNE_EVERY_SECONDS = 3600.0
#: Seconds to wait after a failed claim (the store is down) before trying again.
FAULT_PAUSE_SECONDS = 2.0
#: Seconds sends still under way get to finish when the worker stops.
STOP_GRACE_SECONDS = 2.0
#: The most bytes of a failed answer kept in ``last_error``.
ERROR_SNIPPET_BYTES = 200
USER_AGENT = f"nlentry-webhooks/{__version__}"


def retry_base_from_env(environ: Any = os.environ) -> float:
    """``NLENTRY_WEBHOOK_RETRY_BASE`` as seconds (> 0), default 120; else ``ValueError``."""
    text = environ.get(RETRY_BASE_ENV, "").strip()
    if not text:
        return DEFAULT_RETRY_BASE_SECONDS
    try:
        base = float(text)
    except ValueError:
        base = 0.0
    if not base > 0 or base == float("inf"):
        raise ValueError(f"{RETRY_BASE_ENV} must be a number of seconds above 0, not {text!r}")
    return base


def body_bytes(due: Due) -> bytes:
    """What a delivery sends: compact JSON of the event."""
    return json.dumps(due.body(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def signed_headers(due: Due, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt (``timestamp``: its Unix time)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    moment = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    signature = Webhook(due.secret).sign(due.event_uid, moment, body.decode("utf-8"))
    return {"webhook-id": due.event_uid, "webhook-timestamp": str(timestamp),
            "webhook-signature": signature, "content-type": "application/json",
            "user-agent": USER_AGENT}  # fmt: skip


class DeliveryWorker:
    """Sends the outbox of ``db``; ``start``/``stop`` on the serving event loop."""

    def __init__(self, db: Any, *, retry_base: float | None = None,
                 poll_seconds: float = POLL_SECONDS, max_in_flight: int = MAX_IN_FLIGHT,
                 transport: httpx.AsyncBaseTransport | None = None,
                 load: Load | None = None):  # fmt: skip
        self.db = db
        self.load = load  # the process's requests (None: never busy)
        self.busy = False  # whether requests kept the process busy a moment ago
        self.cpu_clock = time.process_time  # the CPU seconds of every thread of the process
        # when the load was judged, and the busy seconds and CPU seconds then
        self._load_at = (load.clock() if load else 0.0, 0.0, self.cpu_clock())
        self._behind = False  # the last claim took all it asked for: more may be due
        self.retry_base = retry_base_from_env() if retry_base is None else retry_base
        self.poll_seconds = poll_seconds
        self.max_in_flight = max_in_flight
        self._transport = transport
        self._task: asyncio.Task | None = None
        self._in_flight: dict[asyncio.Task, Due] = {}
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._limiter: anyio.CapacityLimiter | None = None
        self._stopping = False
        self._faulted = False  # the store failed, and has not answered since
        self._to_record: list[tuple[Due, Attempt, asyncio.Future]] = []
        self._recording = False
        self._recorded_at = -RECORD_SPACING_SECONDS
        self._recorder: asyncio.Task | None = None  # held, so that it is not collected
        self.sent = 0  # attempts made, for tests and figures

    # --- start and stop ----------------------------------------------------------------

    async def start(self) -> None:
        if self._task is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._limiter = anyio.CapacityLimiter(DB_THREADS)
        self._stopping = False
        webhook_outbox.add_listener(self.wake)
        self._task = asyncio.create_task(self._run(), name="nlentry-webhook-delivery")

    async def stop(self) -> None:
        """Stop claiming; let sends under way finish for a moment, then cancel them and give
        their deliveries back (due again at once, for this or another worker)."""
        if self._task is None:
            return
        webhook_outbox.remove_listener(self.wake)
        self._stopping = True
        self.wake()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    def wake(self) -> None:
        """Look for due deliveries now (callable from any thread)."""
        loop, wake = self._loop, self._wake
        if loop is None or wake is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop is closing
            loop.call_soon_threadsafe(wake.set)

    # --- the loop ----------------------------------------------------------------------

    async def _run(self) -> None:
        transport = self._transport or guarded_transport(self.max_in_flight)
        timeout = httpx.Timeout(WEBHOOK_TIMEOUT_SECONDS)
        async with httpx.AsyncClient(transport=transport, timeout=timeout, trust_env=False,
                                     follow_redirects=False) as client:  # fmt: skip
            pruned_at = -PRUNE_EVERY_SECONDS
            claimed_at = -CLAIM_SPACING_SECONDS
            try:
                while not self._stopping:
                    self._judge_load()
                    if self.busy:
                        spacing, most = BUSY_SPACING_SECONDS, BUSY_CLAIM_SIZE
                    elif self._behind:  # catching up: claim as soon as half the sends are free
                        spacing, most = 0.0, self.max_in_flight
                    else:
                        spacing, most = CLAIM_SPACING_SECONDS, self.max_in_flight
                    wait = claimed_at + spacing - time.monotonic()
                    if wait > 0:  # what arrives meanwhile goes in the next claim
                        await asyncio.sleep(wait)
                        continue
                    if time.monotonic() - pruned_at >= PRUNE_EVERY_SECONDS:
                        pruned_at = time.monotonic()
                        await self._prune()
                    self._wake.clear()
                    pause = self.poll_seconds
                    free = min(self.max_in_flight - len(self._in_flight), most)
                    if (self._behind and not self.busy and free < self.max_in_flight // 2
                            and time.monotonic() - claimed_at < CLAIM_SPACING_SECONDS):
                        free = 0  # soon a claim for the many the sends under way will free
                    if free > 0:
                        claimed_at = time.monotonic()
                        try:
                            claimed = await self._db(self._claim, free)
                            self._faulted = False
                        except Exception as error:  # noqa: BLE001 - logged, tried again shortly
                            self._log_fault("claiming webhook deliveries failed", error)
                            claimed, pause = [], FAULT_PAUSE_SECONDS
                        self._behind = len(claimed) == free  # there may be more due
                        for due in claimed:
                            task = asyncio.create_task(self._deliver(client, due))
                            self._in_flight[task] = due
                            task.add_done_callback(self._done)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), pause)
            finally:
                await self._finish()

    def _judge_load(self) -> None:
        """Whether the process is ``busy``: requests in flight more than ``BUSY_SHARE`` of
        the last ``LOAD_WINDOW_SECONDS`` or so (judged again once that has passed) while
        the process used more than ``BUSY_CPU_SHARE`` of a core. Requests open for long
        but costing little (a slow export, a slow upload) or a light steady load leave
        the CPU free, and the deliveries with it."""
        if self.load is None:
            return
        now, busy, cpu = self.load.clock(), self.load.busy_seconds(), self.cpu_clock()
        then, busy_then, cpu_then = self._load_at
        if now - then >= LOAD_WINDOW_SECONDS:
            self.busy = (busy - busy_then > BUSY_SHARE * (now - then)
                         and cpu - cpu_then > BUSY_CPU_SHARE * (now - then))  # fmt: skip
            self._load_at = (now, busy, cpu)

    def _log_fault(self, what: str, error: Exception) -> None:
        """A fault of the store once per outage, in a line (as the API logs them); any
        other error with its trace."""
        if not store_unavailable(error):
            logger.warning(what, exc_info=error)
        elif not self._faulted:
            logger.warning("%s: %s", what, describe_fault(error))
        self._faulted = self._faulted or store_unavailable(error)

    def _claim(self, limit: int) -> list[Due]:
        if not webhook_deliveries.has_due(self.db):
            return []
        return webhook_deliveries.claim_due(self.db, limit)

    def _done(self, task: asyncio.Task) -> None:
        self._in_flight.pop(task, None)
        if self._wake is not None:
            self._wake.set()

    async def _finish(self) -> None:
        """Sends under way: a moment to finish, then cancelled and given back."""
        if self._in_flight:
            await asyncio.wait(list(self._in_flight), timeout=STOP_GRACE_SECONDS)
        left = dict(self._in_flight)
        for task in left:
            task.cancel()
        if left:
            await asyncio.gather(*left, return_exceptions=True)
            for due in left.values():
                with contextlib.suppress(Exception):
                    await self._db(webhook_deliveries.release, self.db, due)
        if self._recorder is not None and not self._recorder.done():  # what was sent
            await asyncio.wait([self._recorder], timeout=STOP_GRACE_SECONDS)

    async def _db(self, function, *args: Any) -> Any:
        return await anyio.to_thread.run_sync(function, *args, limiter=self._limiter)

    async def _prune(self) -> None:
        try:
            await self._db(webhook_deliveries.prune, self.db)
        except Exception as error:  # noqa: BLE001 - logged; tried again in an hour
            self._log_fault("pruning the webhook log failed", error)

    # --- one delivery -------------------------------------------------------------------

    async def _deliver(self, client: httpx.AsyncClient, due: Due) -> None:
        attempt = await self.send(client, due)
        self.sent += 1
        recorded = asyncio.get_running_loop().create_future()
        self._to_record.append((due, attempt, recorded))
        if not self._recording:  # a task of its own: a delivery cancelled leaves it be
            self._recording = True
            self._recorder = asyncio.create_task(self._record())
        try:
            await recorded
        except Exception as error:  # noqa: BLE001 - logged; the lease runs out, it goes again
            self._log_fault(f"recording webhook delivery {due.delivery_id} failed", error)

    async def _record(self) -> None:
        """Write the finished attempts, all that finished meanwhile in one transaction
        (``record_many``), until none wait: a busy worker commits once for many sends,
        not once a send (on SQLite each commit is a turn on the entries' write lock)."""
        try:
            while self._to_record:
                spacing = BUSY_SPACING_SECONDS if self.busy else RECORD_SPACING_SECONDS
                wait = self._recorded_at + spacing - time.monotonic()
                if wait > 0 and not self._stopping:  # the sends finishing meanwhile go too
                    await asyncio.sleep(wait)
                self._recorded_at = time.monotonic()
                batch, self._to_record = self._to_record, []
                try:
                    await self._db(webhook_deliveries.record_many, self.db,
                                   [(due, attempt) for due, attempt, _ in batch],
                                   self.retry_base)  # fmt: skip
                except BaseException as error:  # each delivery of the batch learns of it
                    for *_, recorded in batch:
                        if not recorded.done():
                            recorded.set_exception(error)
                    if not isinstance(error, Exception):
                        raise
                    continue
                for *_, recorded in batch:
                    if not recorded.done():
                        recorded.set_result(None)
        finally:
            self._recording = False

    async def send(self, client: httpx.AsyncClient, due: Due) -> Attempt:
        """One attempt: its status and what went wrong (never raises but when cancelled)."""
        body = body_bytes(due)
        try:
            async with asyncio.timeout(WEBHOOK_TIMEOUT_SECONDS):
                async with client.stream("POST", due.url, content=body,
                                         headers=signed_headers(due, body)) as response:  # fmt: skip
                    if response.is_success:
                        # read to its end, so that the connection is kept for the next
                        # send (an answer left unread closes it: a new connection a send)
                        await _first_bytes(response, DRAIN_BYTES)
                        return Attempt(response.status_code)
                    snippet = await _first_bytes(response, ERROR_SNIPPET_BYTES)
                    error = f"HTTP {response.status_code}"
                    return Attempt(response.status_code, f"{error}: {snippet}" if snippet else error)
        except (TimeoutError, httpx.TimeoutException):
            return Attempt(None, f"no answer within {WEBHOOK_TIMEOUT_SECONDS:g} s")
        except httpx.HTTPError as error:
            return Attempt(None, f"{type(error).__name__}: {error}"[:500])
        except Exception as error:  # any fault is a failed attempt, logged
            logger.exception("sending webhook delivery %s failed", due.delivery_id)
            return Attempt(None, f"{type(error).__name__}: {error}"[:500])


async def _first_bytes(response: httpx.Response, limit: int) -> str:
    """At most ``limit`` bytes of the answer's body, as text (the rest is not read, and
    the connection then closed)."""
    chunks = b""
    async for chunk in response.aiter_raw():
        chunks += chunk
        if len(chunks) >= limit:
            break
    return chunks[:limit].decode("utf-8", "replace").strip()
