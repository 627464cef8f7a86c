"""The HTTP protocol ``nlentry serve`` runs: uvicorn's httptools protocol with a
deadline for the request head, and the bounds of a worker's connections.

uvicorn closes a keep-alive connection that stays idle between requests, but
waits forever for the head of a request: a client that opens connections and
sends half a request line, or nothing (slowloris), holds them all. Here a
connection whose request head has not arrived ``HEAD_TIMEOUT_SECONDS`` after
it opened, or after its previous answer, is closed. A worker holds at most
``max_connections()`` connections at once; past that a request is answered
``503`` (uvicorn's ``limit_concurrency``) rather than left waiting, and
``raise_open_files_limit`` lets the worker hold them.

An answer goes out in one write: uvicorn writes a response's head and its body
with a call each, and since the socket does not wait to fill a packet
(``TCP_NODELAY``), that was two packets and two trips through the kernel's TCP
stack per answer (about 8% of a worker's CPU under load). A connection's writes
are held by ``OneWritePerStep`` until the end of the loop's current step (or until
the protocol asks anything else of the transport: at the latest when the answer is
complete), then written together (or as soon as they reach ``HOLD_AT_MOST`` bytes, so that a
stream that never yields still meets the transport's flow control).
"""

from __future__ import annotations

import asyncio
import resource

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

#: Seconds a connection may take to send a request's head (line and headers).
HEAD_TIMEOUT_SECONDS = 5.0
#: The most connections one worker holds, file descriptors permitting.
MAX_CONNECTIONS_PER_WORKER = 10_000
#: Bytes of one step's writes held at most before they are written all the same.
HOLD_AT_MOST = 64 * 1024
# File descriptors a worker keeps for itself (database, logs, Redis, ...).
_RESERVED_FILES = 200


class HeadTimeoutProtocol(HttpToolsProtocol):
    """``HttpToolsProtocol`` that closes a connection whose request head is late, and
    writes through ``OneWritePerStep``."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:  # type: ignore[override]
        # every write and close of the connection (the requests', uvicorn's own 400s,
        # shutdown, timers) through one OneWritePerStep, in the order they were made
        super().connection_made(OneWritePerStep(transport, self.loop))
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # waiting for the next request's head (a pipelined one has its head already)
        if not self.pipeline and not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(HEAD_TIMEOUT_SECONDS, self._head_is_late)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_is_late(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.transport.close()


class OneWritePerStep:
    """A connection's transport as its protocol sees it: what is written in one step of
    the event loop (a response's head and body, sent one after the other) goes to
    the transport in one ``write``, at the end of that step. Anything else asked of
    the transport (``close``, ``is_closing``, ...) comes after what was written.
    ``write`` keeps ``bytes``, and a copy of anything else (a ``bytearray`` may change
    once given); an error of the real ``write`` is the loop's to report."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop):
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []
        self._held_bytes = 0

    def write(self, data: bytes) -> None:
        if not self._held:
            self._loop.call_soon(self.flush)
        self._held.append(data if type(data) is bytes else bytes(data))
        self._held_bytes += len(data)
        if self._held_bytes >= HOLD_AT_MOST:  # a stream that never yields: the transport's
            self.flush()  # own flow control (pausing the writer) must see what it sends

    def flush(self) -> None:
        """Write what is held now."""
        if self._held:
            data = b"".join(self._held)
            self._held.clear()
            self._held_bytes = 0
            if not self._transport.is_closing():
                self._transport.write(data)

    def __getattr__(self, name: str):
        self.flush()
        return getattr(self._transport, name)


def raise_open_files_limit() -> int:
    """Raise this process's soft limit of open files to its hard limit (a worker
    holding thousands of connections needs them); the soft limit now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = max(soft, MAX_CONNECTIONS_PER_WORKER + _RESERVED_FILES)
    if soft != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return soft


def max_connections(open_files: int) -> int:
    """The connections a worker holds at most, with ``open_files`` file descriptors."""
    return max(100, min(MAX_CONNECTIONS_PER_WORKER, open_files - _RESERVED_FILES))
