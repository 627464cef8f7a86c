"""Chat links, one-time link codes and handled deliveries (``nlentry.storage.chat_models``).

A link acts through a token of its user made for it (``issue_token``; its
secret is never kept, the link finds it by id): the link lives while that
token does. Linking again replaces the link (its old token revoked);
unlinking deletes the link and revokes its token. A code is eight letters and
digits without look-alikes (``K7QF-M2XD``), kept as a SHA-256 hash, and used
at most once (the ``UPDATE`` that marks it used is the check).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nlentry.storage.api_tokens import issue_token
from nlentry.storage.chat_models import ChatDelivery, ChatLink, ChatLinkCode
from nlentry.storage.models import ApiToken, User, utcnow

#: How long a link code may be used.
CODE_LIFETIME = dt.timedelta(minutes=10)
#: How long a handled delivery is remembered (a platform retries within minutes).
DELIVERY_MEMORY = dt.timedelta(days=1)
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
_CODE_LENGTH = 8


@dataclass(frozen=True)
class Identity:
    """A chat user as the platform names them, and the chat they write in."""

    platform: str
    team: str
    chat_user: str
    chat: str = ""


@dataclass(frozen=True)
class LinkInfo:
    id: int
    user_id: int
    token_id: int
    locale: str
    email: str
    timezone: str | None = None  # the user's own zone (None: the server's default)
    last_entry_ids: tuple[int, ...] = ()  # what the link's last storing message stored


def normalize_code(text: str) -> str:
    """A code as stored: letters upper case, anything but letters and digits dropped."""
    return "".join(ch for ch in text.upper() if ch.isascii() and ch.isalnum())


def _hash(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def new_code(session: Session, who: Identity, now: dt.datetime | None = None) -> str:
    """A new code for ``who`` (shown as ``ABCD-EFGH``), valid for ``CODE_LIFETIME``."""
    now = now or utcnow()
    code = "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_LENGTH))
    session.add(ChatLinkCode(code_hash=_hash(code), platform=who.platform, team=who.team,
                             chat_user=who.chat_user, chat=who.chat,
                             expires_at=now + CODE_LIFETIME, created_at=now))  # fmt: skip
    session.execute(delete(ChatLinkCode).where(ChatLinkCode.expires_at < now - CODE_LIFETIME))
    return f"{code[:4]}-{code[4:]}"


def use_code(session: Session, code: str, now: dt.datetime | None = None) -> Identity | None:
    """Who asked for ``code``, marking it used; None when unknown, used or expired."""
    now = now or utcnow()
    code_hash = _hash(code)
    used = session.execute(
        update(ChatLinkCode)
        .where(ChatLinkCode.code_hash == code_hash, ChatLinkCode.used_at.is_(None),
               ChatLinkCode.expires_at > now)
        .values(used_at=now)
    )  # fmt: skip
    if used.rowcount != 1:
        return None
    row = session.scalars(select(ChatLinkCode).where(ChatLinkCode.code_hash == code_hash)).one()
    return Identity(row.platform, row.team, row.chat_user, row.chat)


def find_link(session: Session, platform: str, team: str, chat_user: str) -> LinkInfo | None:
    """The live link of a chat user (its token not revoked), or None."""
    row = session.execute(
        select(ChatLink.id, ChatLink.user_id, ChatLink.token_id, User.locale, User.email,
               User.timezone, ChatLink.last_entry_ids)
        .join(ApiToken, ApiToken.id == ChatLink.token_id)
        .join(User, User.id == ChatLink.user_id)
        .where(ChatLink.platform == platform, ChatLink.team == team,
               ChatLink.chat_user == chat_user, ApiToken.revoked_at.is_(None))
    ).one_or_none()  # fmt: skip
    if row is None:
        return None
    *head, ids = row
    return LinkInfo(*head, last_entry_ids=tuple(ids or ()))


def link(session: Session, who: Identity, user_id: int, scopes: tuple[str, ...]) -> int:
    """Link ``who`` to ``user_id`` with a new token holding ``scopes``; the link's id.
    An earlier link of ``who`` is replaced and its token revoked."""
    unlink(session, who.platform, who.team, who.chat_user)
    name = f"chat: {who.platform} {who.team}/{who.chat_user}".replace(" /", " ")[:100]
    token = issue_token(session, user_id, name=name, scopes=scopes)
    row = ChatLink(platform=who.platform, team=who.team, chat_user=who.chat_user, chat=who.chat,
                   user_id=user_id, token_id=token.id, last_entry_ids=[])  # fmt: skip
    session.add(row)
    session.flush()
    return row.id


def unlink(session: Session, platform: str, team: str, chat_user: str) -> bool:
    """Remove the link of a chat user and revoke its token; false when there was none."""
    row = session.scalars(
        select(ChatLink).where(ChatLink.platform == platform, ChatLink.team == team,
                               ChatLink.chat_user == chat_user)
    ).one_or_none()  # fmt: skip
    if row is None:
        return False
    session.execute(update(ApiToken).where(ApiToken.id == row.token_id,
                                           ApiToken.revoked_at.is_(None))
                    .values(revoked_at=utcnow()))  # fmt: skip
    session.delete(row)
    session.flush()
    return True


def remember_entry_ids(session: Session, link_id: int, ids: list[int]) -> None:
    session.execute(update(ChatLink).where(ChatLink.id == link_id)
                    .values(last_entry_ids=list(ids)))  # fmt: skip


def claim_delivery(session: Session, platform: str, delivery: str) -> tuple[bool, str | None]:
    """``(True, None)`` when ``delivery`` is new (now claimed); else ``(False, reply)``:
    the reply kept for it, None while it is still being handled."""
    try:
        with session.begin_nested():
            session.add(ChatDelivery(platform=platform, delivery=delivery))
    except IntegrityError:
        reply = session.scalar(select(ChatDelivery.reply).where(
            ChatDelivery.platform == platform, ChatDelivery.delivery == delivery))  # fmt: skip
        return False, reply
    session.execute(delete(ChatDelivery).where(ChatDelivery.created_at
                                               < utcnow() - DELIVERY_MEMORY))  # fmt: skip
    return True, None


def arrive(session: Session, platform: str, delivery: str, team: str, chat_user: str
           ) -> tuple[bool, str | None, LinkInfo | None]:  # fmt: skip
    """A delivery's first transaction: ``claim_delivery``, and (when claimed) the chat
    user's live link, ``find_link``: ``(claimed, kept reply, link)``."""
    claimed, kept = claim_delivery(session, platform, delivery)
    return claimed, kept, find_link(session, platform, team, chat_user) if claimed else None


def settle(session: Session, platform: str, delivery: str, reply: str | None,
           link_id: int | None = None, entry_ids: list[int] | None = None) -> None:  # fmt: skip
    """A delivery's last transaction: the ``reply`` kept for its retries (None: it
    failed, and is forgotten, so that a retry is handled anew), and what it stored
    remembered on its link (``entry_ids``, when it changed that)."""
    where = (ChatDelivery.platform == platform, ChatDelivery.delivery == delivery)
    if reply is None:
        session.execute(delete(ChatDelivery).where(*where))
    else:
        session.execute(update(ChatDelivery).where(*where).values(reply=reply))
    if link_id is not None and entry_ids is not None:
        remember_entry_ids(session, link_id, entry_ids)
