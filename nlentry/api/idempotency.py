"""``Idempotency-Key``: the same key from the same user returns the first answer.

The key is claimed by inserting its row in the same transaction as the
entry, so of two racing requests one commits and the other hits the unique
``(user_id, key)`` constraint, rolls back and replays the stored answer.
A key is kept 24 hours; the same key with another request body is 422.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from starlette.responses import Response

from nlentry.storage.models import IdempotencyKey, utcnow

from .errors import APIError
from .handlers import Call
from .validation import FieldErrors

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 128
KEEP_FOR = dt.timedelta(hours=24)
_CLAIM_ATTEMPTS = 5


def fingerprint(fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def idempotent(call: Call, create: Callable[[Call], Response]) -> Response:
    """Run ``create`` once per key; replay its answer for a repeated key."""
    key = call.headers.get(HEADER)
    if key is None:
        return create(call)
    errors = FieldErrors(call.locale)
    if not key.strip():
        errors.add(HEADER, "blank")
    elif len(key) > MAX_KEY_LENGTH:
        errors.add(HEADER, "too_long")
    errors.raise_if_any()
    request_hash = fingerprint(call.fields)
    session = call.session
    for _ in range(_CLAIM_ATTEMPTS):
        session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.user_id == call.caller.user_id,
                IdempotencyKey.key == key,
                IdempotencyKey.created_at < utcnow() - KEEP_FOR,
            )
        )
        claimed = session.scalar(
            select(IdempotencyKey).where(
                IdempotencyKey.user_id == call.caller.user_id, IdempotencyKey.key == key
            )
        )
        if claimed is not None:
            return _replay(call, claimed, request_hash)
        row = IdempotencyKey(user_id=call.caller.user_id, key=key, request_hash=request_hash)
        session.add(row)
        try:
            session.flush()
        except IntegrityError:  # another request claimed it first: read its answer
            session.rollback()
            continue
        response = _answer(call, create)
        row.status_code = response.status_code
        row.response_body = bytes(response.body).decode("utf-8")
        return response
    raise RuntimeError("could not claim an idempotency key")


def _answer(call: Call, create: Callable[[Call], Response]) -> Response:
    """The answer to store: errors included, with nothing but the key kept for them."""
    savepoint = call.session.begin_nested()
    try:
        response = create(call)
    except APIError as error:
        savepoint.rollback()
        return error.response()
    savepoint.commit()
    return response


def _replay(call: Call, claimed: IdempotencyKey, request_hash: str) -> Response:
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
