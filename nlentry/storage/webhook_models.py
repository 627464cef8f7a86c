"""The webhook tables: subscriptions, the outbox of events, and their deliveries.

* ``webhook_subscriptions``: a user's URL for some event types. ``all_users``
  asks for the events of every user of the workspace; it counts only while the
  owner is an admin (checked when an event is written, so a demoted admin's
  subscription falls back to their own events). ``secret`` (``whsec_...``)
  signs every delivery; it is kept as it is, since signing needs it.
* ``webhook_events``: the outbox. A row is written in the transaction of the
  change it announces (``nlentry.storage.webhook_outbox``); ``uid`` is its
  public id, the ``webhook-id`` header of every attempt; ``id`` orders a
  user's events.
* ``webhook_deliveries``: one per event and subscription that wants it, with
  its state (``pending``, ``delivered``, ``failed``), attempts and the last
  answer. ``claim`` and ``claimed_until`` are the lease of the worker sending
  it (``nlentry.storage.webhook_deliveries``). ``entry_id`` is the event's,
  copied so that the order of one entry's deliveries is one index away.

Rows older than 7 days are pruned (``webhook_deliveries.prune``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from nlentry.limits import MAX_NAME_LENGTH, MAX_WEBHOOK_URL_LENGTH
from nlentry.storage.models import Base, utcnow

#: The states of a delivery.
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
DELIVERY_STATES = (PENDING, DELIVERED, FAILED)

# ids are never used twice (as for every table of nlentry.storage.models)
_IDS_NEVER_REUSED = {"sqlite_autoincrement": True}


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscriptions"
    __table_args__ = (
        Index("ix_webhook_subscriptions_workspace", "workspace_id", "active"),
        Index("ix_webhook_subscriptions_user", "user_id"),
        _IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(MAX_WEBHOOK_URL_LENGTH))
    events: Mapped[list] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(String(MAX_NAME_LENGTH), default="",
                                             server_default="")  # fmt: skip
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    all_users: Mapped[bool] = mapped_column(default=False, server_default=false())
    secret: Mapped[str] = mapped_column(String(128))
    disabled_reason: Mapped[str | None] = mapped_column(String(MAX_NAME_LENGTH), nullable=True)
    # events in a row whose deliveries used up every attempt; a delivery resets it
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class WebhookEvent(Base):
    __tablename__ = "webhook_events"
    __table_args__ = (Index("ix_webhook_events_created", "created_at"), _IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(40))  # "evt_" + 24 hex digits: the webhook-id
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))  # who acted
    type: Mapped[str] = mapped_column(String(32))
    entry_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # no key: may be deleted
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "subscription_id", name="uq_webhook_deliveries_event_sub"),
        # what is due: pending ones by their next attempt
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        # one entry's deliveries to one subscription, in event order
        Index("ix_webhook_deliveries_order", "subscription_id", "entry_id", "event_id"),
        # a subscription's log, newest first; and the pruning
        Index("ix_webhook_deliveries_log", "subscription_id", "created_at"),
        _IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("webhook_events.id", ondelete="CASCADE"))
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    entry_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=PENDING, server_default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    claim: Mapped[str | None] = mapped_column(String(32), nullable=True)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    response_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
