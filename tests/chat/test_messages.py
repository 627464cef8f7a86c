"""A message of time entries: what is stored, what the reply says, undo, and the
choice buttons of an ambiguous project or service. Against the real API, no platform."""

from __future__ import annotations

from nlentry.chat.replies import day_text
from tests.chat.chat_support import button
from tests.chat.conftest import entries

SENTENCE = "gisteren 2,5 uur met Rowan coden van 2 tot half 5 #review"


def test_a_sentence_stores_one_entry_and_the_reply_says_what(client, dutch, example_catalog):
    reply = dutch.send(SENTENCE)
    [stored] = entries(client, example_catalog)
    assert reply.stored == (stored["id"],)
    assert (stored["duration"], stored["start_time"], stored["end_time"]) == (9000, "14:00",
                                                                              "16:30")  # fmt: skip
    assert stored["project"]["name"] == "Timi" and stored["service"]["name"] == "Development"
    assert stored["tags"] == ["review"]
    lines = reply.text.splitlines()
    assert lines[0] == "Geboekt:"
    assert lines[1] == (
        "• 2:30 · " + day_text(stored["date"], "nl") + " · 14:00–16:30 · "
        "project Timi (alias Rowan) · dienst Development · tags #review"
    )
    # the warning, in the user's words, naming the words it is about
    assert lines[2].strip() == ("⚠ “van 2 tot half 5”: tijd 12 uur verschoven om binnen "
                                "werktijd te vallen")  # fmt: skip
    assert day_text(stored["date"], "nl").startswith(("ma ", "di ", "wo ", "do ", "vr ", "za ",
                                                      "zo "))  # fmt: skip
    undo = button(reply, "undo:")
    assert (undo.value, undo.command) == (f"undo:{stored['id']}", f"ongedaan {stored['id']}")
    assert undo.label == "Ongedaan maken" and len(reply.buttons) == 1


def test_the_project_by_its_name_shows_no_alias(dutch):
    reply = dutch.send("2 uur aan Timi")
    assert "project Timi ·" not in reply.text and reply.text.endswith("project Timi")
    assert "alias" not in reply.text


def test_an_english_reply_of_a_dutch_sentence(client, english, erin):
    reply = english.send("gisteren 2,5 uur coden voor redesign van 2 tot half 5")
    [stored] = entries(client, erin)
    assert reply.text.splitlines() == [
        "Stored:",
        "• 2:30 · " + day_text(stored["date"], "en") + " · 14:00–16:30 · "
        "project Website Redesign (alias redesign) · service Development",
        "   ⚠ “van 2 tot half 5”: time moved 12 hours to fall in working hours",
    ]


def test_a_warning_with_a_suggestion(dutch):
    reply = dutch.send("1 uur aan Websit")
    assert "⚠ “Websit”: onbekend woord; bedoel je dit? → Website" in reply.text
    assert "“Websit”" in reply.text.splitlines()[1]  # the words it did not place


def test_several_lines_make_several_entries_in_one_batch(client, dutch, example_catalog):
    reply = dutch.send("2 uur Timi\n1 uur mail #inbox\n3 uur coden voor site")
    stored = entries(client, example_catalog)
    assert [e["duration"] for e in stored] == [7200, 3600, 10800]
    assert reply.stored == tuple(e["id"] for e in stored)
    assert [c[:2] for c in dutch.api.calls if c[0] == "POST"] == [
        ("POST", "/time_entries/batch.json"),
        ("POST", "/parse.json"),
    ]
    lines = reply.text.splitlines()
    assert lines[0] == "3 boekingen gemaakt:"
    assert lines[1].startswith("• 2:00 · ") and lines[1].endswith("project Timi")
    assert lines[2].startswith("• 1:00 · ") and lines[2].endswith("tags #inbox · “mail”")
    assert lines[3].endswith("project Website (alias site) · dienst Development")
    assert button(reply, "undo:").value == "undo:" + ",".join(str(e["id"]) for e in stored)


def test_a_retried_delivery_stores_once(client, dutch, example_catalog):
    first = dutch.send("2 uur Timi; 1 uur mail", delivery="slack-trigger-1")
    again = dutch.send("2 uur Timi; 1 uur mail", delivery="slack-trigger-1")
    assert len(entries(client, example_catalog)) == 2
    assert again.stored == first.stored and again.text == first.text


def test_a_refused_sentence_stores_nothing_and_says_why(client, dutch, english, erin,
                                                        example_catalog):  # fmt: skip
    reply = dutch.send("lunch")
    assert reply.text.splitlines() == ["Niets geboekt: geen duur gevonden",
                                       "Typ “help” voor de opdrachten."]  # fmt: skip
    assert reply.buttons == () and reply.stored == ()
    reply = dutch.send("2 uur werk\nlunch\n1 uur op 31-02-2026")
    assert reply.text.splitlines() == ["Niets geboekt:", "• boeking 2: geen duur gevonden",
                                       "• boeking 3: is geen geldige datum",
                                       "Typ “help” voor de opdrachten."]  # fmt: skip
    assert entries(client, example_catalog) == []
    assert english.send("lunch").text.startswith("Nothing stored: no duration found")
    assert entries(client, erin) == []


def test_a_message_starting_with_a_command_word_is_an_entry(client, dutch, example_catalog):
    reply = dutch.send("vandaag 2 uur aan Timi")
    assert reply.text.startswith("Geboekt:")
    assert [e["duration"] for e in entries(client, example_catalog)] == [7200]


# --- undo ---------------------------------------------------------------------------------


def test_undo_removes_the_last_messages_entries_and_only_those(client, dutch, example_catalog):
    kept = dutch.send("2 uur Timi").stored
    dutch.send("1 uur mail\n3 uur coden voor site")
    dutch.send("status")  # stores nothing: the last message that stored is still the one
    reply = dutch.send("ongedaan")
    assert reply.text == "Ongedaan: 2 boekingen verwijderd."
    assert [e["id"] for e in entries(client, example_catalog)] == list(kept)
    assert dutch.send("Ongedaan").text == "Er is niets ongedaan te maken."
    assert dutch.send("undo").text == "Er is niets ongedaan te maken."  # English words too
    assert [e["id"] for e in entries(client, example_catalog)] == list(kept)


def test_undo_in_english(client, english, erin):
    english.send("2 hours coding")
    assert english.send("undo").text == "Undone: 1 entry removed."
    assert entries(client, erin) == []
    assert english.send("ongedaan").text == "Nothing to undo."


def test_the_undo_button_and_its_typed_form(client, dutch, example_catalog):
    first = dutch.send("2 uur Timi\n1 uur mail")
    second = dutch.send("3 uur coden voor site")
    reply = dutch.press(button(first, "undo:"))  # an older message's button: exactly those
    assert reply.text == "Ongedaan: 2 boekingen verwijderd."
    assert [e["id"] for e in entries(client, example_catalog)] == list(second.stored)
    assert dutch.memory.ids == list(second.stored)  # the last message is still undoable
    assert (
        dutch.press(button(first, "undo:")).text == "Al ongedaan: die boekingen zijn er niet meer."
    )
    typed = button(second, "undo:").command
    assert typed == f"ongedaan {second.stored[0]}"
    assert dutch.send(typed).text == "Ongedaan: 1 boeking verwijderd."
    assert entries(client, example_catalog) == [] and dutch.memory.ids == []


# --- an ambiguous project or service --------------------------------------------------------


def test_an_ambiguous_project_offers_a_button_per_candidate(client, dutch, example_catalog):
    reply = dutch.send("2 uur Timi voor Website")
    [stored] = entries(client, example_catalog)
    assert stored["project"] is None
    assert "Welk project bedoel je? Kies er een:" in reply.text
    assert "meerdere projecten of diensten passen even goed" in reply.text
    choices = [b for b in reply.buttons if b.value.startswith("project:")]
    assert [(b.label, b.value, b.command) for b in choices] == [
        ("Timi", f"project:{stored['id']}:2", f"project {stored['id']} 2"),
        ("Website", f"project:{stored['id']}:3327", f"project {stored['id']} 3327"),
    ]
    chosen = dutch.press(choices[1])
    assert chosen.text.splitlines()[0] == "Gewijzigd:"
    assert "project Website" in chosen.text
    [stored] = entries(client, example_catalog)
    assert stored["project"]["id"] == 3327
    # the typed form, where a platform has no buttons
    assert dutch.send(choices[0].command).text.startswith("Gewijzigd:")
    assert entries(client, example_catalog)[0]["project"]["id"] == 2


def test_an_ambiguous_service_and_the_english_typed_form(client, english, erin):
    reply = english.send("2 hours design meeting")
    [stored] = entries(client, erin)
    assert "Which service did you mean? Choose one:" in reply.text
    choices = [b for b in reply.buttons if b.value.startswith("service:")]
    assert [b.label for b in choices] == ["Design", "Overleg"]
    assert choices[1].command == f"service {stored['id']} 3"
    assert english.send(choices[1].command).text.startswith("Changed:")
    assert entries(client, erin)[0]["service"]["name"] == "Overleg"
    # a Dutch word for the same command
    assert english.send(f"dienst {stored['id']} 2").text.startswith("Changed:")
    assert entries(client, erin)[0]["service"]["name"] == "Design"


def test_choices_of_several_entries_are_numbered(dutch):
    reply = dutch.send("1 uur mail\n2 uur Timi voor Website")
    assert "Boeking 2: welk project of welke dienst bedoel je? Kies er een:" in reply.text
    labels = [b.label for b in reply.buttons if b.value.startswith("project:")]
    assert labels == ["2. Timi", "2. Website"]
