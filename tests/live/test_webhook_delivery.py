"""Webhook deliveries, for real: the app's delivery worker (started by its lifespan) posts
to a receiver on 127.0.0.1, on SQLite and on PostgreSQL.

Every delivery is verified with ``standardwebhooks.Webhook.verify``. Covered: one event
per timer start and stop; a ``500`` retried with the same ``webhook-id``; a receiver
down for a while gets every event once, each entry's in order; a receiver that hangs
holds up no answer; a private address is refused at connect time; ``410`` disables; ten
events in a row that use up their attempts disable; two workers on one database deliver
each event once; a server killed with SIGKILL between commit and delivery delivers
the outbox after its restart. Nothing here asserts on the clock: each wait is for a
state, with a generous deadline.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import livekit
import pytest
from standardwebhooks import Webhook
from starlette.testclient import TestClient

from nlentry.api.app import create_app
from nlentry.api.webhook_delivery import BUSY_CLAIM_SIZE, RETRY_BASE_ENV
from nlentry.api.webhook_urls import ALLOW_PRIVATE_ENV
from nlentry.storage.webhook_deliveries import FAILING_REASON, GONE_REASON, MAX_ATTEMPTS
from tests.support.api_fixtures import add_account

HOOKS = "/api/v1/webhooks.json"
TIMER = "/api/v1/time_entries/timer.json"
ENTRIES = "/api/v1/time_entries.json"
DEADLINE = 60.0
BODY_FIELDS = {"id", "type", "created_at", "workspace_id", "user_id", "data"}


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    peer: tuple[str, int] = ("", 0)  # the connection it came on

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def id(self) -> str:
        return self.headers["webhook-id"]


class Receiver:
    """An HTTP receiver on 127.0.0.1: records each POST, answers ``answer(n)`` (the n-th
    request, from 0). ``start``/``stop`` may be called again: the port stays the same."""

    def __init__(self, answer: Callable[[int], int] = lambda n: 200, keep_alive: bool = False):
        self.port = livekit.free_port()
        self.answer = answer
        self.keep_alive = keep_alive  # HTTP/1.1, connections kept (else each one closed)
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._server: http.server.ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> Receiver:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if receiver.keep_alive else "HTTP/1.0"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                with receiver._lock:
                    receiver.received.append(Received(
                        {k.lower(): v for k, v in self.headers.items()}, body,
                        self.client_address))  # fmt: skip
                    n = len(receiver.received) - 1
                status = receiver.answer(n)
                self.send_response(status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"no")

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            # the senders' many connections at once: with the default backlog of 5 a burst
            # of sends from two workers overflows it, and a connection the kernel dropped
            # is a failed attempt (ReadError), retried: an attempt more than events
            request_queue_size = 128

        self._server = Server(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                         daemon=True).start()  # a stop waits at most one poll
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def count(self) -> int:
        with self._lock:
            return len(self.received)

    def all(self) -> list[Received]:
        with self._lock:
            return list(self.received)


@pytest.fixture
def receiver():
    made = Receiver()
    yield made
    made.stop()


def wait_until(condition: Callable[[], object], what: str, timeout: float = DEADLINE):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout:g} s: {what}")


@pytest.fixture
def make_app(database_url, monkeypatch):
    """``make_app(retry_base=0.05)``: an app on the test's database whose deliveries may go
    to 127.0.0.1, retried after ``retry_base * 2**n`` seconds."""
    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "1")
    made = []

    def make(retry_base: float = 0.05):
        monkeypatch.setenv(RETRY_BASE_ENV, str(retry_base))
        app = create_app(database_url, rate_limit_per_minute=100_000)
        made.append(app)
        return app

    yield make
    for app in made:
        app.state.db.dispose()


def verified(secret: str, received: Received) -> dict:
    """The body, once ``standardwebhooks`` has verified its signature."""
    body = Webhook(secret).verify(received.body, received.headers)
    assert set(body) == BODY_FIELDS and body["id"] == received.id
    return body


def hook_deliveries(client, account, hook_id: int) -> list[dict]:
    answer = client.get(f"/api/v1/webhooks/{hook_id}/deliveries.json", headers=account.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def all_delivered(client, account, hook_id: int, count: int):
    found = hook_deliveries(client, account, hook_id)
    return len(found) == count and all(d["status"] == "delivered" for d in found) and found


def disabled(client, account, hook_id: int) -> dict | None:
    """The subscription, once it is no longer active."""
    shown = client.get(f"/api/v1/webhooks/{hook_id}.json", headers=account.headers).json()
    return None if shown["active"] else shown


def subscribe(client, account, url: str, **data) -> dict:
    answer = client.post(HOOKS, json={"url": url, **data}, headers=account.headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_timer_start_and_stop_each_send_one_signed_event(make_app, receiver):
    app = make_app()
    receiver.start()
    with TestClient(app) as client:
        alice = add_account(app, "alice@acme.nl")
        hook = subscribe(client, alice, receiver.url, events=["timer.started", "timer.stopped"])
        entry = client.post(TIMER, data={"body": "werk"}, headers=alice.headers).json()
        assert client.delete(TIMER, headers=alice.headers).status_code == 200
        wait_until(lambda: all_delivered(client, alice, hook["id"], 2), "both delivered")
    received = receiver.all()
    assert len(received) == 2  # one each, and nothing more once both are delivered
    bodies = [verified(hook["secret"], r) for r in received]
    assert [b["type"] for b in bodies] == ["timer.started", "timer.stopped"]
    assert len({b["id"] for b in bodies}) == 2
    for body in bodies:
        assert body["data"]["id"] == entry["id"]
        assert body["user_id"] == alice.id and body["workspace_id"] == alice.workspace_id
        assert body["created_at"].endswith("Z")
    assert bodies[0]["data"]["timer_started_at"] is not None
    assert bodies[1]["data"]["timer_started_at"] is None


def test_deliveries_one_after_another_reuse_one_connection(make_app):
    """A delivery reads its answer to the end, so the kept-alive connection serves the
    next one (an answer left unread would close it: a new connection every event)."""
    receiver = Receiver(keep_alive=True)
    app = make_app()
    receiver.start()
    try:
        with TestClient(app) as client:
            alice = add_account(app, "alice@acme.nl")
            subscribe(client, alice, receiver.url, events=["time_entry.created"])
            for n in range(1, 11):
                answer = client.post(ENTRIES, data={"body": f"{n} uur werk"},
                                     headers=alice.headers)  # fmt: skip
                assert answer.status_code == 201, answer.text
                wait_until(lambda n=n: receiver.count() == n, f"event {n} delivered")
        peers = {r.peer for r in receiver.all()}
        assert receiver.count() == 10 and len(peers) == 1, peers
    finally:
        receiver.stop()


def test_a_failed_attempt_is_tried_again_with_the_same_id(make_app, receiver):
    receiver.answer = lambda n: 500 if n == 0 else 200
    app = make_app()
    receiver.start()
    with TestClient(app) as client:
        alice = add_account(app, "alice@acme.nl")
        hook = subscribe(client, alice, receiver.url)
        client.post(f"/api/v1/webhooks/{hook['id']}/ping.json", headers=alice.headers)
        done = wait_until(lambda: all_delivered(client, alice, hook["id"], 1), "delivered")
    assert done[0]["attempts"] == 2 and done[0]["response_status"] == 200
    assert done[0]["last_error"] is None and done[0]["type"] == "ping"
    first, second = receiver.all()
    assert first.id == second.id == done[0]["event_id"]
    assert verified(hook["secret"], first) == verified(hook["secret"], second)
    assert first.body == second.body  # the same bytes; only the timestamp may differ


def test_a_receiver_down_for_a_while_gets_every_event_once_in_order(make_app, receiver):
    app = make_app()  # the receiver is not listening yet: connections are refused
    with TestClient(app) as client:
        alice = add_account(app, "alice@acme.nl")
        hook = subscribe(client, alice, receiver.url)
        entries = []
        for n in range(3):
            entries.append(client.post(TIMER, data={"body": f"werk {n}"},
                                       headers=alice.headers).json()["id"])  # fmt: skip
        client.delete(TIMER, headers=alice.headers)

        def retried():
            found = hook_deliveries(client, alice, hook["id"])
            return any(d["attempts"] >= 2 and d["last_error"] for d in found)

        wait_until(retried, "an attempt refused twice")
        assert receiver.count() == 0
        receiver.start()
        done = wait_until(lambda: all_delivered(client, alice, hook["id"], 6), "all delivered")
    received = receiver.all()
    assert len(received) == 6 and len({r.id for r in received}) == 6
    assert {r.id for r in received} == {d["event_id"] for d in done}
    bodies = [verified(hook["secret"], r) for r in received]
    for entry_id in entries:
        types = [b["type"] for b in bodies if b["data"]["id"] == entry_id]
        assert types == ["timer.started", "timer.stopped"], (entry_id, types)


def test_a_receiver_that_hangs_never_holds_up_an_answer(make_app, receiver):
    release = threading.Event()
    receiver.answer = lambda n: 200 if release.wait(DEADLINE) else 500
    app = make_app()
    receiver.start()
    try:
        with TestClient(app) as client:
            alice = add_account(app, "alice@acme.nl")
            hook = subscribe(client, alice, receiver.url)
            client.post(f"/api/v1/webhooks/{hook['id']}/ping.json", headers=alice.headers)
            wait_until(lambda: receiver.count() == 1, "the receiver holds the ping")
            # while the receiver holds its delivery, requests are answered (and queue more)
            assert client.post(TIMER, data={"body": "werk"}, headers=alice.headers).status_code == 201
            assert client.delete(TIMER, headers=alice.headers).status_code == 200
            assert not release.is_set()
            release.set()
            wait_until(lambda: all_delivered(client, alice, hook["id"], 3), "all delivered")
    finally:
        release.set()
    assert receiver.count() == 3


def test_a_private_address_is_refused_when_connecting(make_app, receiver, monkeypatch):
    app = make_app()
    receiver.start()
    with TestClient(app) as client:
        alice = add_account(app, "alice@acme.nl")
        hook = subscribe(client, alice, receiver.url)  # allowed when subscribing...
        monkeypatch.delenv(ALLOW_PRIVATE_ENV)  # ...but no longer when the worker connects
        client.post(f"/api/v1/webhooks/{hook['id']}/ping.json", headers=alice.headers)

        def refused():
            (delivery,) = hook_deliveries(client, alice, hook["id"])
            return delivery["attempts"] >= 2 and delivery

        delivery = wait_until(refused, "two refused attempts")
    assert delivery["status"] == "pending" and delivery["response_status"] is None
    assert "refused: 127.0.0.1 resolves to no public address" in delivery["last_error"]
    assert receiver.count() == 0


def test_a_410_disables_the_subscription(make_app, receiver):
    receiver.answer = lambda n: 410
    app = make_app()
    receiver.start()
    with TestClient(app) as client:
        alice = add_account(app, "alice@acme.nl")
        hook = subscribe(client, alice, receiver.url)
        client.post(f"/api/v1/webhooks/{hook['id']}/ping.json", headers=alice.headers)
        shown = wait_until(lambda: disabled(client, alice, hook["id"]), "disabled")
        assert shown["disabled_reason"] == GONE_REASON
        (delivery,) = hook_deliveries(client, alice, hook["id"])
        assert delivery["status"] == "failed" and delivery["response_status"] == 410
        assert delivery["attempts"] == 1
        client.post(TIMER, data={"body": "werk"}, headers=alice.headers)  # no event for it
        assert hook_deliveries(client, alice, hook["id"]) == [delivery]
    assert receiver.count() == 1


def test_ten_events_in_a_row_that_fail_every_attempt_disable_it(make_app, receiver):
    receiver.answer = lambda n: 503
    app = make_app(retry_base=0.001)
    receiver.start()
    with TestClient(app) as client:
        alice = add_account(app, "alice@acme.nl")
        hook = subscribe(client, alice, receiver.url)
        for _ in range(10):
            assert client.post(f"/api/v1/webhooks/{hook['id']}/ping.json",
                               headers=alice.headers).status_code == 202  # fmt: skip
        shown = wait_until(lambda: disabled(client, alice, hook["id"]), "disabled", timeout=120)
        assert shown["disabled_reason"] == FAILING_REASON
        assert shown["consecutive_failures"] == 10
        found = hook_deliveries(client, alice, hook["id"])
        assert [d["status"] for d in found] == ["failed"] * 10
        assert all(d["attempts"] == MAX_ATTEMPTS and d["response_status"] == 503
                   and d["last_error"].startswith("HTTP 503") for d in found)  # fmt: skip
    assert receiver.count() == 10 * MAX_ATTEMPTS


def test_two_workers_on_one_database_deliver_each_event_once(make_app, receiver):
    first, second = make_app(), make_app()
    receiver.start()
    with TestClient(first) as one, TestClient(second) as other:
        alice = add_account(first, "alice@acme.nl")
        bob = add_account(first, "bob@acme.nl")
        hook = subscribe(one, alice, receiver.url, all_users=True)
        for n in range(12):  # timer events of two users, and pings, from both apps
            client, account = (one, alice) if n % 2 else (other, bob)
            client.post(TIMER, data={"body": f"werk {n}"}, headers=account.headers)
            client.post(f"/api/v1/webhooks/{hook['id']}/ping.json", headers=alice.headers)
        expected = len(hook_deliveries(one, alice, hook["id"]))
        assert expected == 12 + 10 + 12  # starts, the stops they made (5 each), pings
        wait_until(lambda: all_delivered(one, alice, hook["id"], expected), "all delivered")
        sent = (first.state.webhooks.sent, second.state.webhooks.sent)
    received = receiver.all()
    assert len(received) == expected and len({r.id for r in received}) == expected
    assert sum(sent) == expected  # no event was sent by both workers
    for r in received:
        verified(hook["secret"], r)


def test_a_server_killed_between_commit_and_delivery_delivers_after_restart(
        database_url, tmp_path, receiver):
    env = livekit.server_env(NLENTRY_DATABASE_URL=database_url)
    env.update({ALLOW_PRIVATE_ENV: "1", RETRY_BASE_ENV: "0.05"})
    token = livekit.add_user(env, "alice@acme.nl", cwd=tmp_path)
    server = livekit.Nlentry(env, tmp_path).wait_ready()
    try:
        status, _, body = livekit.request("POST", server.api + "/webhooks.json", token,
                                          {"url": receiver.url})  # the receiver is down
        assert status == 201, body
        secret = json.loads(body)["secret"]
        for n in range(3):
            status, _, _ = livekit.request("POST", server.api + "/time_entries/timer.json",
                                           token, {"body": f"werk {n}"})  # fmt: skip
            assert status == 201
        assert livekit.request("DELETE", server.api + "/time_entries/timer.json", token)[0] == 200
        server.kill()  # SIGKILL: no shutdown, nothing given back
    finally:
        server.stop()
    events = {row[0] for row in livekit.query(database_url, "SELECT uid FROM webhook_events")}
    assert len(events) == 6 and receiver.count() == 0
    receiver.start()
    again = livekit.Nlentry(env, tmp_path, log_name="again.log")
    try:
        again.wait_ready()
        wait_until(lambda: {r.id for r in receiver.all()} == events, "the outbox delivered")
    finally:
        again.stop()
    received = receiver.all()
    assert len(received) == 6  # each once: nothing had reached the receiver before the kill
    for r in received:
        verified(secret, r)


def test_a_busy_process_sends_a_few_events_at_a_time_and_the_rest_once_it_eases(
        make_app, receiver):
    """While requests keep the process busy, each claim takes at most
    ``BUSY_CLAIM_SIZE`` deliveries (events still flow, a few at a time); once the load
    eases, what gathered is claimed in full and every event arrives once. (The third
    claim made while busy waits at a gate until the load has eased, so that what the
    test sees does not depend on how fast the machine is.)"""
    app = make_app()
    worker = app.state.webhooks
    made = 60  # more than the busy claims before and just after the load eases
    claims: list[tuple[bool, int, int]] = []  # (busy, asked, got)
    claim, gate, at_gate = worker._claim, threading.Event(), threading.Event()

    def recording(limit: int):
        busy = worker.busy
        if busy and sum(1 for was_busy, _, got in claims if was_busy and got) >= 2:
            at_gate.set()
            gate.wait(DEADLINE)
        got = claim(limit)
        claims.append((busy, limit, len(got)))
        return got

    worker._claim = recording
    worker.cpu_clock = time.monotonic  # as if the process used a whole core meanwhile
    receiver.start()
    with TestClient(app) as client:
        alice = add_account(app, "alice@acme.nl")
        subscribe(client, alice, receiver.url, events=["time_entry.created"])
        client.portal.call(worker.load.enter)  # a request that stays in flight: busy
        wait_until(lambda: worker.busy, "the worker finds the process busy")
        for n in range(made):
            answer = client.post(ENTRIES, data={"body": f"{n + 1} minuten werk"},
                                 headers=alice.headers)  # fmt: skip
            assert answer.status_code == 201, answer.text
        wait_until(at_gate.is_set, "two claims made while busy")
        sent_while_busy = sum(got for _, _, got in claims)
        wait_until(lambda: receiver.count() == sent_while_busy, "their events sent")
        assert all(busy and asked <= BUSY_CLAIM_SIZE for busy, asked, got in claims if got)
        assert 2 <= sent_while_busy <= 2 * BUSY_CLAIM_SIZE
        client.portal.call(worker.load.leave)  # the load eases
        gate.set()
        wait_until(lambda: receiver.count() == made, "every event, once the load eased")
    assert any(not busy and asked > BUSY_CLAIM_SIZE and got for busy, asked, got in claims)
    assert len({r.id for r in receiver.all()}) == made


def test_a_long_request_that_costs_no_cpu_leaves_the_deliveries_at_full_speed(
        make_app, receiver):
    """A request open for long (a slow export, a slow upload) keeps requests in flight
    but the CPU free: the process is not busy, and deliveries go at full speed."""
    app = make_app()
    worker = app.state.webhooks
    worker.cpu_clock = lambda: 0.0  # the process uses no CPU at all
    receiver.start()
    with TestClient(app) as client:
        alice = add_account(app, "alice@acme.nl")
        subscribe(client, alice, receiver.url, events=["time_entry.created"])
        client.portal.call(worker.load.enter)  # in flight from now to the end
        for n in range(20):
            answer = client.post(ENTRIES, data={"body": f"{n + 1} minuten werk"},
                                 headers=alice.headers)  # fmt: skip
            assert answer.status_code == 201, answer.text
        wait_until(lambda: receiver.count() == 20, "every event")
        assert not worker.busy
        client.portal.call(worker.load.leave)
