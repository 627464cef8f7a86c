"""A real uvicorn server in a thread of the test, on a free port of 127.0.0.1."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import uvicorn


@contextlib.contextmanager
def serving(config: uvicorn.Config, start_within: float = 30) -> Iterator[tuple[uvicorn.Server, int]]:
    """Run ``config``'s server until the block ends: the server and its port, once it
    has started (an assertion fails if it has not within ``start_within`` seconds)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + start_within
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
            time.sleep(0.01)
        yield server, sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(start_within)
        sock.close()
