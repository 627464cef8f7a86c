"""The one way into the conversation for every platform: dedupe, link, converse.

An adapter hands ``converse`` a verified ``Incoming``. A delivery seen before
(a Slack retry, a Telegram update again) is answered with the reply kept for
it and acts no more (``storage.chat_links.claim_delivery``). A chat user with
no live link gets a one-time code and the web page's address to confirm it,
and nothing else happens. A linked one talks to the conversation
(``nlentry.chat.conversation``), which acts through the API in-process as the
link's token (``in_process.InProcessApi``) and remembers, per link, what the
last message stored (``LinkMemory``).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from typing import Any

from starlette.requests import Request

from nlentry import message
from nlentry.api.chat.in_process import InProcessApi
from nlentry.api.pipeline import in_thread
from nlentry.chat import conversation
from nlentry.chat.model import Button, Incoming, Reply
from nlentry.storage import chat_links
from nlentry.storage.chat_links import Identity

#: The web page's address in link messages (else the address the request came to).
PUBLIC_URL_ENV = "NLENTRY_PUBLIC_URL"
_LOCALES = ("nl", "en")


async def converse(request: Request, incoming: Incoming) -> Reply:
    """The reply to a verified delivery (the kept one for a delivery seen before)."""
    state = request.app.state
    platform = incoming.who.platform
    delivery = f"{incoming.who.team}:{incoming.delivery}"[:128]
    claimed, kept = await in_thread(state, _claim, state.db, platform, delivery)
    if not claimed:
        if kept is None:  # the first delivery is still being answered
            return Reply(message(_language(incoming), "chat_busy"))
        return reply_from_json(kept)
    try:
        reply = await _answer(request, incoming)
    except BaseException:
        await in_thread(state, _write, state.db, chat_links.release_delivery, platform, delivery)
        raise
    await in_thread(state, _write, state.db, chat_links.keep_reply, platform, delivery,
                    reply_to_json(reply))  # fmt: skip
    return reply


async def _answer(request: Request, incoming: Incoming) -> Reply:
    state = request.app.state
    who = incoming.who
    found = await in_thread(state, _read, state.db, chat_links.find_link, who.platform, who.team,
                            who.user)  # fmt: skip
    if found is None:
        return await _offer_code(request, incoming)
    return await conversation.handle(incoming, InProcessApi(request.app, found.token_id),
                                     LinkMemory(state, found.id))  # fmt: skip


async def _offer_code(request: Request, incoming: Incoming) -> Reply:
    """A one-time code for an unlinked chat user, and where to confirm it."""
    state = request.app.state
    who = incoming.who
    identity = Identity(who.platform, who.team, who.user, who.chat)
    code = await in_thread(state, _write, state.db, chat_links.new_code, identity)
    url = f"{page_url(request)}?link={code.replace('-', '')}"
    text = message(_language(incoming), "chat_link_needed").format(code=code, url=url)
    return Reply(text)


def page_url(request: Request) -> str:
    """The web page's address: ``$NLENTRY_PUBLIC_URL``, else where the request came to."""
    configured = os.environ.get(PUBLIC_URL_ENV, "").strip()
    if configured:
        return configured.rstrip("/") + "/"
    return str(request.base_url)


def _language(incoming: Incoming) -> str:
    """The locale for a chat user nlentry does not know yet: the platform's hint."""
    hint = (incoming.language or "").lower()[:2]
    return hint if hint in _LOCALES else "en"


class LinkMemory:
    """``Memory`` of one link: the entries its last message stored, in its row."""

    def __init__(self, state: Any, link_id: int):
        self.state = state
        self.link_id = link_id

    async def last_entry_ids(self) -> list[int]:
        return await in_thread(self.state, _read, self.state.db, chat_links.last_entry_ids,
                               self.link_id)  # fmt: skip

    async def remember_entry_ids(self, ids: list[int]) -> None:
        await in_thread(self.state, _write, self.state.db, chat_links.remember_entry_ids,
                        self.link_id, list(ids))  # fmt: skip


def reply_to_json(reply: Reply) -> str:
    return json.dumps(asdict(reply))


def reply_from_json(text: str) -> Reply:
    data = json.loads(text)
    buttons = tuple(Button(**button) for button in data.pop("buttons", ()))
    return Reply(**{**data, "buttons": buttons, "stored": tuple(data.get("stored", ()))})


def _claim(db: Any, platform: str, delivery: str) -> tuple[bool, str | None]:
    return _write(db, chat_links.claim_delivery, platform, delivery)


def _read(db: Any, function: Any, *args: Any) -> Any:
    with db.read() as session:
        return function(session, *args)


def _write(db: Any, function: Any, *args: Any) -> Any:
    with db.write() as session:
        result = function(session, *args)
        session.commit()
        return result
