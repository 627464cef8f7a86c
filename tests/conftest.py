"""Fixtures for every test: the example catalog (``tests/corpus/catalog.json``) and its
today for the parser tests; the API's database, app, client and accounts
(``tests/support/api_fixtures.py``)."""

from __future__ import annotations

import datetime as dt

import pytest

from nlentry import Catalog
from tests.parsing.corpus_support import TODAY, load_catalog

pytest_plugins = ["tests.support.api_fixtures"]


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def today() -> dt.date:
    return TODAY
