"""``POST /time_entries/batch.json``: one message, several entries, all stored or none."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from nlentry.api.resources import batch, entry_create
from nlentry.limits import MAX_BATCH_ENTRIES
from nlentry.storage.catalog_versions import bump_user_catalog
from nlentry.storage.models import User

BATCH = "/api/v1/time_entries/batch.json"
ENTRIES = "/api/v1/time_entries"
MESSAGE = "2 uur Timi; gisteren 3 uur aan Rowan en 1 uur mail #inbox"


def post(client, account, key=None, **fields):
    headers = dict(account.headers)
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(BATCH, json=fields, headers=headers)


def total(client, account) -> int:
    return client.get(ENTRIES, headers=account.headers).json()["total_entries"]


def test_each_entry_is_stored_and_answered_as_a_create(client, example_catalog):
    alice = example_catalog
    answer = post(client, alice, body=MESSAGE)
    assert answer.status_code == 201, answer.text
    entries = answer.json()["time_entries"]
    assert [e["body"] for e in entries] == ["2 uur Timi", "gisteren 3 uur aan Rowan",
                                            "1 uur mail #inbox"]  # fmt: skip
    assert [e["duration"] for e in entries] == [7200, 10800, 3600]
    assert [e["project"] and e["project"]["name"] for e in entries] == ["Timi", "Timi", None]
    assert entries[2]["date"] == entries[1]["date"]  # the day carries forward
    assert entries[2]["tags"] == ["inbox"]
    for entry in entries:
        assert entry["warnings"] == [] and entry["candidates"] == {}
        stored = client.get(f"{ENTRIES}/{entry['id']}.json", headers=alice.headers).json()
        assert stored == {k: v for k, v in entry.items() if k not in ("warnings", "candidates")}
    assert len({e["id"] for e in entries}) == 3 and total(client, alice) == 3


def test_one_entry_is_a_batch_of_one(client, alice):
    answer = post(client, alice, body="2 uur werk")
    assert answer.status_code == 201
    assert [e["duration"] for e in answer.json()["time_entries"]] == [7200]


def test_explicit_fields_apply_to_every_entry(client, example_catalog):
    alice = example_catalog
    projects = client.get("/api/v1/projects", headers=alice.headers).json()
    website = next(p for p in projects if p["name"] == "Website")
    answer = post(client, alice, body="2 uur Timi #a; 1 uur mail", date="27-03-2016",
                  project_id=website["id"], billable=False, tags=["klant"],
                  metadata={"ticket": "T-1"})
    assert answer.status_code == 201, answer.text
    entries = answer.json()["time_entries"]
    assert {e["date"] for e in entries} == {"2016-03-27"}
    assert {e["project"]["id"] for e in entries} == {website["id"]}
    assert [e["billable"] for e in entries] == [False, False]
    assert [e["tags"] for e in entries] == [["a", "klant"], ["klant"]]
    assert [e["metadata"] for e in entries] == [{"ticket": "T-1"}] * 2


def test_billable_is_each_entrys_projects_default(client, example_catalog):
    alice = example_catalog
    projects = client.get("/api/v1/projects", headers=alice.headers).json()
    timi = next(p for p in projects if p["name"] == "Timi")
    client.patch(f"/api/v1/projects/{timi['id']}", json={"billable": False}, headers=alice.headers)
    entries = post(client, alice, body="2 uur Timi; 1 uur mail").json()["time_entries"]
    assert [e["billable"] for e in entries] == [False, True]


@pytest.mark.parametrize("name", ["duration", "start_time", "end_time", "description"])
def test_fields_of_one_entry_are_refused(client, alice, name):
    answer = post(client, alice, body="2 uur a; 1 uur b", **{name: "10:00"})
    assert answer.status_code == 422
    assert answer.json()["errors"] == {name: ["is geen bekend veld"]}
    assert total(client, alice) == 0


def test_one_entry_that_cannot_be_stored_stores_none(client, alice):
    answer = post(client, alice, body="2 uur werk\nlunch\n1 uur op 31-02-2026")
    assert answer.status_code == 422
    refusal = answer.json()
    assert refusal["param"] == "entries"
    assert refusal["entries"] == [
        {"index": 1, "errors": {"duration": ["geen duur gevonden"]}},
        {"index": 2, "errors": {"date": ["is geen geldige datum"]}},
    ]
    assert refusal["errors"] == {"entries": ["boeking 2: duration geen duur gevonden",
                                             "boeking 3: date is geen geldige datum"]}
    assert total(client, alice) == 0


def test_a_given_date_settles_an_entrys_invalid_date(client, alice):
    answer = post(client, alice, body="1 uur op 31-02-2026; 2 uur werk", date="2026-03-01")
    assert answer.status_code == 201
    assert {e["date"] for e in answer.json()["time_entries"]} == {"2026-03-01"}


def test_messages_are_in_the_callers_locale(client, carol):
    answer = post(client, carol, body="2 hours work; lunch")
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"entries": ["entry 2: duration no duration found"]}


def test_invalid_fields_are_422_as_on_create(client, alice, carol):
    other = client.post("/api/v1/projects", json={"name": "Elders"}, headers=carol.headers).json()
    answer = post(client, alice, body="2 uur a; 1 uur b", project_id=other["id"], date="x")
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"date": ["is geen geldige datum"],
                                       "project_id": ["bestaat niet"]}
    assert post(client, alice).json()["errors"] == {"body": ["moet opgegeven zijn"]}
    assert total(client, alice) == 0


def test_a_message_of_too_many_entries_is_refused(client, alice):
    answer = post(client, alice, body="1u;" * (MAX_BATCH_ENTRIES + 1))
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"body": ["is meer dan toegestaan"]}
    assert post(client, alice, body="1u;" * MAX_BATCH_ENTRIES).status_code == 201
    assert total(client, alice) == MAX_BATCH_ENTRIES


def test_today_is_the_callers_local_date(app, client, alice, monkeypatch):
    now = dt.datetime(2026, 3, 18, 10, 30)  # naive UTC: Kiritimati is at 03-19 already
    for module in (batch, entry_create):
        monkeypatch.setattr(module, "utcnow", lambda: now)
    with app.state.db.write() as session:
        session.execute(update(User).where(User.id == alice.id)
                        .values(timezone="Pacific/Kiritimati"))
        bump_user_catalog(session, alice.id)  # cached callers look again
        session.commit()
    entries = post(client, alice, body="2 uur a; gisteren 1 uur b").json()["time_entries"]
    assert [e["date"] for e in entries] == ["2026-03-19", "2026-03-18"]
    assert entries[0]["created_at"] == "2026-03-19T00:30:00+14:00"


def test_it_is_parsed_again_however_often_the_catalog_changes(app, client, alice, monkeypatch):
    prepare = batch._prepare_group
    changes = {"left": 5}

    def prepare_then_change_the_catalog(call, key):
        group = prepare(call, key)
        if changes["left"]:
            changes["left"] -= 1
            with app.state.db.write() as session:
                bump_user_catalog(session, alice.id)
                session.commit()
        return group

    monkeypatch.setattr(batch, "_prepare_group", prepare_then_change_the_catalog)
    answer = post(client, alice, body="2 uur a; 1 uur b")
    assert answer.status_code == 201 and changes["left"] == 0
    assert total(client, alice) == 2


def test_a_revoked_token_is_401_and_nothing_is_stored(app, client, alice):
    assert post(client, alice, body="1 uur a").status_code == 201  # the worker knows the token
    from nlentry.storage.api_tokens import revoke_token

    with app.state.db.write() as session:
        assert revoke_token(session, alice.token)
        session.commit()
    assert post(client, alice, body="2 uur a; 1 uur b").status_code == 401
    assert client.get(ENTRIES, headers=alice.headers).status_code == 401


def test_without_a_token_401_and_without_the_scope_403(client, alice, narrow):
    assert client.post(BATCH, json={"body": "1 uur a"}).status_code == 401
    answer = post(client, narrow, body="1 uur a")
    assert answer.status_code == 403
    assert answer.json()["required_scope"] == "write:time_entries"
    assert total(client, alice) == 0


# --- Idempotency-Key --------------------------------------------------------------------


def test_a_replay_returns_the_first_answer_byte_for_byte(client, alice):
    first = post(client, alice, "b-1", body="2 uur a; 1 uur b")
    again = post(client, alice, "b-1", body="2 uur a; 1 uur b")
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert total(client, alice) == 2


def test_the_same_key_with_another_body_is_422_naming_it(client, alice):
    post(client, alice, "b-2", body="2 uur a; 1 uur b")
    answer = post(client, alice, "b-2", body="2 uur a; 3 uur b")
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"Idempotency-Key": ["is al gebruikt voor een ander verzoek"]}
    assert total(client, alice) == 2


def test_a_refusal_is_kept_for_its_key(client, alice):
    first = post(client, alice, "b-3", body="2 uur a; lunch")
    assert first.status_code == 422
    again = post(client, alice, "b-3", body="2 uur a; lunch")
    assert (again.status_code, again.content) == (422, first.content)
    assert total(client, alice) == 0


def test_a_key_used_on_create_is_another_request_for_the_batch(client, alice):
    created = client.post("/api/v1/time_entries.json", json={"body": "2 uur a"},
                          headers={**alice.headers, "Idempotency-Key": "shared"})
    assert created.status_code == 201
    answer = post(client, alice, "shared", body="2 uur a")
    assert answer.status_code == 422 and "Idempotency-Key" in answer.json()["errors"]
    assert total(client, alice) == 1
