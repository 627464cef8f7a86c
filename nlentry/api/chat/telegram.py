"""``POST /chat/telegram``: the Telegram bot's webhook.

Verified by ``X-Telegram-Bot-Api-Secret-Token`` (``NLENTRY_TELEGRAM_SECRET``, the
``secret_token`` given to ``setWebhook``), compared in constant time: else 401
and nothing is read or stored. Not configured (no secret or no bot token): 404.
A message's text (a bot command's ``/`` and ``@bot`` taken off; ``/start`` alone,
what Telegram sends when a user opens the bot, is the help; a command for another
bot, ``/today@other_bot`` in a group, is left alone: answered ``200`` with no reply
and nothing stored, the bot's own name asked of the Bot API's ``getMe`` once per
process, compared without case, and a command taken as ours while it cannot
be asked) or a pressed
inline button (``callback_query``) goes to the conversation; the reply is sent
with the Bot API's ``sendMessage`` at ``NLENTRY_TELEGRAM_API`` (default the
public Bot API) as ``NLENTRY_TELEGRAM_BOT_TOKEN``, its buttons as an inline
keyboard. The delivery is the ``update_id``: an update seen before is not
handled again. The webhook is answered ``200`` once the reply is sent (a
failed send is logged; answering otherwise would only make Telegram retry).
"""

from __future__ import annotations

import hmac
import os
import re

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from nlentry.api.chat.gateway import converse
from nlentry.api.chat.models import Accepted, TelegramUpdate
from nlentry.api.chat.respond import get_json, post_json
from nlentry.api.errors import APIError, not_found, unauthorized
from nlentry.api.operations import operation
from nlentry.api.request.body import parse_json, read_body
from nlentry.chat.model import ChatUser, Incoming, Reply
from nlentry.limits import MAX_REQUEST_BYTES

SECRET_ENV = "NLENTRY_TELEGRAM_SECRET"
BOT_TOKEN_ENV = "NLENTRY_TELEGRAM_BOT_TOKEN"
API_ENV = "NLENTRY_TELEGRAM_API"
DEFAULT_API = "https://api.telegram.org"
_COMMAND = re.compile(r"^/(\w+)(?:@(\w+))?")  # "/today@nlentry_bot" -> "today", "nlentry_bot"
_OPENED = re.compile(r"/start(?:@\w+)?")  # Telegram's "/start" alone: the bot was opened
ERRORS = {"Unauthorized": "the secret token is wrong",
          "NotFound": "Telegram is not configured (`NLENTRY_TELEGRAM_SECRET`, "
                      "`NLENTRY_TELEGRAM_BOT_TOKEN`)",
          "BadRequest": None, "TooLarge": None, "RequestTimeout": None}  # fmt: skip


@operation("POST", "/chat/telegram", name="chat_telegram", tag="Chat", public=True,
           summary="Telegram: the bot's webhook",
           description="Verified by `X-Telegram-Bot-Api-Secret-Token`. A message logs time as "
                       "the linked user (or runs a command: `/today`, `undo`, ...); an inline "
                       "button press acts on its entry. The reply is sent with `sendMessage`. "
                       "An unlinked user gets a link code.",
           request=TelegramUpdate, request_description="Telegram's update", response=Accepted,
           answer="handled (the reply went out with `sendMessage`)",
           errors=ERRORS)  # fmt: skip
async def telegram(request: Request) -> Response:
    secret = os.environ.get(SECRET_ENV, "").strip()
    bot_token = os.environ.get(BOT_TOKEN_ENV, "").strip()
    if not secret or not bot_token:
        raise not_found()
    given = request.headers.get("x-telegram-bot-api-secret-token", "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        raise unauthorized()
    update = parse_json(await read_body(request, MAX_REQUEST_BYTES))
    incoming, callback_id, addressed = _incoming(update)
    base = f"{os.environ.get(API_ENV, DEFAULT_API).rstrip('/')}/bot{bot_token}"
    if incoming is None or (addressed and not await _ours(base, addressed)):
        # an update of a kind the bot does not handle (an edit, a join), or another bot's
        return JSONResponse({"ok": True})
    reply = await converse(request, incoming)
    if callback_id:
        await post_json(f"{base}/answerCallbackQuery", {"callback_query_id": callback_id})
    await post_json(f"{base}/sendMessage", _message(incoming.who.chat, reply))
    return JSONResponse({"ok": True})


def _incoming(update: dict) -> tuple[Incoming | None, str, str]:
    """The update as the conversation reads it, the callback query to answer, and the
    bot a command was addressed to (``/today@name``: ``name``; else empty)."""
    update_id = update.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        raise APIError(400, {"message": "not a Telegram update: update_id missing"})
    query = update.get("callback_query")
    if isinstance(query, dict):
        sender, chat = query.get("from"), (query.get("message") or {}).get("chat")
        data = query.get("data")
        if not (_has_id(sender) and _has_id(chat) and isinstance(data, str)):
            return None, "", ""
        return _made(update_id, sender, chat, "", data), str(query.get("id", "")), ""
    message = update.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("text"), str):
        return None, "", ""
    sender, chat = message.get("from"), message.get("chat")
    if not (_has_id(sender) and _has_id(chat)):
        return None, "", ""
    text = message["text"].strip()
    command = _COMMAND.match(text)
    addressed = (command.group(2) or "") if command else ""
    if _OPENED.fullmatch(text):  # what opening the bot sends: the help, not a timer
        text = ""
    elif command:  # "/today@nlentry_bot ..." -> "today ..."
        text = command.group(1) + text[command.end():]
    return _made(update_id, sender, chat, text, None), "", addressed


#: The bot's own username by its API base (``getMe``), once known.
_usernames: dict[str, str] = {}


async def _ours(base: str, addressed: str) -> bool:
    """Whether a command addressed to ``@addressed`` is for this bot (Telegram's
    usernames are compared without case); True while ``getMe`` cannot tell."""
    name = _usernames.get(base)
    if name is None:
        answer = await get_json(f"{base}/getMe")
        result = answer.get("result") if isinstance(answer, dict) else None
        name = result.get("username") if isinstance(result, dict) else None
        if not isinstance(name, str) or not name:
            return True  # not known now: answering beats dropping the user's command
        _usernames[base] = name
    return name.casefold() == addressed.casefold()


def _has_id(value: object) -> bool:
    return isinstance(value, dict) and isinstance(value.get("id"), int | str)


def _made(update_id: int, sender: dict, chat: dict, text: str, action: str | None) -> Incoming:
    who = ChatUser("telegram", "", str(sender["id"]), str(chat["id"]))
    language = sender.get("language_code")
    return Incoming(who, text, str(update_id), action=action,
                    language=language if isinstance(language, str) else "")  # fmt: skip


def _message(chat_id: str, reply: Reply) -> dict:
    """``sendMessage``'s fields: the text, and the buttons as an inline keyboard."""
    payload: dict = {"chat_id": chat_id, "text": reply.text[:4096] or "…"}
    if reply.buttons:
        payload["reply_markup"] = {"inline_keyboard": [
            [{"text": button.label[:64], "callback_data": button.value[:64]}]
            for button in reply.buttons
        ]}  # fmt: skip
    return payload
