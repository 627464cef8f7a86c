"""Parser fixtures shared by the parser tests: the spec's catalog and its today."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from nlentry import Catalog

CORPUS = Path(__file__).parent / "corpus"
TODAY = dt.date(2026, 3, 18)  # a Wednesday, as in parsing.md


def load_catalog(name: str = "catalog.json") -> Catalog:
    with open(CORPUS / name, encoding="utf-8") as fh:
        return Catalog.from_dict(json.load(fh))


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def today() -> dt.date:
    return TODAY
