"""The conversation without any platform, against the real API: ``Api`` over
``httpx.ASGITransport`` with a link's token, ``Memory`` in a list, and ``Chat``,
which sends a text or presses a button as one chat user and answers the reply."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx

from nlentry.api.scopes import LINK_SCOPES
from nlentry.chat.conversation import handle
from nlentry.chat.model import Answer, Button, ChatUser, Incoming, Reply
from tests.support.api_fixtures import Account, add_token

_deliveries = itertools.count(1)
#: The chat user of a ``Chat`` unless it names another.
SOMEONE = ChatUser("test", "T1", "U1", "C1")


@dataclass
class ApiClient:
    """The API as the token's user: ``path`` without ``/api/v1``; ``key`` is sent as
    ``Idempotency-Key``. ``calls`` records ``(method, path, status)``."""

    app: Any
    token: str
    calls: list[tuple[str, str, int]] = field(default_factory=list)

    async def __call__(self, method: str, path: str, *, json: dict | None = None,
                       query: dict | None = None, key: str | None = None) -> Answer:  # fmt: skip
        headers = {"Authorization": f"Bearer {self.token}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            answer = await client.request(method, f"/api/v1{path}", json=json, params=query,
                                          headers=headers)  # fmt: skip
        self.calls.append((method, path, answer.status_code))
        return Answer(answer.status_code, answer.json() if answer.content else None)


@dataclass
class InMemory:
    """What the conversation keeps per link: the entry ids the last message stored."""

    ids: list[int] = field(default_factory=list)

    async def last_entry_ids(self) -> list[int]:
        return list(self.ids)

    async def remember_entry_ids(self, ids: list[int]) -> None:
        self.ids = list(ids)


@dataclass
class Chat:
    """One linked chat user talking to the conversation."""

    api: Any
    memory: InMemory = field(default_factory=InMemory)
    who: ChatUser = SOMEONE

    def send(self, text: str, delivery: str | None = None) -> Reply:
        return self._handle(Incoming(self.who, text, delivery or _delivery()))

    def press(self, button: Button | str, delivery: str | None = None) -> Reply:
        value = button.value if isinstance(button, Button) else button
        return self._handle(Incoming(self.who, "", delivery or _delivery(), action=value))

    def _handle(self, incoming: Incoming) -> Reply:
        async def run() -> Reply:
            return await handle(incoming, self.api, self.memory)

        return anyio.run(run)


def link(app, account: Account, scopes: tuple[str, ...] = LINK_SCOPES) -> Chat:
    """A chat linked to ``account`` through a token with a link's scopes."""
    token = add_token(app, account, scopes=scopes, name="chat link").token
    return Chat(ApiClient(app, token))


def button(reply: Reply, value_prefix: str) -> Button:
    """The one button of ``reply`` whose value starts with ``value_prefix``."""
    [found] = [b for b in reply.buttons if b.value.startswith(value_prefix)]
    return found


def _delivery() -> str:
    return f"d-{next(_deliveries)}"
