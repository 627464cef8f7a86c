"""A user's webhook subscriptions and their delivery log (``/webhooks``).

A subscription is its owner's alone: every lookup here is by the owner's id,
so another user's (an admin of the same workspace included) is not found.
The log shows the deliveries of the last ``WEBHOOK_LOG_DAYS`` days, newest
first. Sending is ``nlentry.storage.webhook_deliveries``'s; writing events
``nlentry.storage.webhook_outbox``'s.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from nlentry.limits import WEBHOOK_LOG_DAYS
from nlentry.storage.models import utcnow
from nlentry.storage.webhook_models import (
    PENDING,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)

#: The bytes of a signing secret (Standard Webhooks: 24 to 64).
SECRET_BYTES = 32


def new_secret() -> str:
    """``whsec_`` and the base64 of random bytes: the secret a subscription signs with."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def subscriptions_of(session: Session, user_id: int) -> list[WebhookSubscription]:
    """The user's subscriptions, oldest first."""
    query = select(WebhookSubscription).where(WebhookSubscription.user_id == user_id)
    return list(session.scalars(query.order_by(WebhookSubscription.id)))


def count_of(session: Session, user_id: int) -> int:
    query = select(func.count()).where(WebhookSubscription.user_id == user_id)
    return session.scalar(query) or 0


def find_subscription(session: Session, user_id: int,
                      subscription_id: int) -> WebhookSubscription | None:  # fmt: skip
    """The user's own subscription ``subscription_id``; None for anyone else's."""
    found = session.get(WebhookSubscription, subscription_id)
    return found if found is not None and found.user_id == user_id else None


def create_subscription(session: Session, user_id: int, workspace_id: int,
                        values: dict[str, Any], now: dt.datetime | None = None,
                        ) -> WebhookSubscription:  # fmt: skip
    """A new subscription of the user with ``values`` (``url``, ``events``, ...) and a
    new secret."""
    now = now or utcnow()
    row = WebhookSubscription(
        workspace_id=workspace_id, user_id=user_id, url=values["url"],
        events=values.get("events") or ["*"], description=values.get("description") or "",
        active=values.get("active", True), all_users=values.get("all_users", False),
        secret=new_secret(), consecutive_failures=0, created_at=now, updated_at=now,
    )
    session.add(row)
    session.flush()
    return row


def update_subscription(session: Session, row: WebhookSubscription, values: dict[str, Any],
                        now: dt.datetime | None = None) -> WebhookSubscription:  # fmt: skip
    """Apply ``values``. Made active again, a subscription forgets why it was disabled and
    its run of failures, and its pending deliveries are due at once."""
    now = now or utcnow()
    reactivated = values.get("active") is True and not row.active
    for name in ("url", "events", "description", "active", "all_users"):
        if name in values:
            setattr(row, name, values[name] if name != "description" else values[name] or "")
    if reactivated:
        row.disabled_reason = None
        row.consecutive_failures = 0
        d = WebhookDelivery
        session.execute(update(d).where(d.subscription_id == row.id, d.status == PENDING)
                        .values(next_attempt_at=now))  # fmt: skip
    row.updated_at = now
    session.flush()
    return row


def delete_subscription(session: Session, row: WebhookSubscription) -> None:
    """Delete the subscription and its deliveries (their events stay, for others)."""
    session.query(WebhookDelivery).filter(WebhookDelivery.subscription_id == row.id).delete(
        synchronize_session=False
    )
    session.delete(row)
    session.flush()


def recent_deliveries(session: Session, subscription_id: int, offset: int, limit: int,
                      now: dt.datetime | None = None,
                      ) -> list[tuple[WebhookDelivery, WebhookEvent]]:  # fmt: skip
    """The subscription's deliveries of the last ``WEBHOOK_LOG_DAYS`` days, newest first,
    each with its event."""
    cutoff = (now or utcnow()) - dt.timedelta(days=WEBHOOK_LOG_DAYS)
    d, e = WebhookDelivery, WebhookEvent
    query = (select(d, e).join(e, e.id == d.event_id)
             .where(d.subscription_id == subscription_id, d.created_at >= cutoff)
             .order_by(d.id.desc()).offset(offset).limit(limit))  # fmt: skip
    return [(delivery, event) for delivery, event in session.execute(query)]


def find_delivery(session: Session, subscription_id: int, delivery_id: int,
                  now: dt.datetime | None = None,
                  ) -> tuple[WebhookDelivery, WebhookEvent] | None:  # fmt: skip
    """Delivery ``delivery_id`` of the subscription, with its event, if still in the log."""
    cutoff = (now or utcnow()) - dt.timedelta(days=WEBHOOK_LOG_DAYS)
    d, e = WebhookDelivery, WebhookEvent
    query = select(d, e).join(e, e.id == d.event_id).where(
        d.id == delivery_id, d.subscription_id == subscription_id, d.created_at >= cutoff
    )
    found = session.execute(query).first()
    return None if found is None else (found[0], found[1])


def redeliver(session: Session, delivery: WebhookDelivery,
              now: dt.datetime | None = None) -> WebhookDelivery:  # fmt: skip
    """Send the delivery again: pending and due at once, with every attempt again
    (one being sent now is left to finish)."""
    now = now or utcnow()
    being_sent = delivery.status == PENDING and delivery.claimed_until is not None \
        and delivery.claimed_until > now
    if not being_sent:
        if delivery.status != PENDING:
            delivery.attempts = 0
        delivery.status = PENDING
        delivery.next_attempt_at = now
        delivery.delivered_at = None
        delivery.claim = None
        delivery.claimed_until = None
    session.flush()
    return delivery


def delivery_with_event(session: Session,
                        delivery_id: int) -> tuple[WebhookDelivery, WebhookEvent]:  # fmt: skip
    d, e = WebhookDelivery, WebhookEvent
    found = session.execute(select(d, e).join(e, e.id == d.event_id).where(d.id == delivery_id))
    delivery, event = found.one()
    return delivery, event
