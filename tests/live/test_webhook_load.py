"""Webhooks under load, for real: ``nlentry serve --workers 2`` on SQLite and PostgreSQL,
a receiver on 127.0.0.1, and about 2,000 requests from a few threads mixing creates
(plain, keyed and replayed, batches, refused ones), updates (``PATCH``, bulk), deletes
(single, bulk) and timer starts.

Afterwards the receiver got exactly one event per committed change, counted from the
answers (a 2xx create, batch entry, update, bulk change, delete, timer start, and the
stop each start after the first implies), each ``webhook-id`` once, every signature
valid, and each entry's events in the order its changes were made. Nothing here
asserts on the clock: the test waits (generously) until every delivery is delivered.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import httpx
import livekit

from nlentry.api.webhook_delivery import RETRY_BASE_ENV
from nlentry.api.webhook_urls import ALLOW_PRIVATE_ENV
from tests.live.live_support import record_figures
from tests.live.test_webhook_delivery import Receiver, verified, wait_until

THREADS = 4  # one user each: a user's timer starts, and so the stops they imply, are in order
REQUESTS = 500  # per thread
LIFTED = "1000000000/minute;1000000000/second"


@dataclass
class Changes:
    """What one user's answers say was committed."""

    expected: Counter = field(default_factory=Counter)  # event type -> how many
    history: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter = field(default_factory=Counter)

    def changed(self, type: str, entry_id: int) -> None:
        self.expected[type] += 1
        self.history[entry_id].append(type)


def _load(server: livekit.Nlentry, token: str, seed: int, changes: Changes) -> None:
    """``REQUESTS`` requests of one user, the mix drawn from ``seed``."""
    draw = random.Random(seed)
    own: list[int] = []  # the user's entries that are not timers, alive
    running: int | None = None
    keys: list[str] = []
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.api, headers=headers, timeout=60) as http:
        for n in range(REQUESTS):
            roll = draw.random()
            if roll < 0.30 or len(own) < 3:
                key = None
                if draw.random() < 0.25:  # keyed: sometimes a key sent before, a replay
                    key = draw.choice(keys) if keys and draw.random() < 0.4 else f"k-{seed}-{n}"
                extra = {"Idempotency-Key": key} if key else {}
                answer = http.post("/time_entries.json", json={"body": "1 uur werk"},
                                   headers=extra)  # fmt: skip
                if answer.status_code == 201 and answer.headers.get("idempotent-replayed") != "true":
                    changes.changed("time_entry.created", answer.json()["id"])
                    own.append(answer.json()["id"])
                    if key:
                        keys.append(key)
            elif roll < 0.36:
                answer = http.post("/time_entries.json", json={"body": "werk zonder duur"})
            elif roll < 0.42:
                answer = http.post("/time_entries/batch.json", json={"body": "2 uur werk; 5 min mail"})
                if answer.status_code == 201:
                    for entry in answer.json()["time_entries"]:
                        changes.changed("time_entry.created", entry["id"])
                        own.append(entry["id"])
            elif roll < 0.62:
                id = draw.choice(own)
                answer = http.patch(f"/time_entries/{id}.json", json={"duration": 60 + n})
                if answer.status_code == 200:
                    changes.changed("time_entry.updated", id)
            elif roll < 0.67:
                ids = draw.sample(own, 3)
                answer = http.post("/time_entries/bulk.json", json={
                    "entry_ids": ids, "action": "add_tag", "value": f"t{n % 5}"})
                if answer.status_code == 200:
                    assert answer.json() == {"updated": 3, "skipped": []}, answer.text
                    for id in ids:
                        changes.changed("time_entry.updated", id)
            elif roll < 0.80:
                id = own.pop(draw.randrange(len(own)))
                answer = http.delete(f"/time_entries/{id}.json")
                if answer.status_code == 204:
                    changes.changed("time_entry.deleted", id)
            elif roll < 0.83:
                ids = [own.pop(draw.randrange(len(own))) for _ in range(2)]
                answer = http.post("/time_entries/bulk.json",
                                   json={"entry_ids": ids, "action": "delete"})  # fmt: skip
                if answer.status_code == 200:
                    assert answer.json() == {"updated": 2, "skipped": []}, answer.text
                    for id in ids:
                        changes.changed("time_entry.deleted", id)
            else:
                answer = http.post("/time_entries/timer.json", json={"body": f"taak {n}"})
                if answer.status_code == 201:
                    if running is not None:  # the start stopped it first
                        changes.changed("timer.stopped", running)
                    running = answer.json()["id"]
                    changes.changed("timer.started", running)
            changes.statuses[answer.status_code] += 1


def test_every_committed_change_reaches_the_receiver_once(database_url, tmp_path):
    receiver = Receiver(lambda n: 204).start()
    env = livekit.server_env(NLENTRY_DATABASE_URL=database_url, NLENTRY_RATE_LIMIT=LIFTED)
    env.update({ALLOW_PRIVATE_ENV: "1", RETRY_BASE_ENV: "0.05"})
    tokens = [livekit.add_user(env, f"load{n}@acme.nl", workspace="Acme", cwd=tmp_path)
              for n in range(THREADS)]  # fmt: skip
    server = livekit.Nlentry(env, tmp_path, workers=2)
    try:
        server.wait_ready()
        secrets = {}
        for token in tokens:
            status, _, body = livekit.request("POST", server.api + "/webhooks.json", token,
                                              {"url": receiver.url, "events": ["*"]})  # fmt: skip
            assert status == 201, body
            status, _, me = livekit.request("GET", server.api + "/users/me.json", token)
            assert status == 200, me
            secrets[json.loads(me)["id"]] = json.loads(body)["secret"]
        changes = [Changes() for _ in tokens]
        errors: list[BaseException] = []

        def run(n: int) -> None:
            try:
                _load(server, tokens[n], n, changes[n])
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)

        started = time.monotonic()
        threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        load_seconds = time.monotonic() - started
        assert not errors, errors
        assert not any(thread.is_alive() for thread in threads)
        expected = sum((c.expected for c in changes), Counter())
        total = sum(expected.values())

        def delivered():
            rows = livekit.query(database_url, "SELECT status, count(*) FROM webhook_deliveries "
                                               "GROUP BY status")  # fmt: skip
            found = dict(rows)
            return found.get("delivered", 0) == sum(found.values()) == total and found

        wait_until(delivered, f"{total} deliveries delivered", timeout=300)
        log = server.log_text()
    finally:
        server.stop()
        receiver.stop()
    statuses = sum((c.statuses for c in changes), Counter())
    assert set(statuses) <= {200, 201, 204, 422}, (statuses, log[-3000:])
    assert sum(statuses.values()) == THREADS * REQUESTS
    received = receiver.all()
    record_figures("webhooks.load", backend=database_url.split(":")[0],
                   requests=THREADS * REQUESTS, statuses=dict(statuses), events=total,
                   by_type=dict(expected), received=len(received),
                   load_seconds=round(load_seconds, 1))  # fmt: skip
    assert len(received) == total  # nothing lost, nothing twice
    assert len({r.id for r in received}) == total
    events = livekit.query(database_url, "SELECT uid FROM webhook_events")
    assert {r.id for r in received} == {uid for (uid,) in events}
    bodies = [verified(secrets[json.loads(r.body)["user_id"]], r) for r in received]
    assert Counter(b["type"] for b in bodies) == expected
    order: dict[int, list[str]] = defaultdict(list)
    for body in bodies:  # in the order received: each entry's must be the order of its changes
        assert body["data"]["id"] is not None
        order[body["data"]["id"]].append(body["type"])
    history = {id: types for c in changes for id, types in c.history.items()}
    assert order == history
