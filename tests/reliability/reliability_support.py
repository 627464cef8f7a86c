"""Helpers shared by the reliability tests (a plain module: ``conftest`` names collide).

The API tests' fixtures and account helpers (``tests/api/conftest.py``) are
reused, not rewritten: that file is loaded here under a unique module name,
so a fresh database per test works the same way, on SQLite by default and on
PostgreSQL when ``NLENTRY_TEST_DATABASE_URL`` is set.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_API_CONFTEST = Path(__file__).resolve().parent.parent / "api" / "conftest.py"
_MODULE_NAME = "nlentry_reliability_api_conftest"


def _load_api_conftest():
    if _MODULE_NAME in sys.modules:
        return sys.modules[_MODULE_NAME]
    spec = importlib.util.spec_from_file_location(_MODULE_NAME, _API_CONFTEST)
    module = importlib.util.module_from_spec(spec)
    sys.modules[_MODULE_NAME] = module
    spec.loader.exec_module(module)
    return module


api_conftest = _load_api_conftest()
Account = api_conftest.Account
add_account = api_conftest.add_account
TEST_DATABASE_URL_ENV = api_conftest.TEST_DATABASE_URL_ENV


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
