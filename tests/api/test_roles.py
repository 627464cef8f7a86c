"""Roles: the first user of a workspace is its admin, later ones members (an explicit role
wins); an admin reads the entries of the workspace's users (``user_ids``), never
writes them, and never reaches another workspace's."""

from __future__ import annotations

import pytest

from nlentry.storage import AccountError, create_user, get_or_create_workspace

ENTRIES = "/api/v1/time_entries.json"


def entry_url(entry_id: int) -> str:
    return f"/api/v1/time_entries/{entry_id}.json"


def create(client, account, body: str) -> dict:
    answer = client.post(ENTRIES, data={"body": body, "duration": "60"},
                         headers=account.headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def bodies(client, account, **params) -> list[str]:
    answer = client.get(ENTRIES, params=params, headers=account.headers)
    assert answer.status_code == 200, answer.text
    return [entry["body"] for entry in answer.json()["time_entries"]]


def test_the_first_user_of_a_workspace_is_its_admin(app, make_account):
    first = make_account(app, "first@one.example", workspace="One")
    second = make_account(app, "second@one.example", workspace="One")
    other = make_account(app, "first@two.example", workspace="Two")
    assert (first.role, second.role, other.role) == ("admin", "member", "admin")


def test_an_explicit_role_wins(app, make_account):
    member = make_account(app, "m@one.example", workspace="One", role="member")
    admin = make_account(app, "a@one.example", workspace="One", role="admin")
    assert (member.role, admin.role) == ("member", "admin")
    with app.state.db.write() as session:
        workspace = get_or_create_workspace(session, "One")
        with pytest.raises(AccountError, match="role must be one of admin, member"):
            create_user(session, "x@one.example", workspace=workspace, role="owner")
        with pytest.raises(AccountError, match="IANA"):
            create_user(session, "y@one.example", workspace=workspace, timezone="Mars/Base")


def test_the_profile_says_the_role(client, admin, member):
    assert client.get("/api/v1/users/me.json", headers=admin.headers).json()["role"] == "admin"
    assert client.get("/api/v1/users/me.json", headers=member.headers).json()["role"] == "member"


def test_an_admin_reads_a_members_entries(client, admin, member):
    create(client, admin, "van de beheerder")
    theirs = create(client, member, "van het lid")
    listed = client.get(ENTRIES, params={"user_ids": str(member.id)}, headers=admin.headers)
    assert listed.status_code == 200, listed.text
    entries = listed.json()["time_entries"]
    assert [(e["id"], e["user"]["id"]) for e in entries] == [(theirs["id"], member.id)]
    assert bodies(client, admin) == ["van de beheerder"]  # without user_ids: the admin's own


def test_an_admin_never_writes_a_members_entry(client, admin, member):
    theirs = create(client, member, "van het lid")
    url = entry_url(theirs["id"])
    changed = client.patch(url, data={"duration": "5"}, headers=admin.headers)
    assert changed.status_code == 404 and changed.json()["message"] == "not found"
    assert client.delete(url, headers=admin.headers).status_code == 404
    still = client.get(url, headers=member.headers)
    assert still.status_code == 200 and still.json()["duration"] == 60


def test_a_member_may_not_filter_on_users(client, admin, member):
    create(client, admin, "van de beheerder")
    answer = client.get(ENTRIES, params={"user_ids": str(admin.id)}, headers=member.headers)
    assert answer.status_code == 422
    assert "user_ids" in answer.json()["errors"]


def test_an_admin_of_another_workspace_sees_nothing(app, client, member, make_account):
    create(client, member, "van het lid")
    outsider = make_account(app, "boss@elsewhere.example", workspace="Elsewhere")
    assert outsider.role == "admin"
    assert bodies(client, outsider, user_ids=str(member.id)) == []


def test_an_admin_token_without_the_read_scope_cannot_read(app, client, admin, member,
                                                           make_token):  # fmt: skip
    create(client, member, "van het lid")
    writer = make_token(app, admin, scopes=("write:time_entries",))
    answer = client.get(ENTRIES, params={"user_ids": str(member.id)}, headers=writer.headers)
    assert answer.status_code == 403 and answer.json()["required_scope"] == "read:time_entries"
