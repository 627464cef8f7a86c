"""``DELETE`` on clients, projects and services archives them: ``active=false``, ``204``;
nothing is deleted and entries keep what they refer to."""

from __future__ import annotations

import pytest

from nlentry.storage.models import Workspace


def post(client, account, path, **data):
    answer = client.post(f"/api/v1/{path}", json=data, headers=account.headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def catalog_version(app, workspace_id: int) -> int:
    with app.state.db.read() as session:
        return session.get(Workspace, workspace_id).catalog_version


@pytest.mark.parametrize("kind", ["clients", "projects", "services"])
@pytest.mark.parametrize("suffix", ["", ".json"])
def test_delete_archives_and_is_idempotent(client, alice, kind, suffix):
    made = post(client, alice, kind, name="Kiwi")
    path = f"/api/v1/{kind}/{made['id']}{suffix}"
    gone = client.delete(path, headers=alice.headers)
    assert gone.status_code == 204 and gone.content == b""
    shown = client.get(path, headers=alice.headers)
    assert shown.status_code == 200 and shown.json()["active"] is False
    assert [x["id"] for x in client.get(f"/api/v1/{kind}", headers=alice.headers).json()] == [
        made["id"]]  # still listed: archived, not deleted
    again = client.delete(path, headers=alice.headers)
    assert again.status_code == 204
    revived = client.patch(path, json={"active": True}, headers=alice.headers)
    assert revived.status_code == 200 and revived.json()["active"] is True


@pytest.mark.parametrize("kind", ["clients", "projects", "services"])
def test_another_workspace_cannot_archive(client, alice, carol, kind):
    made = post(client, alice, kind, name="Kiwi")
    answer = client.delete(f"/api/v1/{kind}/{made['id']}.json", headers=carol.headers)
    assert answer.status_code == 404 and answer.json()["message"] == "not found"
    assert client.get(f"/api/v1/{kind}/{made['id']}", headers=alice.headers).json()["active"]
    assert client.delete(f"/api/v1/{kind}/999999", headers=alice.headers).status_code == 404


def test_delete_needs_the_write_scope(client, app, alice):
    from nlentry.storage.api_tokens import issue_token
    from nlentry.storage.models import User

    made = post(client, alice, "projects", name="Kiwi")
    with app.state.db.write() as session:
        reader = issue_token(session, session.get(User, alice.id), scopes=("read:projects",))
        session.commit()
    answer = client.delete(f"/api/v1/projects/{made['id']}",
                           headers={"Authorization": f"Bearer {reader.value}"})
    assert answer.status_code == 403
    assert answer.json()["required_scope"] == "write:projects"
    assert client.get(f"/api/v1/projects/{made['id']}", headers=alice.headers).json()["active"]


def test_archiving_bumps_the_catalog_once(client, app, alice):
    made = post(client, alice, "services", name="Kiwi")
    before = catalog_version(app, alice.workspace_id)
    client.delete(f"/api/v1/services/{made['id']}", headers=alice.headers)
    archived = catalog_version(app, alice.workspace_id)
    assert archived > before
    client.delete(f"/api/v1/services/{made['id']}", headers=alice.headers)
    assert catalog_version(app, alice.workspace_id) == archived  # nothing changed


def test_entries_keep_an_archived_project_and_service_but_new_ones_do_not_find_them(
    client, alice
):
    acme = post(client, alice, "clients", name="Acme")
    project = post(client, alice, "projects", name="Kiwisite", client_id=acme["id"],
                   aliases=["kw"])
    service = post(client, alice, "services", name="Ontwerp")
    entry = post(client, alice, "time_entries.json", body="2 uur kw Ontwerp")
    assert entry["project"]["id"] == project["id"] and entry["service"]["id"] == service["id"]
    for kind, made in (("projects", project), ("services", service), ("clients", acme)):
        assert client.delete(f"/api/v1/{kind}/{made['id']}",
                             headers=alice.headers).status_code == 204
    kept = client.get(f"/api/v1/time_entries/{entry['id']}", headers=alice.headers).json()
    assert kept["project"] == {"id": project["id"], "name": "Kiwisite",
                               "client": {"id": acme["id"], "name": "Acme"}}
    assert kept["service"] == {"id": service["id"], "name": "Ontwerp"}
    # the parser no longer offers them (catalog_source reads active ones only)
    new = post(client, alice, "time_entries.json", body="1 uur kw Ontwerp")
    assert new["project"] is None and new["service"] is None
    # the caller's alias stays with the archived project, and comes back with it
    shown = client.get(f"/api/v1/projects/{project['id']}", headers=alice.headers).json()
    assert shown["aliases"] == ["kw"] and shown["client"]["id"] == acme["id"]
    client.patch(f"/api/v1/projects/{project['id']}", json={"active": True}, headers=alice.headers)
    revived = post(client, alice, "time_entries.json", body="1 uur kw")
    assert revived["project"]["id"] == project["id"]


def test_archiving_a_client_leaves_its_projects_alone(client, alice):
    acme = post(client, alice, "clients", name="Acme")
    project = post(client, alice, "projects", name="Site", client_id=acme["id"])
    client.delete(f"/api/v1/clients/{acme['id']}", headers=alice.headers)
    shown = client.get(f"/api/v1/projects/{project['id']}", headers=alice.headers).json()
    assert shown["active"] is True and shown["client"] == {"id": acme["id"], "name": "Acme"}
    listed = client.get("/api/v1/clients", headers=alice.headers).json()
    assert listed[0]["active"] is False and [p["id"] for p in listed[0]["projects"]] == [
        project["id"]]
