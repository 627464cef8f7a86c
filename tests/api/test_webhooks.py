"""``/webhooks``: subscriptions (the secret once), their scope, their owner alone, strict
fields, the SSRF guard at subscribe and at connect time, ping and redelivery, the
delivery log; the outbox (``webhook_outbox``): who gets which events, nothing written
without a subscriber, nothing kept of a change rolled back.

No delivery worker runs here (the test client does not start the app's lifespan):
what is queued stays queued, to be looked at. Sending is tests/live/test_webhook_delivery.py's.
"""

from __future__ import annotations

import datetime as dt
import http.server
import socket
import threading

import anyio
import httpx
import pytest
from sqlalchemy import func, select, update
from standardwebhooks import Webhook

from nlentry.api import webhook_urls
from nlentry.api.webhook_urls import ALLOW_PRIVATE_ENV, AddressRefused, GuardedBackend, refusal
from nlentry.storage import webhook_deliveries
from nlentry.storage.models import User, utcnow
from nlentry.storage.webhook_models import WebhookDelivery, WebhookEvent, WebhookSubscription
from nlentry.storage.webhook_outbox import emit_with_session

HOOKS = "/api/v1/webhooks.json"
TIMER = "/api/v1/time_entries/timer.json"
URL = "http://127.0.0.1:9/hook"
PUBLIC_IP_URL = "https://93.184.216.34/hook"  # a global address, no DNS needed
FIELDS = {"id", "url", "events", "description", "active", "all_users", "disabled_reason",
          "consecutive_failures", "created_at", "updated_at"}
DELIVERY_FIELDS = {"id", "event_id", "type", "status", "attempts", "response_status",
                   "last_error", "next_attempt_at", "delivered_at", "created_at"}


@pytest.fixture(autouse=True)
def private_allowed(monkeypatch):
    """A receiver on this machine, as every test here but the SSRF ones has."""
    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "1")


@pytest.fixture
def private_refused(monkeypatch):
    monkeypatch.delenv(ALLOW_PRIVATE_ENV, raising=False)


def one(hook_id: int, rest: str = "") -> str:
    return f"/api/v1/webhooks/{hook_id}{rest}.json"


def subscribe(client, account, **data) -> dict:
    answer = client.post(HOOKS, json={"url": URL, **data}, headers=account.headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def deliveries(client, account, hook_id: int) -> list[dict]:
    answer = client.get(one(hook_id, "/deliveries"), headers=account.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def events_of(app) -> list[tuple[str, int | None, int]]:
    with app.state.db.read() as session:
        rows = session.execute(select(WebhookEvent.type, WebhookEvent.entry_id,
                                      WebhookEvent.user_id).order_by(WebhookEvent.id))
        return [tuple(row) for row in rows]


# --- subscriptions -----------------------------------------------------------------------


def test_a_subscription_is_made_listed_shown_changed_and_deleted(client, alice):
    made = subscribe(client, alice, events=["timer.started", "timer.stopped"],
                     description="Slack relay")
    assert set(made) == FIELDS | {"secret"}
    assert made["events"] == ["timer.started", "timer.stopped"] and made["active"] is True
    assert made["all_users"] is False and made["disabled_reason"] is None
    assert made["description"] == "Slack relay" and made["consecutive_failures"] == 0
    listed = client.get(HOOKS, headers=alice.headers).json()
    assert [set(item) for item in listed] == [FIELDS] and listed[0]["id"] == made["id"]
    shown = client.get(one(made["id"]), headers=alice.headers)
    assert shown.status_code == 200 and set(shown.json()) == FIELDS
    changed = client.patch(one(made["id"]), json={"events": "*", "active": False,
                                                  "description": None}, headers=alice.headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["events"] == ["*"] and changed.json()["active"] is False
    assert changed.json()["description"] == ""
    assert client.delete(one(made["id"]), headers=alice.headers).status_code == 204
    assert client.get(one(made["id"]), headers=alice.headers).status_code == 404
    assert client.get(HOOKS, headers=alice.headers).json() == []


def test_the_secret_is_shown_once_and_signs_the_standard_way(app, client, alice):
    made = subscribe(client, alice)
    secret = made["secret"]
    assert secret.startswith("whsec_")
    key = secret.removeprefix("whsec_")
    assert len(__import__("base64").b64decode(key)) == 32
    wh = Webhook(secret)  # the package takes it as it is
    stamp = dt.datetime.now(dt.UTC)
    signature = wh.sign("evt_1", stamp, '{"a":1}')
    headers = {"webhook-id": "evt_1", "webhook-timestamp": str(int(stamp.timestamp())),
               "webhook-signature": signature}
    assert wh.verify('{"a":1}', headers) == {"a": 1}
    client.post(one(made["id"], "/ping"), headers=alice.headers)
    for answer in (client.get(HOOKS, headers=alice.headers),
                   client.get(one(made["id"]), headers=alice.headers),
                   client.patch(one(made["id"]), json={"description": "x"}, headers=alice.headers),
                   client.get(one(made["id"], "/deliveries"), headers=alice.headers)):
        assert answer.status_code == 200 and key not in answer.text and "whsec_" not in answer.text
    assert subscribe(client, alice)["secret"] != secret  # each its own


def test_every_operation_needs_the_webhooks_scope(app, client, alice, make_token):
    made = subscribe(client, alice)
    narrow = make_token(app, alice, scopes=("read:time_entries", "write:time_entries"))
    only = make_token(app, alice, scopes=("webhooks",))
    calls = [("GET", HOOKS, None), ("POST", HOOKS, {"url": URL}),
             ("GET", one(made["id"]), None), ("PATCH", one(made["id"]), {"description": "x"}),
             ("GET", one(made["id"], "/deliveries"), None),
             ("POST", one(made["id"], "/ping"), None), ("DELETE", one(made["id"]), None)]
    for method, path, body in calls:
        assert client.request(method, path, json=body).status_code == 401, (method, path)
        refused = client.request(method, path, json=body, headers=narrow.headers)
        assert refused.status_code == 403, (method, path, refused.text)
        assert refused.json()["required_scope"] == "webhooks"
    for method, path, body in calls:
        answer = client.request(method, path, json=body, headers=only.headers)
        assert answer.status_code in (200, 201, 202, 204), (method, path, answer.text)


def test_anothers_subscription_is_not_found(client, alice, bob, carol):
    made = subscribe(client, alice)
    ping = client.post(one(made["id"], "/ping"), headers=alice.headers).json()
    redeliver = one(made["id"], f"/deliveries/{ping['id']}/redeliver")
    for intruder in (bob, carol):  # alice is Acme's admin: even an admin's colleague sees none
        assert client.get(HOOKS, headers=intruder.headers).json() == []
        for method, path, body in (("GET", one(made["id"]), None),
                                   ("PATCH", one(made["id"]), {"active": False}),
                                   ("DELETE", one(made["id"]), None),
                                   ("GET", one(made["id"], "/deliveries"), None),
                                   ("POST", one(made["id"], "/ping"), None),
                                   ("POST", redeliver, None)):
            answer = client.request(method, path, json=body, headers=intruder.headers)
            assert answer.status_code == 404, (method, path, answer.text)
            assert made["url"] not in answer.text
    bobs = subscribe(client, bob)
    # alice's delivery is no delivery of bob's subscription either
    assert client.post(one(bobs["id"], f"/deliveries/{ping['id']}/redeliver"),
                       headers=bob.headers).status_code == 404  # fmt: skip
    assert client.get(one(made["id"]), headers=alice.headers).json()["active"] is True


@pytest.mark.parametrize(("data", "field"), [
    ({"url": URL, "nope": 1}, "nope"),
    ({"url": URL, "events": ["time_entry.created", "time_entry.exploded"]}, "events"),
    ({"url": URL, "events": []}, "events"),
    ({"url": URL, "events": [1]}, "events"),
    ({"url": "ftp://127.0.0.1/hook"}, "url"),
    ({"url": "http://user:pw@127.0.0.1/hook"}, "url"),
    ({"url": "not a url"}, "url"),
    ({"url": "http:///nohost"}, "url"),
    ({"url": "http://127.0.0.1:99999/"}, "url"),
    ({"url": "http://127.0.0.1/" + "x" * 2100}, "url"),
    ({"url": ""}, "url"),
    ({}, "url"),
    ({"url": URL, "description": "x" * 256}, "description"),
    ({"url": URL, "active": "maybe"}, "active"),
])
def test_invalid_fields_are_refused_naming_them(client, alice, data, field):
    answer = client.post(HOOKS, json=data, headers=alice.headers)
    assert answer.status_code == 422, answer.text
    assert field in answer.json()["errors"], answer.json()
    assert client.get(HOOKS, headers=alice.headers).json() == []


def test_event_lists_come_as_lists_or_strings_and_star_stands_alone(client, alice):
    made = client.post(HOOKS, data={"url": URL, "events": "timer.started, time_entry.deleted"},
                       headers=alice.headers)  # a form
    assert made.status_code == 201 and made.json()["events"] == ["timer.started",
                                                                "time_entry.deleted"]
    assert subscribe(client, alice, events=["timer.started", "*"])["events"] == ["*"]
    assert subscribe(client, alice)["events"] == ["*"]  # the default
    wrong = client.patch(one(made.json()["id"]), json={"events": "ping"}, headers=alice.headers)
    assert wrong.status_code == 422 and "events" in wrong.json()["errors"]
    unknown = client.patch(one(made.json()["id"]), json={"secret": "mine"}, headers=alice.headers)
    assert unknown.status_code == 422 and "secret" in unknown.json()["errors"]


def test_only_an_admin_may_ask_for_the_whole_workspace(client, alice, bob):
    assert subscribe(client, alice, all_users=True)["all_users"] is True
    refused = client.post(HOOKS, json={"url": URL, "all_users": True}, headers=bob.headers)
    assert refused.status_code == 422 and "all_users" in refused.json()["errors"]
    mine = subscribe(client, bob)
    patched = client.patch(one(mine["id"]), json={"all_users": "true"}, headers=bob.headers)
    assert patched.status_code == 422


def test_a_user_has_at_most_so_many_subscriptions(client, alice, monkeypatch):
    from nlentry.api.resources import webhooks

    monkeypatch.setattr(webhooks, "MAX_WEBHOOKS_PER_USER", 2)
    subscribe(client, alice)
    subscribe(client, alice)
    refused = client.post(HOOKS, json={"url": URL}, headers=alice.headers)
    assert refused.status_code == 422 and "url" in refused.json()["errors"]


# --- the SSRF guard ----------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/hook", "http://127.8.9.10:8080/hook", "http://localhost:8080/hook",
    "http://[::1]/hook", "http://10.1.2.3/hook", "http://192.168.1.1/hook",
    "http://172.16.0.1/hook", "http://169.254.169.254/latest/meta-data",
    "http://[fe80::1]/hook", "http://[fd00::1]/hook", "http://[::ffff:127.0.0.1]/hook",
    "http://0.0.0.0/hook", "http://224.0.0.1/hook", "http://100.64.0.1/hook",
    "https://240.0.0.1/hook",
])
def test_private_addresses_are_refused_at_subscribe_time(client, alice, private_refused, url):
    answer = client.post(HOOKS, json={"url": url}, headers=alice.headers)
    assert answer.status_code == 422, (url, answer.text)
    assert list(answer.json()["errors"]) == ["url"]


def test_a_name_is_judged_by_the_addresses_it_resolves_to(client, alice, private_refused,
                                                          monkeypatch):
    answers = {"hooks.example.com": ["93.184.216.34"], "rebind.example.com": ["127.0.0.1"],
               "mixed.example.com": ["93.184.216.34", "10.0.0.7"]}

    def resolve(host, port):
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return answers[host]

    monkeypatch.setattr(webhook_urls, "resolve", resolve)
    assert subscribe(client, alice, url="https://hooks.example.com/x")["url"] == (
        "https://hooks.example.com/x")
    assert subscribe(client, alice, url=PUBLIC_IP_URL)["url"] == PUBLIC_IP_URL
    for url in ("https://rebind.example.com/x", "https://mixed.example.com/x",
                "https://nowhere.example.com/x"):
        answer = client.post(HOOKS, json={"url": url}, headers=alice.headers)
        assert answer.status_code == 422 and "url" in answer.json()["errors"], url
    made = subscribe(client, alice, url="https://hooks.example.com/y")
    moved = client.patch(one(made["id"]), json={"url": "http://localhost/"},
                         headers=alice.headers)  # fmt: skip
    assert moved.status_code == 422 and "url" in moved.json()["errors"]


def test_localhost_really_resolves_to_loopback_and_is_refused(client, alice, private_refused):
    assert all(refusal(address) for address in webhook_urls.resolve("localhost", 80))
    answer = client.post(HOOKS, json={"url": "http://localhost:9/hook"}, headers=alice.headers)
    assert answer.status_code == 422 and "url" in answer.json()["errors"]


def test_the_rule_on_addresses():
    for address in ("127.0.0.1", "::1", "10.0.0.1", "172.31.255.255", "192.168.0.1",
                    "169.254.169.254", "fe80::1%eth0", "fc00::1", "::ffff:10.0.0.1",
                    "0.0.0.0", "::", "224.0.0.251", "ff02::1", "100.64.0.1", "240.0.0.1"):
        assert refusal(address) is not None, address
    for address in ("93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"):
        assert refusal(address) is None, address


@pytest.fixture
def local_server():
    """An HTTP server on 127.0.0.1 answering 200 to any POST."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _post_through_the_guard(url: str) -> int:
    async def post():
        async with httpx.AsyncClient(transport=webhook_urls.guarded_transport()) as client:
            return (await client.post(url, content=b"{}")).status_code

    return anyio.run(post)


def test_the_guard_checks_the_address_it_connects_to(local_server, monkeypatch):
    # allowed: the guarded transport reaches the local receiver, by address and by name
    assert _post_through_the_guard(f"http://127.0.0.1:{local_server}/hook") == 200
    assert _post_through_the_guard(f"http://localhost:{local_server}/hook") == 200
    monkeypatch.delenv(ALLOW_PRIVATE_ENV)
    for url in (f"http://127.0.0.1:{local_server}/hook", f"http://localhost:{local_server}/hook"):
        with pytest.raises(httpx.ConnectError, match="refused"):
            _post_through_the_guard(url)


def test_the_guard_resolves_the_name_itself(private_refused):
    async def connect():
        await GuardedBackend().connect_tcp("localhost", 9, timeout=2)

    with pytest.raises(AddressRefused, match="localhost resolves to no public address"):
        anyio.run(connect)


# --- ping, the log, redelivery -----------------------------------------------------------


def test_a_ping_is_queued_for_that_subscription_only(app, client, alice):
    made = subscribe(client, alice, events=["timer.started"])
    other = subscribe(client, alice)
    answer = client.post(one(made["id"], "/ping"), headers=alice.headers)
    assert answer.status_code == 202, answer.text
    queued = answer.json()
    assert set(queued) == DELIVERY_FIELDS
    assert queued["type"] == "ping" and queued["status"] == "pending" and queued["attempts"] == 0
    assert queued["event_id"].startswith("evt_") and queued["next_attempt_at"] is not None
    assert deliveries(client, alice, made["id"]) == [queued]
    assert deliveries(client, alice, other["id"]) == []
    with app.state.db.read() as session:
        event = session.scalar(select(WebhookEvent))
        assert event.payload == {"webhook_id": made["id"], "url": URL,
                                 "events": ["timer.started"]}
        assert event.user_id == alice.id and event.workspace_id == alice.workspace_id
    refused = client.post(one(made["id"], "/ping"), json={"x": 1}, headers=alice.headers)
    assert refused.status_code == 422 and "x" in refused.json()["errors"]


def test_an_inactive_subscription_takes_no_ping_nor_redelivery(client, alice):
    made = subscribe(client, alice)
    ping = client.post(one(made["id"], "/ping"), headers=alice.headers).json()
    client.patch(one(made["id"]), json={"active": False}, headers=alice.headers)
    assert client.post(one(made["id"], "/ping"), headers=alice.headers).status_code == 409
    again = client.post(one(made["id"], f"/deliveries/{ping['id']}/redeliver"),
                        headers=alice.headers)  # fmt: skip
    assert again.status_code == 409 and again.json()["message"]


def test_redelivery_makes_a_finished_delivery_pending_again(app, client, alice):
    made = subscribe(client, alice)
    ping = client.post(one(made["id"], "/ping"), headers=alice.headers).json()
    with app.state.db.write() as session:  # as the worker leaves a failed one
        session.execute(update(WebhookDelivery).values(
            status="failed", attempts=12, response_status=500, last_error="HTTP 500",
            next_attempt_at=None))
        session.commit()
    failed = deliveries(client, alice, made["id"])[0]
    assert failed["status"] == "failed" and failed["next_attempt_at"] is None
    assert failed["response_status"] == 500 and failed["last_error"] == "HTTP 500"
    path = one(made["id"], f"/deliveries/{ping['id']}/redeliver")
    answer = client.post(path, headers=alice.headers)
    assert answer.status_code == 202, answer.text
    queued = answer.json()
    assert queued["status"] == "pending" and queued["attempts"] == 0
    assert queued["event_id"] == ping["event_id"]  # the same event: the same webhook-id
    assert client.post(one(made["id"], "/deliveries/999999/redeliver"),
                       headers=alice.headers).status_code == 404  # fmt: skip


def test_the_log_shows_the_last_seven_days_and_pruning_drops_the_rest(app, client, alice):
    made = subscribe(client, alice)
    old = client.post(one(made["id"], "/ping"), headers=alice.headers).json()
    new = client.post(one(made["id"], "/ping"), headers=alice.headers).json()
    eight_days_ago = utcnow() - dt.timedelta(days=8)
    with app.state.db.write() as session:
        session.execute(update(WebhookDelivery).where(WebhookDelivery.id == old["id"])
                        .values(created_at=eight_days_ago))
        session.execute(update(WebhookEvent).where(WebhookEvent.uid == old["event_id"])
                        .values(created_at=eight_days_ago))
        session.commit()
    assert [d["id"] for d in deliveries(client, alice, made["id"])] == [new["id"]]
    assert client.post(one(made["id"], f"/deliveries/{old['id']}/redeliver"),
                       headers=alice.headers).status_code == 404  # fmt: skip
    assert webhook_deliveries.prune(app.state.db) == 1
    with app.state.db.read() as session:
        assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 1
        assert session.scalar(select(func.count()).select_from(WebhookEvent)) == 1
    paged = client.get(one(made["id"], "/deliveries"), params={"per_page": 1, "page": 2},
                       headers=alice.headers)  # fmt: skip
    assert paged.status_code == 200 and paged.json() == []
    wrong = client.get(one(made["id"], "/deliveries"), params={"status": "x"},
                       headers=alice.headers)  # fmt: skip
    assert wrong.status_code == 422


def test_reactivating_clears_the_reason_and_makes_pending_deliveries_due(app, client, alice):
    made = subscribe(client, alice)
    client.post(one(made["id"], "/ping"), headers=alice.headers)
    later = utcnow() + dt.timedelta(hours=5)
    with app.state.db.write() as session:
        session.execute(update(WebhookSubscription).values(
            active=False, disabled_reason=webhook_deliveries.GONE_REASON,
            consecutive_failures=3))
        session.execute(update(WebhookDelivery).values(next_attempt_at=later, attempts=4))
        session.commit()
    shown = client.get(one(made["id"]), headers=alice.headers).json()
    assert shown["active"] is False and shown["disabled_reason"] == webhook_deliveries.GONE_REASON
    again = client.patch(one(made["id"]), json={"active": True}, headers=alice.headers).json()
    assert again["active"] is True and again["disabled_reason"] is None
    assert again["consecutive_failures"] == 0
    assert webhook_deliveries.has_due(app.state.db)


# --- the outbox: who gets what ------------------------------------------------------------


def test_the_timer_emits_started_and_stopped(app, client, alice):
    made = subscribe(client, alice)
    first = client.post(TIMER, data={"body": "werk"}, headers=alice.headers).json()
    second = client.post(TIMER, data={"body": "meer werk"}, headers=alice.headers).json()
    client.delete(TIMER, headers=alice.headers)
    assert client.delete(TIMER, headers=alice.headers).status_code == 404  # nothing emitted
    assert events_of(app) == [("timer.started", first["id"], alice.id),
                              ("timer.stopped", first["id"], alice.id),
                              ("timer.started", second["id"], alice.id),
                              ("timer.stopped", second["id"], alice.id)]
    assert [d["type"] for d in deliveries(client, alice, made["id"])] == [
        "timer.stopped", "timer.started", "timer.stopped", "timer.started"]  # newest first
    with app.state.db.read() as session:
        stopped = session.scalars(select(WebhookEvent).where(
            WebhookEvent.type == "timer.stopped").order_by(WebhookEvent.id)).first()
        assert stopped.payload["id"] == first["id"]
        assert stopped.payload["timer_started_at"] is None and stopped.payload["end_time"]


def test_nothing_is_written_without_a_subscriber(app, client, alice, bob):
    subscribe(client, bob, events=["time_entry.created"])  # bob's, and not for timers
    client.post(TIMER, data={"body": "werk"}, headers=alice.headers)
    client.post(TIMER, data={"body": "werk"}, headers=bob.headers)
    client.delete(TIMER, headers=bob.headers)
    assert events_of(app) == []


def test_a_members_subscription_carries_their_own_events_an_admins_may_carry_all(
        app, client, alice, bob, carol):
    own = subscribe(client, alice)
    everyone = subscribe(client, alice, all_users=True)
    bobs = subscribe(client, bob)
    carols = subscribe(client, carol, all_users=False)
    for account in (alice, bob, carol):
        client.post(TIMER, data={"body": "werk"}, headers=account.headers)
    def users(hook, account):
        return [d["type"] for d in deliveries(client, account, hook["id"])]

    assert users(own, alice) == ["timer.started"]
    assert users(everyone, alice) == ["timer.started", "timer.started"]  # alice's and bob's
    assert users(bobs, bob) == ["timer.started"] and users(carols, carol) == ["timer.started"]
    with app.state.db.write() as session:  # alice is no admin any more: her own only
        session.execute(update(User).where(User.id == alice.id).values(role="member"))
        session.commit()
    client.post(TIMER, data={"body": "nog meer"}, headers=bob.headers)
    assert len(users(everyone, alice)) == 2 and len(users(bobs, bob)) == 3


def test_an_inactive_subscription_gets_no_events(app, client, alice):
    made = subscribe(client, alice)
    client.patch(one(made["id"]), json={"active": False}, headers=alice.headers)
    client.post(TIMER, data={"body": "werk"}, headers=alice.headers)
    assert events_of(app) == []


def test_a_change_rolled_back_keeps_no_event(app, client, alice):
    subscribe(client, alice)
    with app.state.db.write() as session:
        written = emit_with_session(session, user_id=alice.id, type="time_entry.created",
                                    data={"id": 1}, entry_id=1)
        assert written == 1
        session.rollback()
    assert events_of(app) == []
    with app.state.db.write() as session:
        emit_with_session(session, user_id=alice.id, type="time_entry.created", data={"id": 1},
                          entry_id=1)
        session.commit()
    assert events_of(app) == [("time_entry.created", 1, alice.id)]
    with pytest.raises(ValueError), app.state.db.write() as session:
        emit_with_session(session, user_id=alice.id, type="entry.exploded", data={})
