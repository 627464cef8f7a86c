"""The fields of an entry beside its text (issue 11): ``start_time``, ``end_time``,
``description``, ``billable``, ``tags``, ``metadata``; unknown fields refused; the
parser's ``warnings`` and ``candidates`` in create and update answers."""

from __future__ import annotations

import json

import pytest

ENTRIES = "/api/v1/time_entries.json"
TIMER = "/api/v1/time_entries/timer.json"


def create(client, account, **data):
    return client.post(ENTRIES, data=data, headers=account.headers)


def patch(client, account, entry_id, **data):
    return client.patch(f"/api/v1/time_entries/{entry_id}.json", data=data,
                        headers=account.headers)


def show(client, account, entry_id):
    return client.get(f"/api/v1/time_entries/{entry_id}.json", headers=account.headers).json()


def refused(answer, field, message):
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["errors"] == {field: [message]}
    assert body["param"] == field


# --- start_time and end_time -----------------------------------------------------------


def test_start_and_end_make_the_duration(client, alice):
    entry = create(client, alice, body="overleg", start_time="09:15", end_time="11:00").json()
    assert (entry["start_time"], entry["end_time"], entry["duration"]) == ("09:15", "11:00", 6300)


def test_an_end_before_the_start_is_on_the_next_day(client, alice):
    entry = create(client, alice, body="nachtdienst", start_time="22:00", end_time="02:30").json()
    assert entry["duration"] == 4 * 3600 + 1800


def test_an_end_equal_to_the_start_is_refused(client, alice, carol):
    refused(create(client, alice, body="werk", start_time="9:00", end_time="09.00"),
            "end_time", "is gelijk aan de begintijd")
    refused(create(client, carol, body="work", start_time="9:00", end_time="09:00"),
            "end_time", "is the same as the start time")


def test_explicit_times_win_over_the_text_and_an_explicit_duration_over_the_times(client, alice):
    entry = create(client, alice, body="van 9 tot 12 coden", start_time="13:00",
                   end_time="14:00").json()
    assert (entry["start_time"], entry["end_time"], entry["duration"]) == ("13:00", "14:00", 3600)
    entry = create(client, alice, body="werk", start_time="13:00", end_time="14:00",
                   duration="600").json()
    assert (entry["start_time"], entry["end_time"], entry["duration"]) == ("13:00", "14:00", 600)


def test_a_time_alone_keeps_the_duration_and_needs_one(client, alice):
    entry = create(client, alice, body="2 uur werk", start_time="08:00").json()
    assert (entry["start_time"], entry["end_time"], entry["duration"]) == ("08:00", None, 7200)
    answer = create(client, alice, body="werk", start_time="08:00")
    refused(answer, "duration", "geen duur gevonden")


@pytest.mark.parametrize("bad", ["25:00", "9", "09:60", "negen", "9:5"])
def test_an_invalid_time_is_refused(client, alice, bad):
    refused(create(client, alice, body="2 uur werk", start_time=bad), "start_time",
            "is geen geldige tijd (UU:MM)")
    refused(create(client, alice, body="2 uur werk", end_time=bad), "end_time",
            "is geen geldige tijd (UU:MM)")


def test_patch_of_one_time_uses_the_entrys_other_time(client, alice):
    entry = create(client, alice, body="werk", start_time="09:00", end_time="10:00").json()
    changed = patch(client, alice, entry["id"], end_time="12:30").json()
    assert (changed["start_time"], changed["end_time"], changed["duration"]) == (
        "09:00", "12:30", 3 * 3600 + 1800)
    changed = patch(client, alice, entry["id"], start_time="12:00").json()
    assert changed["duration"] == 1800
    cleared = client.patch(f"/api/v1/time_entries/{entry['id']}.json",
                           json={"start_time": None}, headers=alice.headers).json()
    assert (cleared["start_time"], cleared["end_time"], cleared["duration"]) == (
        None, "12:30", 1800)
    refused(patch(client, alice, entry["id"], start_time="12:30"), "end_time",
            "is gelijk aan de begintijd")


# --- description ------------------------------------------------------------------------


def test_description_overrides_the_parsed_one_and_null_clears_it(client, alice):
    entry = create(client, alice, body="2 uur rapport schrijven").json()
    assert entry["description"] == "rapport schrijven"
    entry = create(client, alice, body="2 uur rapport schrijven", description="Q1-rapport").json()
    assert entry["description"] == "Q1-rapport" and entry["body"] == "2 uur rapport schrijven"
    changed = patch(client, alice, entry["id"], description="Q2-rapport").json()
    assert changed["description"] == "Q2-rapport" and changed["duration"] == 7200
    cleared = client.patch(f"/api/v1/time_entries/{entry['id']}", json={"description": None},
                           headers=alice.headers).json()
    assert cleared["description"] == ""
    # a new body describes anew, unless the description is given too
    again = patch(client, alice, entry["id"], body="1 uur mail").json()
    assert again["description"] == "mail"


def test_a_description_too_long_or_not_text_is_refused(client, alice):
    refused(create(client, alice, body="2 uur werk", description="x" * 10_001), "description",
            "is te lang")
    answer = client.post(ENTRIES, json={"body": "2 uur werk", "description": ["a"]},
                         headers=alice.headers)
    refused(answer, "description", "is ongeldig")


# --- billable ---------------------------------------------------------------------------


def _project(client, account, name, **fields):
    answer = client.post("/api/v1/projects.json", json={"name": name, **fields},
                         headers=account.headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_billable_defaults_to_the_projects(client, alice):
    internal = _project(client, alice, "Intern", billable=False)
    _project(client, alice, "Kiwi")
    assert create(client, alice, body="2 uur werk").json()["billable"] is True
    assert create(client, alice, body="2 uur Kiwi").json()["billable"] is True
    parsed = create(client, alice, body="2 uur Intern").json()
    assert parsed["project"]["id"] == internal["id"] and parsed["billable"] is False
    explicit = create(client, alice, body="2 uur werk", project_id=str(internal["id"])).json()
    assert explicit["billable"] is False
    assert create(client, alice, body="2 uur Intern", billable="yes").json()["billable"] is True
    listed = client.get(ENTRIES, headers=alice.headers).json()["time_entries"]
    assert [e["billable"] for e in listed] == [True, False, False, True, True]


def test_an_archived_projects_default_is_inherited_too(client, alice):
    internal = _project(client, alice, "Intern", billable=False)
    client.patch(f"/api/v1/projects/{internal['id']}.json", json={"active": False},
                 headers=alice.headers)
    entry = create(client, alice, body="2 uur", project_id=str(internal["id"])).json()
    assert entry["project"]["id"] == internal["id"] and entry["billable"] is False


def test_a_project_default_changed_later_is_read_at_once(client, alice):
    project = _project(client, alice, "Kiwi")
    assert create(client, alice, body="1 uur Kiwi").json()["billable"] is True
    client.patch(f"/api/v1/projects/{project['id']}.json", json={"billable": False},
                 headers=alice.headers)
    assert create(client, alice, body="1 uur Kiwi").json()["billable"] is False


def test_patch_to_another_project_inherits_its_default_unless_given(client, alice):
    internal = _project(client, alice, "Intern", billable=False)
    kiwi = _project(client, alice, "Kiwi")
    entry = create(client, alice, body="2 uur Kiwi").json()
    assert entry["billable"] is True
    moved = patch(client, alice, entry["id"], project_id=str(internal["id"])).json()
    assert moved["billable"] is False
    kept = patch(client, alice, entry["id"], duration="60").json()  # the same project: kept
    assert kept["billable"] is False
    back = patch(client, alice, entry["id"], body="1 uur Kiwi").json()  # parsed anew
    assert back["project"]["id"] == kiwi["id"] and back["billable"] is True
    given = patch(client, alice, entry["id"], project_id=str(internal["id"]),
                  billable="true").json()
    assert given["billable"] is True
    detached = patch(client, alice, entry["id"], project_id="", billable="false").json()
    assert detached["project"] is None and detached["billable"] is False
    again = patch(client, alice, entry["id"], project_id=str(internal["id"])).json()
    assert again["billable"] is False
    loose = patch(client, alice, entry["id"], project_id="").json()  # no project: billable
    assert loose["billable"] is True


def test_an_invalid_billable_is_refused(client, alice):
    refused(create(client, alice, body="2 uur werk", billable="misschien"), "billable",
            "is ongeldig")
    answer = client.post(ENTRIES, json={"body": "2 uur werk", "billable": 1},
                         headers=alice.headers)
    refused(answer, "billable", "is ongeldig")


# --- tags -------------------------------------------------------------------------------


def test_tags_come_from_the_text_and_the_field(client, alice):
    entry = create(client, alice, body="2 uur coden #bugfix #urgent").json()
    assert entry["tags"] == ["bugfix", "urgent"]
    entry = client.post(ENTRIES, json={"body": "2 uur coden #bugfix", "tags": ["#Review", "BUGFIX"]},
                        headers=alice.headers).json()
    assert entry["tags"] == ["bugfix", "Review"]
    form = create(client, alice, body="2 uur coden", tags="a, #b,,a").json()
    assert form["tags"] == ["a", "b"]
    repeated = client.post(ENTRIES, data={"body": "2 uur", "tags[]": ["x", "y"]},
                           headers=alice.headers).json()
    assert repeated["tags"] == ["x", "y"]


def test_too_many_or_too_long_tags_are_refused(client, alice):
    refused(create(client, alice, body="2 uur werk", tags=",".join(f"t{i}" for i in range(21))),
            "tags", "is meer dan toegestaan")
    refused(create(client, alice, body="2 uur werk", tags="x" * 41), "tags", "is te lang")
    body = "2 uur werk " + " ".join(f"#t{i}" for i in range(15))
    refused(create(client, alice, body=body, tags=",".join(f"u{i}" for i in range(6))),
            "tags", "is meer dan toegestaan")  # 21 once merged
    refused(client.post(ENTRIES, json={"body": "2 uur", "tags": [1]}, headers=alice.headers),
            "tags", "is ongeldig")


def test_patch_tags_replace_and_a_new_text_replaces_only_its_own(client, alice):
    entry = create(client, alice, body="2 uur #meeting", tags="klant").json()
    assert entry["tags"] == ["meeting", "klant"]
    retold = patch(client, alice, entry["id"], body="2 uur #review").json()
    assert retold["tags"] == ["klant", "review"]
    replaced = patch(client, alice, entry["id"], tags="intern").json()
    assert replaced["tags"] == ["intern"]
    both = patch(client, alice, entry["id"], body="1 uur #retro", tags="team").json()
    assert both["tags"] == ["retro", "team"]
    cleared = client.patch(f"/api/v1/time_entries/{entry['id']}.json", json={"tags": []},
                           headers=alice.headers).json()
    assert cleared["tags"] == []
    assert show(client, alice, entry["id"])["tags"] == []


# --- metadata ---------------------------------------------------------------------------


def test_metadata_is_stored_and_merged_on_patch(client, alice):
    entry = client.post(ENTRIES, json={"body": "2 uur", "metadata": {"ticket": "T-1", "x": "1"}},
                        headers=alice.headers).json()
    assert entry["metadata"] == {"ticket": "T-1", "x": "1"}
    form = create(client, alice, body="2 uur", metadata=json.dumps({"a": "b"})).json()
    assert form["metadata"] == {"a": "b"}
    merged = client.patch(f"/api/v1/time_entries/{entry['id']}.json",
                          json={"metadata": {"ticket": "T-2", "sprint": "9", "x": None}},
                          headers=alice.headers).json()
    assert merged["metadata"] == {"ticket": "T-2", "sprint": "9"}
    removed = client.patch(f"/api/v1/time_entries/{entry['id']}.json",
                           json={"metadata": {"sprint": ""}}, headers=alice.headers).json()
    assert removed["metadata"] == {"ticket": "T-2"}
    assert show(client, alice, entry["id"])["metadata"] == {"ticket": "T-2"}
    # null on create is no metadata
    assert client.post(ENTRIES, json={"body": "2 uur", "metadata": {"k": None}},
                       headers=alice.headers).json()["metadata"] == {}


def test_more_than_20_keys_after_the_merge_is_refused(client, alice):
    entry = client.post(ENTRIES, json={"body": "2 uur",
                                       "metadata": {f"k{i}": "v" for i in range(15)}},
                        headers=alice.headers).json()
    answer = client.patch(f"/api/v1/time_entries/{entry['id']}.json",
                          json={"metadata": {f"n{i}": "v" for i in range(6)}},
                          headers=alice.headers)
    refused(answer, "metadata", "heeft meer dan 20 sleutels")
    assert len(show(client, alice, entry["id"])["metadata"]) == 15
    replaced = client.patch(f"/api/v1/time_entries/{entry['id']}.json",
                            json={"metadata": {"k0": None, **{f"n{i}": "v" for i in range(5)}}},
                            headers=alice.headers)
    assert replaced.status_code == 200 and len(replaced.json()["metadata"]) == 19


@pytest.mark.parametrize(("metadata", "message"), [
    ({f"k{i}": "v" for i in range(21)}, "heeft meer dan 20 sleutels"),
    ({"k" * 41: "v"}, "heeft een sleutel langer dan 40 tekens"),
    ({"k": "v" * 501}, "heeft een waarde langer dan 500 tekens"),
    ({"k": 5}, "moet tekst zijn"),
    (["k"], "is ongeldig"),
])
def test_invalid_metadata_is_refused(client, alice, metadata, message):
    answer = client.post(ENTRIES, json={"body": "2 uur", "metadata": metadata},
                         headers=alice.headers)
    refused(answer, "metadata", message)
    refused(create(client, alice, body="2 uur", metadata="{not json"), "metadata", "is ongeldig")


# --- unknown fields ---------------------------------------------------------------------


def test_an_unknown_field_is_refused_naming_it(client, alice, carol):
    refused(create(client, alice, body="2 uur", projectid="3"), "projectid",
            "is geen bekend veld")
    refused(create(client, carol, body="2 hours", colour="red"), "colour", "is not a known field")
    entry = create(client, alice, body="2 uur").json()
    answer = patch(client, alice, entry["id"], notes="x", duration="60")
    refused(answer, "notes", "is geen bekend veld")
    assert show(client, alice, entry["id"])["duration"] == 7200  # nothing changed
    # the credentials are no fields; a form field starting with "_" is (only the query's
    # cache busters are ignored)
    answer = client.post(ENTRIES, data={"body": "2 uur", "email": alice.email,
                                        "token": alice.token})
    assert answer.status_code == 201
    refused(create(client, alice, body="2 uur", _cache="1"), "_cache", "is geen bekend veld")
    assert client.get(ENTRIES, headers=alice.headers).json()["total_entries"] == 2


def test_the_timer_refuses_unknown_fields_and_takes_the_extras(client, alice):
    refused(client.post(TIMER, data={"body": "x", "start_time": "09:00"}, headers=alice.headers),
            "start_time", "is geen bekend veld")
    started = client.post(TIMER, json={"body": "coden #focus", "tags": ["sprint"],
                                       "metadata": {"ticket": "T-9"}, "billable": False,
                                       "description": "Sprint 9"}, headers=alice.headers)
    assert started.status_code == 201, started.text
    timer = started.json()
    assert timer["tags"] == ["focus", "sprint"] and timer["metadata"] == {"ticket": "T-9"}
    assert timer["billable"] is False and timer["description"] == "Sprint 9"
    assert timer["warnings"] == [] and timer["candidates"] == {}
    stopped = client.delete(TIMER, headers=alice.headers).json()
    assert stopped["tags"] == ["focus", "sprint"] and stopped["billable"] is False


# --- what the parser said ----------------------------------------------------------------


def test_create_and_update_answers_carry_warnings_and_candidates(client, alice):
    first = _project(client, alice, "Alpha", aliases=["klus"])
    second = _project(client, alice, "Klus")
    answer = create(client, alice, body="1 uur klus").json()
    assert answer["project"] is None
    assert sorted(c["id"] for c in answer["candidates"]["project"]) == sorted(
        [first["id"], second["id"]])
    assert "ambiguous" in {w["code"] for w in answer["warnings"]}
    preview = client.post("/api/v1/parse.json", data={"body": "1 uur klus"},
                          headers=alice.headers).json()
    assert preview["candidates"] == answer["candidates"]
    assert preview["warnings"] == answer["warnings"]
    assert set(show(client, alice, answer["id"])) & {"warnings", "candidates"} == set()
    changed = patch(client, alice, answer["id"], body="1 uur Alpha").json()
    assert changed["project"]["id"] == first["id"]
    assert changed["candidates"] == {} and changed["warnings"] == []
    shifted = patch(client, alice, answer["id"], body="van 2 tot 4 Alpha").json()
    assert [w["code"] for w in shifted["warnings"]] == ["range_shifted"]
    plain = patch(client, alice, answer["id"], duration="60").json()  # no text: nothing said
    assert plain["warnings"] == [] and plain["candidates"] == {}


def test_the_preview_shows_the_new_fields(client, alice):
    preview = client.post("/api/v1/parse.json",
                          json={"body": "2 uur coden #bugfix", "metadata": {"k": "v"},
                                "start_time": "10:00", "end_time": "10:30"},
                          headers=alice.headers).json()
    assert preview["tags"] == ["bugfix"] and preview["metadata"] == {"k": "v"}
    assert preview["billable"] is True and preview["duration"] == 1800
    assert preview["warnings"] == []
    assert {span["kind"] for span in preview["spans"]} >= {"duration"}
    refused(client.post("/api/v1/parse.json", data={"body": "x", "nope": "1"},
                        headers=alice.headers), "nope", "is geen bekend veld")
