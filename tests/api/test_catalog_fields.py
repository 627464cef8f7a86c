"""Clients, projects and services: ``metadata``, ``billable``, strict bodies and paged lists."""

from __future__ import annotations

import pytest

KINDS = ["clients", "projects", "services"]


def post(client, account, path, **data):
    return client.post(f"/api/v1/{path}", json=data, headers=account.headers)


def made(client, account, kind, **data):
    answer = post(client, account, kind, **data)
    assert answer.status_code == 201, answer.text
    return answer.json()


# --- metadata -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_metadata_is_set_on_create_and_merged_on_patch(client, alice, kind):
    created = made(client, alice, kind, name="Kiwi", metadata={"ticket": "K-1", "team": "web"})
    assert created["metadata"] == {"ticket": "K-1", "team": "web"}
    path = f"/api/v1/{kind}/{created['id']}.json"
    changed = client.patch(path, json={"metadata": {"ticket": "K-2", "team": None, "cost": "7"}},
                           headers=alice.headers)  # fmt: skip
    assert changed.status_code == 200, changed.text
    assert changed.json()["metadata"] == {"ticket": "K-2", "cost": "7"}
    # "" removes a key too; a change without metadata keeps it
    client.patch(path, json={"metadata": {"cost": ""}}, headers=alice.headers)
    renamed = client.patch(path, json={"name": "Kiwi 2"}, headers=alice.headers).json()
    assert renamed["metadata"] == {"ticket": "K-2"}
    assert client.get(path, headers=alice.headers).json()["metadata"] == {"ticket": "K-2"}
    listed = client.get(f"/api/v1/{kind}", headers=alice.headers).json()
    assert listed[0]["metadata"] == {"ticket": "K-2"}


@pytest.mark.parametrize("kind", KINDS)
def test_metadata_defaults_to_an_empty_object_and_is_json_text_in_a_form(client, alice, kind):
    plain = made(client, alice, kind, name="Plain")
    assert plain["metadata"] == {}
    form = client.post(f"/api/v1/{kind}", data={"name": "Form", "metadata": '{"a": "b"}'},
                       headers=alice.headers)  # fmt: skip
    assert form.status_code == 201 and form.json()["metadata"] == {"a": "b"}
    # null values at create are no keys
    nulls = made(client, alice, kind, name="Nulls", metadata={"a": None, "b": "x"})
    assert nulls["metadata"] == {"b": "x"}


@pytest.mark.parametrize("kind", KINDS)
def test_metadata_limits_are_422_naming_the_field(client, alice, carol, kind):
    cases = [
        ({f"k{i}": "v" for i in range(21)}, "heeft meer dan 20 sleutels"),
        ({"k" * 41: "v"}, "heeft een sleutel langer dan 40 tekens"),
        ({"k": "v" * 501}, "heeft een waarde langer dan 500 tekens"),
        ({"k": 5}, None),
        (["not", "an", "object"], "is ongeldig"),
        ("{not json", "is ongeldig"),
    ]
    for metadata, text in cases:
        answer = post(client, alice, kind, name="X", metadata=metadata)
        assert answer.status_code == 422, metadata
        body = answer.json()
        assert list(body["errors"]) == ["metadata"] and body["param"] == "metadata", body
        if text:
            assert body["errors"]["metadata"] == [text]
    # at the limits exactly: stored
    edge = {f"{i:02d}" + "k" * 38: "v" * 500 for i in range(20)}
    assert post(client, alice, kind, name="Edge", metadata=edge).status_code == 201
    assert client.get(f"/api/v1/{kind}", headers=alice.headers).json()[-1]["metadata"] == edge
    english = post(client, carol, kind, name="X", metadata={"k" * 41: "v"})
    assert english.json()["errors"] == {"metadata": ["has a key longer than 40 characters"]}
    assert client.get(f"/api/v1/{kind}", headers=carol.headers).json() == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_merge_past_twenty_keys_is_refused_and_changes_nothing(client, alice, kind):
    created = made(client, alice, kind, name="Full", metadata={f"k{i}": "v" for i in range(15)})
    path = f"/api/v1/{kind}/{created['id']}"
    answer = client.patch(path, json={"name": "Renamed", "metadata": {f"n{i}": "v" for i in range(6)}},
                          headers=alice.headers)  # fmt: skip
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"metadata": ["heeft meer dan 20 sleutels"]}
    shown = client.get(path, headers=alice.headers).json()
    assert shown["name"] == "Full" and len(shown["metadata"]) == 15
    # replacing keys while removing others stays within the limit
    swap = {**{f"k{i}": None for i in range(6)}, **{f"n{i}": "v" for i in range(6)}}
    assert client.patch(path, json={"metadata": swap}, headers=alice.headers).status_code == 200


# --- billable ---------------------------------------------------------------------------------


def test_projects_are_billable_unless_told(client, alice):
    default = made(client, alice, "projects", name="Billed")
    assert default["billable"] is True
    free = made(client, alice, "projects", name="Free", billable=False)
    assert free["billable"] is False
    form = client.post("/api/v1/projects", data={"name": "Form", "billable": "no"},
                       headers=alice.headers)  # fmt: skip
    assert form.status_code == 201 and form.json()["billable"] is False
    path = f"/api/v1/projects/{free['id']}"
    assert client.patch(path, json={"billable": True}, headers=alice.headers).json()["billable"]
    assert client.get(path, headers=alice.headers).json()["billable"] is True
    bad = client.patch(path, json={"billable": "maybe"}, headers=alice.headers)
    assert bad.status_code == 422 and bad.json()["errors"] == {"billable": ["is ongeldig"]}
    acme = made(client, alice, "clients", name="Acme")
    client.patch(path, json={"client_id": acme["id"]}, headers=alice.headers)
    listed = client.get("/api/v1/clients", headers=alice.headers).json()
    assert listed[0]["projects"][0]["billable"] is True  # as the client's project


@pytest.mark.parametrize("kind", ["clients", "services"])
def test_billable_is_a_projects_field_only(client, alice, kind):
    answer = post(client, alice, kind, name="X", billable=False)
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"billable": ["is geen bekend veld"]}


# --- strict bodies ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_an_unknown_field_is_422_naming_it(client, alice, carol, kind):
    answer = post(client, alice, kind, name="X", descripton="typo")
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"descripton": ["is geen bekend veld"]}
    assert answer.json()["param"] == "descripton"
    created = made(client, alice, kind, name="Y")
    path = f"/api/v1/{kind}/{created['id']}"
    patched = client.patch(path, data={"name": "Z", "colour": "red"}, headers=alice.headers)
    assert patched.status_code == 422
    assert patched.json()["errors"] == {"colour": ["is geen bekend veld"]}
    assert client.get(path, headers=alice.headers).json()["name"] == "Y"  # nothing changed
    english = post(client, carol, kind, name="X", extra="1")
    assert english.json()["errors"] == {"extra": ["is not a known field"]}
    # the credentials of a form or a query are no fields
    token = client.post(f"/api/v1/{kind}.json", data={"name": "Timi way", "email": alice.email,
                                                      "token": alice.token})  # fmt: skip
    assert token.status_code == 201, token.text


def test_an_unknown_field_of_an_alias_is_named(client, alice):
    project = made(client, alice, "projects", name="Timi")
    path = f"/api/v1/projects/{project['id']}/aliases"
    answer = client.post(path, json={"alias": "kiwi", "colour": "red"}, headers=alice.headers)
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"colour": ["is geen bekend veld"]}
    by_name = client.post(path, data={"name": "appel"}, headers=alice.headers)  # Timi's field
    assert by_name.status_code == 201 and by_name.json()["aliases"] == ["appel"]


# --- lists -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_a_list_is_a_plain_array_without_page(client, alice, kind):
    for name in ("A", "B", "C"):
        made(client, alice, kind, name=name)
    answer = client.get(f"/api/v1/{kind}.json", headers=alice.headers)
    assert isinstance(answer.json(), list) and [x["name"] for x in answer.json()] == ["A", "B", "C"]
    # cache busters and the credentials of a query are no parameters
    busted = client.get(f"/api/v1/{kind}.json", params={"_": "1712", "email": alice.email,
                                                        "token": alice.token})  # fmt: skip
    assert busted.status_code == 200 and len(busted.json()) == 3


@pytest.mark.parametrize("kind", KINDS)
def test_page_per_page_or_size_gives_a_page(client, alice, kind):
    ids = [made(client, alice, kind, name=f"N{i}")["id"] for i in range(5)]
    first = client.get(f"/api/v1/{kind}", params={"page": "1", "per_page": "2"},
                       headers=alice.headers).json()  # fmt: skip
    assert {k: v for k, v in first.items() if k != kind} == {
        "current_page": 1, "per_page": 2, "total_entries": 5,
        "pagination": {"page": 1, "per_page": 2, "total": 5, "pages": 3, "has_next": True,
                       "has_prev": False, "next_page": 2, "prev_page": None}}
    assert [x["id"] for x in first[kind]] == ids[:2]
    last = client.get(f"/api/v1/{kind}", params={"page": "3", "size": "2"},
                      headers=alice.headers).json()  # fmt: skip
    assert [x["id"] for x in last[kind]] == ids[4:]
    assert last["pagination"]["has_next"] is False and last["pagination"]["prev_page"] == 2
    only_size = client.get(f"/api/v1/{kind}", params={"size": "3"}, headers=alice.headers).json()
    assert only_size["current_page"] == 1 and len(only_size[kind]) == 3
    default = client.get(f"/api/v1/{kind}", params={"page": "1"}, headers=alice.headers).json()
    assert default["per_page"] == 100 and len(default[kind]) == 5
    beyond = client.get(f"/api/v1/{kind}", params={"page": "9"}, headers=alice.headers).json()
    assert beyond[kind] == [] and beyond["total_entries"] == 5


@pytest.mark.parametrize("kind", KINDS)
def test_list_parameters_are_checked(client, alice, carol, kind):
    def refused(params, account=alice):
        answer = client.get(f"/api/v1/{kind}", params=params, headers=account.headers)
        assert answer.status_code == 422, params
        return answer.json()["errors"]

    assert refused({"per_page": "101"}) == {"per_page": ["is meer dan toegestaan"]}
    assert refused({"size": "500"}) == {"size": ["is meer dan toegestaan"]}
    assert list(refused({"page": "0"})) == ["page"]
    assert refused({"page": "x"}) == {"page": ["is geen getal"]}
    assert refused({"activ": "true"}) == {"activ": ["is geen bekende parameter"]}
    assert refused({"activ": "true"}, carol) == {"activ": ["is not a known parameter"]}
    assert refused({"active": "maybe"}) == {"active": ["is ongeldig"]}
    assert list(refused({"sort": "-date"})) == ["sort"]


@pytest.mark.parametrize("kind", KINDS)
def test_active_filter_and_sort(client, alice, kind):
    kiwi = made(client, alice, kind, name="kiwi")
    appel = made(client, alice, kind, name="Appel")
    client.delete(f"/api/v1/{kind}/{kiwi['id']}", headers=alice.headers)
    active = client.get(f"/api/v1/{kind}", params={"active": "true"}, headers=alice.headers).json()
    assert [x["id"] for x in active] == [appel["id"]]
    archived = client.get(f"/api/v1/{kind}", params={"active": "false", "page": "1"},
                          headers=alice.headers).json()  # fmt: skip
    assert [x["id"] for x in archived[kind]] == [kiwi["id"]] and archived["total_entries"] == 1
    by_name = client.get(f"/api/v1/{kind}", params={"sort": "name"}, headers=alice.headers).json()
    assert [x["name"] for x in by_name] == ["Appel", "kiwi"]
    newest = client.get(f"/api/v1/{kind}", params={"sort": "-id"}, headers=alice.headers).json()
    assert [x["id"] for x in newest] == [appel["id"], kiwi["id"]]


@pytest.mark.parametrize("kind", KINDS)
def test_another_workspaces_page_is_empty(client, alice, carol, kind):
    made(client, alice, kind, name="Mine")
    page = client.get(f"/api/v1/{kind}", params={"page": "1"}, headers=carol.headers).json()
    assert page[kind] == [] and page["total_entries"] == 0
    assert page["pagination"]["pages"] == 1
