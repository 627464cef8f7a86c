"""API tokens: random, shown once, stored only as a SHA-256 hash.

A token reads ``<public id>.<secret>``. The public id finds the row; the hash
of the whole token is compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from nlentry.storage.models import ApiToken, User, utcnow

_SEPARATOR = "."


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def public_id_of(token: str) -> str | None:
    public_id, separator, secret = token.partition(_SEPARATOR)
    if not separator or not public_id or not secret or len(public_id) > 32:
        return None
    return public_id


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``value`` is shown to its owner once and never stored."""

    id: int
    value: str


def issue_token(session: Session, user: User) -> IssuedToken:
    public_id = secrets.token_hex(6)
    value = f"{public_id}{_SEPARATOR}{secrets.token_urlsafe(32)}"
    row = ApiToken(user_id=user.id, public_id=public_id, secret_hash=hash_token(value))
    session.add(row)
    session.flush()
    return IssuedToken(row.id, value)


def find_token(session: Session, token: str) -> ApiToken | None:
    """The live (not revoked) token row matching ``token``, with its user."""
    public_id = public_id_of(token)
    if public_id is None:
        return None
    row = session.scalar(
        select(ApiToken).where(ApiToken.public_id == public_id, ApiToken.revoked_at.is_(None))
    )
    if row is None or not hmac.compare_digest(row.secret_hash, hash_token(token)):
        return None
    return row


def revoke_token(session: Session, token: str) -> bool:
    """Revoke ``token``; false when it is unknown or already revoked."""
    row = find_token(session, token)
    if row is None:
        return False
    row.revoked_at = utcnow()
    return True


def revoke_user_tokens(session: Session, user: User) -> int:
    """Revoke every live token of ``user``; the number revoked."""
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return result.rowcount
