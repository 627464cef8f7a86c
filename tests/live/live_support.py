"""Helpers for tests/live: concurrent HTTP clients and figures for docs/reliability.md."""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import livekit

FIGURES_ENV = "NLENTRY_LIVE_FIGURES"  # a JSON Lines file the tests append their figures to
_lock = threading.Lock()


def record_figures(name: str, **figures) -> None:
    """Print the figures (``pytest -s`` shows them) and append them to $NLENTRY_LIVE_FIGURES."""
    line = json.dumps({"test": name, **figures}, sort_keys=True, default=str)
    print(f"\nFIGURES {line}")
    path = os.environ.get(FIGURES_ENV)
    if path:
        with _lock, Path(path).open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")


def concurrently(calls: list[Callable[[], object]], threads: int = 32,
                 timeout: float = 120) -> list:  # fmt: skip
    """Run every call, ``threads`` at a time, the first ``threads`` released together."""
    start = threading.Event()

    def run(call):
        start.wait(timeout=30)
        return call()

    deadline = time.monotonic() + timeout
    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(run, call) for call in calls]
        time.sleep(0.2)  # the pool has started its threads, each waiting on start
        start.set()
        return [f.result(timeout=max(1.0, deadline - time.monotonic())) for f in futures]


def statuses(results) -> dict[int, int]:
    return dict(sorted(Counter(r[0] for r in results).items()))


def post_entry(server: livekit.Nlentry, auth: str, body: str, key: str | None = None,
               **fields) -> tuple[int, dict, bytes]:  # fmt: skip
    headers = {"Idempotency-Key": key} if key is not None else {}
    return livekit.request("POST", server.api + "/time_entries.json", auth,
                           {"body": body, **fields}, headers=headers)  # fmt: skip


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]
