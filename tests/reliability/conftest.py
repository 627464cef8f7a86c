"""Fixtures for the reliability tests: the API tests' database, app and client.

They come from ``tests/api/conftest.py`` (through ``reliability_support``) so
that the reliability suite runs on SQLite by default and on PostgreSQL when
``NLENTRY_TEST_DATABASE_URL`` is set, exactly as the API suite does.
"""

from __future__ import annotations

from reliability_support import TALLIES, api_conftest

postgres_database = api_conftest.postgres_database
database_url = api_conftest.database_url
app = api_conftest.app
client = api_conftest.client
make_account = api_conftest.make_account


def pytest_terminal_summary(terminalreporter):
    if TALLIES:
        terminalreporter.section("reliability: requests and answers")
        for counter in TALLIES.values():
            terminalreporter.write_line(counter.line())
