"""Time entries: create from a sentence with overrides, list, filter, page, show, update, delete."""

from __future__ import annotations

import datetime as dt

import pytest

ENTRY_KEYS = {"id", "body", "description", "date", "duration", "start_time", "end_time",
              "project", "service", "user", "billable", "tags", "metadata", "timer_started_at",
              "created_at", "updated_at"}
#: what a create or update answer adds: what the parser said about the text
PARSE_NOTES = {"warnings", "candidates"}


def create(client, account, **data):
    return client.post("/api/v1/time_entries.json", data=data, headers=account.headers)


def as_stored(answer: dict) -> dict:
    """A create or update answer without what the parser said: the entry as shown."""
    return {key: value for key, value in answer.items() if key not in PARSE_NOTES}


def test_timi_example_form_post_with_token_and_email_fields(client, example_catalog):
    alice = example_catalog
    answer = client.post("/api/v1/time_entries.json", data={
        "body": "2,5 uur met Rowan aan Timi gewerkt", "token": alice.token, "email": alice.email,
    })
    assert answer.status_code == 201
    entry = answer.json()
    assert set(entry) == ENTRY_KEYS | PARSE_NOTES
    assert entry["duration"] == 9000
    assert entry["body"] == "2,5 uur met Rowan aan Timi gewerkt"
    assert entry["project"] == {"id": 2, "name": "Timi", "client": {"id": 1, "name": "Timi BV"}}
    assert entry["user"]["id"] == alice.id
    assert entry["date"] == dt.date.today().isoformat()


def test_timi_example_projects_list_aliases(client, example_catalog):
    projects = client.get("/api/v1/projects.json", headers=example_catalog.headers).json()
    timi = next(p for p in projects if p["name"] == "Timi")
    assert timi["aliases"] == ["Jankees", "Rowan", "Tango"]
    assert timi["client"] == {"id": 1, "name": "Timi BV"}


def test_parsed_service_and_range(client, example_catalog):
    entry = create(client, example_catalog,
                   body="gisteren van half 9 tot 12 coden voor Website").json()
    assert entry["duration"] == 12600
    assert (entry["start_time"], entry["end_time"]) == ("08:30", "12:00")
    assert entry["project"]["id"] == 3327
    assert entry["service"] == {"id": 1, "name": "Development"}
    assert entry["date"] == (dt.date.today() - dt.timedelta(days=1)).isoformat()


def test_overrides_win_over_the_parse(client, example_catalog):
    alice = example_catalog
    answer = create(client, alice, body="2,5 uur met Rowan aan Timi gewerkt", duration="600",
                    date="27-03-2016", project_id="3327", service_id="2")
    assert answer.status_code == 201
    entry = answer.json()
    assert entry["duration"] == 600
    assert entry["date"] == "2016-03-27"
    assert entry["project"]["id"] == 3327
    assert entry["service"] == {"id": 2, "name": "Design"}


def test_json_body_with_overrides_needs_no_parse(client, alice):
    answer = client.post("/api/v1/time_entries.json",
                         json={"body": "iets zonder duur", "duration": 3600, "date": "2026-03-18"},
                         headers=alice.headers)
    assert answer.status_code == 201
    entry = answer.json()
    assert (entry["duration"], entry["date"], entry["body"]) == (3600, "2026-03-18",
                                                                "iets zonder duur")
    assert entry["project"] is None and entry["service"] is None
    assert entry["timer_started_at"] is None
    assert entry["created_at"].endswith("+00:00")  # the user's offset (the server's zone: UTC)


def test_wrapped_rails_style_fields(client, alice):
    answer = client.post("/api/v1/time_entries", data={"time_entry[body]": "werk",
                                                        "time_entry[duration]": "60"},
                         headers=alice.headers)
    assert answer.status_code == 201
    assert answer.json()["duration"] == 60


def test_no_duration_is_422_and_nothing_is_stored(client, alice):
    answer = create(client, alice, body="lunch")
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"duration": ["geen duur gevonden"]}
    listed = client.get("/api/v1/time_entries.json", headers=alice.headers).json()
    assert listed["total_entries"] == 0


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({}, {"body": ["moet opgegeven zijn"]}),
        ({"body": "  "}, {"body": ["moet opgegeven zijn"]}),
        ({"body": "x" * 10_001}, {"body": ["is te lang"]}),
        ({"body": "werk", "duration": "abc"}, {"duration": ["is geen getal"]}),
        ({"body": "werk", "duration": "1.5"}, {"duration": ["is geen getal"]}),
        ({"body": "werk", "duration": "0"}, {"duration": ["moet groter dan 0 zijn"]}),
        ({"body": "werk", "duration": "-60"}, {"duration": ["moet groter dan 0 zijn"]}),
        ({"body": "werk", "duration": "86401"}, {"duration": ["is langer dan 24 uur"]}),
        ({"body": "werk", "duration": "60", "date": "31-02-2026"},
         {"date": ["is geen geldige datum"]}),
        ({"body": "werk", "duration": "60", "date": "gisteren"},
         {"date": ["is geen geldige datum"]}),
        ({"body": "werk", "duration": "60", "project_id": "x"}, {"project_id": ["is geen getal"]}),
        ({"body": "werk", "duration": "60", "project_id": "424242"},
         {"project_id": ["bestaat niet"]}),
        ({"body": "werk", "duration": "60", "service_id": "424242"},
         {"service_id": ["bestaat niet"]}),
    ],
)
def test_validation_errors(client, alice, data, errors):
    answer = create(client, alice, **data)
    assert answer.status_code == 422
    assert answer.json()["errors"] == errors
    assert client.get("/api/v1/time_entries", headers=alice.headers).json()["total_entries"] == 0


def test_messages_follow_the_users_locale(client, carol):
    answer = create(client, carol, body="werk", duration="abc")
    assert answer.json()["errors"] == {"duration": ["is not a number"]}


def test_max_duration_is_accepted(client, alice):
    assert create(client, alice, body="werk", duration="86400").json()["duration"] == 86400


def test_project_of_another_workspace_is_not_found(client, alice, carol):
    theirs = client.post("/api/v1/projects", data={"name": "X"}, headers=carol.headers).json()
    answer = create(client, alice, body="werk", duration="60", project_id=str(theirs["id"]))
    assert answer.json()["errors"] == {"project_id": ["bestaat niet"]}


def test_show_update_delete(client, alice):
    entry = as_stored(create(client, alice, body="werk", duration="60").json())
    url = f"/api/v1/time_entries/{entry['id']}.json"
    assert client.get(url, headers=alice.headers).json() == entry
    assert client.get(url.removesuffix(".json"), headers=alice.headers).json() == entry
    patched = client.patch(url, data={"duration": "120", "date": "2026-03-01"},
                           headers=alice.headers)
    assert patched.status_code == 200
    assert (patched.json()["duration"], patched.json()["date"]) == (120, "2026-03-01")
    assert patched.json()["body"] == "werk"
    bad = client.patch(url, data={"duration": "nope"}, headers=alice.headers)
    assert bad.status_code == 422
    deleted = client.delete(url, headers=alice.headers)
    assert deleted.status_code == 204 and deleted.content == b""
    assert client.get(url, headers=alice.headers).status_code == 404
    assert client.delete(url, headers=alice.headers).status_code == 404


def test_patch_with_a_new_body_parses_again_and_explicit_fields_win(client, example_catalog):
    alice = example_catalog
    entry = create(client, alice, body="werk", duration="60").json()
    url = f"/api/v1/time_entries/{entry['id']}.json"
    patched = client.patch(url, data={"body": "2,5 uur met Rowan aan Timi gewerkt"},
                           headers=alice.headers).json()
    assert patched["duration"] == 9000 and patched["project"]["id"] == 2
    patched = client.patch(url, data={"body": "1 uur coden voor Website", "duration": "300"},
                           headers=alice.headers).json()
    assert patched["duration"] == 300
    assert patched["project"]["id"] == 3327 and patched["service"]["id"] == 1
    refused = client.patch(url, data={"body": "lunch"}, headers=alice.headers)
    assert refused.status_code == 422 and "duration" in refused.json()["errors"]


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_another_users_entry_is_404(client, alice, bob, carol, method):
    entry = as_stored(create(client, alice, body="werk", duration="60").json())
    for other in (bob, carol):
        answer = client.request(method, f"/api/v1/time_entries/{entry['id']}.json",
                                data={"duration": "5"} if method == "PATCH" else None,
                                headers=other.headers)
        assert answer.status_code == 404
        assert answer.json()["message"] == "not found"
    assert client.get(f"/api/v1/time_entries/{entry['id']}", headers=alice.headers).json() == entry


def test_list_is_own_entries_newest_first(client, alice, bob):
    for day in ("2026-03-01", "2026-03-03", "2026-03-02"):
        create(client, alice, body="werk", duration="60", date=day)
    create(client, bob, body="werk", duration="60", date="2026-03-04")
    listed = client.get("/api/v1/time_entries.json", headers=alice.headers).json()
    assert listed["total_entries"] == 3
    assert [e["date"] for e in listed["time_entries"]] == ["2026-03-03", "2026-03-02", "2026-03-01"]
    assert client.get("/api/v1/time_entries.json", headers=bob.headers).json()["total_entries"] == 1


def test_pagination_edges(client, alice):
    for i in range(5):
        create(client, alice, body=f"werk {i}", duration=str(60 + i), date=f"2026-03-0{i + 1}")

    def page(**params):
        return client.get("/api/v1/time_entries.json", params=params, headers=alice.headers)

    first = page(per_page=2).json()
    assert (first["current_page"], first["per_page"], first["total_entries"]) == (1, 2, 5)
    assert [e["date"] for e in first["time_entries"]] == ["2026-03-05", "2026-03-04"]
    last = page(per_page=2, page=3).json()
    assert [e["date"] for e in last["time_entries"]] == ["2026-03-01"]
    beyond = page(per_page=2, page=4).json()
    assert beyond["time_entries"] == [] and beyond["total_entries"] == 5
    assert page().json()["per_page"] == 100
    for bad in ({"page": "0"}, {"page": "x"}, {"per_page": "0"}, {"per_page": "-1"},
                {"per_page": "1000"}, {"size": "101"}):  # over 100 is refused, never clipped
        answer = page(**bad)
        assert answer.status_code == 422, bad
        assert set(answer.json()["errors"]) == set(bad)


def test_filters(client, example_catalog, make_account):
    alice = example_catalog
    create(client, alice, body="a", duration="60", date="2026-03-01", project_id="2")
    create(client, alice, body="b", duration="60", date="2026-03-02", project_id="3328",
           service_id="3")
    create(client, alice, body="c", duration="60", date="2026-03-03", project_id="12",
           service_id="1")
    create(client, alice, body="d", duration="60", date="2026-03-04")

    def bodies(**params):
        answer = client.get("/api/v1/time_entries.json", params=params, headers=alice.headers)
        assert answer.status_code == 200, answer.json()
        return sorted(e["body"] for e in answer.json()["time_entries"])

    assert bodies(date="02-03-2026") == ["b"]
    assert bodies(date="2026-03-02") == ["b"]
    assert bodies(start_date="2026-03-02", end_date="2026-03-03") == ["b", "c"]
    assert bodies(start_date="2026-03-03") == ["c", "d"]
    assert bodies(end_date="01-03-2026") == ["a"]
    assert bodies(project_ids="2,12") == ["a", "c"]
    assert bodies(service_ids="3") == ["b"]
    assert bodies(client_ids="618,7") == ["b", "c"]
    assert bodies(client_ids="1", start_date="2026-03-02") == []
    answer = client.get("/api/v1/time_entries.json", params={"project_ids": "a,b"},
                        headers=alice.headers)
    assert answer.status_code == 422 and "project_ids" in answer.json()["errors"]
    answer = client.get("/api/v1/time_entries.json", params={"date": "soon"},
                        headers=alice.headers)
    assert answer.json()["errors"] == {"date": ["is geen geldige datum"]}


def test_catalog_cache_follows_alias_changes(client, alice):
    project = client.post("/api/v1/projects.json", data={"name": "Timi"},
                          headers=alice.headers).json()
    first = create(client, alice, body="1 uur voor Jankees").json()
    assert first["project"] is None
    client.post(f"/api/v1/projects/{project['id']}/aliases.json", data={"alias": "Jankees"},
                headers=alice.headers)
    second = create(client, alice, body="1 uur voor Jankees").json()
    assert second["project"]["id"] == project["id"]
    renamed = client.patch(f"/api/v1/projects/{project['id']}", data={"name": "Tango"},
                           headers=alice.headers)
    assert renamed.status_code == 200
    third = create(client, alice, body="1 uur voor Tango").json()
    assert third["project"]["id"] == project["id"]


def test_absurd_numbers_are_4xx_never_500(client, alice):
    huge = "9" * 30
    assert create(client, alice, body="werk", duration="60", project_id="9" * 18).json()["errors"] == (
        {"project_id": ["bestaat niet"]})
    assert create(client, alice, body="werk", duration="60", project_id=huge).json()["errors"] == (
        {"project_id": ["is geen getal"]})
    assert create(client, alice, body="werk", duration=huge).json()["errors"] == (
        {"duration": ["is geen getal"]})
    answer = client.post("/api/v1/time_entries", json={"body": "werk", "duration": 10**30},
                         headers=alice.headers)
    assert answer.json()["errors"] == {"duration": ["is langer dan 24 uur"]}
    assert client.get(f"/api/v1/time_entries/{'9' * 25}", headers=alice.headers).status_code == 404
    assert client.get(f"/api/v1/projects/{2**31}", headers=alice.headers).status_code == 404
    create(client, alice, body="werk", duration="60")
    listed = client.get("/api/v1/time_entries", params={"project_ids": "99999999999",
                                                         "page": "9" * 18},
                        headers=alice.headers)
    assert listed.status_code == 200
    assert listed.json()["total_entries"] == 0 and listed.json()["time_entries"] == []


def test_text_duration_over_a_day_is_refused(client, alice):
    answer = create(client, alice, body="99999999 uur gewerkt")
    assert answer.status_code == 422
    assert "duration" in answer.json()["errors"]


def test_answer_shows_the_current_client_name_after_a_rename(client, alice):
    acme = client.post("/api/v1/clients", data={"name": "Acme"}, headers=alice.headers).json()
    client.post("/api/v1/projects", data={"name": "Timi", "client_id": str(acme["id"])},
                headers=alice.headers)
    first = create(client, alice, body="1 uur Timi").json()
    assert first["project"]["client"] == {"id": acme["id"], "name": "Acme"}
    client.patch(f"/api/v1/clients/{acme['id']}", data={"name": "Acme BV"}, headers=alice.headers)
    second = create(client, alice, body="1 uur Timi").json()
    assert second["project"]["client"] == {"id": acme["id"], "name": "Acme BV"}
    shown = client.get(f"/api/v1/time_entries/{first['id']}", headers=alice.headers).json()
    assert shown["project"]["client"]["name"] == "Acme BV"


def test_archived_project_given_explicitly_is_still_shown(client, alice):
    old = client.post("/api/v1/projects", json={"name": "Old", "active": False},
                      headers=alice.headers).json()
    entry = create(client, alice, body="werk", duration="60", project_id=str(old["id"])).json()
    assert entry["project"] == {"id": old["id"], "name": "Old", "client": None}


def test_a_blank_date_filter_is_refused_not_ignored(client, alice):
    create(client, alice, body="a", duration="60", date="2026-03-01")
    for name in ("date", "start_date", "end_date"):
        for blank in ("", " "):
            answer = client.get(
                "/api/v1/time_entries.json", params={name: blank}, headers=alice.headers
            )
            assert answer.status_code == 422, (name, blank)
            assert answer.json()["errors"] == {name: ["is geen geldige datum"]}


@pytest.mark.parametrize("digits", ["٦٠", "۶۰", "६०", "６０", "𝟔𝟎"])
def test_numbers_and_dates_are_ascii_digits(client, alice, digits):
    """``int()`` reads any Unicode digits; a field does not: 422, nothing stored."""
    for field, value in (
        ("duration", digits),
        ("date", f"01-01-20{digits}"),
        ("project_id", digits),
    ):
        fields = {"body": "werk", "duration": 60, field: value}
        answer = client.post("/api/v1/time_entries.json", json=fields, headers=alice.headers)
        assert answer.status_code == 422, fields
        assert list(answer.json()["errors"]) == [field], answer.json()
    listed = client.get("/api/v1/time_entries.json", params={"page": digits}, headers=alice.headers)
    assert listed.status_code == 422 and list(listed.json()["errors"]) == ["page"]
    assert (
        client.get("/api/v1/time_entries.json", headers=alice.headers).json()["total_entries"] == 0
    )
