"""``Idempotency-Key``: the same key from the same user returns the first answer.

A key is claimed by inserting its row in the same transaction as the entry,
so of two racing requests one commits and the other hits the unique
``(user_id, key)`` constraint, rolls back and replays the stored answer.
A key is kept 24 hours; the same key with another request body is 422.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.responses import Response

from nlentry.storage.models import IdempotencyKey, utcnow

from .handlers import Call
from .validation import FieldErrors

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 128
KEEP_FOR = dt.timedelta(hours=24)


def read_key(call: Call) -> str | None:
    """The request's key, or None; 422 when it is blank or too long."""
    key = call.headers.get(HEADER)
    if key is None:
        return None
    errors = FieldErrors(call.locale)
    if not key.strip():
        errors.add(HEADER, "blank")
    elif len(key) > MAX_KEY_LENGTH:
        errors.add(HEADER, "too_long")
    errors.raise_if_any()
    return key


def fingerprint(fields: dict[str, Any]) -> str:
    """A hash of the request's fields, to tell a retry from another request."""
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def find_claim(session: Session, user_id: int, key: str) -> IdempotencyKey | None:
    """The live (under 24 hours old) claim of ``key`` by the user."""
    return session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.user_id == user_id,
            IdempotencyKey.key == key,
            IdempotencyKey.created_at >= utcnow() - KEEP_FOR,
        )
    )


def claim(session: Session, user_id: int, key: str, request_hash: str) -> IdempotencyKey | None:
    """Claim ``key`` in the session's transaction; None (rolled back) when already taken."""
    session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.user_id == user_id,
            IdempotencyKey.key == key,
            IdempotencyKey.created_at < utcnow() - KEEP_FOR,
        )
    )
    row = IdempotencyKey(user_id=user_id, key=key, request_hash=request_hash)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return None
    return row


def record(row: IdempotencyKey, response: Response) -> None:
    """Keep ``response`` as the answer to the claimed key."""
    row.status_code = response.status_code
    row.response_body = bytes(response.body).decode("utf-8")


def replay(call: Call, claimed: IdempotencyKey, request_hash: str) -> Response:
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
