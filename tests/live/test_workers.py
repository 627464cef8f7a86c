"""Two workers on one store (PostgreSQL) sharing counts in Redis.

``nlentry serve --workers 2`` with ``NLENTRY_DATABASE_URL`` on a fresh
PostgreSQL database and ``NLENTRY_REDIS_URL`` on an emptied Redis database,
the default rate limit (120 a minute). Requests go on fresh connections, many
at once, and ``ss`` shows which worker process held each connection, so the
test knows both workers took part.
"""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import uuid

import livekit
import pytest

from tests.live.live_support import concurrently, record_figures, statuses

RATE_LIMIT = 120


@pytest.fixture
def two_workers(tmp_path, postgres_url, redis_url):
    with livekit.fresh_database(postgres_url) as db, \
            livekit.fresh_redis_db(redis_url, db=12) as redis_db:  # fmt: skip
        env = livekit.server_env(NLENTRY_DATABASE_URL=db, NLENTRY_REDIS_URL=redis_db,
                                 NLENTRY_RATE_LIMIT="120/minute")  # the minute alone: no burst
        users = {name: f"{name}@example.com:{livekit.add_user(env, f'{name}@example.com', cwd=tmp_path)}"
                 for name in ["limited", "racer", *[f"load{i}" for i in range(8)]]}  # fmt: skip
        with livekit.running(env, tmp_path, workers=2) as server:
            yield server, db, users


def _held_by(server: livekit.Nlentry, local_port: int) -> int | None:
    """The pid of the server process holding the connection from ``local_port``.

    Both ends are named: the same local port may also be in use towards
    another destination (a worker's connection to PostgreSQL, say), whose
    peer process would otherwise be found too.
    """
    query = f"( sport = :{server.port} and dport = :{local_port} )"
    out = subprocess.run(["ss", "-Htnp", "state", "established", query],
                         capture_output=True, text=True, check=False, timeout=10).stdout  # fmt: skip
    found = re.search(r"pid=(\d+)", out)
    return int(found.group(1)) if found else None


def _post_fresh(server: livekit.Nlentry, auth: str, body: str, key: str | None = None):
    """POST on a new connection; also which worker answered it."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        headers = {"X-Api-Key": auth, "Content-Type": "application/json"}
        if key:
            headers["Idempotency-Key"] = key
        conn.request("POST", "/api/v1/time_entries.json", json.dumps({"body": body}), headers)
        response = conn.getresponse()
        payload = response.read()
        worker = _held_by(server, conn.sock.getsockname()[1])
        return response.status, payload, worker
    finally:
        conn.close()


def test_rate_limit_is_shared_by_both_workers(two_workers):
    server, db, users = two_workers
    results = concurrently(
        [lambda i=i: _post_fresh(server, users["limited"], f"1 uur limiet {i}")
         for i in range(RATE_LIMIT + 5)],
        threads=8,
    )  # fmt: skip
    workers = {w for _, _, w in results if w}
    rows = livekit.query(db, "SELECT count(*) FROM time_entries")[0][0]
    record_figures("workers.rate_limit", sent=len(results), statuses=statuses(results),
                   workers_seen=len(workers), rows=rows)  # fmt: skip
    assert len(workers) == 2, f"not the two workers: {workers}"
    assert statuses(results) == {201: RATE_LIMIT, 429: 5}
    assert rows == RATE_LIMIT


def test_idempotency_key_is_shared_by_both_workers(two_workers):
    server, db, users = two_workers
    key = f"shared-{uuid.uuid4().hex}"
    results = concurrently(
        [lambda: _post_fresh(server, users["racer"], "2 uur racen", key)] * 50, threads=25
    )
    workers = {w for _, _, w in results if w}
    rows = livekit.query(db, "SELECT count(*) FROM time_entries")[0][0]
    record_figures("workers.idempotency", sent=len(results), statuses=statuses(results),
                   workers_seen=len(workers), rows=rows,
                   distinct_answers=len({(s, p) for s, p, _ in results}))  # fmt: skip
    assert len(workers) == 2, f"not the two workers: {workers}"
    assert statuses(results) == {201: 50}
    assert len({(s, p) for s, p, _ in results}) == 1
    assert rows == 1


def test_rows_match_answers_under_load(two_workers):
    server, db, users = two_workers
    loaders = [users[f"load{i}"] for i in range(8)]
    per_user = 100  # under each token's 120 a minute
    calls = [lambda a=a, i=i: livekit.request("POST", server.api + "/time_entries.json", a,
                                              {"body": f"{1 + i % 7} uur last {i}"},
                                              headers={"Idempotency-Key": f"k{i}"})
             for a in loaders for i in range(per_user)]  # fmt: skip
    results = concurrently(calls, threads=32, timeout=300)
    ok = sum(1 for s, _, _ in results if 200 <= s < 300)
    rows = livekit.query(db, "SELECT count(*) FROM time_entries")[0][0]
    ids = {json.loads(b)["id"] for s, _, b in results if 200 <= s < 300}
    record_figures("workers.load", sent=len(results), statuses=statuses(results), rows=rows,
                   distinct_ids=len(ids))  # fmt: skip
    assert statuses(results) == {201: len(calls)}
    assert ok == rows == len(ids) == len(calls)
