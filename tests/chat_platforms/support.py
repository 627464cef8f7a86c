"""What the chat platform tests share: signing a Slack request, a local HTTP receiver
(Slack's ``response_url``, the fake Telegram Bot API), linking a chat user, and one
driver per platform that sends a line or presses a button as a chat user and reads
the reply the way that platform would (the HTTP answer, the ``response_url``, the
Bot API's ``sendMessage``).
"""

from __future__ import annotations

import hashlib
import hmac
import http.server
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func, select

from nlentry.api.scopes import LINK_SCOPES
from nlentry.chat.commands import read_command
from nlentry.storage import chat_links
from nlentry.storage.chat_models import ChatDelivery, ChatLink, ChatLinkCode
from nlentry.storage.models import TimeEntry

SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
MATTERMOST_TOKENS = ("mm-token-one", "mm-token-two")
TELEGRAM_SECRET = "tg_secret-Token_123"
TELEGRAM_BOT_TOKEN = "123456:ABC-def_ghi"

SLACK = "/api/v1/chat/slack"
MATTERMOST = "/api/v1/chat/mattermost"
TELEGRAM = "/api/v1/chat/telegram"
LINKS = "/api/v1/chat/links.json"
ENTRIES = "/api/v1/time_entries.json"
TOKENS = "/api/v1/tokens.json"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

#: A link code as the chat shows it.
CODE = re.compile(r"\b[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}\b")
#: Generous: a busy 2-core machine may be slow, never this slow.
WAIT_SECONDS = 30.0

_serial = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_serial)}-{time.monotonic_ns() % 1_000_000}"


def wait_until(condition: Callable[[], Any], what: str, timeout: float = WAIT_SECONDS) -> Any:
    """``condition()``'s first true value, polled; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        time.sleep(0.02)


# --- Slack's signature -----------------------------------------------------------------


def slack_signature(secret: str, timestamp: int | str, body: bytes) -> str:
    """``v0=`` + hex HMAC-SHA256 of ``v0:{timestamp}:{body}`` (Slack's signing)."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def slack_headers(body: bytes, secret: str = SLACK_SECRET, timestamp: int | None = None,
                  **extra: str) -> dict[str, str]:  # fmt: skip
    """The headers Slack sends with ``body``, signed with ``secret`` at ``timestamp``."""
    stamp = int(time.time()) if timestamp is None else timestamp
    return {**FORM, "X-Slack-Request-Timestamp": str(stamp),
            "X-Slack-Signature": slack_signature(secret, stamp, body), **extra}  # fmt: skip


def slack_command_body(team: str, user: str, text: str, *, channel: str = "C1",
                       trigger_id: str | None = None, response_url: str = "",
                       command: str = "/uren") -> bytes:  # fmt: skip
    return urlencode({"token": "deprecated", "team_id": team, "team_domain": "acme",
                      "channel_id": channel, "channel_name": "general", "user_id": user,
                      "user_name": "someone", "command": command, "text": text,
                      "response_url": response_url, "api_app_id": "A1",
                      "trigger_id": trigger_id or unique("trigger-")}).encode()  # fmt: skip


def slack_click_body(team: str, user: str, value: str, *, channel: str = "C1",
                     response_url: str = "", trigger_id: str | None = None) -> bytes:  # fmt: skip
    """A ``block_actions`` interaction: one form field, ``payload``, holding JSON."""
    payload = {
        "type": "block_actions", "team": {"id": team, "domain": "acme"},
        "user": {"id": user, "team_id": team}, "channel": {"id": channel},
        "api_app_id": "A1", "trigger_id": trigger_id or unique("click-"),
        "response_url": response_url, "container": {"type": "message"},
        "actions": [{"type": "button", "action_id": "nlentry-0", "block_id": "b1",
                     "value": value, "action_ts": f"{time.time():.6f}"}],
    }  # fmt: skip
    return urlencode({"payload": json.dumps(payload)}).encode()


# --- Telegram's updates ----------------------------------------------------------------


def telegram_message(update_id: int, user: int | str, text: str, *, chat: int | str | None = None,
                     language: str | None = "nl") -> dict:  # fmt: skip
    sender: dict[str, Any] = {"id": user, "is_bot": False, "first_name": "Someone"}
    if language:
        sender["language_code"] = language
    chat_id = user if chat is None else chat
    return {"update_id": update_id, "message": {
        "message_id": update_id * 10, "from": sender, "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private" if chat_id == user else "group"},
        "text": text}}  # fmt: skip


def telegram_click(update_id: int, user: int | str, data: str, *,
                   chat: int | str | None = None) -> dict:  # fmt: skip
    chat_id = user if chat is None else chat
    return {"update_id": update_id, "callback_query": {
        "id": f"cb{update_id}", "from": {"id": user, "is_bot": False, "first_name": "Someone"},
        "message": {"message_id": 1, "chat": {"id": chat_id, "type": "private"}},
        "chat_instance": "1", "data": data}}  # fmt: skip


_updates = itertools.count(int(time.time()) % 100_000 * 1000)


def next_update_id() -> int:
    return next(_updates)


# --- a local HTTP receiver ---------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """An HTTP server on 127.0.0.1 (threads of this process) that records each request
    and answers ``200 {"ok": true, "result": true}`` (what the Bot API answers)."""

    def __init__(self):
        self.received: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _record(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                with receiver._lock:
                    receiver.received.append(Received(
                        self.command, self.path,
                        {k.lower(): v for k, v in self.headers.items()}, body))  # fmt: skip
                answer = receiver.answer(self.path)
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_POST = do_GET = _record

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()

    def answer(self, path: str) -> bytes:
        """The answer to a request for ``path``."""
        return b'{"ok": true, "result": true}'

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def at(self, path: str) -> list[Received]:
        """What was sent to ``path`` (a path, or its end), in order."""
        with self._lock:
            return [r for r in self.received if r.path == path or r.path.endswith(path)]

    def wait_for(self, path: str, count: int = 1, timeout: float = WAIT_SECONDS) -> list[Received]:
        return wait_until(lambda: len(self.at(path)) >= count and self.at(path),
                          f"{count} request(s) to {path}", timeout)  # fmt: skip

    def all(self) -> list[Received]:
        with self._lock:
            return list(self.received)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class FakeBotApi(Receiver):
    """The Telegram Bot API: ``POST /bot<token>/<method>``; ``sent()`` are the
    ``sendMessage`` calls with the bot's token; ``getMe`` says the bot is
    ``@nlentry_bot`` (``username``)."""

    username = "nlentry_bot"

    def answer(self, path: str) -> bytes:
        if path == f"/bot{TELEGRAM_BOT_TOKEN}/getMe":
            return json.dumps({"ok": True, "result": {
                "id": 1, "is_bot": True, "first_name": "nlentry",
                "username": self.username}}).encode()  # fmt: skip
        return super().answer(path)

    def calls(self, method: str) -> list[dict]:
        return [r.json for r in self.at(f"/bot{TELEGRAM_BOT_TOKEN}/{method}")]

    def sent(self, chat: int | str | None = None) -> list[dict]:
        found = self.calls("sendMessage")
        return found if chat is None else [m for m in found if str(m["chat_id"]) == str(chat)]


# --- links -------------------------------------------------------------------------------


def link_chat(app, account, platform: str, team: str, user: str, chat: str = "") -> int:
    """Link the chat user to ``account`` as ``POST /chat/links`` would; the link's id."""
    with app.state.db.write() as session:
        link_id = chat_links.link(session, chat_links.Identity(platform, team, user, chat),
                                  account.id, LINK_SCOPES)  # fmt: skip
        session.commit()
    return link_id


def stored_link(app, platform: str, team: str, user: str) -> ChatLink | None:
    with app.state.db.read() as session:
        row = session.scalars(select(ChatLink).where(
            ChatLink.platform == platform, ChatLink.team == team,
            ChatLink.chat_user == user)).one_or_none()  # fmt: skip
        if row is not None:
            session.expunge(row)
        return row


def chat_rows(app) -> dict[str, int]:
    """How many link codes, links, handled deliveries and time entries are stored."""
    tables = {"codes": ChatLinkCode, "links": ChatLink, "deliveries": ChatDelivery,
              "entries": TimeEntry}  # fmt: skip
    with app.state.db.read() as session:
        return {name: session.scalar(select(func.count()).select_from(model))
                for name, model in tables.items()}  # fmt: skip


NOTHING = {"codes": 0, "links": 0, "deliveries": 0, "entries": 0}


def code_in(text: str) -> str:
    """The link code a reply offers (``ABCD-EFGH``); fails when there is none."""
    found = CODE.search(text)
    assert found, f"no link code in {text!r}"
    return found.group(0)


def confirm(client, account, code: str):
    """``POST /chat/links.json`` as ``account``: the answer."""
    return client.post(LINKS, json={"code": code}, headers=account.headers)


def entries(client, account) -> list[dict]:
    """The account's stored entries, oldest first."""
    answer = client.get(ENTRIES, params={"per_page": 100}, headers=account.headers)
    assert answer.status_code == 200, answer.text
    return sorted(answer.json()["time_entries"], key=lambda entry: entry["id"])


# --- the platforms, as a chat user sees them ---------------------------------------------


@dataclass(frozen=True)
class Choice:
    """A button under a reply: ``value`` where the platform has buttons (Slack,
    Telegram), ``command`` (what to type) where it has not (Mattermost)."""

    label: str
    value: str | None = None
    command: str | None = None

    @property
    def kind(self) -> str:
        """``undo``, ``project``, ``service``."""
        if self.value is not None:
            return self.value.split(":", 1)[0]
        found = read_command(self.command or "", "nl")
        return found.name if found else ""


@dataclass
class Said:
    """A reply as the chat user sees it."""

    text: str
    choices: list[Choice] = field(default_factory=list)
    raw: Any = None

    def choice(self, kind: str, label: str | None = None) -> Choice:
        found = [c for c in self.choices
                 if c.kind == kind and (label is None or c.label.endswith(label))]  # fmt: skip
        assert len(found) == 1, f"no single {kind} {label or ''} choice in {self.choices}"
        return found[0]


class Platform:
    """One chat user on one platform, talking to the app through ``client``."""

    name = ""

    def __init__(self, client, user: str, team: str, chat: str):
        self.client = client
        self.user, self.team, self.chat = user, team, chat

    def send(self, text: str) -> Said:
        raise NotImplementedError

    def press(self, choice: Choice) -> Said:
        raise NotImplementedError

    def link(self, app, account) -> int:
        return link_chat(app, account, self.name, self.team, self.user, self.chat)


class SlackUser(Platform):
    """Slack: slash commands answered in the HTTP answer (late: at the ``response_url``),
    buttons as ``block_actions`` whose reply is posted to the ``response_url``."""

    name = "slack"

    def __init__(self, client, receiver: Receiver, user: str = "U1", team: str = "T1",
                 chat: str = "C1"):  # fmt: skip
        super().__init__(client, user, team, chat)
        self.receiver = receiver

    def post(self, body: bytes, **headers: str):
        return self.client.post(SLACK, content=body, headers=slack_headers(body, **headers))

    def send(self, text: str) -> Said:
        hook = unique("/slack-reply-")
        answer = self.post(slack_command_body(self.team, self.user, text, channel=self.chat,
                                              response_url=self.receiver.url(hook)))  # fmt: skip
        assert answer.status_code == 200, answer.text
        message = answer.json()
        if message["text"] == "…":  # not ready in time: posted once it is
            [late] = self.receiver.wait_for(hook)
            message = late.json
        return slack_said(message)

    def press(self, choice: Choice) -> Said:
        assert choice.value is not None, choice
        hook = unique("/slack-click-")
        answer = self.post(slack_click_body(self.team, self.user, choice.value,
                                            channel=self.chat,
                                            response_url=self.receiver.url(hook)))  # fmt: skip
        assert answer.status_code == 200, answer.text
        [posted] = self.receiver.wait_for(hook)
        return slack_said(posted.json)


def slack_said(message: dict) -> Said:
    assert message["response_type"] == "ephemeral", message
    choices = [Choice(element["text"]["text"], value=element["value"])
               for block in message.get("blocks", []) if block["type"] == "actions"
               for element in block["elements"]]  # fmt: skip
    assert message["blocks"][0]["text"]["text"] == (message["text"] or " "), message
    return Said(message["text"], choices, message)


_TYPED = re.compile(r"^(?P<label>.+): `/\S+ (?P<command>[^`]+)`$")


class MattermostUser(Platform):
    """Mattermost: slash commands, ``Authorization: Token``; the buttons are lines
    saying what to type, and pressing one is typing it."""

    name = "mattermost"

    def __init__(self, client, user: str = "mm-user-1", team: str = "mm-team-1",
                 chat: str = "mm-channel-1", token: str = MATTERMOST_TOKENS[0]):  # fmt: skip
        super().__init__(client, user, team, chat)
        self.token = token

    def fields(self, text: str, **extra: str) -> dict[str, str]:
        return {"channel_id": self.chat, "channel_name": "town-square", "command": "/uren",
                "team_domain": "acme", "team_id": self.team, "text": text,
                "trigger_id": unique("mm-trigger-"), "user_id": self.user,
                "user_name": "someone", "response_url": "", **extra}  # fmt: skip

    def post(self, fields: dict[str, str], headers: dict[str, str] | None = None):
        given = {**FORM, "Authorization": f"Token {self.token}"} if headers is None else headers
        return self.client.post(MATTERMOST, content=urlencode(fields).encode(), headers=given)

    def send(self, text: str) -> Said:
        answer = self.post(self.fields(text))
        assert answer.status_code == 200, answer.text
        return mattermost_said(answer.json())

    def press(self, choice: Choice) -> Said:
        assert choice.command is not None, choice
        return self.send(choice.command)


def mattermost_said(message: dict) -> Said:
    assert message["response_type"] == "ephemeral" and set(message) == {"response_type", "text"}
    lines = message["text"].split("\n")
    choices = []
    while lines and (typed := _TYPED.match(lines[-1])):
        choices.insert(0, Choice(typed["label"], command=typed["command"]))
        lines.pop()
    return Said("\n".join(lines), choices, message)


class TelegramUser(Platform):
    """Telegram: the bot's webhook; each reply is a ``sendMessage`` to the fake Bot API,
    the buttons an inline keyboard whose press is a ``callback_query``."""

    name = "telegram"

    def __init__(self, client, bot: FakeBotApi, user: int = 7001, chat: int | None = None,
                 language: str = "nl"):  # fmt: skip
        super().__init__(client, str(user), "", str(user if chat is None else chat))
        self.bot = bot
        self.user_id, self.chat_id, self.language = user, user if chat is None else chat, language

    def post(self, update: dict, secret: str | None = TELEGRAM_SECRET):
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        return self.client.post(TELEGRAM, content=json.dumps(update).encode(), headers=headers)

    def _deliver(self, update: dict) -> Said:
        before = len(self.bot.sent())
        answer = self.post(update)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"ok": True}
        sent = self.bot.wait_for(f"/bot{TELEGRAM_BOT_TOKEN}/sendMessage", before + 1)
        return telegram_said(sent[-1].json, self.chat_id)

    def send(self, text: str) -> Said:
        return self._deliver(telegram_message(next_update_id(), self.user_id, text,
                                              chat=self.chat_id, language=self.language))  # fmt: skip

    def press(self, choice: Choice) -> Said:
        assert choice.value is not None, choice
        return self._deliver(telegram_click(next_update_id(), self.user_id, choice.value,
                                            chat=self.chat_id))  # fmt: skip


def telegram_said(message: dict, chat: int | str) -> Said:
    assert str(message["chat_id"]) == str(chat), message
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    choices = [Choice(button["text"], value=button["callback_data"])
               for row in rows for button in row]  # fmt: skip
    return Said(message["text"], choices, message)
