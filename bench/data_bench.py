"""Reports, export and import of many entries (issue 12): figures, printed; nothing asserted.

    .venv/bin/python bench/data_bench.py [--entries 100000] [--runs 5]

One temp SQLite database, made and migrated by ``create_app``, is seeded through
SQLAlchemy Core (``executemany`` of plain rows: a few seconds for 100,000 entries) with
one user's entries over a year, 20 projects of 5 clients, 8 services, and text with
accents, commas and quotes. Then each figure is one function of its own, on that data:

* ``summary_figure``: ``GET /reports/summary.json`` over every entry, per grouping and
  with rounding: the median and best of ``--runs`` requests through the whole app
  (token, pipeline, SQL, JSON), and the SQL alone (target: under 200 ms);
* ``export_figure``: ``GET /time_entries.csv`` of every entry, called as a server calls
  the app: the time to the first byte (the header row) and to the last, the bytes, and
  the memory the process held at its peak meanwhile (``tracemalloc``, in a second run:
  tracing slows Python down), beside the memory of the same rows read all at once;
* ``import_figure``: ``POST /time_entries/import.json`` of 10,000 rows, a sentence a
  row and structured (``import_bench.py``'s runs, on a scratch SQLite database of
  their own; target: under 10 s).

A new figure is a function ``name_figure(data: Seeded, runs: int) -> None`` added to
``FIGURES``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import gc
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from import_bench import body_csv, scratch_database, structured_csv
from import_bench import run as run_import
from sqlalchemy import insert
from starlette.testclient import TestClient

from nlentry.api.app import create_app
from nlentry.limits import MAX_IMPORT_ROWS
from nlentry.storage import create_user, get_or_create_workspace
from nlentry.storage.models import Client, Project, Service, TimeEntry
from nlentry.storage.queries import reports
from nlentry.storage.queries.entries import EntryFilter
from nlentry.storage.queries.export import export_statement

FIRST_DAY = dt.date(2025, 1, 1)
DAYS = 365
WORDS = ["ontwikkeling", "overleg met Zoë", "review, test", 'de "grote" release',
         "café-bezoek klant", "bugfix #42", "naïeve aanpak", "één regel"]  # fmt: skip


@dataclass
class Seeded:
    """The app on a seeded database, and what a figure needs to call it."""

    app: object
    user_id: int
    workspace_id: int
    headers: dict[str, str]
    entries: int
    period: dict[str, str]


@contextlib.contextmanager
def seeded(entries: int) -> Iterator[Seeded]:
    with tempfile.TemporaryDirectory(prefix="nlentry-data-bench-") as folder:
        app = create_app(f"sqlite:///{Path(folder) / 'bench.db'}", rate_limit_per_minute=10**9)
        try:
            started = time.perf_counter()
            data = _seed(app, entries)
            print(f"seeded {entries:,} entries in {time.perf_counter() - started:.1f} s")
            yield data
        finally:
            app.state.db.dispose()


def _seed(app, entries: int) -> Seeded:
    with app.state.db.write() as session:
        workspace = get_or_create_workspace(session, "Bench")
        user, token = create_user(session, "bench@example.com", workspace=workspace)
        clients = [Client(workspace_id=workspace.id, name=f"Klant {i} BV") for i in range(5)]
        session.add_all(clients)
        session.flush()
        projects = [Project(workspace_id=workspace.id, name=f"Project {i}",
                            client_id=clients[i % 5].id) for i in range(20)]  # fmt: skip
        services = [Service(workspace_id=workspace.id, name=f"Dienst {i}") for i in range(8)]
        session.add_all([*projects, *services])
        session.flush()
        now = dt.datetime(2026, 1, 1, 12, 0)
        rows = [{
            "user_id": user.id,
            "body": f"{1 + i % 8} uur {WORDS[i % len(WORDS)]}",
            "description": WORDS[(i * 7) % len(WORDS)],
            "date": FIRST_DAY + dt.timedelta(days=i % DAYS),
            "duration": 60 * (1 + i % 480),
            "start_time": dt.time(9 + i % 8, (i * 13) % 60) if i % 3 == 0 else None,
            "project_id": projects[i % 20].id if i % 11 else None,
            "service_id": services[i % 8].id if i % 5 else None,
            "billable": i % 4 != 0,
            "tags": ["review"] if i % 6 == 0 else [],
            "meta": {},
            "created_at": now,
            "updated_at": now,
        } for i in range(entries)]
        for start in range(0, entries, 10_000):  # executemany, in slices of 10,000
            session.execute(insert(TimeEntry), rows[start:start + 10_000])
        session.commit()
        headers = {"X-Api-Key": f"bench@example.com:{token.value}"}
        last = FIRST_DAY + dt.timedelta(days=DAYS - 1)
        return Seeded(app, user.id, workspace.id, headers, entries,
                      {"start_date": FIRST_DAY.isoformat(), "end_date": last.isoformat()})


def _timed(function: Callable[[], object], runs: int) -> list[float]:
    """Milliseconds of each of ``runs`` calls (after one to warm up)."""
    function()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _figure(label: str, times: list[float]) -> str:
    return f"  {label:<34} median {statistics.median(times):7.1f} ms   best {min(times):7.1f} ms"


# --- (a) the summary ------------------------------------------------------------------------


def summary_figure(data: Seeded, runs: int) -> None:
    print(f"\nsummary over {data.entries:,} entries (SQLite; target < 200 ms)")
    http = TestClient(data.app)

    def request(**params):
        answer = http.get("/api/v1/reports/summary.json", headers=data.headers,
                          params={**data.period, **params})  # fmt: skip
        assert answer.status_code == 200, answer.text
        filtered = set(params) - {"group_by", "rounding", "rounding_mode"}
        assert filtered or answer.json()["summary"]["total_entries"] == data.entries
        return answer

    cases = [{"group_by": g} for g in reports.GROUPINGS if g != "user"]
    cases.append({"group_by": "project", "rounding": "15", "rounding_mode": "up"})
    cases.append({"group_by": "day", "billable": "true", "tag": "review"})
    for params in cases:
        label = "GET " + " ".join(f"{k}={v}" for k, v in params.items())
        print(_figure(label, _timed(lambda p=params: request(**p), runs)))
    where = EntryFilter(start_date=FIRST_DAY, end_date=FIRST_DAY + dt.timedelta(days=DAYS))
    for group_by in ("project", "week"):
        def sql(g=group_by):
            with data.app.state.db.read() as session:
                return reports.summary(session, data.user_id, where, group_by=g,
                                       now=dt.datetime(2026, 1, 1))  # fmt: skip
        print(_figure(f"SQL alone, group_by={group_by}", _timed(sql, runs)))


# --- (b) the export -------------------------------------------------------------------------


def _export(app, headers: dict[str, str]) -> tuple[float, float, int, int]:
    """``GET /time_entries.csv`` as a server calls the app, the body read and dropped:
    (seconds to the first body byte, seconds to the last, bytes, body messages)."""
    started = time.perf_counter()
    first: list[float] = []
    counted = {"bytes": 0, "messages": 0}
    asked = []

    async def receive():
        asked.append(1)
        if len(asked) == 1:
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client stays

    async def send(message):
        if message["type"] == "http.response.body" and message.get("body"):
            if not first:
                first.append(time.perf_counter() - started)
            counted["bytes"] += len(message["body"])
            counted["messages"] += 1

    path = "/api/v1/time_entries.csv"
    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
             "http_version": "1.1", "method": "GET", "scheme": "http", "path": path,
             "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
             "client": ("127.0.0.1", 5000), "server": ("bench", 80)}  # fmt: skip
    asyncio.run(app(scope, receive, send))
    return first[0], time.perf_counter() - started, counted["bytes"], counted["messages"]


def _traced_peak(function: Callable[[], object]) -> int:
    """The most bytes Python held at once while ``function`` ran, beyond what it held before."""
    gc.collect()
    tracemalloc.start()
    try:
        function()
        _, peak = tracemalloc.get_traced_memory()
        return peak
    finally:
        tracemalloc.stop()


def export_figure(data: Seeded, runs: int) -> None:
    print(f"\nCSV export of {data.entries:,} entries (SQLite)")
    figures = [_export(data.app, data.headers) for _ in range(max(1, min(runs, 3)))]
    first_byte, total, size, messages = min(figures, key=lambda f: f[1])
    print(f"  time to first byte                 {first_byte * 1000:7.1f} ms")
    print(f"  time to last byte                  {total * 1000:7.1f} ms "
          f"({data.entries / total:,.0f} entries/s)")
    print(f"  body                               {size / 2**20:7.1f} MiB in {messages} chunks")
    streamed = _traced_peak(lambda: _export(data.app, data.headers))
    print(f"  peak memory held while streaming   {streamed / 2**20:7.1f} MiB (tracemalloc)")

    def all_at_once():
        with data.app.state.db.read() as session:
            rows = list(session.execute(export_statement(session, data.user_id, EntryFilter())))
            assert len(rows) == data.entries

    held = _traced_peak(all_at_once)
    print(f"  the same rows read all at once     {held / 2**20:7.1f} MiB (for comparison)")


def import_figure(data: Seeded, runs: int) -> None:
    """A CSV import of ``MAX_IMPORT_ROWS`` rows, a sentence a row and structured, each
    into a fresh workspace of a scratch SQLite database (``import_bench.py`` measures
    the same, on PostgreSQL too); the best of up to 3 runs."""
    for name, make in (("a sentence a row", body_csv), ("structured rows", structured_csv)):
        with tempfile.TemporaryDirectory() as directory:
            url, drop = scratch_database(None, directory)
            try:
                seconds, _ = run_import(url, make(MAX_IMPORT_ROWS), min(runs, 3))
            finally:
                drop()
        print(f"import of {MAX_IMPORT_ROWS:,} rows, {name}: {seconds:.2f} s (target < 10 s)")


FIGURES: list[Callable[[Seeded, int], None]] = [summary_figure, export_figure, import_figure]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure")
    args = parser.parse_args(argv)
    with seeded(args.entries) as data:
        for figure in FIGURES:
            figure(data, args.runs)


if __name__ == "__main__":
    main()
