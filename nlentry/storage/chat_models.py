"""The chat tables: links of chat users to nlentry users, one-time link codes, and
the deliveries already handled.

* ``chat_links``: one per (platform, team, chat user): the nlentry user it acts as,
  and the token it acts with (``token_id``: a token of that user made for the link,
  whose secret was never kept; revoking it, ``DELETE /tokens``, ends the link).
  ``last_entry_ids`` are the entries the link's last message stored (``undo``).
* ``chat_link_codes``: a code offered to a chat user who is not linked yet: stored
  as a SHA-256 hash, valid for ten minutes, used once, bound to the chat user and
  chat that asked for it.
* ``chat_deliveries``: each delivery handled (a Slack ``trigger_id``, a Telegram
  ``update_id``), with the reply given, so that a retried delivery is answered the
  same and acts no more. Rows older than a day are pruned.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nlentry.storage.models import Base, utcnow

_IDS_NEVER_REUSED = {"sqlite_autoincrement": True}


class ChatLink(Base):
    __tablename__ = "chat_links"
    __table_args__ = (
        UniqueConstraint("platform", "team", "chat_user", name="uq_chat_links_identity"),
        _IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    team: Mapped[str] = mapped_column(String(64))
    chat_user: Mapped[str] = mapped_column(String(64))
    chat: Mapped[str] = mapped_column(String(64), default="")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"))
    last_entry_ids: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ChatLinkCode(Base):
    __tablename__ = "chat_link_codes"
    __table_args__ = (_IDS_NEVER_REUSED,)

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    platform: Mapped[str] = mapped_column(String(16))
    team: Mapped[str] = mapped_column(String(64))
    chat_user: Mapped[str] = mapped_column(String(64))
    chat: Mapped[str] = mapped_column(String(64), default="")
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ChatDelivery(Base):
    __tablename__ = "chat_deliveries"
    __table_args__ = (
        UniqueConstraint("platform", "delivery", name="uq_chat_deliveries_delivery"),
        _IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    delivery: Mapped[str] = mapped_column(String(128))
    reply: Mapped[str | None] = mapped_column(Text, nullable=True)  # None: being handled
    status: Mapped[int] = mapped_column(Integer, default=200)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
