"""``GET``/``PATCH /users/me``: the caller's profile, their locale and time zone; a change
reaches every worker's remembered caller."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from nlentry.api.app import create_app
from nlentry.api.credentials import Credentials
from nlentry.storage.models import User

ME = "/api/v1/users/me.json"
ENTRIES = "/api/v1/time_entries.json"


def me(client, account) -> dict:
    answer = client.get(ME, headers=account.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def patch(client, account, expect: int = 200, **data) -> dict:
    answer = client.patch(ME, json=data, headers=account.headers)
    assert answer.status_code == expect, answer.text
    return answer.json()


def offset_of_new_entry(client, account) -> str:
    answer = client.post(ENTRIES, data={"body": "1 uur werk"}, headers=account.headers)
    assert answer.status_code == 201, answer.text
    return answer.json()["created_at"][-6:]


@pytest.fixture
def utc_server(monkeypatch):
    monkeypatch.setenv("NLENTRY_TIMEZONE", "UTC")


def test_the_profile(client, alice, bob, utc_server):
    profile = me(client, alice)
    assert profile == {"id": alice.id, "email": "alice@acme.nl", "display_name": "alice",
                       "role": "admin", "locale": "nl", "timezone": "UTC",
                       "workspace": {"id": alice.workspace_id, "name": "Acme"}}
    assert me(client, bob)["role"] == "member"
    assert me(client, bob)["id"] == bob.id


def test_the_default_zone_is_the_servers(client, alice, monkeypatch):
    monkeypatch.setenv("NLENTRY_TIMEZONE", "Asia/Tokyo")
    assert me(client, alice)["timezone"] == "Asia/Tokyo"


def test_a_users_own_zone(app, client, make_account, utc_server):
    account = make_account(app, "zoned@acme.nl", timezone="Pacific/Kiritimati")
    assert me(client, account)["timezone"] == "Pacific/Kiritimati"


def test_changing_display_name_locale_and_zone(client, alice, utc_server):
    changed = patch(client, alice, display_name="  Alice A. ", locale="en",
                    timezone="Europe/Amsterdam")
    assert (changed["display_name"], changed["locale"], changed["timezone"]) == (
        "Alice A.", "en", "Europe/Amsterdam")
    assert me(client, alice) == changed
    # the new locale speaks from the next request on
    refused = client.post(ENTRIES, data={"body": "x", "duration": "nope"}, headers=alice.headers)
    assert refused.json()["errors"] == {"duration": ["is not a number"]}
    # null and "" go back to the server's default
    assert patch(client, alice, timezone=None)["timezone"] == "UTC"
    patch(client, alice, timezone="Asia/Tokyo")
    form = client.patch(ME, data={"timezone": ""}, headers=alice.headers)
    assert form.status_code == 200 and form.json()["timezone"] == "UTC"
    assert patch(client, alice)["display_name"] == "Alice A."  # nothing given: nothing changes


@pytest.mark.parametrize(("data", "errors"), [
    ({"locale": "xx"}, {"locale": ["is geen geïnstalleerde taal"]}),
    ({"timezone": "Mars/Olympus"},
     {"timezone": ["is geen bekende IANA-tijdzone (bijv. Europe/Amsterdam)"]}),
    ({"display_name": " "}, {"display_name": ["moet opgegeven zijn"]}),
    ({"display_name": None}, {"display_name": ["moet opgegeven zijn"]}),
    ({"role": "admin"}, {"role": ["is geen bekend veld"]}),
    ({"email": "x@y.z", "colour": "red"}, {"colour": ["is geen bekend veld"]}),
])
def test_invalid_changes_are_refused_and_change_nothing(client, alice, data, errors,
                                                        utc_server):  # fmt: skip
    before = me(client, alice)
    answer = client.patch(ME, json=data, headers=alice.headers)
    assert answer.status_code == 422, answer.text
    found = answer.json()["errors"]
    for name, messages in errors.items():
        assert found[name] == messages, found
    assert me(client, alice) == before


def test_the_messages_are_those_of_the_locale_files(client, carol):
    answer = client.patch(ME, json={"timezone": "Nowhere"}, headers=carol.headers)
    assert answer.json()["errors"] == {
        "timezone": ["is not a known IANA time zone (e.g. Europe/Amsterdam)"]}


def test_scopes_of_the_profile(app, client, alice, make_token):
    reader = make_token(app, alice, scopes=("read:users",))
    assert client.get(ME, headers=reader.headers).status_code == 200
    refused = client.patch(ME, json={"locale": "en"}, headers=reader.headers)
    assert refused.status_code == 403 and refused.json()["required_scope"] == "admin:all"
    other = make_token(app, alice, scopes=("read:time_entries",))
    refused = client.get(ME, headers=other.headers)
    assert refused.status_code == 403
    assert refused.json()["required_scope"] == "read:users"
    assert refused.json()["available_scopes"] == ["read:time_entries"]
    assert client.get(ME).status_code == 401


def test_a_new_zone_dates_the_next_entry(client, alice):
    patch(client, alice, timezone="Pacific/Kiritimati")
    assert offset_of_new_entry(client, alice) == "+14:00"
    patch(client, alice, timezone="Pacific/Pago_Pago")
    assert offset_of_new_entry(client, alice) == "-11:00"


def test_a_change_bumps_the_catalog_version_and_forgets_cached_callers(app, client, alice):
    offset_of_new_entry(client, alice)  # remembered by this worker
    assert app.state.callers.get(Credentials(alice.token)) is not None
    with app.state.db.read() as session:
        version = session.get(User, alice.id).catalog_version
    patch(client, alice, timezone="Asia/Tokyo")
    with app.state.db.read() as session:
        assert session.get(User, alice.id).catalog_version == version + 1
    assert app.state.callers.get(Credentials(alice.token)) is None
    patch(client, alice, timezone="Asia/Tokyo")  # no change: no bump
    with app.state.db.read() as session:
        assert session.get(User, alice.id).catalog_version == version + 1


def test_another_worker_sees_the_new_zone_at_once(app, client, alice, database_url):
    """Two apps on one database are two workers: B's remembered caller is stale after A's
    change, and B's next entry already has the new zone."""
    other = create_app(database_url, rate_limit_per_minute=100_000)
    try:
        worker_b = TestClient(other)
        patch(client, alice, timezone="Pacific/Kiritimati")
        assert offset_of_new_entry(worker_b, alice) == "+14:00"  # B remembers Alice now
        assert other.state.callers.get(Credentials(alice.token)).timezone == "Pacific/Kiritimati"
        patch(client, alice, timezone="Pacific/Pago_Pago")  # through A
        assert offset_of_new_entry(worker_b, alice) == "-11:00"
        assert other.state.callers.get(Credentials(alice.token)).timezone == "Pacific/Pago_Pago"
        assert me(worker_b, alice)["timezone"] == "Pacific/Pago_Pago"
    finally:
        other.state.db.dispose()
