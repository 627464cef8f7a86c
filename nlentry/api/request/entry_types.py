"""The types of the fields only time entries have (beside ``nlentry.api.request.fields``'s
general ones): a description, the list's ``q`` and ``updated_since``, and merging tags.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema

from nlentry.api.request.fields import is_blank, optional_text, refuse
from nlentry.limits import MAX_BODY_LENGTH, MAX_NAME_LENGTH, MAX_TAG_LENGTH, MAX_TAGS

#: The most words a list's ``q`` may hold (each is one more condition).
MAX_SEARCH_WORDS = 10


def merge_tags(*lists: list[str]) -> list[str]:
    """The tags of ``lists`` in order, each once (case aside, the first spelling kept);
    ``ValueError("too_long")`` for a tag over ``MAX_TAG_LENGTH``, ``ValueError("too_many")``
    for more than ``MAX_TAGS`` in all."""
    merged: list[str] = []
    seen: set[str] = set()
    for tags in lists:
        for tag in tags:
            key = tag.casefold()
            if key in seen:
                continue
            if len(tag) > MAX_TAG_LENGTH:
                raise ValueError("too_long")
            seen.add(key)
            merged.append(tag)
    if len(merged) > MAX_TAGS:
        raise ValueError("too_many")
    return merged


def _description(value: Any) -> str:
    """An entry's description: text kept verbatim; null is the empty description."""
    return optional_text(value) or ""


_TIMESTAMP = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"(?:[T ](?P<time>[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?))?"
    r"(?P<offset>Z|z|[+ -][0-9]{2}:?[0-9]{2})?"
)


def _timestamp(value: Any) -> dt.datetime:
    """An ISO 8601 timestamp as naive UTC: ``2026-03-18T09:30:00+01:00``, ``...Z``; without
    an offset it is UTC; a date alone is its midnight (UTC). An offset's ``+`` that a query
    string turned into a space is read as ``+``."""
    if isinstance(value, str):
        match = _TIMESTAMP.fullmatch(value.strip())
        if match:
            offset = match["offset"] or ""
            if offset.startswith(" "):
                offset = "+" + offset[1:]
            text = match["date"] + ("T" + match["time"] if match["time"] else "")
            try:
                moment = dt.datetime.fromisoformat(text + offset.replace("z", "Z"))
                if moment.tzinfo is not None:
                    moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
            except (ValueError, OverflowError):
                raise refuse("invalid") from None
            return moment
    raise refuse("invalid")


def _search_words(value: Any) -> list[str]:
    """Words to find, split on white space; blank is no search."""
    if is_blank(value):
        return []
    if not isinstance(value, str) or "\x00" in value:
        raise refuse("invalid")
    if len(value) > MAX_NAME_LENGTH:
        raise refuse("too_long")
    words = value.split()
    if len(words) > MAX_SEARCH_WORDS:
        raise refuse("too_many")
    return words


Description = Annotated[
    str, Field(max_length=MAX_BODY_LENGTH), BeforeValidator(_description),
    WithJsonSchema({"anyOf": [{"type": "string", "maxLength": MAX_BODY_LENGTH}, {"type": "null"}],
                    "description": "overrides the description the parser made of the text; "
                                   "null or blank clears it"}),
]
Timestamp = Annotated[
    dt.datetime, BeforeValidator(_timestamp),
    WithJsonSchema({"type": "string", "examples": ["2026-03-18T09:30:00+01:00",
                                                    "2026-03-18T08:30:00Z"],
                    "description": "ISO 8601, with an offset or `Z`; without one it is UTC"}),
]
SearchWords = Annotated[
    list[str], BeforeValidator(_search_words),
    WithJsonSchema({"type": "string", "maxLength": MAX_NAME_LENGTH, "examples": ["timi review"],
                    "description": f"words (at most {MAX_SEARCH_WORDS}), each to be found in "
                                   "the body or description, case aside"}),
]
