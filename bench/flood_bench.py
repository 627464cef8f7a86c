"""Flood benchmark: do other tokens slow down while one token floods the API?

    .venv/bin/python bench/flood_bench.py            # print the figures
    .venv/bin/python bench/flood_bench.py --check    # exit 1 when a target is missed

One token floods ``POST /api/v1/time_entries.json`` at about 1,000 requests a
second (wrk) against ``nlentry serve --workers 2`` sharing its rate-limit
counts in Redis, while four other tokens post 40 requests a second; their
latencies are measured before and during the flood. The same run as
``tests/live/test_slow_clients.py::test_a_flood_from_one_token_is_refused_without_slowing_others``,
which asserts only what load cannot move (429 past the limit, no 5xx, every
other request answered); the timings are judged here.

Targets: the others' p99 during the flood within 2x of their p99 without it;
the flood reaches at least 800 requests a second. Needs wrk, redis-server.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "scripts")]

import livekit

from tests.live.live_support import percentile
from tests.live.test_slow_clients import run_flood

TARGET_P99_RATIO = 2.0
TARGET_RATE = 800


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    wrk = shutil.which("wrk")
    if not wrk:
        print("wrk is needed (apt-get install -y wrk)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp, livekit.redis_server() as redis_url, \
            livekit.fresh_redis_db(redis_url, db=11) as redis_db:
        run = run_flood(Path(tmp), wrk, redis_db)
    f, quiet, loud = run["flood"], run["quiet"], run["loud"]
    p99_quiet, p99_loud = percentile(quiet, 99), percentile(loud, 99)
    ratio = p99_loud / p99_quiet if p99_quiet else float("inf")
    print(f"flood:   {f['requests']} requests at {run['rate']:.0f}/s: {f['ok']} x 201, "
          f"{f['limited']} x 429, {f['server_errors']} x 5xx")
    print(f"others:  {len(quiet)} requests without the flood: p50 {percentile(quiet, 50):.1f} ms, "
          f"p99 {p99_quiet:.1f} ms")
    print(f"         {len(loud)} requests during the flood:  p50 {percentile(loud, 50):.1f} ms, "
          f"p99 {p99_loud:.1f} ms")
    checks = [
        (ratio <= TARGET_P99_RATIO, (f"others' p99 during / without the flood {ratio:.2f} "
                                    f"<= {TARGET_P99_RATIO}")),
        (run["rate"] >= TARGET_RATE, f"flood rate {run['rate']:.0f}/s >= {TARGET_RATE}"),
        (f["server_errors"] == 0, "no 5xx"),
    ]
    print("\ntargets:")
    for ok, text in checks:
        print(f"  {'ok  ' if ok else 'MISS'} {text}")
    return 1 if args.check and not all(ok for ok, _ in checks) else 0


if __name__ == "__main__":
    sys.exit(main())
