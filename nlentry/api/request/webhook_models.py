"""The fields the ``/webhooks`` operations read, as pydantic models.

Every model is ``Strict``: a field it does not know is refused, 422 naming it.
Fields not given stay unset (``read_model``). A URL's syntax is checked here;
whether its host is one a webhook may reach (``nlentry.api.webhook_urls``)
is asked by the handler, which may resolve the name.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema

from nlentry.api.pagination import PageQuery
from nlentry.api.request.fields import Boolean, Messages, Strict, is_blank, optional_text, refuse
from nlentry.api.webhook_urls import UrlRefused, parse_url
from nlentry.limits import MAX_NAME_LENGTH, MAX_WEBHOOK_URL_LENGTH
from nlentry.storage.webhook_outbox import ALL_EVENTS, EVENT_TYPES

EXAMPLE_URL = "https://hooks.example.com/nlentry"


def _event_list(value: Any) -> list[str]:
    """A JSON list, repeated form fields, or one string of event types separated by
    commas or spaces; each an event type or ``*`` (which stands for all, alone)."""
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise refuse("invalid")
    names = list(dict.fromkeys(item.strip() for item in value if item.strip()))
    if not names:
        raise refuse("blank")
    if any(name not in EVENT_TYPES and name != ALL_EVENTS for name in names):
        raise refuse("invalid_event")
    return [ALL_EVENTS] if ALL_EVENTS in names else names


def _url(value: Any) -> str:
    if is_blank(value):
        raise refuse("blank")
    if not isinstance(value, str) or "\x00" in value:
        raise refuse("invalid_url")
    if len(value.strip()) > MAX_WEBHOOK_URL_LENGTH:
        raise refuse("too_long")
    try:
        parse_url(value)
    except UrlRefused:
        raise refuse("invalid_url") from None
    return value.strip()


def _description(value: Any) -> str:
    text = optional_text(value)
    return "" if text is None else text.strip()


EventList = Annotated[
    list[str], BeforeValidator(_event_list), Messages(invalid_event="invalid_event"),
    WithJsonSchema({"type": "array",
                    "items": {"type": "string", "enum": [*EVENT_TYPES, ALL_EVENTS]},
                    "examples": [["timer.started", "timer.stopped"], ["*"]],
                    "description": "a list, or one string of event types separated by commas; "
                                   "`*`: every type (default)"}),
]
WebhookUrl = Annotated[
    str, BeforeValidator(_url), Messages(invalid_url="invalid_url"),
    WithJsonSchema({"type": "string", "maxLength": MAX_WEBHOOK_URL_LENGTH,
                    "examples": [EXAMPLE_URL],
                    "description": "`http` or `https`, to a public address (loopback, private "
                                   "and link-local ones are refused)"}),
]
WebhookDescription = Annotated[
    str, Field(max_length=MAX_NAME_LENGTH), BeforeValidator(_description),
    WithJsonSchema({"anyOf": [{"type": "string", "maxLength": MAX_NAME_LENGTH},
                              {"type": "null"}],
                    "description": "what the subscription is for; null or blank: none"}),
]


class WebhookInput(Strict):
    """A change of a subscription: the fields given."""

    url: WebhookUrl = None  # type: ignore[assignment]
    events: EventList = None  # type: ignore[assignment]
    description: WebhookDescription = None  # type: ignore[assignment]
    active: Boolean = Field(  # type: ignore[assignment]
        None, description="false pauses deliveries; true resumes them (and forgets "
                          "`disabled_reason`)",
    )
    all_users: Boolean = Field(  # type: ignore[assignment]
        None, description="admins only: the events of every user of the workspace, not only "
                          "the caller's own (default false)",
    )


class WebhookCreate(WebhookInput):
    """A new subscription of the caller."""

    url: WebhookUrl


class NoBody(Strict):
    """No fields: an operation without a body refuses every field."""


class DeliveryQuery(PageQuery):
    """The page of ``GET /webhooks/{id}/deliveries``."""
