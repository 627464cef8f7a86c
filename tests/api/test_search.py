"""``GET /search``: projects, clients and services by name (and the caller's aliases), the
caller's own entries by their text."""

from __future__ import annotations

import pytest

from nlentry.storage.api_tokens import issue_token
from nlentry.storage.models import User


def post(client, account, path, **data):
    answer = client.post(f"/api/v1/{path}", json=data, headers=account.headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def search(client, account, headers=None, **params):
    return client.get("/api/v1/search.json", params=params,
                      headers=account.headers if headers is None else headers)  # fmt: skip


def found(client, account, headers=None, **params) -> list[tuple[str, str]]:
    answer = search(client, account, headers, **params)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["count"] == len(body["results"])
    return [(r["type"], r["title"]) for r in body["results"]]


def token_with(app, account, *scopes: str) -> dict[str, str]:
    with app.state.db.write() as session:
        issued = issue_token(session, session.get(User, account.id), scopes=scopes)
        session.commit()
    return {"Authorization": f"Bearer {issued.value}"}


@pytest.fixture
def kiwis(client, alice):
    holding = post(client, alice, "clients", name="Kiwi Holding")
    post(client, alice, "projects", name="Kiwi", client_id=holding["id"])
    post(client, alice, "projects", name="Website kiwi")
    post(client, alice, "projects", name="Appel", aliases=["kiwisap"])
    post(client, alice, "services", name="Kiwi-onderhoud")
    post(client, alice, "services", name="Design")
    post(client, alice, "time_entries", body="1 uur gesprek over KIWI's", date="2024-01-01")
    post(client, alice, "time_entries", body="2 uur Kiwi plukken", date="2024-03-01")
    return holding


def test_the_answer_best_first(client, alice, kiwis):
    answer = search(client, alice, q="kiwi")
    assert answer.status_code == 200
    body = answer.json()
    assert body["query"] == "kiwi" and body["count"] == 7
    assert [(r["type"], r["title"]) for r in body["results"]] == [
        ("project", "Kiwi"),  # equal to the query
        ("project", "Appel"),  # an alias of the caller's starts with it
        ("client", "Kiwi Holding"),  # starts with it
        ("service", "Kiwi-onderhoud"),
        ("project", "Website kiwi"),  # holds it
        ("entry", "2 uur Kiwi plukken"),  # then the caller's entries, newest first
        ("entry", "1 uur gesprek over KIWI's"),
    ]
    results = {(r["type"], r["title"]): r for r in body["results"]}
    assert results[("project", "Kiwi")]["description"] == "Kiwi Holding"
    assert results[("project", "Appel")]["description"] == "alias: kiwisap"
    assert results[("client", "Kiwi Holding")]["description"] is None
    assert results[("entry", "2 uur Kiwi plukken")]["description"] == "2024-03-01 · 2:00 · Kiwi"
    assert all(isinstance(r["id"], int) for r in body["results"])
    assert found(client, alice, q="  KIWI  ")[:1] == [("project", "Kiwi")]  # trimmed, case aside


def test_types_and_limit(client, alice, kiwis):
    assert found(client, alice, q="kiwi", types="service,client") == [
        ("client", "Kiwi Holding"), ("service", "Kiwi-onderhoud")]
    assert found(client, alice, q="kiwi", types="entry") == [
        ("entry", "2 uur Kiwi plukken"), ("entry", "1 uur gesprek over KIWI's")]
    assert found(client, alice, q="kiwi", types=" Project , ") == [
        ("project", "Kiwi"), ("project", "Appel"), ("project", "Website kiwi")]
    assert found(client, alice, q="kiwi", limit="2") == [("project", "Kiwi"), ("project", "Appel")]
    assert len(found(client, alice, q="kiwi", limit="6")) == 6
    assert found(client, alice, q="kiwi", limit="50")[-1][0] == "entry"
    assert found(client, alice, q="banaan") == []


def test_like_wildcards_match_themselves(client, alice):
    for name in ("100% Kiwi", "1000 Kiwi", "a_b", "axb", "back\\slash", "backslash"):
        post(client, alice, "projects", name=name)
    post(client, alice, "time_entries", body="1 uur 50% korting")
    post(client, alice, "time_entries", body="1 uur 500 korting")
    assert found(client, alice, q="0%") == [("project", "100% Kiwi"), ("entry", "1 uur 50% korting")]
    assert found(client, alice, q="a_") == [("project", "a_b")]
    assert found(client, alice, q="k\\s") == [("project", "back\\slash")]
    assert found(client, alice, q="%%") == []
    assert found(client, alice, q="__") == []


def test_archived_objects_are_left_out(client, alice):
    kept = post(client, alice, "projects", name="Kiwi oud")
    post(client, alice, "projects", name="Kiwi nieuw")
    client.delete(f"/api/v1/projects/{kept['id']}", headers=alice.headers)
    assert found(client, alice, q="kiwi") == [("project", "Kiwi nieuw")]


@pytest.mark.parametrize(("params", "errors"), [
    ({}, {"q": ["moet opgegeven zijn"]}),
    ({"q": ""}, {"q": ["moet opgegeven zijn"]}),
    ({"q": "k"}, {"q": ["is te kort"]}),
    ({"q": "  k  "}, {"q": ["is te kort"]}),
    ({"q": "k" * 256}, {"q": ["is te lang"]}),
    ({"q": "kiwi", "types": "project,klant"}, {"types": ["klant is ongeldig"]}),
    ({"q": "kiwi", "limit": "51"}, {"limit": ["is meer dan toegestaan"]}),
    ({"q": "kiwi", "limit": "0"}, {"limit": ["moet groter dan 0 zijn"]}),
    ({"q": "kiwi", "limit": "veel"}, {"limit": ["is geen getal"]}),
    ({"q": "kiwi", "type": "entry"}, {"type": ["is geen bekende parameter"]}),
])
def test_invalid_queries_are_422_naming_the_parameter(client, alice, params, errors):
    answer = search(client, alice, **params)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"] == errors
    assert answer.json()["param"] == next(iter(errors))


def test_cache_busters_and_query_credentials_are_no_parameters(client, alice):
    post(client, alice, "projects", name="Kiwi")
    answer = client.get("/api/v1/search", params={"q": "kiwi", "_": "123", "email": alice.email,
                                                  "token": alice.token})  # fmt: skip
    assert answer.status_code == 200 and answer.json()["count"] == 1


def test_english_messages(client, carol):
    answer = search(client, carol, q="k")
    assert answer.json()["errors"] == {"q": ["is too short"]}


def test_only_the_callers_workspace_and_own_entries_and_aliases(client, alice, bob, carol, kiwis):
    assert found(client, carol, q="kiwi") == []
    post(client, carol, "projects", name="Kiwi elders")
    assert found(client, alice, q="elders") == []
    # a colleague shares the workspace's catalog, not Alice's aliases or entries
    assert found(client, bob, q="kiwi") == [
        ("project", "Kiwi"), ("client", "Kiwi Holding"), ("service", "Kiwi-onderhoud"),
        ("project", "Website kiwi")]
    assert found(client, bob, q="kiwisap") == []
    assert found(client, bob, q="plukken") == []


def test_scopes_decide_which_types(client, app, alice, kiwis):
    projects_only = token_with(app, alice, "read:projects")
    assert found(client, alice, projects_only, q="kiwi") == [
        ("project", "Kiwi"), ("project", "Appel"), ("service", "Kiwi-onderhoud"),
        ("project", "Website kiwi")]
    for types, scope in (("entry", "read:time_entries"), ("project,client", "read:clients")):
        answer = search(client, alice, projects_only, q="kiwi", types=types)
        assert answer.status_code == 403
        assert answer.json()["required_scope"] == scope
    with_entries = token_with(app, alice, "read:projects", "read:time_entries")
    assert [t for t, _ in found(client, alice, with_entries, q="kiwi")].count("entry") == 2
    assert "client" not in [t for t, _ in found(client, alice, with_entries, q="kiwi")]
    entries_only = token_with(app, alice, "read:time_entries", "read:clients")
    answer = search(client, alice, entries_only, q="kiwi")
    assert answer.status_code == 403 and answer.json()["required_scope"] == "read:projects"


def test_without_a_token_401(client):
    answer = client.get("/api/v1/search", params={"q": "kiwi"})
    assert answer.status_code == 401 and answer.json()["message"] == "unauthorized"
