"""The result of a parse: one time entry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from nlentry.parsing.clock import format_hhmm


@dataclass(frozen=True)
class Span:
    """A part of the text that the parser recognised."""

    kind: str  # duration, range, time, date, project, service
    start: int  # character offsets into the text, end exclusive
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "start": self.start, "end": self.end, "text": self.text}


_new_object = object.__new__


def new_span(kind: str, start: int, end: int, text: str) -> Span:
    """``Span(kind, start, end, text)``, built for the parser: the frozen
    dataclass's ``__init__`` sets each field through ``object.__setattr__``,
    which costs twice as much as filling the instance's ``__dict__``."""
    span = _new_object(Span)
    fields = span.__dict__
    fields["kind"] = kind
    fields["start"] = start
    fields["end"] = end
    fields["text"] = text
    return span


@dataclass(frozen=True)
class Candidate:
    """One of several catalog items that matched equally well."""

    id: int | str
    name: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True)
class ParseWarning:
    """Something the parser guessed or could not place (``docs/parsing.md``,
    "Saying what was guessed"): ``code`` is one of ``WARNING_CODES``,
    ``message`` is in the entry's locale, ``start``/``end`` are the offsets of
    the words concerned, ``suggestion`` what was probably meant, or ``None``."""

    code: str
    message: str
    start: int
    end: int
    suggestion: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "start": self.start,
                "end": self.end, "suggestion": self.suggestion}


#: Every warning code there is; each has a message ``warning_<code>`` in the locale files.
WARNING_CODES = (
    "did_you_mean",
    "ambiguous",
    "weekday_mismatch",
    "range_shifted",
    "clock_not_duration",
    "second_duration",
    "number_unread",
    "date_in_future",
)


@dataclass
class Entry:
    """A time entry read from a sentence.

    ``duration`` is whole seconds or ``None``; ``date`` is a ``datetime.date``;
    ``start_time``/``end_time`` are ``datetime.time`` or ``None``.
    ``errors`` maps a field to messages in the entry's locale.
    ``candidates`` maps ``"project"``/``"service"`` to the equally good
    matches when the text was ambiguous (the id is then ``None``).
    ``warnings`` says what was guessed (empty when the reading is certain);
    ``tags`` are the ``#words`` of the text, without ``#``.
    """

    text: str
    locale: str
    date: dt.date
    duration: int | None = None
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    project_id: int | str | None = None
    service_id: int | str | None = None
    client_id: int | str | None = None
    description: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)
    candidates: dict[str, list[Candidate]] = field(default_factory=dict)
    spans: list[Span] = field(default_factory=list)
    warnings: list[ParseWarning] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        """The entry as plain JSON types (ISO date, ``HH:MM`` times)."""
        return {
            "text": self.text,
            "duration": self.duration,
            "date": self.date.isoformat(),
            "start_time": format_hhmm(self.start_time),
            "end_time": format_hhmm(self.end_time),
            "project_id": self.project_id,
            "service_id": self.service_id,
            "client_id": self.client_id,
            "locale": self.locale,
            "description": self.description,
            "errors": {k: list(v) for k, v in self.errors.items()},
            "candidates": {k: [c.to_dict() for c in v] for k, v in self.candidates.items()},
            "spans": [s.to_dict() for s in self.spans],
            "warnings": [w.to_dict() for w in self.warnings],
            "tags": list(self.tags),
        }
