"""The chat endpoints' fields and answers, as pydantic models (for the OpenAPI
document; each adapter reads its platform's own payload itself, after verifying
it on the raw bytes)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from nlentry.api.request.fields import Strict


class ChatLinkCreate(Strict):
    """A link code a chat user was given."""

    code: str = Field(min_length=1, max_length=32, examples=["K7QF-M2XD"],
                      description="the code, with or without its dash; any case")  # fmt: skip


class ChatLink(BaseModel):
    """The chat user now linked to the caller."""

    platform: Literal["slack", "mattermost", "telegram"]
    team: str = Field(description="the Slack or Mattermost team; empty for Telegram")
    user: str = Field(description="the platform's id of the chat user")


class SlackCommand(BaseModel):
    """A Slack slash command (form fields, as Slack sends them), or a button click
    (one field, `payload`, holding Slack's JSON)."""

    team_id: str = ""
    user_id: str = ""
    channel_id: str = ""
    command: str = Field("", examples=["/uren"])
    text: str = Field("", examples=["2,5 uur met Rowan aan Timi gewerkt"])
    trigger_id: str = ""
    response_url: str = ""
    payload: str = Field("", description="a button click: Slack's `block_actions` JSON")


class SlackReply(BaseModel):
    response_type: Literal["ephemeral", "in_channel"] = "ephemeral"
    text: str
    blocks: list[dict] = Field(default_factory=list, description="Block Kit blocks")


class MattermostCommand(BaseModel):
    """A Mattermost slash command (form fields)."""

    token: str = Field("", description="the command's token (or `Authorization: Token ...`)")
    team_id: str = ""
    user_id: str = ""
    channel_id: str = ""
    command: str = Field("", examples=["/uren"])
    text: str = ""
    trigger_id: str = ""
    response_url: str = ""


class MattermostReply(BaseModel):
    response_type: Literal["ephemeral", "in_channel"] = "ephemeral"
    text: str


class TelegramUpdate(BaseModel):
    """A Telegram update (JSON): a `message` or a `callback_query`."""

    update_id: int
    message: dict | None = None
    callback_query: dict | None = None


class Accepted(BaseModel):
    ok: bool = True
