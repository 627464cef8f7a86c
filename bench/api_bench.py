"""HTTP benchmark: the full ``POST /api/v1/time_entries.json`` path against a bare ceiling.

    .venv/bin/python bench/api_bench.py             # needs wrk (Debian package)
    .venv/bin/python bench/api_bench.py --check     # exit 1 when a target is missed
    .venv/bin/python bench/api_bench.py --rounds 3  # three comparisons, judged on the median
    .venv/bin/python bench/api_bench.py --database-url postgresql+psycopg://... \
        --redis-url redis://127.0.0.1:6379/0          # both servers on PostgreSQL
    .venv/bin/python bench/api_bench.py --webhook   # nlentry with a webhook subscription

In one run, on loopback only, each server alone on the machine in turn:

1. ``nlentry serve --workers 2`` on SQLite in a temp dir (a user made with
   ``nlentry user add``, the example catalog created through the API, the rate
   limit lifted with ``NLENTRY_RATE_LIMIT``, a ``limits`` expression: every item
   of it is still counted on each request; on Redis, as for any limit this
   large, in leases of 256 hits, a round trip per lease), loaded by wrk with realistic
   sentences (form bodies ``body=...``, ``X-Api-Key: EMAIL:TOKEN``);
2. a bare Starlette app, 2 uvicorn workers (uvloop, httptools), whose one
   endpoint inserts one row into SQLite with the same settings as nlentry
   (WAL, ``synchronous=FULL``, ``BEGIN IMMEDIATE``).

With ``--database-url postgresql+psycopg://...`` both servers use that
PostgreSQL instead (nlentry's bench user in a workspace of its own; the bare
app inserts through an async psycopg pool into a table of its own, see
``bench_stores.py``); ``--redis-url`` makes nlentry count rate limits in Redis,
as several machines would.

With ``--rounds N`` the comparison runs N times, nlentry first in odd rounds and
the bare app first in even ones, so that neither is always the one measured on
a machine loaded for longer (a database grown, a checkpoint due); the targets
are judged on the round with the median ratio.

Each server first gets ``--warmup`` seconds (default 2) of the same load,
not measured, so that neither is measured while its workers still load
their code, caches and connections.

With ``--webhook`` nlentry runs with one active webhook subscription, for
``*``, made through the API before the load (``NLENTRY_WEBHOOK_ALLOW_PRIVATE=1``
in its environment), whose receiver (threads of this process on 127.0.0.1,
``bench_servers.Receiver``) answers ``204`` at once: every entry stored then
writes its ``time_entry.created`` event in the entry writer's transaction, and
the servers' delivery workers send them while the load runs. After the run the
bench waits (at most ``--webhook-wait`` seconds) for the deliveries to finish
and prints how many events the receiver got against the rows stored (warm-up
included: the subscription exists from the start). The ratio target is the
same (issue 12: the create path >= 0.85 of the bare ceiling with the outbox
insert in the writer's transaction).

Before the servers, the rate limiter alone, in this process (``limiter_cost.py``):
what one hit costs the event loop, in memory and on Redis.

It prints requests/s, p50 and p99 for both and their ratio, and checks that
the rows in each database match the 2xx answers: every 2xx answer has its
row, and the only rows beyond them are requests that were still in flight
when wrk stopped (sent, but their answer never read).

Targets, on either store: full path p99 < 50 ms, >= 0.85 of the bare
ceiling in the same run, no request lost.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from bench_servers import (
    BIN,
    LIFTED_RATE_LIMIT,
    WRK_LUA,
    Receiver,
    Server,
    api,
    free_port,
    rows_check,
    run_wrk,
    seed_catalog,
    sentences,
)
from bench_stores import PostgresStore, SQLiteStore
from limiter_cost import limiter_cost, limiter_text

TARGET_P99_MS = 50.0
TARGET_RATIO = 0.85


def measure(args, bare_first: bool = False) -> dict:
    """One round: nlentry loaded, stopped, then the bare app loaded, stopped (the other
    way round with ``bare_first``)."""
    nlentry_cmd = BIN / "nlentry"
    tmp = Path(tempfile.mkdtemp(prefix="nlentry-api-bench."))
    servers: list[Server] = []
    receiver = Receiver(args.webhook_delay) if args.webhook else None
    store = PostgresStore(args.database_url) if args.database_url else SQLiteStore(
        tmp, args.bare_sync)
    try:
        texts = sentences()
        bodies_file = tmp / "bodies.txt"
        bodies_file.write_text(
            "".join(urllib.parse.urlencode({"body": t}) + "\n" for t in texts), encoding="utf-8"
        )
        lua = tmp / "post.lua"
        lua.write_text(WRK_LUA, encoding="utf-8")

        def run_full():  # nlentry, the full path
            webhook = None
            env = {**os.environ, "NLENTRY_DATABASE_URL": store.url,
                   "NLENTRY_RATE_LIMIT": LIFTED_RATE_LIMIT}  # fmt: skip
            env.pop("NLENTRY_REDIS_URL", None)
            if receiver is not None:
                env["NLENTRY_WEBHOOK_ALLOW_PRIVATE"] = "1"
            if args.redis_url:
                env["NLENTRY_REDIS_URL"] = args.redis_url
            run_id = uuid.uuid4().hex[:12]  # a user and workspace of this run's own
            email = f"bench-{run_id}@example.com"
            token = subprocess.run(
                [str(nlentry_cmd), "user", "add", email, "--workspace", f"bench {run_id}"],
                env=env, cwd=tmp, capture_output=True, text=True, check=True,
            ).stdout.strip()  # fmt: skip
            assert token and "\n" not in token, token
            auth = f"{email}:{token}"
            port = free_port()
            server = Server(
                [str(nlentry_cmd), "serve", "--workers", str(args.workers), "--port", str(port)],
                env, tmp / "nlentry.log", tmp,
            )  # fmt: skip
            servers.append(server)
            base = f"http://127.0.0.1:{port}"
            server.wait_ready(base + "/api/v1/health")
            seed_catalog(base + "/api/v1", auth)
            probe = urllib.request.Request(
                base + "/api/v1/parse.json", method="POST", headers={"X-Api-Key": auth},
                data=urllib.parse.urlencode({"body": "2,5 uur met Rowan aan Timi gewerkt"}).encode(),
            )  # fmt: skip
            with urllib.request.urlopen(probe, timeout=30) as r:
                preview = json.loads(r.read())
            assert preview["duration"] == 9000 and preview["project"]["name"] == "Timi", preview
            settings = store.settings()
            hook_id = None
            if receiver is not None:  # one active subscription for everything, before any load
                hook_id = api(base + "/api/v1", "POST", "/webhooks.json", auth,
                              {"url": receiver.url, "events": ["*"]})["id"]  # fmt: skip
            rows_at_start = store.entries()
            if args.warmup:  # the same load, not measured: every worker past its first requests
                run_wrk(base, "/api/v1/time_entries.json", auth, bodies_file, lua, args, args.warmup)
                time.sleep(1)  # its last requests answered before the rows are counted
            before = store.entries()
            full = run_wrk(base, "/api/v1/time_entries.json", auth, bodies_file, lua, args)
            if receiver is not None:
                webhook = _drain(store, receiver, hook_id, rows_at_start, args.webhook_wait,
                                 all_delivered=not args.webhook_delay)  # fmt: skip
            server.stop()
            full_rows = store.entries() - before
            return full, full_rows, settings, webhook

        def run_bare():  # the bare ceiling
            source, bare_vars = store.bare(args.workers)
            (tmp / "bare_app.py").write_text(textwrap.dedent(source), encoding="utf-8")
            port = free_port()
            bare_env = {**os.environ, **bare_vars, "PYTHONPATH": str(tmp)}
            bare = Server(
                [sys.executable, "-m", "uvicorn", "bare_app:app", "--port", str(port),
                 "--workers", str(args.workers), "--loop", "uvloop", "--http", "httptools",
                 "--no-access-log", "--log-level", "warning"],
                bare_env, tmp / "bare.log", tmp,
            )  # fmt: skip
            servers.append(bare)
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:  # ready when a POST answers
                try:
                    req = urllib.request.Request(base + "/entries", method="POST", data=b"body=x")
                    with urllib.request.urlopen(req, timeout=2):
                        break
                except OSError:
                    if time.monotonic() > deadline or bare.proc.poll() is not None:
                        raise RuntimeError((tmp / "bare.log").read_text()) from None
                    time.sleep(0.2)
            if args.warmup:
                run_wrk(base, "/entries", "", bodies_file, lua, args, args.warmup)
                time.sleep(1)
            before = store.bare_entries()
            ceiling = run_wrk(base, "/entries", "", bodies_file, lua, args)
            bare.stop()
            bare_rows = store.bare_entries() - before
            return ceiling, bare_rows

        # in turn, and in the other order every other round: neither is always the one
        # measured on a machine that has been loaded for longer
        if bare_first:
            ceiling, bare_rows = run_bare()
            full, full_rows, settings, webhook = run_full()
        else:
            full, full_rows, settings, webhook = run_full()
            ceiling, bare_rows = run_bare()
    finally:
        for s in servers:
            s.stop()
        if receiver is not None:
            receiver.stop()
        store.close()
        if args.keep:
            print(f"kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    return {"full": full, "full_rows": full_rows, "bare": ceiling, "bare_rows": bare_rows,
            "settings": settings, "store": store.name, "webhook": webhook,
            "ratio": full["ok_rps"] / ceiling["ok_rps"] if ceiling["ok_rps"] else 0.0}


def _drain(store, receiver: Receiver, hook_id: int, rows_at_start: int, wait: float,
           all_delivered: bool = True) -> dict:  # fmt: skip
    """Once the load stopped: what the receiver had got then, and once every row stored
    since ``rows_at_start`` (requests in flight at the stop included) has its event and
    (``all_delivered``) no delivery is pending (or ``wait`` seconds passed). A slow
    receiver (``--webhook-delay``) takes far longer than the load: then only the events
    are counted, and the deliveries made so far."""
    at_stop, _ = receiver.counts()
    started = time.monotonic()
    while True:
        rows = store.entries() - rows_at_start
        statuses = store.deliveries(hook_id)
        settled = sum(statuses.values()) == rows and (
            not all_delivered or statuses.get("pending", 0) == 0)
        if settled or time.monotonic() > started + wait:
            break
        time.sleep(0.2)
    received, distinct = receiver.counts()
    return {"rows": rows, "events": sum(statuses.values()), "statuses": statuses,
            "received_at_stop": at_stop, "received": received, "distinct_ids": distinct,
            "drain_seconds": time.monotonic() - started, "all_delivered": all_delivered}


def webhook_text(w: dict) -> list[str]:
    """The ``--webhook`` lines: events delivered against rows stored."""
    statuses = ", ".join(f"{count} {status}" for status, count in sorted(w["statuses"].items()))
    verdict = "one each" if webhook_ok(w) else "MISMATCH"
    return [
        (f"webhook: {w['received']} events delivered ({w['distinct_ids']} distinct webhook-ids) "
         f"for {w['rows']} rows stored (warm-up included); outbox {w['events']} events "
         f"({statuses or 'none'}): {verdict}"),
        (f"webhook: {w['received_at_stop']} had arrived when the load stopped, the rest within "
         f"{w['drain_seconds']:.1f} s after") if w["all_delivered"] else
        (f"webhook: {w['received_at_stop']} had arrived when the load stopped; the slow "
         "receiver's other events wait in the outbox, each delivered in its turn"),
    ]


def webhook_ok(w: dict) -> bool:
    """One event per row, each delivered once (a slow receiver: none delivered twice)."""
    if not w["all_delivered"]:
        return w["received"] == w["distinct_ids"] and w["events"] == w["rows"]
    return w["received"] == w["distinct_ids"] == w["events"] == w["rows"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=int, default=10, help="seconds of load per server")
    ap.add_argument("--warmup", type=int, default=2,
                    help="seconds of the same load before each measured run (0: none)")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--workers", type=int, default=2, help="server workers")
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    ap.add_argument(
        "--bare-sync",
        choices=("OFF", "NORMAL", "FULL", "EXTRA"),
        help="SQLite synchronous for the bare app (default: what nlentry uses)",
    )
    ap.add_argument("--database-url", metavar="URL",
                    help="a PostgreSQL (postgresql+psycopg://...) for both servers "
                         "(default: SQLite files in a temp dir)")
    ap.add_argument("--redis-url", metavar="URL",
                    help="count nlentry's rate limits in this Redis (default: in memory)")
    ap.add_argument("--webhook", action="store_true",
                    help="nlentry with one active webhook subscription (for *) whose local "
                         "receiver answers 204 at once; prints events delivered vs rows")
    ap.add_argument("--webhook-delay", type=float, default=0.0, metavar="SECONDS",
                    help="--webhook: the receiver answers after this long (10: a slow one)")
    ap.add_argument("--webhook-wait", type=float, default=120, metavar="SECONDS",
                    help="--webhook: how long to wait after the load for the deliveries")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs, databases)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="repeat the whole comparison; the targets are judged on the round "
                         "with the median ratio (a shared machine is noisy)")
    args = ap.parse_args(argv)

    if shutil.which("wrk") is None:
        print("api_bench: wrk not found (apt-get install wrk)", file=sys.stderr)
        return 2
    limiter = limiter_cost()
    for line in limiter_text(limiter):
        print(line)
    print(f"load:    wrk -t{args.threads} -c{args.connections} -d{args.duration}s "
          f"(after {args.warmup}s of warm-up), {len(sentences())} rotating sentences; "
          f"servers: {args.workers} workers each, {os.cpu_count()} cores")  # fmt: skip
    if args.webhook:
        answers = (f"after {args.webhook_delay:g} s" if args.webhook_delay else "at once")
        print("webhook: nlentry with one active subscription for * (a receiver on 127.0.0.1 "
              f"answering 204 {answers})")
    rounds = []
    for number in range(1, args.rounds + 1):
        rounds.append(measure(args, bare_first=number % 2 == 0))
        if args.rounds > 1:
            r = rounds[-1]
            order = "bare first" if number % 2 == 0 else "nlentry first"
            print(f"round {number} ({order}): nlentry {r['full']['ok_rps']:.0f} req/s "
                  f"(p99 {r['full']['p99_us'] / 1000:.1f} ms), bare {r['bare']['ok_rps']:.0f} "
                  f"req/s, ratio {r['ratio']:.2f}")  # fmt: skip
    chosen = sorted(rounds, key=lambda r: r["ratio"])[len(rounds) // 2]
    full, full_rows = chosen["full"], chosen["full_rows"]
    ceiling, bare_rows = chosen["bare"], chosen["bare_rows"]
    ratio = chosen["ratio"]

    def row(name: str, r: dict) -> str:
        return (f"{name:<26} {r['ok_rps']:8.0f} req/s   p50 {r['p50_us'] / 1000:6.1f} ms   "
                f"p99 {r['p99_us'] / 1000:6.1f} ms   ({r['ok']} 2xx, {r['other']} other, "
                f"socket errors {r['connect'] + r['read'] + r['write'] + r['timeout']})")  # fmt: skip

    print()
    if args.rounds > 1:
        print(f"the round with the median ratio of {args.rounds}:")
    print(row("nlentry POST time_entries", full))
    print(row(f"bare Starlette + {chosen['store']}", ceiling))
    limits_in = "Redis" if args.redis_url else "memory"
    print(f"ratio full / bare: {ratio:.2f}   ({chosen['settings']}; nlentry's rate limits "
          f"in {limits_in})")
    full_text, _ = rows_check("nlentry", full_rows, full)
    bare_text, _ = rows_check("bare", bare_rows, ceiling)
    # every round must keep every answered entry, not only the one shown
    full_ok = all(rows_check("nlentry", r["full_rows"], r["full"])[1] for r in rounds)
    bare_ok = all(rows_check("bare", r["bare_rows"], r["bare"])[1] for r in rounds)
    print(full_text)
    print(bare_text)
    webhooks_ok = all(webhook_ok(r["webhook"]) for r in rounds if r["webhook"] is not None)
    if chosen["webhook"] is not None:
        for line in webhook_text(chosen["webhook"]):
            print(line)

    checks = [
        (f"p99 {full['p99_us'] / 1000:.1f} ms < {TARGET_P99_MS:.0f} ms",
         full["p99_us"] / 1000 < TARGET_P99_MS),
        (f"{ratio:.2f} of the bare ceiling >= {TARGET_RATIO}", ratio >= TARGET_RATIO),
        ("no request lost, every answer 2xx", full_ok),
    ]  # fmt: skip
    if args.webhook:
        checks.append(("one webhook event delivered per row stored", webhooks_ok))
    print("\ntargets:")
    for text, ok in checks:
        print(f"  {'ok  ' if ok else 'MISS'} {text}")
    if args.json:
        Path(args.json).write_text(
            json.dumps({"store": chosen["store"], "settings": chosen["settings"],
                        "nlentry": {**full, "rows": full_rows},
                        "bare": {**ceiling, "rows": bare_rows}, "ratio": ratio,
                        "webhook": chosen["webhook"],
                        "rate_limiter": limiter,
                        "targets_met": all(ok for _, ok in checks)}, indent=2) + "\n"
        )  # fmt: skip
    if not (full_ok and bare_ok and webhooks_ok):
        return 1
    if args.check and not all(ok for _, ok in checks):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
