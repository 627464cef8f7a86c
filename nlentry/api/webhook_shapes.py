"""The answers of ``/webhooks``: their pydantic models (what the OpenAPI document shows)
and the plain dicts the handlers answer with.

Timestamps are written with the caller's offset (``nlentry.api.user_time``). A
subscription's secret is only ever in the create answer (``new_webhook_json``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from nlentry.api.user_time import local_timestamp

_ID = Annotated[int, Field(ge=1)]
_TIMESTAMP = Annotated[dt.datetime, Field(examples=["2026-03-18T10:30:00+01:00"])]
EventType = Literal["time_entry.created", "time_entry.updated", "time_entry.deleted",
                    "timer.started", "timer.stopped", "*"]  # fmt: skip


class Webhook(BaseModel):
    """One of the caller's webhook subscriptions (never its secret)."""

    id: _ID
    url: str
    events: list[EventType] = Field(description="the event types sent (`*`: all)")
    description: str
    active: bool = Field(description="false: nothing is sent (paused, or disabled: see "
                                     "`disabled_reason`)")
    all_users: bool = Field(description="the events of every user of the workspace (while "
                                        "the owner is an admin), else the owner's own")
    disabled_reason: str | None = Field(
        description="why deliveries stopped by themselves (a `410`, or 10 events in a row "
                    "that failed every attempt); null otherwise")
    consecutive_failures: int = Field(
        description="events in a row that failed every attempt (a delivery resets it)")
    created_at: _TIMESTAMP
    updated_at: _TIMESTAMP


class NewWebhook(Webhook):
    """A new subscription, with its secret: shown in this answer only."""

    secret: str = Field(description="`whsec_` and a base64 key: verify each delivery's "
                                    "`webhook-signature` with it; store it now, it is never "
                                    "shown again")


class WebhookDelivery(BaseModel):
    """One delivery of one event to the subscription."""

    id: _ID
    event_id: str = Field(description="the event's id: the `webhook-id` of every attempt")
    type: str = Field(description="the event type (`ping` for a ping)")
    status: Literal["pending", "delivered", "failed"]
    attempts: int = Field(description="attempts made so far")
    response_status: int | None = Field(description="the status of the last answer; null: "
                                                    "none yet, or no answer")
    last_error: str | None = Field(description="what went wrong with the last attempt")
    next_attempt_at: _TIMESTAMP | None = Field(description="when it is tried next (pending)")
    delivered_at: _TIMESTAMP | None
    created_at: _TIMESTAMP


#: What a create or update answer adds to the entry: not part of an event's ``data``.
PARSE_NOTES = ("warnings", "candidates")


def entry_event_data(answer: dict[str, Any]) -> dict[str, Any]:
    """An event's ``data`` from an entry's answer: the entry alone (the parser's notes
    left out; ``id`` too, for the entry writer to put first once the row has one)."""
    return {key: value for key, value in answer.items() if key not in (*PARSE_NOTES, "id")}


def webhook_json(row: Any, caller: Any) -> dict[str, Any]:
    """A subscription row as ``Webhook``, its timestamps in ``caller``'s zone."""
    return {
        "id": row.id,
        "url": row.url,
        "events": list(row.events or ()),
        "description": row.description or "",
        "active": row.active,
        "all_users": row.all_users,
        "disabled_reason": row.disabled_reason,
        "consecutive_failures": row.consecutive_failures,
        "created_at": local_timestamp(row.created_at, caller),
        "updated_at": local_timestamp(row.updated_at, caller),
    }


def new_webhook_json(row: Any, caller: Any) -> dict[str, Any]:
    return {**webhook_json(row, caller), "secret": row.secret}


def delivery_json(delivery: Any, event: Any, caller: Any) -> dict[str, Any]:
    """A delivery row and its event as ``WebhookDelivery``."""
    return {
        "id": delivery.id,
        "event_id": event.uid,
        "type": event.type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "response_status": delivery.response_status,
        "last_error": delivery.last_error,
        "next_attempt_at": (local_timestamp(delivery.next_attempt_at, caller)
                            if delivery.status == "pending" else None),
        "delivered_at": local_timestamp(delivery.delivered_at, caller),
        "created_at": local_timestamp(delivery.created_at, caller),
    }
