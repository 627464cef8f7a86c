"""What the conversation layer and the platform adapters say to each other.

An adapter (``nlentry.api.chat``: Slack, Mattermost, Telegram) verifies a
delivery, translates it into an ``Incoming`` and renders the ``Reply`` the
conversation gives back (Slack blocks, a Telegram inline keyboard, Mattermost
text). The conversation (``nlentry.chat.conversation``) knows no platform: it
reads the message, acts as the linked user through ``Api`` (the service's own
HTTP API, called in-process with the link's token: the same scopes, rate
limits, webhooks and isolation as any client) and remembers what it stored
through ``Memory`` (per link: the entries the last message made, for undo).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class ChatUser:
    """Who wrote, as the platform names them: a link is per (platform, team, user)."""

    platform: str  # "slack", "mattermost", "telegram"
    team: str  # Slack team_id, Mattermost team_id, "" for Telegram
    user: str  # the platform's user id
    chat: str = ""  # where to answer: Slack channel, Telegram chat id


@dataclass(frozen=True)
class Incoming:
    """One delivery: a typed text, or a pressed button (``action``, a ``Button.value``)."""

    who: ChatUser
    text: str
    delivery: str  # unique per delivery and the same on a retry (Slack trigger_id, update_id)
    action: str | None = None
    language: str = ""  # the platform's language hint (Telegram's language_code), if any


@dataclass(frozen=True)
class Button:
    """A choice under a reply: ``value`` comes back as ``Incoming.action`` when pressed;
    ``command`` is the text that does the same when typed (where a platform has no
    buttons, Mattermost)."""

    label: str
    value: str
    command: str = ""
    style: str | None = None  # "primary", "danger" or None


@dataclass(frozen=True)
class Reply:
    """What to answer: plain text (lines), and the buttons below it."""

    text: str
    buttons: tuple[Button, ...] = ()
    #: the entry ids this delivery stored (for the adapter's logs and tests)
    stored: tuple[int, ...] = field(default=())


@dataclass(frozen=True)
class Profile:
    """The linked user's locale and time zone (IANA name), when the caller knows them:
    then the conversation need not ask ``GET /users/me``."""

    locale: str
    timezone: str


@dataclass(frozen=True)
class Answer:
    """An answer of the API: its status and its JSON (None for an empty body)."""

    status: int
    body: Any


class Api(Protocol):
    """The service's HTTP API as the linked user: ``path`` without ``/api/v1``
    (``"/time_entries/batch.json"``); ``key`` is sent as ``Idempotency-Key``."""

    async def __call__(self, method: str, path: str, *, json: dict | None = None,
                       query: dict | None = None, key: str | None = None) -> Answer: ...  # fmt: skip


class Memory(Protocol):
    """What the conversation keeps per link between deliveries."""

    async def last_entry_ids(self) -> list[int]: ...

    async def remember_entry_ids(self, ids: list[int]) -> None: ...
