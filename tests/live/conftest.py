"""Live tests: real ``nlentry serve`` processes on SQLite and PostgreSQL (and Redis).

PostgreSQL and Redis come from ``NLENTRY_TEST_DATABASE_URL`` /
``NLENTRY_TEST_REDIS_URL`` (``.ci/run`` sets them), else they are started
here from Debian's packages. A test that needs one fails, never skips, when it
cannot be had. Helpers live in ``scripts/livekit.py`` (shared with
``scripts/crash_test.py``) and ``tests/live/live_support.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

import livekit


@pytest.fixture(scope="session")
def postgres_url():
    """The PostgreSQL server's URL (its ``postgres`` database)."""
    try:
        with livekit.postgres_server() as url:
            yield url
    except livekit.Unavailable as error:
        pytest.fail(f"PostgreSQL unavailable: {error}", pytrace=False)


@pytest.fixture(scope="session")
def redis_url():
    try:
        with livekit.redis_server() as url:
            yield url
    except livekit.Unavailable as error:
        pytest.fail(f"Redis unavailable: {error}", pytrace=False)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path):
    """A fresh, empty database: SQLite in tmp_path, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'live.db'}"
        return
    server = request.getfixturevalue("postgres_url")
    with livekit.fresh_database(server) as url:
        yield url
