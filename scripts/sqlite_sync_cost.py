"""What ``synchronous=FULL`` costs: committed inserts per second, FULL vs NORMAL.

    .venv/bin/python scripts/sqlite_sync_cost.py [--seconds 3] [--dir DIR]

One writer, WAL, ``BEGIN IMMEDIATE`` / one INSERT shaped like a time entry /
``COMMIT``, as nlentry's write path does, for each setting in turn on the same
file system (``--dir``, default a temp dir). FULL syncs the WAL at every
commit; NORMAL only at checkpoints, so a power cut or OS crash can lose the
last commits (a killed process cannot: the WAL is in the OS's page cache).
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path


def run(path: Path, sync: str, seconds: float) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={sync}")
    conn.execute("CREATE TABLE IF NOT EXISTS e (id INTEGER PRIMARY KEY, user_id INT, body TEXT,"
                 " date TEXT, duration INT, created_at TEXT)")  # fmt: skip
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds and n < 1_000_000:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO e (user_id, body, date, duration, created_at) "
                     "VALUES (1, ?, '2026-03-27', 9000, '2026-03-27T10:00:00')",
                     (f"2,5 uur met Rowan aan Timi gewerkt {n}",))  # fmt: skip
        conn.execute("COMMIT")
        n += 1
    elapsed = time.perf_counter() - start
    conn.close()
    return n / elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--dir")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        rates = {s: run(Path(tmp) / f"{s}.db", s, args.seconds) for s in ("FULL", "NORMAL")}
    for sync, rate in rates.items():
        print(f"synchronous={sync:<6} {rate:9.0f} commits/s  ({1e6 / rate:7.1f} us each)")
    print(f"FULL / NORMAL: {rates['FULL'] / rates['NORMAL']:.2f}")


if __name__ == "__main__":
    main()
