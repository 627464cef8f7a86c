"""Crash safety: SIGKILL the server mid-load, restart it, find every acknowledged entry intact.

    .venv/bin/python scripts/crash_test.py                    # SQLite and PostgreSQL
    .venv/bin/python scripts/crash_test.py --backend sqlite --rounds 5 --load-seconds 3

For each backend: ``nlentry serve --workers 2`` on a fresh database (SQLite in
a temp dir; PostgreSQL from ``NLENTRY_TEST_DATABASE_URL`` or started here),
``--threads`` clients POST distinct entries (``body``, explicit ``date``,
a duration in the text) as fast as they are answered; after
``--load-seconds`` the whole server process group gets SIGKILL at once (no
shutdown, no flush), with requests in flight. The server is restarted on the
same database, and then:

* every entry answered 2xx, in this round or an earlier one, is in the
  database with the same id, body, duration and date, and the restarted
  server serves it (``GET /time_entries/{id}.json``, checked for a sample);
* every row is one that a client sent (no phantom), no body is stored twice,
  and the rows beyond the acknowledged ones are at most the requests that
  were in flight when the server died (sent, answer never received);
* no answer was a 5xx; on SQLite ``PRAGMA integrity_check`` says ``ok``.

``--rounds`` repeats load, kill and restart on the same database. Exit code
0 when every check holds, 1 otherwise; ``--json FILE`` writes the figures.
What a SIGKILL of the application proves, and what it does not (power loss),
is in docs/reliability.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import random
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import livekit

EMAIL = "crash@example.com"
FIRST_DAY = dt.date(2026, 1, 1)


class Load:
    """Client threads that POST distinct entries until told to stop or the server dies."""

    def __init__(self, server: livekit.Nlentry, auth: str, threads: int, round_no: int):
        self.server, self.auth, self.round = server, auth, round_no
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acked: dict[int, dict] = {}  # id -> what the answer said was stored
        self.sent: dict[str, dict] = {}  # body -> the request
        self.in_flight: set[str] = set()  # bodies sent whose answer never came
        self.statuses: dict[int, int] = {}
        self.threads = [threading.Thread(target=self._run, args=(n,), daemon=True)
                        for n in range(threads)]  # fmt: skip

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def join(self, timeout: float = 60) -> None:
        self.stop.set()
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.1, deadline - time.monotonic()))
        if any(t.is_alive() for t in self.threads):
            raise RuntimeError("a client thread did not stop")

    def _run(self, n: int) -> None:
        rng = random.Random(f"{self.round}-{n}")
        conn = None
        for i in range(1_000_000):
            if self.stop.is_set():
                break
            hours = rng.randint(1, 8)
            quarter = rng.choice(["", ",25", ",5", ",75"])
            body = f"{hours}{quarter} uur crashtest r{self.round} t{n} n{i}"
            day = FIRST_DAY + dt.timedelta(days=rng.randint(0, 364))
            fields = {"body": body, "date": day.isoformat()}
            with self.lock:
                self.sent[body] = fields
                self.in_flight.add(body)
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
                conn.request("POST", "/api/v1/time_entries.json", json.dumps(fields),
                             {"X-Api-Key": self.auth, "Content-Type": "application/json"})  # fmt: skip
                response = conn.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException):
                break  # the server is gone: this body stays in flight
            with self.lock:
                self.in_flight.discard(body)
                self.statuses[response.status] = self.statuses.get(response.status, 0) + 1
                if 200 <= response.status < 300:
                    entry = json.loads(payload)
                    self.acked[entry["id"]] = {"body": entry["body"], "duration": entry["duration"],
                                               "date": entry["date"]}  # fmt: skip
        if conn is not None:
            conn.close()


def _stored(database_url: str) -> dict[int, dict]:
    rows = livekit.query(database_url, "SELECT id, body, duration, date FROM time_entries")
    return {r[0]: {"body": r[1], "duration": r[2], "date": str(r[3])} for r in rows}


def run_crash(database_url: str, workdir: Path, *, rounds: int = 3, threads: int = 8,
              load_seconds: float = 2.0, workers: int = 2, log=print) -> dict:  # fmt: skip
    """Load, SIGKILL, restart ``rounds`` times on ``database_url``; the figures and problems."""
    env = livekit.server_env(NLENTRY_DATABASE_URL=database_url, NLENTRY_RATE_LIMIT="1000000")
    auth = f"{EMAIL}:{livekit.add_user(env, EMAIL, cwd=workdir)}"
    acked: dict[int, dict] = {}
    sent: dict[str, dict] = {}
    in_flight: set[str] = set()
    statuses: dict[int, int] = {}
    problems: list[str] = []
    per_round = []
    server = livekit.Nlentry(env, workdir, workers=workers, log_name="crash-server.log")
    try:
        server.wait_ready()
        for round_no in range(1, rounds + 1):
            load = Load(server, auth, threads, round_no)
            load.start()
            time.sleep(load_seconds)
            killed_at = len(load.acked)
            server.kill()  # mid-load: the clients are still sending
            load.join()
            acked.update(load.acked)
            sent.update(load.sent)
            in_flight |= load.in_flight
            for status, count in load.statuses.items():
                statuses[status] = statuses.get(status, 0) + count
            server = livekit.Nlentry(env, workdir, workers=workers, log_name="crash-server.log")
            server.wait_ready()
            stored = _stored(database_url)
            missing = [i for i in acked if i not in stored]
            changed = [i for i in acked if i in stored and stored[i] != acked[i]]
            bodies = [row["body"] for row in stored.values()]
            duplicates = len(bodies) - len(set(bodies))
            phantoms = [b for b in bodies if b not in sent]
            unacked_rows = [i for i in stored if i not in acked]
            unexplained = [i for i in unacked_rows if stored[i]["body"] not in in_flight]
            sample = random.Random(round_no).sample(sorted(acked), min(20, len(acked)))
            served_wrong = []
            for entry_id in sample:
                status, _, body = livekit.request("GET", f"{server.api}/time_entries/{entry_id}.json",
                                                  auth)  # fmt: skip
                shown = json.loads(body) if status == 200 else {}
                if status != 200 or {k: shown.get(k) for k in acked[entry_id]} != acked[entry_id]:
                    served_wrong.append((entry_id, status))
            figures = {"round": round_no, "acked_total": len(acked), "acked_at_kill": killed_at,
                       "in_flight_at_kill": len(load.in_flight), "rows": len(stored),
                       "missing": len(missing), "changed": len(changed), "duplicates": duplicates,
                       "phantoms": len(phantoms), "unacked_rows": len(unacked_rows),
                       "unexplained_rows": len(unexplained), "served_wrong": len(served_wrong)}  # fmt: skip
            per_round.append(figures)
            log(f"  round {round_no}: " + ", ".join(f"{k} {v}" for k, v in figures.items()
                                                     if k != "round"))  # fmt: skip
            for name, found in (("acknowledged entries missing", missing),
                                ("acknowledged entries changed", changed),
                                ("rows whose body no client sent", phantoms),
                                ("rows neither acknowledged nor in flight", unexplained),
                                ("entries the restarted server did not serve as stored",
                                 served_wrong)):  # fmt: skip
                if found:
                    problems.append(f"round {round_no}: {len(found)} {name}: {found[:5]}")
            if duplicates:
                problems.append(f"round {round_no}: {duplicates} bodies stored twice")
            if len(unacked_rows) > len(in_flight):
                problems.append(f"round {round_no}: {len(unacked_rows)} unacknowledged rows but "
                                f"only {len(in_flight)} requests in flight")  # fmt: skip
        # the restarted server still takes writes
        status, _, _ = livekit.request("POST", server.api + "/time_entries.json", auth,
                                       {"body": "1 uur na de crash"})  # fmt: skip
        if status != 201:
            problems.append(f"POST after the last restart answered {status}")
        if database_url.startswith("sqlite"):
            check = livekit.query(database_url, "PRAGMA integrity_check")
            if check != [("ok",)]:
                problems.append(f"PRAGMA integrity_check: {check[:5]}")
    finally:
        server.stop()
    server_errors = sum(c for s, c in statuses.items() if s >= 500)
    other = sum(c for s, c in statuses.items() if not 200 <= s < 300)
    if other:
        problems.append(f"answers other than 2xx before the kills: {statuses}")
    return {"backend": database_url.split(":")[0], "rounds": per_round,
            "sent": len(sent), "acked": len(acked), "in_flight": len(in_flight),
            "statuses": statuses, "server_errors": server_errors,
            "rows": per_round[-1]["rows"] if per_round else 0, "problems": problems}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--load-seconds", type=float, default=2.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", metavar="FILE", help="write the figures as JSON")
    args = ap.parse_args(argv)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    results = []
    failed = False
    with contextlib.ExitStack() as stack:
        for backend in backends:
            tmp = Path(tempfile.mkdtemp(prefix=f"nlentry-crash-{backend}."))
            stack.callback(shutil.rmtree, tmp, True)
            if backend == "sqlite":
                url = f"sqlite:///{tmp / 'crash.db'}"
            else:
                try:
                    server = stack.enter_context(livekit.postgres_server())
                except livekit.Unavailable as error:
                    print(f"crash_test: PostgreSQL unavailable: {error}", file=sys.stderr)
                    return 2
                url = stack.enter_context(livekit.fresh_database(server, "nlentry_crash"))
            print(f"{backend}: {args.rounds} rounds of {args.load_seconds}s load from "
                  f"{args.threads} clients, SIGKILL, restart")  # fmt: skip
            result = run_crash(url, tmp, rounds=args.rounds, threads=args.threads,
                               load_seconds=args.load_seconds, workers=args.workers)  # fmt: skip
            results.append(result)
            verdict = "ok" if not result["problems"] else "FAILED"
            print(f"{backend}: {result['sent']} sent, {result['acked']} answered 2xx, "
                  f"{result['in_flight']} in flight at the kills, {result['rows']} rows, "
                  f"{result['server_errors']} 5xx: {verdict}")  # fmt: skip
            for problem in result["problems"]:
                print(f"  PROBLEM {problem}")
            failed |= bool(result["problems"])
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
