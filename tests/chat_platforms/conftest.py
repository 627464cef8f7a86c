"""Every platform configured (by environment, read per request), a client whose event
loop lives as long as the test (so that a reply posted after the answer is posted), a
local receiver for Slack's ``response_url``, a fake Telegram Bot API, and a chat user
per platform (``chat_user``: each of the three in turn)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.chat_platforms.support import (
    MATTERMOST_TOKENS,
    SLACK_SECRET,
    TELEGRAM_BOT_TOKEN,
    TELEGRAM_SECRET,
    FakeBotApi,
    MattermostUser,
    Receiver,
    SlackUser,
    TelegramUser,
)

PLATFORMS = ("slack", "mattermost", "telegram")


@pytest.fixture
def receiver():
    made = Receiver()
    yield made
    made.stop()


@pytest.fixture
def bot():
    made = FakeBotApi()
    yield made
    made.stop()


@pytest.fixture(autouse=True)
def configured(monkeypatch, bot):
    """Slack, Mattermost and Telegram configured; Telegram's replies to the fake."""
    monkeypatch.setenv("NLENTRY_SLACK_SIGNING_SECRET", SLACK_SECRET)
    monkeypatch.setenv("NLENTRY_MATTERMOST_TOKENS", " , ".join(MATTERMOST_TOKENS))
    monkeypatch.setenv("NLENTRY_TELEGRAM_SECRET", TELEGRAM_SECRET)
    monkeypatch.setenv("NLENTRY_TELEGRAM_BOT_TOKEN", TELEGRAM_BOT_TOKEN)
    monkeypatch.setenv("NLENTRY_TELEGRAM_API", bot.base)
    monkeypatch.setenv("NLENTRY_PUBLIC_URL", "https://uren.example.com/app")


@pytest.fixture
def served(app):
    """A client of ``app`` with its lifespan run and one event loop throughout: what
    is posted after an answer (a late reply, a button's reply) is posted."""
    with TestClient(app) as client:
        yield client


@pytest.fixture
def slack_user(served, receiver) -> SlackUser:
    return SlackUser(served, receiver)


@pytest.fixture
def mattermost_user(served) -> MattermostUser:
    return MattermostUser(served)


@pytest.fixture
def telegram_user(served, bot) -> TelegramUser:
    return TelegramUser(served, bot)


@pytest.fixture(params=PLATFORMS)
def chat_user(request):
    """An unlinked chat user of each platform in turn."""
    return request.getfixturevalue(f"{request.param}_user")


@pytest.fixture
def linked(app, chat_user, example_catalog):
    """``chat_user`` linked to Alice (nl, the example catalog: Rowan -> Timi, ...)."""
    chat_user.link(app, example_catalog)
    return chat_user
