"""Benchmark: a CSV import of 10,000 rows through the HTTP API, in one transaction.

    .venv/bin/python bench/import_bench.py                 # SQLite in a temp dir
    .venv/bin/python bench/import_bench.py --rows 5000 --rounds 3
    .venv/bin/python bench/import_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1:55432/postgres

``POST /api/v1/time_entries/import.json`` through Starlette's ``TestClient``
(the whole app: credentials, rate limit, body reading, the handler, the
entry writer's one transaction, the answer), for two files of ``--rows``
rows each, into a fresh workspace with the example catalog:

* ``body``: the columns of an export (``date``, ``duration_seconds``,
  ``project``, ``service``, ``description``, ``body``, ``billable``, ``tags``),
  each row's sentence parsed as ``POST /time_entries`` parses one;
* ``structured``: ``date``, ``duration_seconds``, ``project``, ``service``,
  ``description``, nothing to parse.

It prints, for each: the file's size, the seconds of the request (the best
of ``--rounds``), rows a second, and the rows counted in the database
afterwards (they must be ``--rows`` per round). Figures only: no target is
judged here (``docs/batch-and-import.md`` keeps the last run).

On PostgreSQL (``--database-url``, the server's database is only used to
make a scratch database, dropped at the end).
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from nlentry.api.app import create_app
from nlentry.storage import create_user, get_or_create_workspace, migrate
from nlentry.storage.demo import seed_example_catalog
from nlentry.storage.models import TimeEntry

with warnings.catch_warnings():  # figures only on the output (TestClient warns on import)
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

SENTENCES = ("{h} uur Timi development #review", "{h} uur aan Rowan gewerkt", "{h}u mail",
             "van 9 tot {e} overleg Timi", "{h},5 uur Timi bugfix #urgent")  # fmt: skip


def body_csv(rows: int) -> str:
    lines = ["date,duration_seconds,project,service,description,body,billable,tags"]
    for i in range(rows):
        day = f"2026-{(i // 28) % 12 + 1:02d}-{i % 28 + 1:02d}"
        sentence = SENTENCES[i % len(SENTENCES)].format(h=i % 7 + 1, e=10 + i % 7)
        quoted = '"' + sentence.replace('"', '""') + '"' if "," in sentence else sentence
        lines.append(f"{day if i % 2 else ''},,,,,{quoted},,")  # every other: the parser's day
    return "\n".join(lines) + "\n"


def structured_csv(rows: int) -> str:
    lines = ["date,duration_seconds,project,service,description"]
    for i in range(rows):
        day = f"2026-{(i // 28) % 12 + 1:02d}-{i % 28 + 1:02d}"
        lines.append(f"{day},{(i % 16 + 1) * 900},{'Timi' if i % 3 else ''},,row {i}")
    return "\n".join(lines) + "\n"


def scratch_database(server: str | None, directory: str) -> tuple[str, Callable[[], None]]:
    if not server:
        return f"sqlite:///{directory}/bench.db", lambda: None
    name = f"nlentry_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(server).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    migrate(engine)
    engine.dispose()

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def run(url: str, csv: str, rounds: int) -> tuple[float, int]:
    """The best seconds of ``rounds`` imports of ``csv``, each into a fresh user of its
    own workspace, and the rows found in the database in all."""
    app = create_app(url, rate_limit_per_minute=100_000)
    best = float("inf")
    try:
        client = TestClient(app)
        for round_ in range(rounds):
            with app.state.db.write() as session:
                workspace = get_or_create_workspace(session, f"Bench {uuid.uuid4().hex[:8]}")
                user, token = create_user(session, f"bench{round_}-{uuid.uuid4().hex[:8]}@x.nl",
                                          workspace=workspace)  # fmt: skip
                seed_example_catalog(session, workspace.id, user.id)
                session.commit()
                headers = {"Authorization": f"Bearer {token.value}",
                           "Content-Type": "text/csv"}  # fmt: skip
            client.get("/api/v1/projects.json", headers=headers)  # the caller known, as in use
            started = time.perf_counter()
            answer = client.post("/api/v1/time_entries/import.json", content=csv.encode(),
                                 headers=headers)  # fmt: skip
            elapsed = time.perf_counter() - started
            if answer.status_code != 201:
                raise SystemExit(f"import failed: {answer.status_code} {answer.text[:500]}")
            best = min(best, elapsed)
        with app.state.db.read() as session:
            stored = session.scalar(select(func.count()).select_from(TimeEntry))
    finally:
        app.state.db.dispose()
    return best, stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        for name, make in (("body", body_csv), ("structured", structured_csv)):
            Path(directory, name).mkdir()
            url, drop = scratch_database(options.database_url, f"{directory}/{name}")
            try:
                csv = make(options.rows)
                seconds, stored = run(url, csv, options.rounds)
            finally:
                drop()
            store = "postgresql" if options.database_url else "sqlite"
            print(f"{name:10} {store:10} rows={options.rows} bytes={len(csv.encode())} "
                  f"seconds={seconds:.2f} rows_per_second={options.rows / seconds:,.0f} "
                  f"stored={stored}")  # fmt: skip


if __name__ == "__main__":
    main()
