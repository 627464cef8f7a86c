"""``/tokens``: the caller's tokens listed (never a secret), created (the secret once),
revoked; scopes never beyond the creating token's; expiry; ``last_used_at``."""

from __future__ import annotations

import datetime as dt

import pytest

from nlentry.api import caller_cache
from nlentry.api.credentials import Credentials
from nlentry.api.scopes import not_grantable
from nlentry.storage import api_tokens
from nlentry.storage.models import ApiToken

TOKENS = "/api/v1/tokens.json"
FIELDS = {"id", "name", "scopes", "created_at", "expires_at", "last_used_at"}


def token_url(token_id: int) -> str:
    return f"/api/v1/tokens/{token_id}.json"


def listed(client, account) -> list[dict]:
    answer = client.get(TOKENS, headers=account.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def create(client, account, **data) -> dict:
    answer = client.post(TOKENS, json=data, headers=account.headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_list_shows_the_callers_tokens_and_no_secret(app, client, alice, bob):
    tokens = listed(client, alice)
    assert len(tokens) == 1 and set(tokens[0]) == FIELDS
    first = tokens[0]
    assert first["name"] == "initial" and first["scopes"] == ["admin:all"]
    assert first["expires_at"] is None
    secret = alice.token.split(".", 1)[1]
    with app.state.db.read() as session:
        stored_hash = session.get(ApiToken, first["id"]).secret_hash
    for answer in (client.get(TOKENS, headers=alice.headers),):
        assert secret not in answer.text and stored_hash not in answer.text
        assert alice.token.split(".", 1)[0] not in answer.text  # not even the public id
    assert [t["id"] for t in listed(client, bob)] != [first["id"]]


def test_a_new_token_is_shown_once_and_works(client, alice):
    made = create(client, alice, name="laptop")
    assert set(made) == FIELDS | {"token"}
    assert made["name"] == "laptop" and made["scopes"] == ["admin:all"]  # the creator's
    assert made["last_used_at"] is None and made["expires_at"] is None
    assert client.get("/api/v1/projects.json", headers=bearer(made["token"])).status_code == 200
    again = [t for t in listed(client, alice) if t["id"] == made["id"]]
    assert again and "token" not in again[0]
    assert made["token"] not in client.get(TOKENS, headers=alice.headers).text


def test_scopes_as_a_list_or_comma_separated_and_a_form(client, alice):
    as_list = create(client, alice, name="a", scopes=["read:time_entries", "read:users"])
    assert as_list["scopes"] == ["read:time_entries", "read:users"]
    as_text = create(client, alice, name="b", scopes="read:projects, write:projects")
    assert as_text["scopes"] == ["read:projects", "write:projects"]
    form = client.post(TOKENS, data={"name": "c", "scopes": "read:clients",
                                     "expires_in_days": "2"}, headers=alice.headers)
    assert form.status_code == 201, form.text
    assert form.json()["scopes"] == ["read:clients"]


def test_a_narrow_token_does_what_its_scopes_allow(client, alice):
    narrow = create(client, alice, name="reader", scopes="read:time_entries")["token"]
    assert client.get("/api/v1/time_entries.json", headers=bearer(narrow)).status_code == 200
    refused = client.post("/api/v1/time_entries.json", data={"body": "1 uur"},
                          headers=bearer(narrow))
    assert refused.status_code == 403
    assert refused.json()["required_scope"] == "write:time_entries"
    assert refused.json()["available_scopes"] == ["read:time_entries"]


def test_a_narrow_token_cannot_list_mint_or_revoke_tokens(client, alice):
    narrow = create(client, alice, name="n", scopes="read:time_entries,read:users")["token"]
    own_id = listed(client, alice)[0]["id"]
    for method, url, kwargs in (("GET", TOKENS, {}),
                                ("POST", TOKENS, {"json": {"name": "x",
                                                           "scopes": ["read:time_entries"]}}),
                                ("DELETE", token_url(own_id), {})):  # fmt: skip
        answer = client.request(method, url, headers=bearer(narrow), **kwargs)
        assert answer.status_code == 403, (method, answer.text)
        body = answer.json()
        assert body["required_scope"] == "admin:all"
        assert body["available_scopes"] == ["read:time_entries", "read:users"]
        assert body["code"] == "PERMISSION_DENIED"
    assert len(listed(client, alice)) == 2  # nothing was made or revoked


def test_no_token_gets_a_scope_its_creator_lacks():
    held = frozenset({"read:time_entries", "write:time_entries"})
    assert not_grantable(["read:time_entries"], held) == []
    assert not_grantable(["read:time_entries", "read:users", "admin:all"], held) == [
        "read:users", "admin:all"]
    assert not_grantable(["webhooks", "admin:all"], frozenset({"admin:all"})) == []


def test_the_grant_check_names_scopes(client, alice, monkeypatch):
    """Were the operation open to narrow tokens, the check would refuse, naming `scopes`."""
    from nlentry.api.resources import tokens

    monkeypatch.setattr(tokens, "not_grantable", lambda requested, held: requested)
    answer = client.post(TOKENS, json={"name": "x", "scopes": ["read:users"]},
                         headers=alice.headers)
    assert answer.status_code == 422
    assert answer.json()["errors"] == {
        "scopes": ["bevat een scope die het token dat hem aanmaakt niet heeft"]}
    assert answer.json()["param"] == "scopes"


@pytest.mark.parametrize(("data", "errors"), [
    ({}, {"name": ["moet opgegeven zijn"]}),
    ({"name": " "}, {"name": ["moet opgegeven zijn"]}),
    ({"name": "x", "scopes": ["read:everything"]}, {"scopes": ["noemt een onbekende scope"]}),
    ({"name": "x", "scopes": "admin"}, {"scopes": ["noemt een onbekende scope"]}),
    ({"name": "x", "scopes": [1]}, {"scopes": ["is ongeldig"]}),
    ({"name": "x", "expires_in_days": 0}, {"expires_in_days": ["moet groter dan 0 zijn"]}),
    ({"name": "x", "expires_in_days": 3651}, {"expires_in_days": ["is meer dan toegestaan"]}),
    ({"name": "x", "expires_in_days": "soon"}, {"expires_in_days": ["is geen getal"]}),
    ({"name": "x", "secret": "mine"}, {"secret": ["is geen bekend veld"]}),
])
def test_invalid_creates_are_refused_naming_the_field(client, alice, data, errors):
    answer = client.post(TOKENS, json=data, headers=alice.headers)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"] == errors, answer.json()
    assert len(listed(client, alice)) == 1


def test_messages_in_english_for_an_english_user(client, carol):
    answer = client.post(TOKENS, json={"name": "x", "scopes": "nope"}, headers=carol.headers)
    assert answer.json()["errors"] == {"scopes": ["names an unknown scope"]}


def test_expiry_is_set_and_an_expired_token_is_refused_everywhere(app, client, alice,
                                                                  make_token):  # fmt: skip
    made = create(client, alice, name="week", expires_in_days=7)
    expires = dt.datetime.fromisoformat(made["expires_at"])
    created = dt.datetime.fromisoformat(made["created_at"])
    assert expires - created == dt.timedelta(days=7)
    past = api_tokens.utcnow() - dt.timedelta(seconds=1)
    expired = make_token(app, alice, expires_at=past)
    for method, url in (("GET", "/api/v1/projects.json"), ("GET", TOKENS),
                        ("POST", "/api/v1/time_entries.json")):  # fmt: skip
        answer = client.request(method, url, headers=expired.headers,
                                data={"body": "1 uur"} if method == "POST" else None)
        assert answer.status_code == 401, (url, answer.text)
    assert made["id"] in [t["id"] for t in listed(client, alice)]  # listed with its expiry


def test_the_cache_does_not_serve_a_token_past_its_expiry(app, client, alice, make_token,
                                                          monkeypatch):  # fmt: skip
    soon = api_tokens.utcnow() + dt.timedelta(minutes=5)
    account = make_token(app, alice, expires_at=soon)
    created = client.post("/api/v1/time_entries.json", data={"body": "1 uur"},
                          headers=account.headers)
    assert created.status_code == 201, created.text
    assert app.state.callers.get(Credentials(account.token)).expires_at == soon
    later = soon + dt.timedelta(seconds=1)
    monkeypatch.setattr(caller_cache, "_utcnow", lambda: later)  # the worker's clock
    monkeypatch.setattr(api_tokens, "utcnow", lambda: later)  # the lookup's
    for _ in range(2):  # the on-loop create path and a thread path
        answer = client.post("/api/v1/time_entries.json", data={"body": "1 uur"},
                             headers=account.headers)
        assert answer.status_code == 401, answer.text
    assert client.get("/api/v1/projects.json", headers=account.headers).status_code == 401
    assert app.state.callers.get(Credentials(account.token)) is None


def test_revoking_ones_own_token(client, alice, bob):
    made = create(client, alice, name="old")
    assert client.delete(token_url(made["id"]), headers=alice.headers).status_code == 204
    assert client.get("/api/v1/projects.json", headers=bearer(made["token"])).status_code == 401
    assert made["id"] not in [t["id"] for t in listed(client, alice)]
    again = client.delete(token_url(made["id"]), headers=alice.headers)
    assert again.status_code == 404 and again.json()["message"] == "not found"
    assert client.delete(token_url(999_999), headers=alice.headers).status_code == 404


def test_another_users_token_is_not_found(client, alice, bob, carol):
    bobs = listed(client, bob)[0]["id"]
    carols = listed(client, carol)[0]["id"]
    for token_id in (bobs, carols):
        answer = client.delete(token_url(token_id), headers=alice.headers)
        assert answer.status_code == 404, answer.text
    assert client.get("/api/v1/projects.json", headers=bob.headers).status_code == 200
    assert client.get("/api/v1/projects.json", headers=carol.headers).status_code == 200


def test_a_token_may_revoke_itself(client, alice):
    own = listed(client, alice)[0]["id"]
    assert client.delete(token_url(own), headers=alice.headers).status_code == 204
    assert client.get(TOKENS, headers=alice.headers).status_code == 401


def test_unknown_query_parameters_are_refused(client, alice):
    answer = client.get(TOKENS, params={"all": "1", "_": "123"}, headers=alice.headers)
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"all": ["is geen bekende parameter"]}


# --- last_used_at -----------------------------------------------------------------------------


def last_used(client, account, token_id: int) -> str | None:
    return next(t for t in listed(client, account) if t["id"] == token_id)["last_used_at"]


def test_last_used_at_is_recorded_on_the_thread_and_the_create_path(client, alice):
    reader = create(client, alice, name="reader", scopes="read:projects")
    writer = create(client, alice, name="writer", scopes="write:time_entries")
    assert last_used(client, alice, reader["id"]) is None
    assert client.get("/api/v1/projects.json", headers=bearer(reader["token"])).status_code == 200
    assert last_used(client, alice, reader["id"]) is not None
    assert last_used(client, alice, writer["id"]) is None
    created = client.post("/api/v1/time_entries.json", data={"body": "1 uur"},
                          headers=bearer(writer["token"]))
    assert created.status_code == 201, created.text
    used = last_used(client, alice, writer["id"])
    assert used is not None and dt.datetime.fromisoformat(used).tzinfo is not None


def test_last_used_at_is_written_at_most_once_a_minute(client, alice, monkeypatch):
    writes = []
    real = caller_cache.record_use
    monkeypatch.setattr(caller_cache, "record_use",
                        lambda session, token_id, now=None: writes.append(token_id)
                        or real(session, token_id, now))  # fmt: skip
    for _ in range(3):
        assert client.get("/api/v1/projects.json", headers=alice.headers).status_code == 200
        assert client.post("/api/v1/time_entries.json", data={"body": "1 uur"},
                           headers=alice.headers).status_code == 201
    assert len(writes) == 1
    later = caller_cache._utcnow() + api_tokens.USE_RECORD_INTERVAL
    monkeypatch.setattr(caller_cache, "_utcnow", lambda: later)
    monkeypatch.setattr(api_tokens, "utcnow", lambda: later)
    assert client.get("/api/v1/projects.json", headers=alice.headers).status_code == 200
    assert len(writes) == 2


def test_a_refusal_before_the_handler_is_no_use(client, alice, narrow):
    narrow_id = listed(client, alice)[-1]["id"]
    assert client.get("/api/v1/projects.json", headers=narrow.headers).status_code == 403
    assert last_used(client, alice, narrow_id) is None
