"""Slowloris: connections that never finish a request head shut nobody out
(issue 10, finding 11).

Against a one-worker ``nlentry serve``, 2,000 connections each send half a
request line and then nothing, and one more sends nothing at all. While they
are open, a normal client is answered (``/health``, and an entry stored).
Then every one of them is closed by the server (the head deadline of
``nlentry.api.server_protocol``); without it they stay open for ever. How soon
is a figure, not a check.
"""

from __future__ import annotations

import json
import resource
import selectors
import socket
import time

import livekit

from tests.live.live_support import post_entry, record_figures

SLOW = 2000
CLOSE_BUDGET = 90.0  # seconds: far past the head deadline; only a missing deadline gets here


def _enough_files(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(needed, soft)), hard))
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert soft == resource.RLIM_INFINITY or soft >= needed, f"open files limit {soft} < {needed}"


def _wait_closed(socks: list[socket.socket], budget: float) -> tuple[int, float]:
    """Wait until the server has closed every socket: how many it closed, and when."""
    selector = selectors.DefaultSelector()
    for sock in socks:
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
    start, closed = time.monotonic(), 0
    while closed < len(socks) and time.monotonic() - start < budget:
        for key, _ in selector.select(timeout=1.0):
            sock = key.fileobj
            try:
                data = sock.recv(4096)
            except (ConnectionResetError, BrokenPipeError):
                data = b""
            except BlockingIOError:
                continue
            if not data:
                selector.unregister(sock)
                closed += 1
    selector.close()
    return closed, time.monotonic() - start


def test_half_sent_heads_are_closed_and_shut_nobody_out(tmp_path):
    _enough_files(SLOW + 500)
    env = livekit.server_env(NLENTRY_DATABASE_URL=f"sqlite:///{tmp_path / 'slow.db'}")
    auth = f"ok@example.com:{livekit.add_user(env, 'ok@example.com', cwd=tmp_path)}"
    socks: list[socket.socket] = []
    with livekit.running(env, tmp_path, workers=1) as server:
        try:
            for i in range(SLOW):
                sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
                sock.sendall(b"GET /api/v1/hea" if i else b"")  # the first sends nothing
                socks.append(sock)
            health = livekit.request("GET", server.api + "/health", "")[0]
            status, _, body = post_entry(server, auth, "2 uur overleg")
            closed, after = _wait_closed(socks, CLOSE_BUDGET)
            health_after = livekit.request("GET", server.api + "/health", "")[0]
        finally:
            for sock in socks:
                sock.close()
        log = server.log_text()
    record_figures("slowloris", connections=SLOW, closed_by_server=closed,
                   all_closed_after_s=round(after, 1), health=health,
                   entry_status=status)  # fmt: skip
    assert health == 200
    assert status == 201 and json.loads(body)["duration"] == 7200
    assert closed == SLOW, f"{SLOW - closed} half-sent heads were never closed"
    assert health_after == 200
    assert "Traceback" not in log, log[-3000:]
