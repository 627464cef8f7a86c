"""What a request hands the entry writer, and what it gets back.

A ``NewEntry`` is one request's submission: a row, a group of rows stored
all or none, or a refusal kept for an ``Idempotency-Key``; its ``Answer`` is
the request's answer as bytes with a place for each new row's id. The
writer (``nlentry.storage.entry_writer``) answers each with an ``Outcome``:
``Stored``, ``Claimed`` (the key's earlier answer), ``Stale`` (parse again)
or ``REVOKED``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from nlentry.storage.entry_sql import ENTRY_COLUMNS


def entry_row(user_id: int, values: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """A new entry's row from its ``values``, every column given (``None`` when absent;
    an empty description, ``billable`` true, no tags and no metadata unless given)."""
    row = {name: values.get(name) for name in ENTRY_COLUMNS}
    row.update(user_id=user_id, created_at=now, updated_at=now)
    if row["description"] is None:
        row["description"] = ""
    if row["billable"] is None:
        row["billable"] = True
    if row["tags"] is None:
        row["tags"] = []
    if row["metadata"] is None:
        row["metadata"] = {}
    return row


class Answer:
    """A request's answer as opaque bytes with a place for each new row's id:
    ``pieces[0]``, the first id, ``pieces[1]``, the second id, ..., ``pieces[-1]``.

    ``Answer(201, b'{"id":', b'}')`` has one place (one entry); a refusal kept for
    a key, ``Answer(422, body)``, has none; a group's answer has one per row.
    """

    __slots__ = ("pieces", "status")

    def __init__(self, status: int, *pieces: bytes):
        self.status = status
        self.pieces: tuple[bytes, ...] = pieces or (b"",)

    @property
    def places(self) -> int:
        """How many ids the answer holds."""
        return len(self.pieces) - 1

    def body(self, ids: Sequence[int] = ()) -> bytes:
        """The answer with ``ids`` (one per place, in order) filled in."""
        pieces = self.pieces
        if len(ids) != len(pieces) - 1:
            raise ValueError(f"{len(ids)} ids for an answer with {len(pieces) - 1} places")
        if not ids:
            return pieces[0]
        if len(ids) == 1:  # one entry: the hot path
            return b"%s%d%s" % (pieces[0], ids[0], pieces[1])
        parts = [pieces[0]]
        for entry_id, piece in zip(ids, pieces[1:], strict=True):
            parts.append(b"%d" % entry_id)
            parts.append(piece)
        return b"".join(parts)

    def __repr__(self) -> str:
        return f"Answer({self.status}, {len(self.pieces) - 1} places)"


#: An event's data: the entry's JSON without ``id``, or a function making it.
EventData = dict[str, Any] | Callable[[], dict[str, Any]]


@dataclass(frozen=True)
class NewEntry:
    """One request's submission: ``row`` to insert; or ``group``, rows inserted all or
    none; or neither (``row`` None, no ``group``): a refusal kept for its key.

    ``answer`` is the request's answer once its rows have ids (a place for
    each, in the order of ``rows``); it is kept for ``key`` when there is one.
    ``event_data``: per row, in the order of ``rows``, the data of its
    ``time_entry.created`` event (the entry's JSON without ``id``, which the
    writer puts first), or a function making it (called in the writer's
    transaction, only when some subscription wants the event: it must not
    need the request's session); empty: no event.
    """

    token_id: int
    user_id: int
    catalog_versions: tuple[int, int]  # (workspace, user) the body was parsed with
    row: dict[str, Any] | None
    answer: Answer
    key: str | None = None
    request_hash: str = ""
    group: tuple[dict[str, Any], ...] = ()
    event_data: tuple[EventData, ...] = ()

    def __post_init__(self) -> None:
        if self.row is not None and self.group:
            raise ValueError("a submission is one row or a group, not both")
        if self.answer.places != len(self.rows):
            raise ValueError(f"an answer with {self.answer.places} places for "
                             f"{len(self.rows)} rows")  # fmt: skip
        if self.event_data and len(self.event_data) != len(self.rows):
            raise ValueError(f"{len(self.event_data)} events' data for "
                             f"{len(self.rows)} rows")  # fmt: skip

    @property
    def rows(self) -> tuple[dict[str, Any], ...]:
        """The rows to insert, in the order of the answer's places."""
        return (self.row,) if self.row is not None else self.group


@dataclass(frozen=True)
class Stored:
    """Committed: the answer to give (the new entry, or a refusal kept for the key)."""

    status: int
    body: bytes


@dataclass(frozen=True)
class Claimed:
    """The key was claimed by an earlier request: what it stored."""

    request_hash: str
    status_code: int | None
    response_body: str | None


@dataclass(frozen=True)
class Stale:
    """The catalog changed: parse again with these (workspace, user) versions."""

    catalog_versions: tuple[int, int]


class _Revoked:
    def __repr__(self) -> str:
        return "REVOKED"


REVOKED = _Revoked()  # the token is revoked (or its user gone): nothing was stored

Outcome = Stored | Claimed | Stale | _Revoked
Done = Callable[[Outcome | BaseException], None]
