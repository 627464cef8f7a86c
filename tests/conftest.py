"""Fixtures for every test: the example catalog (``tests/corpus/catalog.json``) and its
today for the parser tests; the API's database, app, client and accounts
(``tests/support/api_fixtures.py``)."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from hypothesis import settings

from nlentry import Catalog
from tests.parsing.corpus_support import TODAY, load_catalog

pytest_plugins = ["tests.support.api_fixtures"]

# In CI (``CI`` set, as ``.ci/run`` runs) the property and fuzz tests draw the same
# examples every run, so a red CI is a change's doing, not a new draw's; on a
# developer's machine they draw anew each run and keep finding what they can.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def today() -> dt.date:
    return TODAY
