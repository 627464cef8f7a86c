"""API tokens: random, shown once, stored only as a SHA-256 hash.

A token reads ``<public id>.<secret>``. The public id finds the row; the hash
of the whole token is compared in constant time. A public id is letters,
digits, ``-`` and ``_`` (``issue_token`` makes hex ones): anything else, a NUL
above all (PostgreSQL refuses one in text), is no token and is never looked up.

A token has a ``name``, ``scopes`` (space separated in the row) and an
optional ``expires_at``: an expired token is no token (``token_owner`` and
``find_token`` refuse it). ``last_used_at`` is recorded at most once a
``USE_RECORD_INTERVAL`` per token (``record_use``), never as a write per request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from nlentry.storage.models import ApiToken, User, Workspace, utcnow

_SEPARATOR = "."
#: ``last_used_at`` is at most this old while a token is in use (``record_use``).
USE_RECORD_INTERVAL = dt.timedelta(seconds=60)
_PUBLIC_ID = re.compile(r"[0-9A-Za-z_-]{1,32}")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def public_id_of(token: str) -> str | None:
    public_id, separator, secret = token.partition(_SEPARATOR)
    if not separator or not secret or not _PUBLIC_ID.fullmatch(public_id):
        return None
    return public_id


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``value`` is shown to its owner once and never stored."""

    id: int
    value: str


@dataclass(frozen=True)
class TokenOwner:
    """The user a live token belongs to, with what a request needs to know of them."""

    token_id: int
    user_id: int
    workspace_id: int
    email: str
    display_name: str
    locale: str
    catalog_versions: tuple[int, int]  # (workspace, user)
    role: str = "member"  # "admin" or "member"
    timezone: str | None = None  # an IANA name; None: the server's default
    scopes: frozenset[str] = frozenset({"admin:all"})
    expires_at: dt.datetime | None = None  # naive UTC; None: until revoked
    last_used_at: dt.datetime | None = None  # naive UTC, as stored when looked up

    def expired(self, now: dt.datetime) -> bool:
        """Whether the token has expired at ``now`` (naive UTC)."""
        return self.expires_at is not None and self.expires_at <= now

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _owner_query(where):
    """The token row with its user and workspace, for a live token matching ``where``."""
    return (
        select(
            ApiToken.id,
            ApiToken.secret_hash,
            User.id,
            User.workspace_id,
            User.email,
            User.display_name,
            User.locale,
            User.catalog_version,
            Workspace.catalog_version,
            User.role,
            User.timezone,
            ApiToken.scopes,
            ApiToken.expires_at,
            ApiToken.last_used_at,
        )
        .join(User, User.id == ApiToken.user_id)
        .join(Workspace, Workspace.id == User.workspace_id)
        .where(
            where,
            ApiToken.revoked_at.is_(None),
            or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > bindparam("now")),
        )
    )


#: Built once: by the token's public id, and by its id.
_OWNER_BY_PUBLIC_ID = _owner_query(ApiToken.public_id == bindparam("public_id"))
_OWNER_BY_ID = _owner_query(ApiToken.id == bindparam("token_id"))


def token_owner(session: Session, token: str, email: str | None = None) -> TokenOwner | None:
    """The owner of the live ``token`` (and of ``email``, when given), or ``None``."""
    public_id = public_id_of(token)
    if public_id is None:
        return None
    row = session.execute(
        _OWNER_BY_PUBLIC_ID, {"public_id": public_id, "now": utcnow()}
    ).one_or_none()
    if row is None or not hmac.compare_digest(row[1], hash_token(token)):
        return None
    if email is not None and normalize_email(email) != row[4]:
        return None
    return _owner(row)


def token_owner_by_id(session: Session, token_id: int) -> TokenOwner | None:
    """The owner of the live token ``token_id``, or ``None``: for a caller inside the
    service (a chat link acts through its token, whose secret nobody kept)."""
    row = session.execute(_OWNER_BY_ID, {"token_id": token_id, "now": utcnow()}).one_or_none()
    return None if row is None else _owner(row)


def _owner(row) -> TokenOwner:
    (token_id, _, user_id, workspace_id, owner_email, display_name, locale,
     user_version, workspace_version, role, timezone, scopes, expires_at, last_used_at) = row
    return TokenOwner(token_id, user_id, workspace_id, owner_email, display_name, locale,
                      (workspace_version, user_version), role, timezone,
                      frozenset(scopes.split()), expires_at, last_used_at)


def normalize_email(email: str) -> str:
    """How an e-mail address is stored and compared: trimmed, lower case."""
    return email.strip().lower()


def issue_token(
    session: Session,
    user: User | int,
    *,
    name: str = "",
    scopes: tuple[str, ...] = ("admin:all",),
    expires_at: dt.datetime | None = None,
    expires_in: dt.timedelta | None = None,
) -> IssuedToken:
    """A new token of ``user`` (a row or its id) with ``scopes`` (names checked by the
    caller), until ``expires_at`` (naive UTC), or ``expires_in`` after its creation
    (None for both: until revoked)."""
    user_id = user if isinstance(user, int) else user.id
    public_id = secrets.token_hex(6)
    value = f"{public_id}{_SEPARATOR}{secrets.token_urlsafe(32)}"
    now = utcnow()
    if expires_in is not None:  # from the very instant it is created at
        expires_at = now + expires_in
    row = ApiToken(user_id=user_id, public_id=public_id, secret_hash=hash_token(value),
                   name=name, scopes=" ".join(scopes), expires_at=expires_at,
                   created_at=now)  # fmt: skip
    session.add(row)
    session.flush()
    return IssuedToken(row.id, value)


def find_token(session: Session, token: str) -> ApiToken | None:
    """The live (not revoked) token row matching ``token``, with its user."""
    public_id = public_id_of(token)
    if public_id is None:
        return None
    row = session.scalar(
        select(ApiToken).where(
            ApiToken.public_id == public_id,
            ApiToken.revoked_at.is_(None),
            or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > utcnow()),
        )
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


def live_tokens(session: Session, user_id: int) -> list[ApiToken]:
    """``user_id``'s tokens that are not revoked (expired ones included), oldest first."""
    return list(session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.id)
    ))  # fmt: skip


def revoke_own_token(session: Session, user_id: int, token_id: int) -> bool:
    """Revoke ``user_id``'s token ``token_id``; false when it is not theirs or revoked."""
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.user_id == user_id,
               ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )  # fmt: skip
    return result.rowcount == 1


def record_use(session: Session, token_id: int, now: dt.datetime | None = None) -> None:
    """``last_used_at = now`` for ``token_id`` unless it is already within
    ``USE_RECORD_INTERVAL`` of it (a row another worker touched is left alone)."""
    now = now or utcnow()
    session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id,
               or_(ApiToken.last_used_at.is_(None),
                   ApiToken.last_used_at <= now - USE_RECORD_INTERVAL))
        .values(last_used_at=now)
    )  # fmt: skip
