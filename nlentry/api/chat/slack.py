"""``POST /chat/slack``: Slack slash commands and button clicks (block actions).

Verified before anything is read: ``slack_sdk``'s ``SignatureVerifier`` checks
``X-Slack-Signature`` (``v0=`` + HMAC-SHA256 of ``v0:{timestamp}:{raw body}`` with
``NLENTRY_SLACK_SIGNING_SECRET``) in constant time and refuses a timestamp more
than 5 minutes off: else 401 and nothing is read or stored. Not configured
(no secret, or a blank one): 404. A slash command is answered in its HTTP answer
(``{"response_type": "ephemeral", "text", "blocks"}``) when the reply is ready
within the deadline, else through its ``response_url``; a button click is
acknowledged and its reply posted to the ``response_url``. The delivery is the
``trigger_id``: a retry (``X-Slack-Retry-Num``) is answered as the first was and
stores nothing more (``gateway.converse``).
"""

from __future__ import annotations

import json
import os

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, SectionBlock
from slack_sdk.signature import SignatureVerifier
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from nlentry.api.chat.gateway import converse
from nlentry.api.chat.models import SlackCommand, SlackReply
from nlentry.api.chat.respond import field_text, in_time, poster, spawn
from nlentry.api.errors import APIError, not_found, unauthorized
from nlentry.api.operations import operation
from nlentry.api.request.body import parse_urlencoded, read_body
from nlentry.chat.model import ChatUser, Incoming, Reply
from nlentry.limits import MAX_REQUEST_BYTES

SECRET_ENV = "NLENTRY_SLACK_SIGNING_SECRET"
ERRORS = {"Unauthorized": "the signature is wrong or the timestamp more than 5 minutes off",
          "NotFound": "Slack is not configured (`NLENTRY_SLACK_SIGNING_SECRET`)",
          "BadRequest": None, "TooLarge": None, "RequestTimeout": None}  # fmt: skip


@operation("POST", "/chat/slack", name="chat_slack", tag="Chat", public=True,
           summary="Slack: a slash command or a button click",
           description="Verified with the signing secret (`X-Slack-Signature`, "
                       "`X-Slack-Request-Timestamp`). Free text logs time as the linked user; "
                       "the commands are `start`, `stop`, `status`, `undo`, `today`, `week`, "
                       "`help` (and their words in every locale). An unlinked Slack user gets a "
                       "link code.",
           request=SlackCommand, request_description="Slack's form", response=SlackReply,
           answer="the reply, for the user only", errors=ERRORS)  # fmt: skip
async def slack(request: Request) -> Response:
    secret = os.environ.get(SECRET_ENV, "").strip()
    if not secret:  # unset or blank
        raise not_found()
    body = await read_body(request, MAX_REQUEST_BYTES)
    if not _verified(secret, body, request):
        raise unauthorized()
    fields = parse_urlencoded(body)
    headers = {"X-Slack-No-Retry": "1"}
    if "payload" in fields:  # a button click
        incoming, response_url = _click(fields["payload"])
        post = poster(response_url, _message)
        reply = await in_time(converse(request, incoming), post)
        if reply is None:  # posted once it is ready
            return Response(status_code=200, headers=headers)
        spawn(post(reply))  # the message under the button is the one Slack shows
        return JSONResponse(_message(reply), headers=headers)
    incoming = Incoming(
        ChatUser("slack", field_text(fields, "team_id"), field_text(fields, "user_id"),
                 field_text(fields, "channel_id")),
        field_text(fields, "text"), field_text(fields, "trigger_id") or _fallback_delivery(request),
    )  # fmt: skip
    if not incoming.who.user:
        raise APIError(400, {"message": "not a slash command: user_id missing"})
    reply = await in_time(converse(request, incoming),
                          poster(field_text(fields, "response_url"), _message))  # fmt: skip
    if reply is None:
        return JSONResponse(_message(Reply("…")), headers=headers)
    return JSONResponse(_message(reply), headers=headers)


def _verified(secret: str, body: bytes, request: Request) -> bool:
    timestamp = request.headers.get("x-slack-request-timestamp")
    signature = request.headers.get("x-slack-signature")
    try:
        return SignatureVerifier(secret).is_valid(body, timestamp, signature)
    except (ValueError, UnicodeDecodeError):  # a timestamp that is no number, a body no text
        return False


def _click(payload: object) -> tuple[Incoming, str]:
    """The button pressed in Slack's ``block_actions`` JSON, and where to reply."""
    try:
        data = json.loads(payload) if isinstance(payload, str) else None
        action = data["actions"][0]
        who = ChatUser("slack", str(data["team"]["id"]), str(data["user"]["id"]),
                       str((data.get("channel") or {}).get("id", "")))  # fmt: skip
        incoming = Incoming(who, "", str(data.get("trigger_id") or action.get("action_ts")),
                            action=str(action["value"]))  # fmt: skip
        return incoming, str(data.get("response_url") or "")
    except (ValueError, TypeError, KeyError, IndexError) as error:
        raise APIError(400, {"message": "not a block_actions payload"}) from error


def _fallback_delivery(request: Request) -> str:
    """A delivery without a ``trigger_id``: its signature is unique to its body and time."""
    return request.headers.get("x-slack-signature", "")[-64:]


def _message(reply: Reply) -> dict:
    """The reply as Slack shows it: the text, and the buttons as Block Kit actions."""
    blocks = [SectionBlock(text={"type": "mrkdwn", "text": reply.text or " "})]
    if reply.buttons:
        blocks.append(ActionsBlock(elements=[
            ButtonElement(text=button.label[:75], action_id=f"nlentry-{index}",
                          value=button.value[:2000], style=button.style)
            for index, button in enumerate(reply.buttons[:25])
        ]))  # fmt: skip
    return {"response_type": "ephemeral", "text": reply.text,
            "blocks": [block.to_dict() for block in blocks]}  # fmt: skip
