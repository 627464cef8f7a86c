"""``nlentry serve``'s protocol writes each answer in one go, and loses nothing doing so."""

from __future__ import annotations

import asyncio
import contextlib
import socket

import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse, StreamingResponse
from starlette.routing import Route

from nlentry.api.server_protocol import HOLD_AT_MOST, HeadTimeoutProtocol, OneWritePerStep
from tests.support.uvicorn_thread import serving


class FakeTransport:
    def __init__(self):
        self.calls: list[tuple[str, bytes | None]] = []
        self.closing = False

    def write(self, data: bytes) -> None:
        self.calls.append(("write", data))

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.calls.append(("close", None))
        self.closing = True


def test_writes_of_one_step_reach_the_transport_as_one():
    async def run():
        transport = FakeTransport()
        writer = OneWritePerStep(transport, asyncio.get_running_loop())
        writer.write(b"HTTP/1.1 200 OK\r\n\r\n")
        writer.write(b"body")
        assert transport.calls == []  # held until the step ends
        await asyncio.sleep(0)
        assert transport.calls == [("write", b"HTTP/1.1 200 OK\r\n\r\nbody")]
        writer.write(b"more")  # a later step: a write of its own
        await asyncio.sleep(0)
        assert transport.calls[-1] == ("write", b"more")
        return transport

    assert len(asyncio.run(run()).calls) == 2


def test_anything_else_asked_of_the_transport_comes_after_what_was_written():
    async def run():
        transport = FakeTransport()
        writer = OneWritePerStep(transport, asyncio.get_running_loop())
        writer.write(b"head")
        writer.write(b"tail")
        writer.close()
        assert transport.calls == [("write", b"headtail"), ("close", None)]
        writer.write(b"late")  # after the close: dropped, as the transport is closing
        await asyncio.sleep(0)
        assert transport.calls == [("write", b"headtail"), ("close", None)]

    asyncio.run(run())


def test_a_step_that_writes_much_does_not_hold_it_all():
    async def run():
        transport = FakeTransport()
        writer = OneWritePerStep(transport, asyncio.get_running_loop())
        chunk = b"x" * 1000
        for _ in range(3 * HOLD_AT_MOST // len(chunk)):  # a stream that never yields
            writer.write(chunk)
        written = sum(len(data) for _, data in transport.calls)
        assert written >= 2 * HOLD_AT_MOST  # reached the transport before the step ended
        assert all(len(data) <= HOLD_AT_MOST + len(chunk) for _, data in transport.calls)
        await asyncio.sleep(0)
        assert sum(len(data) for _, data in transport.calls) == 3 * HOLD_AT_MOST // 1000 * 1000

    asyncio.run(run())


async def _hello(request):
    return PlainTextResponse("hello " * 50)


async def _bye(request):
    return PlainTextResponse("bye")


class _ThenShutDown(PlainTextResponse):
    """An answer after which, in the same step, the server shuts every connection down
    (what ``uvicorn.Server.shutdown`` does to each when a worker stops)."""

    async def __call__(self, scope, receive, send):
        await super().__call__(scope, receive, send)
        for connection in list(_SERVERS[-1].server_state.connections):
            connection.shutdown()


async def _last(request):
    return _ThenShutDown("the last answer")


_SERVERS: list[uvicorn.Server] = []


async def _stream(request):
    async def chunks():
        for i in range(3):
            yield f"chunk {i}\n"
            await asyncio.sleep(0.05)  # each chunk in a later step

    return StreamingResponse(chunks(), media_type="text/plain")


class _Counted:
    """A connection's transport, each ``write`` it is given noted."""

    def __init__(self, transport, writes: list[bytes]):
        self._transport = transport
        self._writes = writes

    def write(self, data: bytes) -> None:
        self._writes.append(bytes(data))
        self._transport.write(data)

    def __getattr__(self, name: str):
        return getattr(self._transport, name)


def _counting_protocol(writes: list[bytes]):
    class CountingProtocol(HeadTimeoutProtocol):
        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(_Counted(transport, writes))

    return CountingProtocol


@contextlib.contextmanager
def _serving(writes: list[bytes]):
    app = Starlette(routes=[Route("/hello", _hello), Route("/bye", _bye), Route("/last", _last),
                            Route("/stream", _stream)])  # fmt: skip
    config = uvicorn.Config(app, http=_counting_protocol(writes), log_level="warning",
                            lifespan="off")  # fmt: skip
    with serving(config) as (server, port):
        _SERVERS.append(server)
        yield port


def _read_response(conn: socket.socket) -> tuple[bytes, bytes]:
    """One response with a Content-Length: head and body."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length")))  # fmt: skip
    while len(body) < length:
        body += conn.recv(65536)
    return head, body


def test_each_answer_is_one_write_and_keep_alive_goes_on():
    writes: list[bytes] = []
    with (_serving(writes) as port,
          socket.create_connection(("127.0.0.1", port), timeout=10) as conn):  # fmt: skip
        for number in range(1, 4):  # the same connection, one request after another
            conn.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            head, body = _read_response(conn)
            assert head.startswith(b"HTTP/1.1 200")
            assert body == b"hello " * 50
            assert len(writes) == number  # head and body written together
            assert writes[-1] == head + b"\r\n\r\n" + body


def test_connection_close_and_streaming_lose_nothing():
    writes: list[bytes] = []
    with _serving(writes) as port:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            conn.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := conn.recv(65536):  # the server closes after the answer
                data += chunk
            assert data.endswith(b"hello " * 50) and b"connection: close" in data.lower()
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            conn.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
            assert all(f"chunk {i}\n".encode() in data for i in range(3))
            assert data.endswith(b"0\r\n\r\n")  # the chunked body's end
    assert b"".join(writes).count(b"HTTP/1.1 200") == 2  # every byte went through the writes


def test_pipelined_requests_are_answered_in_order():
    writes: list[bytes] = []
    with (_serving(writes) as port,
          socket.create_connection(("127.0.0.1", port), timeout=10) as conn):  # fmt: skip
        conn.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
                     b"GET /bye HTTP/1.1\r\nHost: x\r\n\r\n")  # fmt: skip
        data = b""
        while data.count(b"HTTP/1.1 200") < 2 or not data.endswith(b"bye"):
            chunk = conn.recv(65536)
            assert chunk, data
            data += chunk
        assert data.index(b"hello") < data.index(b"bye")
        assert len(writes) == 2  # one write each


def test_an_answer_completed_as_the_server_shuts_down_still_goes_out():
    writes: list[bytes] = []
    with (_serving(writes) as port,
          socket.create_connection(("127.0.0.1", port), timeout=10) as conn):  # fmt: skip
        conn.sendall(b"GET /last HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        while chunk := conn.recv(65536):  # shutdown closes the connection after the answer
            data += chunk
        assert data.startswith(b"HTTP/1.1 200") and data.endswith(b"the last answer")
