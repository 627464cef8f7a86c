"""The commands, in Dutch and English words, the reply in the user's locale; the
answers of the API that are no success. Against the real API, no platform."""

from __future__ import annotations

import anyio
import pytest

from nlentry.chat.conversation import handle
from nlentry.chat.model import Answer, ChatUser, Incoming
from nlentry.chat.replies import day_text, hours, warning_lines
from nlentry.storage.api_tokens import revoke_token
from tests.chat.chat_support import Chat, InMemory, link
from tests.chat.conftest import entries
from tests.support.api_fixtures import add_account

TIMER = "/api/v1/time_entries/timer.json"
#: command -> (its Dutch word, its English word)
WORDS = {"start": ("start", "start"), "stop": ("stop", "stop"), "status": ("status", "status"),
         "undo": ("ongedaan", "undo"), "today": ("vandaag", "today"), "week": ("week", "week"),
         "help": ("hulp", "help")}  # fmt: skip
#: (the user, the language of the words typed)
USERS = [("dutch", 0), ("dutch", 1), ("english", 0), ("english", 1)]
IDS = ["nl-user-nl-words", "nl-user-en-words", "en-user-nl-words", "en-user-en-words"]


@pytest.fixture
def who(request, dutch, english, example_catalog, erin):
    """(the chat, its account, the reply's language, the words typed) of ``USERS``."""
    name, words = request.param
    if name == "dutch":
        return dutch, example_catalog, "nl", words
    return english, erin, "en", words


def word(command: str, words: int) -> str:
    return WORDS[command][words]


@pytest.mark.parametrize("who", USERS, ids=IDS, indirect=True)
def test_start_status_stop(client, who):
    chat, account, locale, words = who
    said = {"nl": ("Er loopt geen timer.", "Timer gestart om ", "Timer loopt sinds ",
                   "Timer gestopt:"),
            "en": ("No timer is running.", "Timer started at ", "Timer running since ",
                   "Timer stopped:")}[locale]  # fmt: skip
    assert chat.send(word("status", words)).text == said[0]
    started = chat.send(f"{word('start', words)} 2 uur coden voor Timi")
    timer = client.get(TIMER, headers=account.headers).json()
    assert timer["timer_started_at"] and timer["project"]["name"] == "Timi"
    assert started.stored == (timer["id"],) and chat.memory.ids == [timer["id"]]
    assert started.text.startswith(said[1] + timer["start_time"] + ":")
    assert "project Timi" in started.text
    status = chat.send(word("status", words).upper())
    assert status.text.startswith(said[2] + timer["start_time"] + ", ")
    assert "project Timi" in status.text
    stopped = chat.send(word("stop", words))
    assert stopped.text.startswith(said[3])
    assert client.get(TIMER, headers=account.headers).json() == {}
    [entry] = entries(client, account)
    assert entry["end_time"] and entry["timer_started_at"] is None
    assert chat.send(word("stop", words)).text == said[0]  # 404: none runs
    assert chat.send(word("status", words)).text == said[0]


@pytest.mark.parametrize("who", USERS, ids=IDS, indirect=True)
def test_today_lists_todays_entries_and_the_total(client, who):
    chat, account, locale, words = who
    date = day_text(entries_date(chat, client, account), locale)
    reply = chat.send(WORDS["today"][words])
    lines = reply.text.splitlines()
    assert lines[0] == {"nl": f"Vandaag, {date}: 3:30", "en": f"Today, {date}: 3:30"}[locale]
    assert [line.split(" · ")[0] for line in lines[1:]] == ["• 2:00", "• 1:30"]
    assert "project Timi" in lines[1]


def entries_date(chat: Chat, client, account) -> str:
    """Log two entries of today and one of yesterday; today's date."""
    chat.send("gisteren 5 uur Timi")
    chat.send("2 uur Timi\n1,5 uur mail")
    return entries(client, account)[-1]["date"]


def test_today_of_a_dutch_user_typing_english_is_in_dutch(dutch):
    dutch.send("1 uur Timi")
    assert dutch.send("today").text.startswith("Vandaag, ")
    assert dutch.send("Today!").text.startswith("Vandaag, ")


def test_today_with_nothing_logged(dutch, english):
    assert dutch.send("vandaag").text.startswith("Vandaag (")
    assert english.send("today").text.startswith("Nothing logged today (")


@pytest.mark.parametrize("who", USERS, ids=IDS, indirect=True)
def test_week_totals_per_day_and_per_project(client, who):
    chat, account, locale, words = who
    chat.send("2 uur Timi\n1,5 uur mail")
    today = entries(client, account)[-1]["date"]
    lines = chat.send(word("week", words).capitalize()).text.splitlines()
    day, no_project = day_text(today, locale, year=False), {"nl": "geen project",
                                                             "en": "no project"}[locale]  # fmt: skip
    if locale == "nl":
        assert lines[0].startswith("Deze week, ma ") and lines[0].endswith(": 3:30")
        assert lines[1] == "Per dag:" and lines[3] == "Per project:"
    else:
        assert lines[0].startswith("This week, Mon ") and lines[0].endswith(": 3:30")
        assert lines[1] == "Per day:" and lines[3] == "Per project:"
    assert lines[2] == f"• {day}: 3:30"
    assert lines[4:] == ["• Timi: 2:00", f"• {no_project}: 1:30"]


def test_week_with_nothing_logged(dutch, english):
    assert dutch.send("week").text.startswith("Deze week (ma ")
    assert english.send("week").text.startswith("Nothing logged this week (Mon ")


@pytest.mark.parametrize("who", USERS, ids=IDS, indirect=True)
def test_help_lists_the_commands_in_the_users_words(who):
    chat, _, locale, words = who
    text = chat.send(WORDS["help"][words]).text
    if locale == "nl":
        assert text.startswith("Typ wat je deed")
        for line in ("• ongedaan: ", "• vandaag: ", "• start <tekst>: ", "• dienst <boeking> "):
            assert line in text
    else:
        assert text.startswith("Type what you did")
        for line in ("• undo: ", "• today: ", "• start <text>: ", "• service <entry> "):
            assert line in text


def test_an_empty_message_is_help(dutch):
    assert dutch.send("  ").text.startswith("Typ wat je deed")


@pytest.mark.parametrize("who", USERS, ids=IDS, indirect=True)
def test_undo_in_both_words(client, who):
    chat, account, locale, words = who
    chat.send("2 uur Timi")
    text = chat.send(WORDS["undo"][words]).text
    assert text == {"nl": "Ongedaan: 1 boeking verwijderd.",
                    "en": "Undone: 1 entry removed."}[locale]  # fmt: skip
    assert entries(client, account) == []


def test_undo_of_a_started_timer_removes_it(client, dutch, example_catalog):
    dutch.send("start coden voor Timi")
    assert dutch.send("ongedaan").text == "Ongedaan: 1 boeking verwijderd."
    assert client.get(TIMER, headers=example_catalog.headers).json() == {}
    assert entries(client, example_catalog) == []


# --- answers of the API that are no success ----------------------------------------------


def test_a_revoked_link_token_is_a_reply(app, dutch):
    with app.state.db.write() as session:
        assert revoke_token(session, dutch.api.token)
        session.commit()
    reply = dutch.send("2 uur Timi")
    assert reply.text.startswith("Your chat link no longer works")  # no locale without /users/me
    assert reply.buttons == ()


def test_a_token_without_a_scope_is_a_reply(app, client, example_catalog):
    chat = link(app, example_catalog, scopes=("read:users", "read:time_entries"))
    reply = chat.send("2 uur Timi")
    assert reply.text == ("Niet toegestaan: het token van de koppeling mist de scope "
                          "write:time_entries.")  # fmt: skip
    assert entries(client, example_catalog) == []


def test_another_users_entry_is_not_found(app, dutch, english):
    theirs = english.send("2 hours coding").stored[0]
    assert dutch.press(f"project:{theirs}:2").text.startswith("Niet gevonden:")
    assert dutch.send(f"project {theirs} 2").text.startswith("Niet gevonden:")
    assert dutch.press(f"undo:{theirs}").text.startswith("Al ongedaan")  # 404: not hers


def test_an_invalid_choice_is_a_reply(dutch):
    entry = dutch.send("2 uur Timi").stored[0]
    assert dutch.send(f"project {entry} 999999").text == "Niet aangenomen: project_id bestaat niet"


def test_an_unknown_button_is_a_reply(dutch):
    assert dutch.press("delete:everything").text.startswith("Die knop wordt niet meer begrepen")
    assert dutch.press("project:x:y").text.startswith("Die knop wordt niet meer begrepen")


def test_too_many_requests_is_a_reply(make_account, database_url):
    from nlentry.api.app import create_app

    app = create_app(database_url, rate_limit="3/minute")
    try:
        chat = link(app, make_account(app, "dana@acme.nl"))
        replies = [chat.send("2 uur Timi").text for _ in range(3)]
    finally:
        app.state.db.dispose()
    assert replies[-1] == "Too many requests just now; try again in a minute."


class Refusing:
    """An API that knows the user and answers everything else with ``status``."""

    def __init__(self, status: int) -> None:
        self.status = status

    async def __call__(self, method, path, *, json=None, query=None, key=None) -> Answer:
        if path == "/users/me.json":
            return Answer(200, {"locale": "en", "timezone": "Europe/Amsterdam"})
        return Answer(self.status, {"message": "service unavailable"})


@pytest.mark.parametrize(("status", "said"), [
    (503, "The service is unavailable just now; try again shortly."),
    (500, "Something went wrong (HTTP 500); try again later."),
    (429, "Too many requests just now; try again in a minute."),
])  # fmt: skip
@pytest.mark.parametrize("text", ["2 hours coding", "start x", "stop", "status", "today", "week",
                                  "undo 1", "project 1 2"])  # fmt: skip
def test_a_failing_api_is_a_reply_for_every_command(status, said, text):
    incoming = Incoming(ChatUser("test", "T", "U"), text, "d-1")

    async def run():
        return await handle(incoming, Refusing(status), InMemory())

    assert anyio.run(run).text == said


def test_a_user_in_a_far_zone_sees_their_own_today(app, client):
    kiribati = add_account(app, "kiri@acme.nl", locale="en", timezone="Pacific/Kiritimati")
    chat = link(app, kiribati)
    chat.send("2 hours work")
    [entry] = entries(client, kiribati)
    assert chat.send("today").text.startswith(f"Today, {day_text(entry['date'], 'en')}: 2:00")


def test_hours():
    assert [hours(s) for s in (0, 1, 29, 30, 89, 9000, 86400)] == [
        "0:00",
        "0:01",
        "0:01",
        "0:01",
        "0:01",
        "2:30",
        "24:00",
    ]


def test_a_warning_without_words_and_one_the_locale_lacks():
    capped = {"body": "x", "warnings": [
        {"code": "timer_capped", "message": "de timer liep", "start": None, "end": None,
         "suggestion": None},
        {"code": "new_in_the_api", "message": "as the API says it", "start": 0, "end": 1,
         "suggestion": "y"},
    ]}  # fmt: skip
    assert warning_lines(capped, "en") == [
        "⚠ the timer ran over 24 hours and was stopped at 24 hours",
        "⚠ “x”: as the API says it → y",
    ]
