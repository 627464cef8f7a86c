"""Telegram (``POST /chat/telegram``, the bot's webhook): the secret header
(``X-Telegram-Bot-Api-Secret-Token``) or 401 and nothing stored, not even a link code;
not configured (no secret or no bot token) is 404; an ``update_id`` seen before acts no
more; replies go out through the Bot API's ``sendMessage``, buttons as an inline
keyboard, and a pressed button is answered with ``answerCallbackQuery``; a bot
command's ``/`` and ``@botname`` are taken off; a link code binds to the chat user and
the chat that asked for it (a group chat: that member, in that chat)."""

from __future__ import annotations

import json
import socket

import pytest

from nlentry.api.chat import telegram
from tests.chat_platforms.support import (
    NOTHING,
    TELEGRAM,
    TELEGRAM_BOT_TOKEN,
    TELEGRAM_SECRET,
    TelegramUser,
    chat_rows,
    code_in,
    confirm,
    entries,
    next_update_id,
    stored_link,
    telegram_click,
    telegram_message,
)

ROWAN = "2,5 uur met Rowan aan Timi gewerkt"
GROUP = -1001234567890


@pytest.fixture
def tg_linked(app, telegram_user, example_catalog) -> TelegramUser:
    """Telegram user 7001 (their private chat), linked to Alice, its ``account``."""
    telegram_user.link(app, example_catalog)
    telegram_user.account = example_catalog
    return telegram_user


REFUSED = {"a wrong secret": "tg_secret-Token_124", "no secret header": None,
           "an empty secret": "", "the secret in another case": TELEGRAM_SECRET.upper(),
           "the secret with more after it": TELEGRAM_SECRET + "x",
           "the secret cut short": TELEGRAM_SECRET[:-1],
           "the bot token instead": TELEGRAM_BOT_TOKEN}  # fmt: skip


@pytest.mark.parametrize("case", REFUSED)
def test_an_update_without_the_secret_is_401_and_stores_nothing(app, bot, telegram_user, case):
    update = telegram_message(next_update_id(), 7009, ROWAN)
    answer = telegram_user.post(update, secret=REFUSED[case])
    assert answer.status_code == 401, (case, answer.text)
    assert answer.json()["message"] == "unauthorized"
    assert chat_rows(app) == NOTHING  # no link code for the unlinked user, no update seen
    assert bot.all() == []  # nothing was sent to the chat


def test_a_linked_users_update_without_the_secret_stores_nothing(app, client, bot, tg_linked):
    update = telegram_message(next_update_id(), 7001, ROWAN)
    for secret in ("wrong", None):
        assert tg_linked.post(update, secret=secret).status_code == 401
    assert entries(client, tg_linked.account) == [] and bot.all() == []
    assert chat_rows(app) == {**NOTHING, "links": 1}
    # the same update with the secret is handled: it was not marked as seen
    assert tg_linked.post(update).status_code == 200
    assert len(entries(client, tg_linked.account)) == 1


@pytest.mark.parametrize("unset", ["NLENTRY_TELEGRAM_SECRET", "NLENTRY_TELEGRAM_BOT_TOKEN"])
def test_telegram_not_configured_is_404(app, bot, telegram_user, monkeypatch, unset):
    for value in (None, "", "  "):
        if value is None:
            monkeypatch.delenv(unset)
        else:
            monkeypatch.setenv(unset, value)
        for secret in (TELEGRAM_SECRET, None, value):
            answer = telegram_user.post(telegram_message(next_update_id(), 7009, ROWAN),
                                        secret=secret)  # fmt: skip
            assert answer.status_code == 404, (unset, value, answer.text)
    assert chat_rows(app) == NOTHING and bot.all() == []


def test_an_update_seen_before_acts_no_more(app, client, bot, tg_linked):
    update = telegram_message(next_update_id(), 7001, ROWAN)
    for _ in range(3):  # Telegram delivers again when an answer is late or not 2xx
        answer = tg_linked.post(update)
        assert answer.status_code == 200 and answer.json() == {"ok": True}
    [entry] = entries(client, tg_linked.account)
    assert entry["body"] == ROWAN
    assert chat_rows(app)["deliveries"] == 1
    sent = bot.sent(7001)
    assert sent and {m["text"] for m in sent} == {sent[0]["text"]}  # a repeat says the same
    assert sent[0]["text"].startswith("Geboekt:")
    # the same text in a new update is a new entry
    assert tg_linked.send(ROWAN).text.startswith("Geboekt:")
    assert len(entries(client, tg_linked.account)) == 2


def test_replies_go_out_with_send_message_and_buttons_as_an_inline_keyboard(client, bot,
                                                                            tg_linked):  # fmt: skip
    said = tg_linked.send("2 uur Timi voor Website")
    [entry] = entries(client, tg_linked.account)
    [message] = bot.calls("sendMessage")
    assert set(message) == {"chat_id", "text", "reply_markup"}
    assert str(message["chat_id"]) == "7001" and message["text"] == said.text
    assert message["reply_markup"] == {"inline_keyboard": [
        [{"text": "Timi", "callback_data": f"project:{entry['id']}:2"}],
        [{"text": "Website", "callback_data": f"project:{entry['id']}:3327"}],
        [{"text": "Ongedaan maken", "callback_data": f"undo:{entry['id']}"}],
    ]}  # fmt: skip
    [received] = bot.at(f"/bot{TELEGRAM_BOT_TOKEN}/sendMessage")
    assert received.method == "POST" and received.headers["content-type"] == "application/json"
    assert bot.calls("answerCallbackQuery") == []  # nothing was pressed
    reply = tg_linked.send("status")  # a reply without buttons has no keyboard
    assert "reply_markup" not in bot.calls("sendMessage")[-1] and reply.choices == []


def test_a_pressed_button_is_answered_and_acts(client, bot, tg_linked):
    said = tg_linked.send(ROWAN)
    update_id = next_update_id()
    answer = tg_linked.post(telegram_click(update_id, 7001, said.choice("undo").value))
    assert answer.status_code == 200 and answer.json() == {"ok": True}
    assert bot.calls("answerCallbackQuery") == [{"callback_query_id": f"cb{update_id}"}]
    assert bot.calls("sendMessage")[-1]["text"] == "Ongedaan: 1 boeking verwijderd."
    assert entries(client, tg_linked.account) == []
    # a press of another user (its callback_query's ``from``) acts as that user: unlinked
    other = tg_linked.post(telegram_click(next_update_id(), 7002, said.choice("undo").value))
    assert other.status_code == 200
    code_in(bot.calls("sendMessage")[-1]["text"])


@pytest.mark.parametrize("text, plain, starts", [
    ("/vandaag@nlentry_bot", "vandaag", "Vandaag ("),
    ("/today@NLENTRY_Bot", "today", "Vandaag ("),  # a username is the same in any case
    ("/status@nlentry_bot", "status", "Er loopt geen timer."),
    ("/help@nlentry_bot", "help", "Typ wat je deed"),
    ("/ongedaan@nlentry_bot", "ongedaan", "Er is niets ongedaan te maken."),
])  # fmt: skip
def test_a_bot_commands_at_suffix_is_taken_off(client, tg_linked, text, plain, starts):
    said = tg_linked.send(text)
    assert said.text.startswith(starts), said.text
    assert tg_linked.send(plain).text == said.text  # the command as typed without / and @
    assert entries(client, tg_linked.account) == []  # a command, no entry


@pytest.mark.parametrize("text", ["/vandaag@other_bot", "/start@other_bot coden voor Timi",
                                  "/stop@nlentry_bot_2", "/start@other_bot"])
def test_a_command_for_another_bot_is_left_alone(client, tg_linked, bot, text):
    """In a group each bot gets the others' commands too: ``/x@other_bot`` is theirs."""
    before = len(bot.sent())
    answer = tg_linked.post(telegram_message(next_update_id(), tg_linked.user_id, text))
    assert answer.status_code == 200 and answer.json() == {"ok": True}
    assert len(bot.sent()) == before  # no reply
    assert entries(client, tg_linked.account) == []
    timer = client.get("/api/v1/time_entries/timer.json", headers=tg_linked.account.headers)
    assert timer.json() == {}  # no timer started either
    assert tg_linked.send("/status@nlentry_bot").text == "Er loopt geen timer."  # ours is


def test_the_bots_name_is_asked_once(tg_linked, bot, monkeypatch):
    monkeypatch.setattr(telegram, "_usernames", {})
    tg_linked.send("/status@nlentry_bot")
    tg_linked.send("/help@nlentry_bot")
    tg_linked.post(telegram_message(next_update_id(), tg_linked.user_id, "/status@other_bot"))
    tg_linked.send("status")  # no @: nothing to ask
    assert len(bot.at(f"/bot{TELEGRAM_BOT_TOKEN}/getMe")) == 1


def test_a_command_is_ours_while_the_bots_name_cannot_be_asked(tg_linked, bot, monkeypatch):
    monkeypatch.setattr(telegram, "_usernames", {})
    monkeypatch.setattr(bot, "username", "")  # getMe tells no name
    assert tg_linked.send("/status@whoever_bot").text == "Er loopt geen timer."


def test_a_bot_command_with_text_after_it(client, tg_linked):
    started = tg_linked.send("/start@nlentry_bot coden voor Timi")
    assert started.text.startswith("Timer gestart om ")
    timer = client.get("/api/v1/time_entries/timer.json", headers=tg_linked.account.headers)
    assert timer.json()["project"]["name"] == "Timi"
    assert tg_linked.send("/stop@nlentry_bot").text.startswith("Timer gestopt:")


@pytest.mark.parametrize("opened", ["/start", "/start@nlentry_bot"])
def test_opening_the_bot_is_the_help_and_starts_no_timer(client, tg_linked, opened):
    """Telegram sends ``/start`` when a user opens the bot: that is no timer to start."""
    said = tg_linked.send(opened)
    assert said.text == tg_linked.send("help").text
    assert "start <" in said.text  # the help names the start command with its text
    timer = client.get("/api/v1/time_entries/timer.json", headers=tg_linked.account.headers)
    assert timer.status_code == 200 and timer.json() == {}


def test_a_new_users_start_gets_a_code_in_their_language(app, bot, served):
    dutch = TelegramUser(served, bot, user=7010, language="nl")
    assert "Deze chat is nog niet gekoppeld" in code_text(dutch.send("/start"))
    english = TelegramUser(served, bot, user=7011, language="en-GB")
    assert "This chat is not linked" in code_text(english.send("/start@nlentry_bot"))
    other = TelegramUser(served, bot, user=7012, language="de")  # no such locale: English
    assert "This chat is not linked" in code_text(other.send("hallo"))
    assert chat_rows(app) == {**NOTHING, "codes": 3, "deliveries": 3}


def code_text(said) -> str:
    code_in(said.text)
    return said.text


def test_a_code_from_a_group_binds_that_member_in_that_chat(app, client, bot, served,
                                                           example_catalog):  # fmt: skip
    alice = example_catalog
    member = TelegramUser(served, bot, user=7001, chat=GROUP)
    said = member.send(ROWAN)  # the reply goes to the group the message came from
    assert bot.sent(GROUP)[-1]["text"] == said.text and bot.sent(7001) == []
    linked = confirm(client, alice, code_in(said.text))
    assert linked.status_code == 201 and linked.json() == {
        "platform": "telegram", "team": "", "user": "7001"}  # fmt: skip
    row = stored_link(app, "telegram", "", "7001")
    assert row.user_id == alice.id and row.chat == str(GROUP)
    # the code linked the member who asked, not the group: another member is not linked
    colleague = TelegramUser(served, bot, user=7002, chat=GROUP)
    code_in(colleague.send(ROWAN).text)
    assert stored_link(app, "telegram", "", "7002") is None
    assert entries(client, alice) == []
    assert member.send(ROWAN).text.startswith("Geboekt:")
    assert bot.sent(GROUP)[-1]["text"].startswith("Geboekt:")
    assert len(entries(client, alice)) == 1


def test_an_update_the_bot_does_not_handle_is_ok_and_does_nothing(app, bot, telegram_user):
    message = telegram_message(next_update_id(), 7009, ROWAN)["message"]
    photo = {k: v for k, v in message.items() if k != "text"} | {"photo": [{"file_id": "x"}]}
    for update in ({"update_id": next_update_id(), "edited_message": message},
                   {"update_id": next_update_id(), "message": photo},
                   {"update_id": next_update_id(), "my_chat_member": {"chat": {"id": 1}}},
                   {"update_id": next_update_id(), "callback_query": {"id": "cb1"}}):  # fmt: skip
        answer = telegram_user.post(update)
        assert answer.status_code == 200 and answer.json() == {"ok": True}, update
    assert chat_rows(app) == NOTHING and bot.all() == []


def test_a_body_that_is_no_update_is_400_and_stores_nothing(app, bot, served):
    headers = {"Content-Type": "application/json",
               "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}  # fmt: skip
    for body in (b"not json", b"[]", json.dumps({"message": {"text": ROWAN}}).encode(),
                 json.dumps({"update_id": True, "message": {"text": ROWAN}}).encode()):  # fmt: skip
        answer = served.post(TELEGRAM, content=body, headers=headers)
        assert answer.status_code == 400, body
    assert chat_rows(app) == NOTHING and bot.all() == []


def test_a_bot_api_that_cannot_be_reached_still_stores_and_answers_200(client, tg_linked,
                                                                       monkeypatch):  # fmt: skip
    with socket.socket() as s:  # a port nothing listens on: the connection is refused
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    monkeypatch.setenv("NLENTRY_TELEGRAM_API", f"http://127.0.0.1:{closed}")
    answer = tg_linked.post(telegram_message(next_update_id(), 7001, ROWAN))
    assert answer.status_code == 200  # else Telegram would deliver it again and again
    assert len(entries(client, tg_linked.account)) == 1
