"""The web page's preview request: ``POST /api/v1/parse.json`` as the page sends it.

    .venv/bin/python bench/page_bench.py              # the closed loop needs wrk (Debian)
    .venv/bin/python bench/page_bench.py --check      # exit 1 when the target is missed
    .venv/bin/python bench/page_bench.py --clients 8 --duration 30

As the user types, the quick-entry page (``nlentry/web/static/preview.js``) waits
for a pause of 150 ms and then asks ``/parse.json`` what the text in the box
would store: a JSON body ``{"body": "<the text so far>"}`` with the pasted token
as ``Authorization: Bearer TOKEN``. So the bodies here are the prefixes of
typical sentences, word by word (a typist pauses between words), up to the
whole sentence: ``gisteren``, ``gisteren van``, ..., ``gisteren van half 9 tot
12 coden voor Website``. The sentences are the corpus sentences that store an
entry with the example catalog (``bench_servers.sentences``), the catalog made
through the API as ``bench/api_bench.py`` does.

One ``nlentry serve`` (``--workers``, default 1: what ``nlentry serve`` runs) on
SQLite in a temp dir, a user made with ``nlentry user add`` and the rate limit
lifted (the closed loop sends far more than a person could). Two loads, one after
the other, each after ``--warmup`` seconds of itself, not measured:

1. **as typed** (the target's figure): ``--clients`` people (default 4) typing at
   once, each a connection of its own (threads of this process) sending a prefix
   every ``--pause`` seconds (default 0.15: the page's debounce, so a typist who
   pauses after every word, as fast as the page ever asks), at a random phase, for
   ``--duration`` seconds. Each request is timed from its send to its answer on
   loopback: the server's time plus a loopback hop and this process's reading
   (tens of microseconds), an upper bound of the time spent on the server.
2. **closed loop** (with wrk, when installed): the same clients, each sending the
   next request as soon as the last is answered: what the server does at its
   limit, where a request also waits behind the others in the queue.

It prints, for each, the count of requests, the rate, p50, p90, p99 and the
maximum, and the answers that were not 200. Target: p99 < 20 ms, as typed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

from bench_servers import BIN, LIFTED_RATE_LIMIT, Server, free_port, seed_catalog, sentences

TARGET_P99_MS = 20.0
PAGE_SENTENCE = "gisteren van half 9 tot 12 coden voor Website"

WRK_LUA = r"""
-- rotate JSON bodies {"body": "..."} as the page sends them; count 200 / other answers
local bodies = {}
for line in io.lines(os.getenv("BENCH_BODIES")) do bodies[#bodies + 1] = line end
local headers = {["Content-Type"] = "application/json", ["Accept"] = "application/json",
                 ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")}
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  ok, other = 0, 0
  idx = (id * 13) % #bodies
end

function request()
  idx = idx % #bodies + 1
  return wrk.format("POST", "/api/v1/parse.json", headers, bodies[idx])
end

function response(status, hdrs, body)
  if status == 200 then ok = ok + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local o, x = 0, 0
  for _, t in ipairs(threads) do o = o + t:get("ok"); x = x + t:get("other") end
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT ok=%d other=%d requests=%d duration_us=%d p50_us=%d p90_us=%d " ..
    "p99_us=%d max_us=%d socket_errors=%d\n",
    o, x, summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect + e.read + e.write + e.timeout))
end
"""


def typed(sentence: str) -> list[str]:
    """What a debounced page sends while the sentence is typed: each word's prefix."""
    words = sentence.split()
    return [" ".join(words[:n]) for n in range(1, len(words) + 1)]


def bodies(limit: int) -> list[str]:
    texts = [PAGE_SENTENCE, *(s for s in sentences(limit) if s != PAGE_SENTENCE)]
    return [json.dumps({"body": prefix}, ensure_ascii=False) for s in texts for prefix in typed(s)]


def preview(base: str, token: str, text: str) -> dict:
    request = urllib.request.Request(
        base + "/api/v1/parse.json", method="POST", data=json.dumps({"body": text}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def run_wrk(base: str, token: str, bodies_file: Path, lua: Path, args, duration: int) -> dict:
    env = {**os.environ, "BENCH_BODIES": str(bodies_file), "BENCH_TOKEN": token}
    threads = max(1, min(args.threads, args.clients))
    cmd = ["wrk", f"-t{threads}", f"-c{args.clients}", f"-d{duration}s", "--timeout", "10s",
           "-s", str(lua), base]  # fmt: skip
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True,
                         timeout=duration + 120).stdout  # fmt: skip
    line = next(x for x in out.splitlines() if x.startswith("BENCH_RESULT"))
    result = {k: int(v) for k, v in (kv.split("=") for kv in line.split()[1:])}
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def percentile(ordered: list[float], p: float) -> float:
    """The nearest-rank percentile of sorted values."""
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def run_typists(port: int, token: str, sent: list[str], args, duration: float) -> dict:
    """``args.clients`` threads, each a keep-alive connection sending a body every
    ``args.pause`` seconds (at a random phase): each request's time, and the failures."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
               "Accept": "application/json"}  # fmt: skip
    times: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    start = time.monotonic() + 0.2
    stop = start + duration

    def typist(number: int) -> None:
        rng = random.Random(number)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        at = start + rng.uniform(0, args.pause)
        idx = number * 17
        mine: list[float] = []
        try:
            while at < stop:
                time.sleep(max(0.0, at - time.monotonic()))
                body = sent[idx % len(sent)].encode("utf-8")
                idx += 1
                began = time.perf_counter()
                connection.request("POST", "/api/v1/parse.json", body=body, headers=headers)
                answer = connection.getresponse()
                answer.read()
                mine.append(time.perf_counter() - began)
                if answer.status != 200:
                    with lock:
                        failures.append(str(answer.status))
                at += args.pause
        except OSError as error:
            with lock:
                failures.append(repr(error))
        finally:
            connection.close()
            with lock:
                times.extend(mine)

    threads = [threading.Thread(target=typist, args=(n,)) for n in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(times)
    if not ordered:
        raise RuntimeError(f"no request answered: {failures[:5]}")
    return {"requests": len(ordered), "rps": len(ordered) / duration,
            "p50_us": statistics.median(ordered) * 1e6, "p90_us": percentile(ordered, 90) * 1e6,
            "p99_us": percentile(ordered, 99) * 1e6, "max_us": ordered[-1] * 1e6,
            "other": len(failures), "socket_errors": 0}  # fmt: skip


def measure(args) -> tuple[dict, dict | None, int]:
    tmp = Path(tempfile.mkdtemp(prefix="nlentry-page-bench."))
    server = None
    try:
        sent = bodies(args.sentences)
        bodies_file = tmp / "bodies.jsonl"
        bodies_file.write_text("".join(body + "\n" for body in sent), encoding="utf-8")
        lua = tmp / "parse.lua"
        lua.write_text(WRK_LUA, encoding="utf-8")
        env = {**os.environ, "NLENTRY_DATABASE_URL": f"sqlite:///{tmp / 'page.db'}",
               "NLENTRY_RATE_LIMIT": LIFTED_RATE_LIMIT}  # fmt: skip
        env.pop("NLENTRY_REDIS_URL", None)
        run_id = uuid.uuid4().hex[:12]
        email = f"page-bench-{run_id}@example.com"
        token = subprocess.run(
            [str(BIN / "nlentry"), "user", "add", email, "--workspace", f"page bench {run_id}"],
            env=env, cwd=tmp, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        port = free_port()
        server = Server(
            [str(BIN / "nlentry"), "serve", "--workers", str(args.workers), "--port", str(port)],
            env, tmp / "nlentry.log", tmp,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        server.wait_ready(base + "/api/v1/health")
        seed_catalog(base + "/api/v1", f"{email}:{token}")
        probe = preview(base, token, PAGE_SENTENCE)  # what the page shows for it
        kinds = [span["kind"] for span in probe["spans"]]
        assert probe["duration"] == 12600 and probe["project"]["name"] == "Website", probe
        assert kinds == ["date", "range", "service", "project"], kinds
        if args.warmup:
            run_typists(port, token, sent, args, args.warmup)
        typed_load = run_typists(port, token, sent, args, args.duration)
        closed = None
        if shutil.which("wrk") is not None:
            if args.warmup:
                run_wrk(base, token, bodies_file, lua, args, args.warmup)
            closed = run_wrk(base, token, bodies_file, lua, args, args.duration)
        return typed_load, closed, len(sent)
    finally:
        if server is not None:
            server.stop()
        if args.keep:
            print(f"kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=int, default=20, help="seconds of each measured load")
    ap.add_argument("--warmup", type=int, default=2, help="seconds of load first (0: none)")
    ap.add_argument("--clients", type=int, default=4, help="people typing at once")
    ap.add_argument("--pause", type=float, default=0.15,
                    help="as typed: seconds between one client's requests (the debounce)")
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--workers", type=int, default=1, help="server workers")
    ap.add_argument("--sentences", type=int, default=40, help="sentences typed (with the page's)")
    ap.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (log, database)")
    args = ap.parse_args(argv)
    typed_load, closed, prefixes = measure(args)
    print(f"load:    {args.clients} clients, {args.duration}s each load (after {args.warmup}s "
          f"of warm-up), {prefixes} typed prefixes of {args.sentences + 1} sentences; "
          f"nlentry serve --workers {args.workers}, {os.cpu_count()} cores")  # fmt: skip
    print(row(f"as typed (every {args.pause * 1000:.0f} ms)", typed_load))
    if closed is None:
        print("closed loop: skipped (wrk not found: apt-get install wrk)")
    else:
        print(row("closed loop (wrk)", closed))
    p99 = typed_load["p99_us"] / 1000
    met = p99 < TARGET_P99_MS and typed_load["other"] == 0
    print(f"target:  {'ok  ' if met else 'MISS'} as typed: p99 {p99:.1f} ms < "
          f"{TARGET_P99_MS:.0f} ms, every answer 200")  # fmt: skip
    return 1 if args.check and not met else 0


def row(name: str, r: dict) -> str:
    ms = {key: r[f"{key}_us"] / 1000 for key in ("p50", "p90", "p99", "max")}
    errors = f", {r['socket_errors']} socket errors" if r["socket_errors"] else ""
    return (f"{name:<26} {r['requests']:6d} requests {r['rps']:6.0f}/s   p50 {ms['p50']:5.1f} ms"
            f"   p90 {ms['p90']:5.1f} ms   p99 {ms['p99']:5.1f} ms   max {ms['max']:6.1f} ms"
            f"   {r['other']} not 200{errors}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
