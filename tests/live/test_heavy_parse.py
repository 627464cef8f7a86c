"""A request that is heavy to parse holds nobody else up (issue 10, finding 1).

One workspace has 1,000 projects with the same name, and its user posts
600-character sentences naming it 99 times, several at once, again and
again, against a one-worker ``nlentry serve`` (the worst case: one event loop
for everyone). Meanwhile a user of another workspace posts plain entries. Every
one of that user's requests is answered 201 with the right duration and is
stored; so is every heavy request (an entry with no project and its 1,000
candidates). The other user's latencies during the heavy load are figures
(``bench/heavy_parse_bench.py`` prints their p99), not checks: a busy machine
moves them.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import livekit
from sqlalchemy import create_engine, text

from tests.live.live_support import percentile, post_entry, record_figures

SAME_NAMED = 1000
HEAVY_THREADS = 3
HEAVY_SENTENCE = ("2 uur " + " ".join(["same"] * 99))[:600]
OTHER_REQUESTS = 60


def _add_projects(database_url: str, workspace: str, count: int) -> None:
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            workspace_id = conn.execute(text("SELECT id FROM workspaces WHERE name = :name"),
                                        {"name": workspace}).scalar_one()  # fmt: skip
            conn.execute(
                text("INSERT INTO projects (workspace_id, name, active, created_at) "
                     "VALUES (:w, 'Same', :active, CURRENT_TIMESTAMP)"),
                [{"w": workspace_id, "active": True} for _ in range(count)],
            )  # fmt: skip
    finally:
        engine.dispose()


def run_heavy(tmp_path: Path) -> dict:
    """The heavy load and the other user's requests beside it: their answers and latencies."""
    database_url = f"sqlite:///{tmp_path / 'heavy.db'}"
    env = livekit.server_env(NLENTRY_DATABASE_URL=database_url,
                             NLENTRY_RATE_LIMIT="100000")  # fmt: skip
    heavy = f"heavy@example.com:{livekit.add_user(env, 'heavy@example.com', 'Heavy', tmp_path)}"
    other = f"other@example.com:{livekit.add_user(env, 'other@example.com', 'Other', tmp_path)}"
    _add_projects(database_url, "Heavy", SAME_NAMED)
    heavy_answers: list[tuple[int, dict]] = []
    other_answers: list[tuple[int, dict]] = []
    latencies: list[float] = []
    stop = threading.Event()
    lock = threading.Lock()

    def load() -> None:
        while not stop.is_set():
            status, _, body = post_entry(server, heavy, HEAVY_SENTENCE)
            with lock:
                heavy_answers.append((status, json.loads(body)))

    with livekit.running(env, tmp_path, workers=1) as server:
        post_entry(server, heavy, HEAVY_SENTENCE)  # the catalog is cached
        post_entry(server, other, "1 uur overleg")
        threads = [threading.Thread(target=load, daemon=True) for _ in range(HEAVY_THREADS)]
        for thread in threads:
            thread.start()
        time.sleep(0.5)  # the heavy load runs
        for i in range(OTHER_REQUESTS):
            minutes = 15 + i
            started = time.monotonic()
            status, _, body = post_entry(server, other, f"{minutes} min overleg")
            latencies.append((time.monotonic() - started) * 1000)
            other_answers.append((status, json.loads(body)))
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        log = server.log_text()
    rows = livekit.query(
        database_url,
        "SELECT e.duration FROM time_entries e JOIN users u ON u.id = e.user_id "
        "WHERE u.email = 'other@example.com' ORDER BY e.id",
    )
    heavy_rows = livekit.query(
        database_url,
        "SELECT count(*) FROM time_entries e JOIN users u ON u.id = e.user_id "
        "WHERE u.email = 'heavy@example.com'",
    )[0][0]
    record_figures("heavy_parse", heavy_requests=len(heavy_answers),
                   other_requests=len(other_answers),
                   other_p50_ms=round(percentile(latencies, 50), 2),
                   other_p99_ms=round(percentile(latencies, 99), 2),
                   other_max_ms=round(max(latencies), 2))  # fmt: skip
    return {"heavy": heavy_answers, "other": other_answers, "latencies": latencies,
            "rows": [r[0] for r in rows], "heavy_rows": heavy_rows, "log": log}


def test_a_heavy_catalog_holds_up_no_other_workspace(tmp_path):
    run = run_heavy(tmp_path)
    other = run["other"]
    assert [status for status, _ in other] == [201] * OTHER_REQUESTS, other[:3]
    assert [payload["duration"] for _, payload in other] == [
        (15 + i) * 60 for i in range(OTHER_REQUESTS)]
    assert run["rows"] == [3600] + [(15 + i) * 60 for i in range(OTHER_REQUESTS)]
    heavy = run["heavy"]
    assert heavy and all(status == 201 for status, _ in heavy), heavy[:3]
    assert all(payload["duration"] == 7200 and payload["project"] is None
               for _, payload in heavy), heavy[:1]  # fmt: skip
    assert run["heavy_rows"] == len(heavy) + 1
    assert "Traceback" not in run["log"], run["log"][-3000:]
