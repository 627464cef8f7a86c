"""The TimiApp menu-bar plugin's requests, replayed (issue 11, "A real Timi client breaks
today").

The plugin polls, with its credentials in the query string,
``GET /api/v1/time_entries.json?email=..&token=..&date=TODAY`` (TODAY being the user's
local date) and ``GET /api/v1/time_entries/timer.json?email=..&token=..``. It takes any
non-empty object for a running timer, and adds the time since ``timer_started_at`` to
the timer's ``duration`` itself.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from nlentry.api.request import entry_fields
from nlentry.api.resources import entry_create, time_entries, timer
from nlentry.storage.models import TimeEntry, User, utcnow

LIST = "/api/v1/time_entries.json"
TIMER = "/api/v1/time_entries/timer.json"


def poll_entries(client, account, today: str):
    return client.get(LIST, params={"email": account.email, "token": account.token,
                                    "date": today})  # fmt: skip


def poll_timer(client, account):
    return client.get(TIMER, params={"email": account.email, "token": account.token})


def set_zone(app, account, zone: str) -> None:
    with app.state.db.write() as session:
        session.execute(update(User).where(User.id == account.id).values(timezone=zone))
        session.commit()


def test_no_timer_is_an_empty_object(client, alice):
    answer = poll_timer(client, alice)
    assert answer.status_code == 200
    assert answer.json() == {}  # the plugin shows no phantom timer


def test_62_seconds_into_a_timer_its_duration_is_0_and_total_duration_at_least_62(app, client,
                                                                                 alice):
    started = client.post(TIMER, data={"body": "Timi ontwikkeling", "email": alice.email,
                                       "token": alice.token})
    assert started.status_code == 201, started.text
    entry_id = started.json()["id"]
    with app.state.db.write() as session:  # the timer started 62 s ago: no sleeping
        session.execute(update(TimeEntry).where(TimeEntry.id == entry_id)
                        .values(timer_started_at=utcnow() - dt.timedelta(seconds=62)))
        session.commit()
    answer = poll_timer(client, alice)
    assert answer.status_code == 200
    running = answer.json()
    assert running["id"] == entry_id
    assert running["duration"] == 0
    assert 62 <= running["total_duration"] < 62 + 30
    # what the plugin shows: duration plus the time since timer_started_at, counted once
    started_at = dt.datetime.fromisoformat(running["timer_started_at"])
    shown = running["duration"] + (dt.datetime.now(dt.UTC) - started_at).total_seconds()
    assert abs(shown - running["total_duration"]) < 30
    assert poll_entries(client, alice, running["date"]).json()["total_entries"] == 1


@pytest.fixture
def clock(monkeypatch):
    """Set "now" (naive UTC) for every resource; the server runs in UTC."""
    monkeypatch.setenv("NLENTRY_TIMEZONE", "UTC")

    def set_now(now: dt.datetime) -> None:
        for module in (entry_fields, entry_create, time_entries, timer):
            monkeypatch.setattr(module, "utcnow", lambda: now)

    return set_now


@pytest.mark.parametrize("utc_now", [
    dt.datetime(2026, 3, 18, 10, 30),  # Kiritimati 03-19 00:30, Pago Pago 03-17 23:30
    dt.datetime(2026, 3, 18, 9, 30),  # Kiritimati 03-18 23:30, Pago Pago 03-17 22:30
    dt.datetime(2026, 3, 18, 11, 30),  # Kiritimati 03-19 01:30, Pago Pago 03-18 00:30
])
def test_date_is_the_users_local_date(app, client, alice, bob, clock, utc_now):
    set_zone(app, alice, "Pacific/Kiritimati")  # UTC+14
    set_zone(app, bob, "Pacific/Pago_Pago")  # UTC-11
    clock(utc_now)
    today = {}
    for account, zone in ((alice, "Pacific/Kiritimati"), (bob, "Pacific/Pago_Pago")):
        answer = client.post(LIST, data={"body": "1 uur Timi", "email": account.email,
                                         "token": account.token})
        assert answer.status_code == 201, answer.text
        local = utc_now.replace(tzinfo=dt.UTC).astimezone(dt.timezone(dt.timedelta(
            hours=14 if account is alice else -11)))
        today[account.id] = local.date()
        assert answer.json()["date"] == local.date().isoformat(), zone
    assert today[alice.id] != today[bob.id]
    for account, other in ((alice, bob), (bob, alice)):
        own, theirs = today[account.id], today[other.id]
        for written in (own.isoformat(), own.strftime("%d-%m-%Y")):
            found = poll_entries(client, account, written)
            assert found.status_code == 200, found.text
            assert [e["user"]["id"] for e in found.json()["time_entries"]] == [account.id]
        assert poll_entries(client, account, theirs.isoformat()).json()["time_entries"] == []


def test_a_dutch_entry_at_half_past_midnight_is_today_not_yesterday(app, client, alice, clock):
    set_zone(app, alice, "Europe/Amsterdam")
    clock(dt.datetime(2026, 1, 14, 23, 30))  # 00:30 on the 15th in Amsterdam
    answer = client.post(LIST, data={"body": "1 uur", "email": alice.email,
                                     "token": alice.token}).json()
    assert answer["date"] == "2026-01-15"
    assert answer["created_at"] == "2026-01-15T00:30:00+01:00"
    assert poll_entries(client, alice, "2026-01-15").json()["total_entries"] == 1
    assert poll_entries(client, alice, "2026-01-14").json()["total_entries"] == 0
