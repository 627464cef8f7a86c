"""What holds on Slack, Mattermost and Telegram alike, each test run once per platform
(``chat_user``): a verified line of a linked user is stored as that user and
answered; an unlinked user gets a link code and nothing is stored; the code links;
undo removes the last message's entries of that chat only; a button (a typed line on
Mattermost) on a candidate sets the project; several lines make several entries;
each command."""

from __future__ import annotations

from tests.chat_platforms.support import (
    Platform,
    code_in,
    confirm,
    entries,
    stored_link,
)

ROWAN = "2,5 uur met Rowan aan Timi gewerkt"


def test_a_linked_users_line_is_stored_as_that_user_and_answered(client, linked, alice, bob):
    said = linked.send(ROWAN)
    [entry] = entries(client, alice)
    assert entry["duration"] == 9000 and entry["project"]["name"] == "Timi"
    assert entry["body"] == ROWAN
    lines = said.text.splitlines()
    assert lines[0] == "Geboekt:"  # Alice's locale
    assert lines[1].startswith("• 2:30 · ") and "project Timi" in lines[1]
    assert [c.kind for c in said.choices] == ["undo"]
    assert said.choice("undo").label == "Ongedaan maken"
    assert entries(client, bob) == []


def test_an_unlinked_user_gets_a_code_and_nothing_is_stored(app, client, chat_user, alice):
    for text in (ROWAN, "vandaag", "undo", "start coden"):
        said = chat_user.send(text)
        code = code_in(said.text)
        assert f"?link={code.replace('-', '')}" in said.text
        assert "https://uren.example.com/app/" in said.text  # NLENTRY_PUBLIC_URL
        assert said.choices == []
    assert entries(client, alice) == []
    assert client.get("/api/v1/time_entries/timer.json", headers=alice.headers).json() == {}
    assert stored_link(app, chat_user.name, chat_user.team, chat_user.user) is None


def test_each_message_of_an_unlinked_user_gets_a_new_code(chat_user):
    codes = {code_in(chat_user.send("2 uur Timi").text) for _ in range(3)}
    assert len(codes) == 3


def test_the_code_links_the_chat_user_to_whoever_confirms_it(app, client, chat_user,
                                                            example_catalog):  # fmt: skip
    alice = example_catalog
    code = code_in(chat_user.send(ROWAN).text)
    linked = confirm(client, alice, code)
    assert linked.status_code == 201, linked.text
    assert linked.json() == {"platform": chat_user.name, "team": chat_user.team,
                             "user": chat_user.user}  # fmt: skip
    row = stored_link(app, chat_user.name, chat_user.team, chat_user.user)
    assert row.user_id == alice.id and row.chat == chat_user.chat
    assert entries(client, alice) == []  # the message that asked was not stored later
    said = chat_user.send(ROWAN)
    assert said.text.startswith("Geboekt:")
    assert [e["project"]["name"] for e in entries(client, alice)] == ["Timi"]
    assert confirm(client, alice, code).status_code == 404  # used


def test_undo_removes_the_last_messages_entries_of_that_chat_only(app, client, linked,
                                                                  example_catalog):  # fmt: skip
    alice = example_catalog
    other = type(linked)(**_other_user(linked))  # Alice on the same platform, another user
    other.link(app, alice)
    kept = linked.send("2 uur Timi")
    last = linked.send("1 uur mail\n3 uur coden voor site")
    theirs = other.send("45 min css voor de homepage")  # later, from another chat
    assert len(entries(client, alice)) == 4
    undone = linked.send("ongedaan")
    assert undone.text == "Ongedaan: 2 boekingen verwijderd."
    left = [e["body"] for e in entries(client, alice)]
    assert left == ["2 uur Timi", "45 min css voor de homepage"]
    assert linked.send("undo").text == "Er is niets ongedaan te maken."
    assert kept.text.startswith("Geboekt:") and last.text.startswith("2 boekingen gemaakt:")
    # the other chat's last message is still its own to undo
    assert other.send("ongedaan").text == "Ongedaan: 1 boeking verwijderd."
    assert [e["body"] for e in entries(client, alice)] == ["2 uur Timi"]
    assert theirs.choice("undo")


def test_the_undo_button_removes_what_its_message_stored(client, linked, example_catalog):
    first = linked.send("2 uur Timi\n1 uur mail")
    second = linked.send("3 uur coden voor site")
    undone = linked.press(first.choice("undo"))  # an older message's button: exactly those
    assert undone.text == "Ongedaan: 2 boekingen verwijderd."
    assert [e["body"] for e in entries(client, example_catalog)] == ["3 uur coden voor site"]
    assert linked.press(first.choice("undo")).text.startswith("Al ongedaan")
    assert linked.press(second.choice("undo")).text == "Ongedaan: 1 boeking verwijderd."
    assert entries(client, example_catalog) == []


def test_a_button_on_a_candidate_sets_the_project(client, linked, example_catalog):
    said = linked.send("2 uur Timi voor Website")
    [entry] = entries(client, example_catalog)
    assert entry["project"] is None
    assert "Welk project bedoel je? Kies er een:" in said.text
    assert [(c.kind, c.label) for c in said.choices] == [
        ("project", "Timi"), ("project", "Website"), ("undo", "Ongedaan maken")]
    chosen = linked.press(said.choice("project", "Website"))
    assert chosen.text.splitlines()[0] == "Gewijzigd:" and "project Website" in chosen.text
    assert entries(client, example_catalog)[0]["project"]["id"] == 3327
    again = linked.press(said.choice("project", "Timi"))  # a second thought
    assert again.text.startswith("Gewijzigd:")
    assert entries(client, example_catalog)[0]["project"]["id"] == 2


def test_several_lines_make_several_entries(client, linked, example_catalog):
    said = linked.send("2 uur Timi\n1 uur mail\n\n45 min css voor de homepage")
    stored = entries(client, example_catalog)
    assert [e["duration"] for e in stored] == [7200, 3600, 2700]
    assert said.text.splitlines()[0] == "3 boekingen gemaakt:"
    assert said.choice("undo")
    assert linked.press(said.choice("undo")).text == "Ongedaan: 3 boekingen verwijderd."
    assert entries(client, example_catalog) == []


def test_a_line_that_is_no_entry_stores_nothing_and_says_why(client, linked, example_catalog):
    said = linked.send("lunch")
    assert said.text.startswith("Niets geboekt:") and said.choices == []
    assert entries(client, example_catalog) == []


def test_each_command(client, linked, example_catalog):
    alice = example_catalog
    timer = "/api/v1/time_entries/timer.json"
    assert linked.send("status").text == "Er loopt geen timer."
    assert linked.send("stop").text == "Er loopt geen timer."
    started = linked.send("start coden voor Timi")
    running = client.get(timer, headers=alice.headers).json()
    assert running["project"]["name"] == "Timi" and running["timer_started_at"]
    assert started.text.startswith(f"Timer gestart om {running['start_time']}:")
    assert linked.send("status").text.startswith(f"Timer loopt sinds {running['start_time']}")
    stopped = linked.send("stop")
    assert stopped.text.startswith("Timer gestopt:")
    assert client.get(timer, headers=alice.headers).json() == {}
    linked.send("2 uur Timi")
    today = linked.send("vandaag")
    assert today.text.startswith("Vandaag, ") and "project Timi" in today.text
    assert len(today.text.splitlines()) == 3  # the total, the timer's entry, the 2 hours
    assert linked.send("today").text == today.text  # the English word too
    week = linked.send("week")
    assert week.text.startswith("Deze week, ") and "Per dag:" in week.text
    assert "Per project:" in week.text and "• Timi: " in week.text
    help_ = linked.send("help")
    assert help_.text == linked.send("hulp").text
    for word in ("start <tekst>", "stop", "status", "ongedaan", "vandaag", "week", "help",
                 "project <boeking> <project>", "dienst <boeking> <dienst>"):  # fmt: skip
        assert f"• {word}" in help_.text, (word, help_.text)
    entry = entries(client, alice)[-1]
    changed = linked.send(f"dienst {entry['id']} 2")
    assert changed.text.startswith("Gewijzigd:") and "dienst Design" in changed.text
    assert linked.send(f"project {entry['id']} 3327").text.startswith("Gewijzigd:")
    entry = entries(client, alice)[-1]
    assert entry["project"]["id"] == 3327 and entry["service"]["id"] == 2
    assert linked.send(f"ongedaan {entry['id']}").text == "Ongedaan: 1 boeking verwijderd."
    assert len(entries(client, alice)) == 1


def test_another_users_entry_is_not_the_chats_to_change(client, linked, example_catalog, bob):
    theirs = client.post("/api/v1/time_entries.json", json={"body": "2 uur Timi"},
                         headers=bob.headers).json()  # fmt: skip
    for text in (f"project {theirs['id']} 3327", f"ongedaan {theirs['id']}"):
        said = linked.send(text)
        assert not said.text.startswith(("Gewijzigd", "Ongedaan:")), said.text
    [after] = entries(client, bob)
    assert after["project"]["id"] == 2 and after["id"] == theirs["id"]


def _other_user(chat_user: Platform) -> dict:
    """The constructor arguments of another chat user of the same kind."""
    if chat_user.name == "slack":
        return {"client": chat_user.client, "receiver": chat_user.receiver, "user": "U2"}
    if chat_user.name == "mattermost":
        return {"client": chat_user.client, "user": "mm-user-2"}
    return {"client": chat_user.client, "bot": chat_user.bot, "user": 7002}
