"""Exactly once, against a real server, on SQLite and PostgreSQL.

``nlentry serve --workers 2`` (two processes racing on one store), the rate
limit lifted with ``NLENTRY_RATE_LIMIT`` so 429s cannot hide anything; rows
are counted in the database itself, not through the API.
"""

from __future__ import annotations

import json
import uuid

import livekit

from tests.live.live_support import concurrently, post_entry, record_figures, statuses

DISTINCT = 200
SAME_KEY = 50
TIMER_STARTS = 40
THREADS = 32


def _server(database_url, tmp_path, **extra):
    env = livekit.server_env(NLENTRY_DATABASE_URL=database_url, NLENTRY_RATE_LIMIT="1000000",
                             **extra)  # fmt: skip
    token = livekit.add_user(env, "once@example.com", cwd=tmp_path)
    return env, f"once@example.com:{token}"


def _user_rows(database_url: str, where: str = "") -> int:
    return livekit.query(
        database_url,
        "SELECT count(*) FROM time_entries e JOIN users u ON u.id = e.user_id "
        f"WHERE u.email = 'once@example.com' {where}",
    )[0][0]


def test_distinct_keys_give_one_row_each(database_url, tmp_path):
    env, auth = _server(database_url, tmp_path)
    with livekit.running(env, tmp_path, workers=2) as server:
        keys = [f"distinct-{i}-{uuid.uuid4().hex}" for i in range(DISTINCT)]
        results = concurrently(
            [lambda k=k, i=i: post_entry(server, auth, f"{1 + i % 8} uur werk {i}", k)
             for i, k in enumerate(keys)],
            threads=THREADS,
        )  # fmt: skip
        rows = _user_rows(database_url)
        ids = {json.loads(body)["id"] for status, _, body in results if 200 <= status < 300}
        log = server.log_text()
    two_xx = sum(1 for r in results if 200 <= r[0] < 300)
    record_figures("exactly_once.distinct_keys", backend=database_url.split(":")[0],
                   sent=DISTINCT, statuses=statuses(results), rows=rows, distinct_ids=len(ids))  # fmt: skip
    assert statuses(results) == {201: DISTINCT}, log[-3000:]
    assert two_xx == DISTINCT and rows == DISTINCT and len(ids) == DISTINCT


def test_same_key_racing_gives_one_row_and_one_answer(database_url, tmp_path):
    env, auth = _server(database_url, tmp_path)
    with livekit.running(env, tmp_path, workers=2) as server:
        key = f"same-{uuid.uuid4().hex}"
        results = concurrently(
            [lambda: post_entry(server, auth, "2,5 uur aan de race gewerkt", key)] * SAME_KEY,
            threads=SAME_KEY,
        )
        rows = _user_rows(database_url)
        keys = livekit.query(database_url, "SELECT count(*) FROM idempotency_keys")[0][0]
    answers = {(status, body) for status, _, body in results}
    record_figures("exactly_once.same_key", backend=database_url.split(":")[0], sent=SAME_KEY,
                   statuses=statuses(results), rows=rows, distinct_answers=len(answers))  # fmt: skip
    assert statuses(results) == {201: SAME_KEY}
    assert len(answers) == 1, answers
    assert rows == 1 and keys == 1
    replayed = sum(1 for _, headers, _ in results if {k.lower(): v for k, v in headers.items()}.get("idempotent-replayed") == "true")
    assert replayed == SAME_KEY - 1


def test_concurrent_timer_starts_leave_one_running(database_url, tmp_path):
    env, auth = _server(database_url, tmp_path)
    with livekit.running(env, tmp_path, workers=2) as server:
        results = concurrently(
            [lambda i=i: livekit.request("POST", server.api + "/time_entries/timer.json", auth,
                                         {"body": f"timer {i}"})
             for i in range(TIMER_STARTS)],
            threads=THREADS,
        )  # fmt: skip
        running = _user_rows(database_url, "AND e.timer_started_at IS NOT NULL")
        total = _user_rows(database_url)
        status, _, shown = livekit.request("GET", server.api + "/time_entries/timer.json", auth)
        log = server.log_text()
    record_figures("exactly_once.timer_starts", backend=database_url.split(":")[0],
                   sent=TIMER_STARTS, statuses=statuses(results), running=running, rows=total)  # fmt: skip
    assert statuses(results) == {201: TIMER_STARTS}, log[-3000:]
    assert running == 1
    assert total == TIMER_STARTS  # every start kept an entry: the earlier ones stopped
    assert status == 200 and json.loads(shown)["timer_started_at"]
