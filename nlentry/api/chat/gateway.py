"""The one way into the conversation for every platform: dedupe, link, converse.

An adapter hands ``converse`` a verified ``Incoming``. A delivery seen before
(a Slack retry, a Telegram update again) is answered with the reply kept for
it and acts no more (``storage.chat_links.arrive``). A chat user with
no live link gets a one-time code and the web page's address to confirm it,
and nothing else happens. A linked one talks to the conversation
(``nlentry.chat.conversation``), which acts through the API in-process as the
link's token (``in_process.InProcessApi``), told the user's locale and zone
(so it asks no ``/users/me``), and remembers, per link, what the last message
stored (``LinkMemory``, kept with the reply in one last transaction).
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
from nlentry.api.user_time import zone_name_of
from nlentry.chat import conversation
from nlentry.chat.model import Button, Incoming, Profile, Reply
from nlentry.storage import chat_links
from nlentry.storage.chat_links import Identity

#: The web page's address in link messages (else the address the request came to).
PUBLIC_URL_ENV = "NLENTRY_PUBLIC_URL"
_LOCALES = ("nl", "en")


async def converse(request: Request, incoming: Incoming) -> Reply:
    """The reply to a verified delivery (the kept one for a delivery seen before).

    Two writing transactions besides what the conversation does through the API:
    the claim with the link's lookup first, the kept reply with what the message
    stored (for ``undo``) last."""
    state = request.app.state
    who = incoming.who
    delivery = f"{who.team}:{incoming.delivery}"[:128]
    claimed, kept, found = await in_thread(state, _write, state.db, chat_links.arrive,
                                           who.platform, delivery, who.team, who.user)  # fmt: skip
    if not claimed:
        if kept is None:  # the first delivery is still being answered
            return Reply(message(_language(incoming), "chat_busy"))
        return reply_from_json(kept)
    memory = LinkMemory(found.last_entry_ids if found is not None else ())
    try:
        if found is None:
            reply = await _offer_code(request, incoming)
        else:
            profile = Profile(found.locale, zone_name_of(found.timezone))
            reply = await conversation.handle(incoming, InProcessApi(request.app, found.token_id),
                                              memory, profile)  # fmt: skip
    except BaseException:
        await in_thread(state, _write, state.db, chat_links.settle, who.platform, delivery,
                        None, *_remembered(found, memory))  # fmt: skip
        raise
    await in_thread(state, _write, state.db, chat_links.settle, who.platform, delivery,
                    reply_to_json(reply), *_remembered(found, memory))  # fmt: skip
    return reply


def _remembered(found: chat_links.LinkInfo | None, memory: LinkMemory
                ) -> tuple[int | None, list[int] | None]:  # fmt: skip
    """The link and what its message stored, for ``settle`` (None: nothing to keep)."""
    if found is None or memory.changed is None:
        return None, None
    return found.id, memory.changed


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
    """``Memory`` of one link for one delivery: the entries its last storing message
    stored (read with the link), and what this one stored (kept when it is settled)."""

    def __init__(self, last: tuple[int, ...] | list[int]):
        self.last = list(last)
        self.changed: list[int] | None = None

    async def last_entry_ids(self) -> list[int]:
        return list(self.last if self.changed is None else self.changed)

    async def remember_entry_ids(self, ids: list[int]) -> None:
        self.changed = list(ids)


def reply_to_json(reply: Reply) -> str:
    return json.dumps(asdict(reply))


def reply_from_json(text: str) -> Reply:
    data = json.loads(text)
    buttons = tuple(Button(**button) for button in data.pop("buttons", ()))
    return Reply(**{**data, "buttons": buttons, "stored": tuple(data.get("stored", ()))})


def _write(db: Any, function: Any, *args: Any) -> Any:
    with db.write() as session:
        result = function(session, *args)
        session.commit()
        return result
