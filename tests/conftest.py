"""Parser fixtures shared by the parser tests: the spec's catalog and its today."""

from __future__ import annotations

import datetime as dt

import pytest
from corpus_support import TODAY, load_catalog

from nlentry import Catalog


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def today() -> dt.date:
    return TODAY
