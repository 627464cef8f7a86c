"""``POST /chat/mattermost``: Mattermost slash commands.

Verified by the command's token (one of ``NLENTRY_MATTERMOST_TOKENS``, comma
separated), sent as ``Authorization: Token ...`` or the ``token`` field and
compared in constant time: else 401 and nothing is stored. Not configured: 404.
The answer is ``{"response_type": "ephemeral", "text"}``; Mattermost has no
buttons for a slash command's answer, so each button is a line saying what to
type (``/uren undo``). A reply not ready within the deadline goes to the
``response_url``.
"""

from __future__ import annotations

import hmac
import os
import secrets

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from nlentry.api.chat.gateway import converse
from nlentry.api.chat.models import MattermostCommand, MattermostReply
from nlentry.api.chat.respond import field_text, in_time, poster
from nlentry.api.errors import APIError, not_found, unauthorized
from nlentry.api.operations import operation
from nlentry.api.request.body import parse_urlencoded, read_body
from nlentry.chat.model import ChatUser, Incoming, Reply
from nlentry.limits import MAX_REQUEST_BYTES

TOKENS_ENV = "NLENTRY_MATTERMOST_TOKENS"
#: Mattermost caps a post at this many characters.
MAX_POST = 16_383
ERRORS = {"Unauthorized": "the command token is not one of `NLENTRY_MATTERMOST_TOKENS`",
          "NotFound": "Mattermost is not configured (`NLENTRY_MATTERMOST_TOKENS`)",
          "BadRequest": None, "TooLarge": None, "RequestTimeout": None}  # fmt: skip


def configured_tokens() -> list[str]:
    return [t.strip() for t in os.environ.get(TOKENS_ENV, "").split(",") if t.strip()]


@operation("POST", "/chat/mattermost", name="chat_mattermost", tag="Chat", public=True,
           summary="Mattermost: a slash command",
           description="Verified by the command token (`Authorization: Token ...` or the "
                       "`token` field). Free text logs time as the linked user; the commands "
                       "are those of Slack. An unlinked user gets a link code.",
           request=MattermostCommand, request_description="Mattermost's form",
           response=MattermostReply, answer="the reply, for the user only",
           errors=ERRORS)  # fmt: skip
async def mattermost(request: Request) -> Response:
    tokens = configured_tokens()
    if not tokens:
        raise not_found()
    body = await read_body(request, MAX_REQUEST_BYTES)
    fields = parse_urlencoded(body)
    if not _verified(tokens, request, fields):
        raise unauthorized()
    user = field_text(fields, "user_id")
    if not user:
        raise APIError(400, {"message": "not a slash command: user_id missing"})
    delivery = field_text(fields, "trigger_id") or field_text(fields, "request_id")
    incoming = Incoming(ChatUser("mattermost", field_text(fields, "team_id"), user,
                                 field_text(fields, "channel_id")),
                        field_text(fields, "text"), delivery or _unique())  # fmt: skip
    command = field_text(fields, "command") or "/uren"
    later = poster(field_text(fields, "response_url"), lambda reply: _message(reply, command))
    reply = await in_time(converse(request, incoming), later)
    return JSONResponse(_message(reply or Reply("…"), command))


def _verified(tokens: list[str], request: Request, fields: dict) -> bool:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    given = value.strip() if scheme.lower() == "token" else field_text(fields, "token")
    if not given:
        return False
    found = False
    for token in tokens:  # every token compared, so the time tells nothing
        found |= hmac.compare_digest(given.encode(), token.encode())
    return found


def _unique() -> str:
    """A delivery with no id of its own: each is handled (Mattermost does not retry)."""
    return "once-" + secrets.token_hex(8)


def _message(reply: Reply, command: str) -> dict:
    """The reply as text, each button a line saying what to type."""
    lines = [reply.text]
    for button in reply.buttons:
        if button.command:
            lines.append(f"{button.label}: `{command} {button.command}`")
    return {"response_type": "ephemeral", "text": "\n".join(lines)[:MAX_POST]}
