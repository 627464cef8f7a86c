"""Helpers shared by the reliability tests: request tallies and a counting client.

The database, app and account fixtures are the API tests' own
(``tests/support/api_fixtures.py``, a plugin of ``tests/conftest.py``), so a
fresh database per test works the same way, on SQLite by default and on
PostgreSQL when ``NLENTRY_TEST_DATABASE_URL`` is set.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.support.api_fixtures import TEST_DATABASE_URL_ENV, Account, add_account  # noqa: F401


@dataclass
class Tally:
    """Requests sent and answers seen by status class, for docs/reliability.md."""

    name: str
    sent: int = 0
    by_class: dict[str, int] = field(default_factory=lambda: {"2xx": 0, "4xx": 0, "5xx": 0})

    def count(self, status: int) -> None:
        self.sent += 1
        key = f"{status // 100}xx"
        self.by_class[key] = self.by_class.get(key, 0) + 1

    def line(self) -> str:
        classes = ", ".join(f"{k} {v}" for k, v in sorted(self.by_class.items()))
        return f"{self.name}: {self.sent} requests ({classes})"


TALLIES: dict[str, Tally] = {}


def tally(name: str) -> Tally:
    if name not in TALLIES:
        TALLIES[name] = Tally(name)
    return TALLIES[name]


class CountingClient:
    """A ``TestClient`` wrapper that counts every answer in a ``Tally``."""

    def __init__(self, client, counter: Tally):
        self._client = client
        self._counter = counter

    def request(self, method: str, url: str, **kwargs):
        answer = self._client.request(method, url, **kwargs)
        self._counter.count(answer.status_code)
        return answer

    def get(self, url, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url, **kwargs):
        return self.request("POST", url, **kwargs)

    def patch(self, url, **kwargs):
        return self.request("PATCH", url, **kwargs)

    def delete(self, url, **kwargs):
        return self.request("DELETE", url, **kwargs)

    def put(self, url, **kwargs):
        return self.request("PUT", url, **kwargs)


def json_strings(value: Any) -> list[str]:
    """Every string (keys included) inside a decoded JSON value."""
    found: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            found.extend(k for k in item if isinstance(k, str))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def json_objects(value: Any) -> list[dict]:
    """Every object inside a decoded JSON value."""
    found: list[dict] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def decoded(answer) -> Any:
    """The answer's JSON, or None for an empty body; fails on a body that is not JSON."""
    if not answer.content:
        return None
    try:
        return json.loads(answer.content)
    except ValueError as error:
        raise AssertionError(
            f"answer {answer.status_code} is not JSON: {answer.content[:300]!r}"
        ) from error


TRACE_MARKERS = ("Traceback (most recent call last)", 'File "/', "sqlalchemy.exc",
                 "Error:", "psycopg", "sqlite3.")


def assert_no_trace(answer) -> None:
    text = answer.content.decode("utf-8", "replace")
    for marker in TRACE_MARKERS:
        assert marker not in text, f"{marker!r} in answer {answer.status_code}: {text[:500]}"
