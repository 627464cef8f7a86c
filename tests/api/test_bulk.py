"""``POST /time_entries/bulk.json`` (issue 12): each action on the caller's own entries in
one transaction, skipped ids (another user's, another workspace's, none at all, a running
timer), ``updated_at`` bumped, tombstones of a bulk delete, 401, 403 and 422s."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from nlentry.api.resources import bulk as bulk_resource
from nlentry.limits import MAX_BULK_ENTRIES, MAX_TAGS
from nlentry.storage.models import DeletedTimeEntry, TimeEntry

ENTRIES = "/api/v1/time_entries.json"
BULK = "/api/v1/time_entries/bulk.json"
PAST = dt.datetime(2026, 1, 1, 12, 0)


def create(client, account, **data):
    answer = client.post(ENTRIES, json=data, headers=account.headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def shown(client, account, id):
    answer = client.get(f"/api/v1/time_entries/{id}.json", headers=account.headers)
    return answer.json() if answer.status_code == 200 else None


def bulk(client, account, expect=200, **body):
    answer = client.post(BULK, json=body, headers=account.headers)
    assert answer.status_code == expect, answer.text
    return answer.json()


def refused(answer, errors):
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"] == errors
    assert answer.json()["param"] == next(iter(errors))


def age(app, *ids):
    """Make the entries look last changed at ``PAST``."""
    with app.state.db.write() as session:
        session.execute(update(TimeEntry).where(TimeEntry.id.in_(ids)).values(updated_at=PAST))
        session.commit()


def tombstones(app):
    with app.state.db.read() as session:
        return sorted(session.scalars(select(DeletedTimeEntry.entry_id)))


@pytest.fixture
def two(client, alice):
    return [create(client, alice, body="2 uur werk #oud", billable=False),
            create(client, alice, body="1 uur werk")]


@pytest.fixture
def catalog(client, alice):
    def made(path, **data):
        answer = client.post(f"/api/v1/{path}.json", json=data, headers=alice.headers)
        assert answer.status_code == 201, answer.text
        return answer.json()

    return {"project": made("projects", name="Kiwi", billable=False),
            "archived": made("projects", name="Oud", active=False),
            "service": made("services", name="Audit")}


# --- each action -----------------------------------------------------------------------------


def test_delete_removes_the_entries_and_writes_their_tombstones(app, client, alice, two):
    ids = [e["id"] for e in two]
    assert bulk(client, alice, entry_ids=ids, action="delete") == {"updated": 2, "skipped": []}
    assert [shown(client, alice, id) for id in ids] == [None, None]
    assert tombstones(app) == sorted(ids)
    since = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).isoformat()
    gone = client.get("/api/v1/time_entries/deleted.json", params={"since": since},
                      headers=alice.headers).json()  # fmt: skip
    assert [t["id"] for t in gone] == sorted(ids)


def test_set_project_gives_its_billable_default_as_patch_does(app, client, alice, two, catalog):
    project = catalog["project"]  # billable false
    age(app, *(e["id"] for e in two))
    answer = bulk(client, alice, entry_ids=[e["id"] for e in two], action="set_project",
                  value=project["id"])  # fmt: skip
    assert answer == {"updated": 2, "skipped": []}
    for entry in two:
        now = shown(client, alice, entry["id"])
        assert now["project"]["id"] == project["id"] and now["billable"] is False
        assert now["updated_at"] > PAST.isoformat()
    # one already on the project keeps its own billable; the other changes project
    client.patch(f"/api/v1/time_entries/{two[0]['id']}.json", json={"billable": True},
                 headers=alice.headers)  # fmt: skip
    bulk(client, alice, entry_ids=[two[0]["id"]], action="set_project", value=project["id"])
    assert shown(client, alice, two[0]["id"])["billable"] is True
    # an archived project may be set, as PATCH allows; null clears (billable: true again)
    bulk(client, alice, entry_ids=[two[1]["id"]], action="set_project",
         value=catalog["archived"]["id"])  # fmt: skip
    assert shown(client, alice, two[1]["id"])["project"]["id"] == catalog["archived"]["id"]
    bulk(client, alice, entry_ids=[two[1]["id"]], action="set_project", value=None)
    assert shown(client, alice, two[1]["id"])["project"] is None
    assert shown(client, alice, two[1]["id"])["billable"] is True


def test_set_service_and_clear_it(client, alice, two, catalog):
    ids = [e["id"] for e in two]
    bulk(client, alice, entry_ids=ids, action="set_service", value=catalog["service"]["id"])
    assert {shown(client, alice, id)["service"]["name"] for id in ids} == {"Audit"}
    bulk(client, alice, entry_ids=ids, action="set_service", value="")
    assert {shown(client, alice, id)["service"] is None for id in ids} == {True}


def test_set_billable_bumps_updated_at_of_every_entry(app, client, alice, two):
    ids = [e["id"] for e in two]
    age(app, *ids)
    assert bulk(client, alice, entry_ids=ids, action="set_billable", value=False)["updated"] == 2
    for id in ids:
        entry = shown(client, alice, id)
        assert entry["billable"] is False and entry["updated_at"] > PAST.isoformat()
    # sync sees them
    changed = client.get(ENTRIES, params={"updated_since": "2026-01-02"}, headers=alice.headers)
    assert {e["id"] for e in changed.json()["time_entries"]} == set(ids)
    bulk(client, alice, entry_ids=ids, action="set_billable", value="true")  # form-style text
    assert {shown(client, alice, id)["billable"] for id in ids} == {True}


def test_add_and_remove_tags(client, alice, two):
    ids = [e["id"] for e in two]
    bulk(client, alice, entry_ids=ids, action="add_tag", value="#Klant")
    assert [shown(client, alice, id)["tags"] for id in ids] == [["oud", "Klant"], ["Klant"]]
    bulk(client, alice, entry_ids=ids, action="add_tag", value=["klant", "nieuw"])  # case aside
    assert [shown(client, alice, id)["tags"] for id in ids] == [["oud", "Klant", "nieuw"],
                                                                 ["Klant", "nieuw"]]
    bulk(client, alice, entry_ids=ids, action="remove_tag", value="KLANT,oud")
    assert [shown(client, alice, id)["tags"] for id in ids] == [["nieuw"], ["nieuw"]]


def test_a_form_body_works_too(client, alice, two):
    ids = [str(e["id"]) for e in two]
    answer = client.post(BULK, data={"entry_ids": ",".join(ids), "action": "add_tag",
                                     "value": "form"}, headers=alice.headers)  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"updated": 2, "skipped": []}
    answer = client.post(BULK, data={"entry_ids": ids, "action": "delete"}, headers=alice.headers)
    assert answer.json() == {"updated": 2, "skipped": []}


# --- skipped ----------------------------------------------------------------------------------


def test_only_the_callers_own_entries_are_touched(app, client, alice, bob, carol, two):
    theirs = [create(client, bob, body="1 uur bob")["id"],
              create(client, carol, body="1 uur carol")["id"]]
    missing = 999_999
    ids = [theirs[0], two[0]["id"], missing, theirs[1], 0, 2**40, two[0]["id"]]
    answer = bulk(client, alice, entry_ids=ids, action="delete")
    assert answer == {"updated": 1, "skipped": [theirs[0], missing, theirs[1], 0, 2**40]}
    assert shown(client, bob, theirs[0]) is not None and shown(client, carol, theirs[1])
    assert tombstones(app) == [two[0]["id"]]
    for action, value in (("set_billable", False), ("add_tag", "x"), ("remove_tag", "x"),
                          ("set_project", None), ("set_service", None)):
        answer = bulk(client, alice, entry_ids=theirs, action=action, value=value)
        assert answer == {"updated": 0, "skipped": theirs}
    assert shown(client, bob, theirs[0])["billable"] is True


def test_a_running_timer_is_skipped_except_by_delete(app, client, alice, two):
    timer = client.post("/api/v1/time_entries/timer.json", json={"body": "loopt"},
                        headers=alice.headers).json()  # fmt: skip
    ids = [two[1]["id"], timer["id"]]
    for action, value in (("set_billable", False), ("add_tag", "x"), ("set_project", None)):
        assert bulk(client, alice, entry_ids=ids, action=action, value=value) == {
            "updated": 1, "skipped": [timer["id"]]}
    assert shown(client, alice, timer["id"])["billable"] is True
    # DELETE /time_entries/{id} deletes a running timer, and so does a bulk delete
    assert bulk(client, alice, entry_ids=ids, action="delete") == {"updated": 2, "skipped": []}
    assert client.get("/api/v1/time_entries/timer.json", headers=alice.headers).json() == {}
    assert tombstones(app) == sorted(ids)


def test_an_empty_list_changes_nothing(client, alice):
    assert bulk(client, alice, entry_ids=[], action="delete") == {"updated": 0, "skipped": []}


# --- one transaction ------------------------------------------------------------------------


def test_a_failure_midway_changes_nothing(app, client, alice, two, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the disk is gone")

    ids = [e["id"] for e in two]
    monkeypatch.setattr(bulk_resource.stored, "delete_entries",
                        lambda session, *a: (session.execute(update(TimeEntry).values(body="x")),
                                             broken()))  # fmt: skip
    answer = client.post(BULK, json={"entry_ids": ids, "action": "delete"}, headers=alice.headers)
    assert answer.status_code == 500
    assert [shown(client, alice, id)["body"] for id in ids] == ["2 uur werk #oud", "1 uur werk"]
    assert tombstones(app) == []


def test_too_many_tags_after_adding_is_refused_and_changes_nothing(client, alice, two):
    full = [f"t{n}" for n in range(MAX_TAGS)]
    client.patch(f"/api/v1/time_entries/{two[0]['id']}.json", json={"tags": full},
                 headers=alice.headers)  # fmt: skip
    answer = client.post(BULK, json={"entry_ids": [two[1]["id"], two[0]["id"]],
                                     "action": "add_tag", "value": "extra"},
                         headers=alice.headers)  # fmt: skip
    refused(answer, {"value": ["is meer dan toegestaan"]})
    assert shown(client, alice, two[1]["id"])["tags"] == []


# --- refused ------------------------------------------------------------------------------------


def test_without_a_token_401(client, two):
    answer = client.post(BULK, json={"entry_ids": [two[0]["id"]], "action": "delete"})
    assert answer.status_code == 401


def test_a_reading_token_is_403(client, alice, narrow, two):
    answer = client.post(BULK, json={"entry_ids": [two[0]["id"]], "action": "delete"},
                         headers=narrow.headers)  # fmt: skip
    assert answer.status_code == 403
    assert answer.json()["required_scope"] == "write:time_entries"
    assert shown(client, alice, two[0]["id"]) is not None


@pytest.mark.parametrize(("body", "errors"), [
    ({"action": "delete"}, {"entry_ids": ["moet opgegeven zijn"]}),
    ({"entry_ids": [1]}, {"action": ["moet opgegeven zijn"]}),
    ({"entry_ids": [1], "action": "explode"}, {"action": ["is geen bekende actie"]}),
    ({"entry_ids": ["een"], "action": "delete"}, {"entry_ids": ["is geen getal"]}),
    ({"entry_ids": {"a": 1}, "action": "delete"}, {"entry_ids": ["is geen getal"]}),
    ({"entry_ids": [1], "action": "delete", "value": 3}, {"value": ["hoort niet bij deze actie"]}),
    ({"entry_ids": [1], "action": "set_billable"}, {"value": ["moet opgegeven zijn"]}),
    ({"entry_ids": [1], "action": "set_billable", "value": None},
     {"value": ["moet opgegeven zijn"]}),
    ({"entry_ids": [1], "action": "set_billable", "value": 1}, {"value": ["is ongeldig"]}),
    ({"entry_ids": [1], "action": "set_project"}, {"value": ["moet opgegeven zijn"]}),
    ({"entry_ids": [1], "action": "set_project", "value": "kiwi"}, {"value": ["is geen getal"]}),
    ({"entry_ids": [1], "action": "set_project", "value": 999_999}, {"value": ["bestaat niet"]}),
    ({"entry_ids": [1], "action": "set_service", "value": 0}, {"value": ["bestaat niet"]}),
    ({"entry_ids": [1], "action": "add_tag", "value": ""}, {"value": ["moet opgegeven zijn"]}),
    ({"entry_ids": [1], "action": "add_tag", "value": ", ,"}, {"value": ["moet opgegeven zijn"]}),
    ({"entry_ids": [1], "action": "add_tag", "value": "x" * 41}, {"value": ["is te lang"]}),
    ({"entry_ids": [1], "action": "remove_tag", "value": [3]}, {"value": ["is ongeldig"]}),
    ({"entry_ids": [1], "action": "delete", "ids": [2]}, {"ids": ["is geen bekend veld"]}),
    ({"entry_ids": list(range(1, MAX_BULK_ENTRIES + 2)), "action": "delete"},
     {"entry_ids": ["is meer dan toegestaan"]}),
])
def test_invalid_fields_are_422_and_change_nothing(app, client, alice, two, body, errors):
    body = {**body, "entry_ids": body["entry_ids"]} if "entry_ids" in body else body
    answer = client.post(BULK, json=body, headers=alice.headers)
    refused(answer, errors)
    assert shown(client, alice, two[0]["id"]) is not None and tombstones(app) == []


def test_another_workspaces_project_does_not_exist(client, alice, carol, two):
    theirs = client.post("/api/v1/projects.json", json={"name": "Elders"},
                         headers=carol.headers).json()  # fmt: skip
    answer = client.post(BULK, json={"entry_ids": [two[0]["id"]], "action": "set_project",
                                     "value": theirs["id"]}, headers=alice.headers)  # fmt: skip
    refused(answer, {"value": ["bestaat niet"]})


def test_the_cap_is_the_limit(client, alice, two):
    ids = [two[0]["id"], *range(10**6, 10**6 + MAX_BULK_ENTRIES - 1)]
    answer = bulk(client, alice, entry_ids=ids, action="set_billable", value=False)
    assert answer["updated"] == 1 and len(answer["skipped"]) == MAX_BULK_ENTRIES - 1


def test_messages_are_in_the_callers_locale(client, carol):
    answer = client.post(BULK, json={"entry_ids": [1], "action": "nuke"}, headers=carol.headers)
    refused(answer, {"action": ["is not a known action"]})
