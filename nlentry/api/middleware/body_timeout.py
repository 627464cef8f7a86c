"""Cutting off a request whose body trickles in.

uvicorn waits as long as a client likes for the rest of a body whose
``Content-Length`` it announced: a client sending one byte a second holds a
connection, a task and (once the handler reads) a worker thread for as long
as it wants. ``BodyTimeoutMiddleware`` gives the whole body a deadline,
counted from the moment the request's headers were read: past it the request
is answered ``408 {"message": "request timeout", ...}`` (the one error body of
``nlentry.api.errors``) with ``Connection: close``
and the connection is closed; nothing of the request is handled.

The deadline is ``timeout`` seconds, default ``$NLENTRY_BODY_TIMEOUT`` or 10.
Mount it outermost, before ``JsonSuffixMiddleware``::

    middleware=[Middleware(BodyTimeoutMiddleware), Middleware(JsonSuffixMiddleware)]

Headers that trickle never reach an ASGI app; see docs/reliability.md for
what covers them (uvicorn's ``h11_max_incomplete_event_size``, a proxy).
"""

from __future__ import annotations

import asyncio
import math
import os

from nlentry.api.errors import error_json
from nlentry.limits import DEFAULT_BODY_TIMEOUT_SECONDS

BODY_TIMEOUT_ENV = "NLENTRY_BODY_TIMEOUT"

_BODY = error_json(408)


class _BodyTimedOut(Exception):
    pass


def body_timeout_from_env() -> float:
    value = os.environ.get(BODY_TIMEOUT_ENV, "").strip()
    if not value:
        return DEFAULT_BODY_TIMEOUT_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds < math.inf:
        raise ValueError(f"{BODY_TIMEOUT_ENV} must be a positive number of seconds, not {value!r}")
    return seconds


class BodyTimeoutMiddleware:
    """408 and close when a request's body is not all read within ``timeout`` seconds."""

    def __init__(self, app, timeout: float | None = None):
        self.app = app
        self.timeout = body_timeout_from_env() if timeout is None else float(timeout)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        body_done = False
        response_started = False
        timed_out = False

        async def timed_receive():
            nonlocal body_done
            if body_done:  # after the body: only http.disconnect is left, wait for it
                return await receive()
            remaining = deadline - loop.time()
            try:
                if remaining <= 0:
                    raise TimeoutError
                async with asyncio.timeout(remaining):  # no task of its own, as wait_for makes
                    message = await receive()
            except TimeoutError:
                await time_out()
                raise _BodyTimedOut from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        async def tracked_send(message):
            nonlocal response_started
            if timed_out:  # answered 408 already: whatever the app says now is dropped
                return
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        async def time_out():
            """Answer 408 (unless an answer has begun) and drop all the app sends after it."""
            nonlocal timed_out
            if timed_out:
                return
            timed_out = True
            if response_started:
                return
            await send({
                "type": "http.response.start",
                "status": 408,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(_BODY)).encode()),
                    (b"connection", b"close"),
                ],
            })
            await send({"type": "http.response.body", "body": _BODY})

        try:
            await self.app(scope, timed_receive, tracked_send)
        except _BodyTimedOut:
            if not timed_out:
                raise
