"""Placeholder: the real parser is being written (see issue 2)."""

from __future__ import annotations

import datetime as dt

from .catalog import Catalog
from .entry import Entry
from .lexicon import message


def parse(text, *, catalog: Catalog | None = None, locale="auto", today=None,
          default_locale="nl") -> Entry:
    today = today or dt.date.today()
    if isinstance(today, str):
        today = dt.date.fromisoformat(today)
    code = default_locale if locale == "auto" else locale
    return Entry(text=text, locale=code, date=today,
                 errors={"duration": [message(code, "duration_missing")]})
