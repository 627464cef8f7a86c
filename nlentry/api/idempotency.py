"""``Idempotency-Key``: the same key from the same user returns the first answer;
and the answers the entry writer stores, as bytes (one entry's, ``created_answer``;
a group's, with a place for each new id, ``answer_with_ids``; a refusal's).

A key is claimed by inserting its row in the same transaction as the entry
(``nlentry.storage.entry_writer``), so of two racing requests one claims it and
the other, finding the claim (``ON CONFLICT DO NOTHING`` on the unique
``(user_id, key)``), replays the stored answer. A key is kept 24 hours; the
same key with another request body is 422.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from starlette.responses import Response

from nlentry.api.errors import APIError
from nlentry.api.pipeline import Call
from nlentry.api.request.body import is_storable
from nlentry.api.request.fields import FieldErrors
from nlentry.limits import MAX_IDEMPOTENCY_KEY_LENGTH
from nlentry.storage.entry_submissions import Answer, Claimed

HEADER = "Idempotency-Key"


def read_key(call: Call) -> str | None:
    """The request's key, or None; 422 when it is blank, too long (counted in characters,
    as the spec says) or no text (not UTF-8, or holding a NUL)."""
    raw = call.headers.get(HEADER)
    if raw is None:
        return None
    key = header_text(raw)
    errors = FieldErrors(call.locale)
    if key is None or not is_storable(key):
        errors.add(HEADER, "invalid")
    elif not key.strip():
        errors.add(HEADER, "blank")
    elif len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        errors.add(HEADER, "too_long")
    errors.raise_if_any()
    return key


def header_text(value: str) -> str | None:
    """A header's value as the text its bytes spell in UTF-8, or None when they do not.

    Starlette gives a header's bytes one character each (Latin-1), so ``len``
    of its value counts bytes: ``é`` in UTF-8 would be two characters.
    """
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None


def fingerprint(fields: dict[str, Any], operation: str = "") -> str:
    """A hash of the request's fields, to tell a retry from another request; with
    ``operation`` (``batch``, ``import``) the same fields sent to another operation
    with the same key are another request too."""
    content: Any = fields if not operation else {"operation": operation, "fields": fields}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def replay(call: Call, claimed: Claimed, request_hash: str) -> Response:
    """The stored answer, or 422 when the key was used for another request."""
    if claimed.request_hash != request_hash or claimed.status_code is None:
        errors = FieldErrors(call.locale)
        errors.add(HEADER, "idempotency_mismatch")
        errors.raise_if_any()
    return Response(
        claimed.response_body,
        claimed.status_code,
        media_type="application/json",
        headers={"Idempotent-Replayed": "true"},
    )


def created_answer(payload: dict[str, Any]) -> Answer:
    """201 with the new entry's JSON (``payload``, its ``id`` first), as ``JSONResponse``
    renders it, with the id left for the writer to fill in."""
    rest = dict(payload)
    del rest["id"]
    body = _json(rest)
    return Answer(201, b'{"id":', b"," + body[1:] if rest else b"}")


class _NewId:
    """The place of a new row's id in an answer (``answer_with_ids``)."""

    def __repr__(self) -> str:
        return "NEW_ID"


#: Stands for a new row's id in the content given to ``answer_with_ids``.
NEW_ID = _NewId()


def answer_with_ids(status: int, content: Any) -> Answer:
    """``content`` rendered as ``JSONResponse`` renders it, each ``NEW_ID`` in it (in the
    order of the rendering) a place the writer fills with a new row's id: the answer
    to a group of rows (``{"time_entries": [{"id": NEW_ID, ...}, ...]}``)."""
    pieces: list[bytes] = []
    current: list[bytes] = []
    _render(content, current, pieces)
    pieces.append(b"".join(current))
    return Answer(status, *pieces)


def _render(value: Any, current: list[bytes], pieces: list[bytes]) -> None:
    """Append ``value``'s JSON to ``current``; at a ``NEW_ID`` close the piece so far."""
    if value is NEW_ID:
        pieces.append(b"".join(current))
        current.clear()
    elif not _holds_id(value):
        current.append(_json(value))
    elif isinstance(value, dict):
        current.append(b"{")
        for i, (name, item) in enumerate(value.items()):
            if i:
                current.append(b",")
            current.append(_json(str(name)))
            current.append(b":")
            _render(item, current, pieces)
        current.append(b"}")
    else:  # a list holding an id
        current.append(b"[")
        for i, item in enumerate(value):
            if i:
                current.append(b",")
            _render(item, current, pieces)
        current.append(b"]")


def _holds_id(value: Any) -> bool:
    if value is NEW_ID:
        return True
    if isinstance(value, dict):
        return any(_holds_id(item) for item in value.values())
    if isinstance(value, list):
        return any(_holds_id(item) for item in value)
    return False


def refusal_answer(error: APIError) -> Answer:
    """The answer to a refused request, kept for its key."""
    refused = error.response()
    return Answer(refused.status_code, bytes(refused.body))


def _json(content: Any) -> bytes:
    return json.dumps(
        content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")
