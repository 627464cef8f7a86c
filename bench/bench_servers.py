"""The parts of the HTTP benchmark: servers, wrk, the example catalog, the rows check.

``Server`` runs a server process in its own session; ``run_wrk`` loads one with
rotating form bodies and counts 2xx and other answers; ``seed_catalog`` makes
the example clients, projects and services through the API; ``rows_check``
compares the rows stored with the answers given; ``Receiver`` is a webhook
receiver on 127.0.0.1 that answers ``204`` at once and counts what it got.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "corpus"
BIN = Path(sys.executable).parent

#: The limit lifted for the bench token: both items of the default, far out of reach.
LIFTED_RATE_LIMIT = "1000000000/minute;1000000000/second"

FALLBACK_SENTENCES = [
    "2,5 uur met Rowan aan Timi gewerkt",
    "8 uur voor Timi gewerkt vanuit huis",
    "gisteren van half 9 tot 12 coden voor Website",
    "1h30 meeting about the redesign yesterday",
    "maandag anderhalf uur mockups voor cafe noord",
    "om 14:00 een uur overleg met Erik",
    "from 1 to 3 html for p2k last friday",
    "2 uur aan Project 2000",
    "45 min css voor de homepage",
    "half an hour call with Wilco",
]

SPEC_CATALOG = {
    "projects": [
        {"id": 2, "name": "Timi", "aliases": ["Jankees", "Rowan", "Tango"],
         "client": {"id": 1, "name": "Timi BV"}},
        {"id": 3327, "name": "Website", "aliases": ["site", "homepage"],
         "client": {"id": 1, "name": "Timi BV"}},
        {"id": 3328, "name": "Banners", "aliases": ["Erik", "Martijn", "Wilco"],
         "client": {"id": 618, "name": "Klant A"}},
        {"id": 10, "name": "Website Redesign", "aliases": ["redesign"],
         "client": {"id": 5, "name": "Acme Corp"}},
        {"id": 12, "name": "Project 2000", "aliases": ["p2k"],
         "client": {"id": 7, "name": "Gemeente"}},
        {"id": 13, "name": "Café Noord", "aliases": ["noord"],
         "client": {"id": 7, "name": "Gemeente"}},
    ],
    "services": [
        {"id": 1, "name": "Development",
         "aliases": ["coden", "css", "html", "programmeren", "rails", "coding"]},
        {"id": 2, "name": "Design", "aliases": ["ontwerp", "mockups"]},
        {"id": 3, "name": "Overleg", "aliases": ["meeting", "vergadering", "call"]},
    ],
}  # fmt: skip

WRK_LUA = r"""
-- rotate form bodies, count 2xx / other answers and requests sent
local bodies = {}
for line in io.lines(os.getenv("BENCH_BODIES")) do bodies[#bodies + 1] = line end
local path = os.getenv("BENCH_PATH")
local headers = {["Content-Type"] = "application/x-www-form-urlencoded"}
if os.getenv("BENCH_AUTH") and os.getenv("BENCH_AUTH") ~= "" then
  headers["X-Api-Key"] = os.getenv("BENCH_AUTH")
end
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  ok, other, sent = 0, 0, 0
  idx = (id * 7) % #bodies
end

function request()
  idx = idx % #bodies + 1
  sent = sent + 1
  return wrk.format("POST", path, headers, bodies[idx])
end

function response(status, hdrs, body)
  if status >= 200 and status < 300 then ok = ok + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local o, x, s = 0, 0, 0
  for _, t in ipairs(threads) do
    o = o + t:get("ok"); x = x + t:get("other"); s = s + t:get("sent")
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT ok=%d other=%d sent=%d requests=%d duration_us=%d p50_us=%d p99_us=%d " ..
    "max_us=%d connect=%d read=%d write=%d timeout=%d\n",
    o, x, s, summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sentences(limit: int = 60) -> list[str]:
    """Corpus sentences that store an entry with the example catalog (a duration, no errors)."""
    found = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            case = json.loads(line)
            expect = case.get("expect", {})
            if case.get("catalog") or case.get("today") or case.get("locale"):
                continue
            if expect.get("duration") and not expect.get("errors") and len(case["text"]) < 200:
                found.append(case["text"])
    if not found:
        return FALLBACK_SENTENCES
    step = max(1, len(found) // limit)  # spread over both locales' files
    return found[::step][:limit]


class Server:
    """A server process in its own session, stopped (TERM, then KILL) by ``stop``."""

    def __init__(self, cmd: list[str], env: dict, log: Path, cwd: Path):
        self.log = log
        self._fh = log.open("wb")
        self.proc = subprocess.Popen(
            cmd, env=env, cwd=cwd, stdout=self._fh, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip

    def wait_ready(self, url: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log.read_text(errors='replace')}")
            with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as r:
                if r.status < 500:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"server not ready after {timeout}s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._fh.close()


class Receiver:
    """A webhook receiver on 127.0.0.1 (threads of this process): every ``POST`` is read,
    its ``webhook-id`` counted, and answered ``204`` (after ``delay`` seconds: a slow
    receiver), on kept-alive connections."""

    def __init__(self, delay: float = 0.0):
        self.port = free_port()
        self.delay = delay
        self.received = 0
        self.ids: set[str] = set()
        self._lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: the worker's pool reuses connections

            def do_POST(self):
                self.rfile.read(int(self.headers.get("content-length") or 0))
                if receiver.delay:
                    time.sleep(receiver.delay)
                with receiver._lock:
                    receiver.received += 1
                    receiver.ids.add(self.headers.get("webhook-id", ""))
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            request_queue_size = 256  # the senders' many connections at once (default 5)

        self._server = Server(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def counts(self) -> tuple[int, int]:
        """(POSTs received, distinct ``webhook-id`` among them)."""
        with self._lock:
            return self.received, len(self.ids)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def api(base: str, method: str, path: str, auth: str, data: dict | None = None) -> dict:
    req = urllib.request.Request(
        base + path,
        method=method,
        data=None if data is None else json.dumps(data).encode(),
        headers={"X-Api-Key": auth, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"null")
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"{method} {path}: {error.code} {error.read()[:500]!r}") from None


def seed_catalog(base: str, auth: str) -> None:
    """The example clients, projects (with aliases) and services, through the API."""
    clients = {}
    for project in SPEC_CATALOG["projects"]:
        client = project["client"]
        if client["id"] not in clients:
            clients[client["id"]] = api(base, "POST", "/clients.json", auth,
                                        {"name": client["name"]})["id"]  # fmt: skip
        made = api(base, "POST", "/projects.json", auth,
                   {"name": project["name"], "client_id": clients[client["id"]]})  # fmt: skip
        for alias in project["aliases"]:
            api(base, "POST", f"/projects/{made['id']}/aliases.json", auth, {"alias": alias})
    for service in SPEC_CATALOG["services"]:
        made = api(base, "POST", "/services.json", auth, {"name": service["name"]})
        for alias in service["aliases"]:
            api(base, "POST", f"/services/{made['id']}/aliases.json", auth, {"alias": alias})


def run_wrk(url_base: str, path: str, auth: str, bodies_file: Path, lua: Path, args,
            duration: int | None = None) -> dict:  # fmt: skip
    env = {**os.environ, "BENCH_BODIES": str(bodies_file), "BENCH_PATH": path, "BENCH_AUTH": auth}
    duration = args.duration if duration is None else duration
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{duration}s",
           "--timeout", "10s", "-s", str(lua), url_base]  # fmt: skip
    out = subprocess.run(
        cmd, env=env, capture_output=True, text=True, check=True, timeout=duration + 120
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("BENCH_RESULT"))
    result = {k: int(v) for k, v in (kv.split("=") for kv in line.split()[1:])}
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["ok_rps"] = result["ok"] / (result["duration_us"] / 1e6)
    return result


def rows_check(name: str, rows: int, r: dict) -> tuple[str, bool]:
    in_flight = r["sent"] - r["ok"] - r["other"]
    ok = r["ok"] <= rows <= r["ok"] + in_flight and r["other"] == 0
    text = (f"{name}: rows {rows} vs 2xx {r['ok']} (non-2xx {r['other']}, "
            f"in flight at stop {in_flight})")  # fmt: skip
    if rows == r["ok"]:
        text += ": equal"
    elif rows > r["ok"]:
        text += (
            f": {rows - r['ok']} extra rows, all from in-flight requests" if ok else ": MISMATCH"
        )
    else:
        text += f": {r['ok'] - rows} ANSWERED ENTRIES MISSING"
    return text, ok
