"""Each user's time zone (issue 11, spec "Who may call"): "today" for the parser, a new
entry's and a timer's date, a timer's clock and the offsets of the answers' timestamps
are the user's, whatever zone the server runs in.

"Now" is injected (the ``utcnow`` the resources read); nothing reads the wall clock.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from nlentry.api.request import entry_fields
from nlentry.api.resources import entry_create, time_entries, timer
from nlentry.storage.catalog_versions import bump_user_catalog
from nlentry.storage.models import User

ENTRIES = "/api/v1/time_entries.json"
TIMER = "/api/v1/time_entries/timer.json"
NOW = dt.datetime(2026, 3, 18, 10, 30)  # naive UTC: Kiritimati 03-19 00:30, Pago Pago 03-17 23:30


@pytest.fixture
def now(monkeypatch):
    """Every resource's "now" is ``NOW`` (the server itself in UTC)."""
    monkeypatch.setenv("NLENTRY_TIMEZONE", "UTC")
    for module in (entry_fields, entry_create, time_entries, timer):
        monkeypatch.setattr(module, "utcnow", lambda: NOW)
    return NOW


def set_zone(app, account, zone: str | None, *, bump: bool = False) -> None:
    """Set a user's zone in the database (as ``PATCH /users/me.json`` does; ``bump`` as it
    also bumps the user's catalog version, which tells cached callers to look again)."""
    with app.state.db.write() as session:
        session.execute(update(User).where(User.id == account.id).values(timezone=zone))
        if bump:
            bump_user_catalog(session, account.id)
        session.commit()


def create(client, account, **data):
    answer = client.post(ENTRIES, data=data, headers=account.headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_today_and_yesterday_are_the_users_local_days(app, client, alice, now):
    set_zone(app, alice, "Pacific/Kiritimati")
    assert create(client, alice, body="2 uur werk")["date"] == "2026-03-19"
    assert create(client, alice, body="gisteren 2 uur werk")["date"] == "2026-03-18"
    assert create(client, alice, body="vandaag 1 uur")["date"] == "2026-03-19"
    set_zone(app, alice, "Pacific/Pago_Pago", bump=True)
    assert create(client, alice, body="2 uur werk")["date"] == "2026-03-17"
    assert create(client, alice, body="gisteren 2 uur werk")["date"] == "2026-03-16"


def test_the_server_default_zone_serves_users_without_one(app, client, alice, now, monkeypatch):
    assert create(client, alice, body="2 uur werk")["date"] == "2026-03-18"
    monkeypatch.setenv("NLENTRY_TIMEZONE", "Pacific/Kiritimati")
    set_zone(app, alice, None, bump=True)  # the cached caller is read again
    entry = create(client, alice, body="2 uur werk")
    assert entry["date"] == "2026-03-19" and entry["created_at"] == "2026-03-19T00:30:00+14:00"


def test_a_server_zone_that_is_no_zone_stops_the_start(tmp_path, monkeypatch):
    from nlentry.api.app import create_app

    monkeypatch.setenv("NLENTRY_TIMEZONE", "Mars/Olympus_Mons")
    with pytest.raises(ValueError, match="NLENTRY_TIMEZONE='Mars/Olympus_Mons' is no IANA"):
        create_app("sqlite:///" + str(tmp_path / "t.db"))


def test_timestamps_carry_the_users_offset(app, client, alice, bob, now, monkeypatch):
    set_zone(app, alice, "Pacific/Pago_Pago")
    entry = create(client, alice, body="2 uur werk")
    assert entry["created_at"] == entry["updated_at"] == "2026-03-17T23:30:00-11:00"
    url = f"/api/v1/time_entries/{entry['id']}.json"
    assert client.get(url, headers=alice.headers).json()["created_at"] == entry["created_at"]
    listed = client.get(ENTRIES, headers=alice.headers).json()["time_entries"]
    assert listed[0]["created_at"] == entry["created_at"]
    monkeypatch.setattr(time_entries, "utcnow", lambda: NOW + dt.timedelta(hours=1))
    changed = client.patch(url, data={"duration": "60"}, headers=alice.headers).json()
    assert changed["updated_at"] == "2026-03-18T00:30:00-11:00"
    assert changed["created_at"] == entry["created_at"]
    set_zone(app, bob, "Europe/Amsterdam")  # the offset of each moment: winter, then summer
    winter = create(client, bob, body="1 uur")
    assert winter["created_at"] == "2026-03-18T11:30:00+01:00"
    summer = dt.datetime(2026, 7, 1, 8, 0)
    for module in (entry_fields, entry_create):
        monkeypatch.setattr(module, "utcnow", lambda: summer)
    assert create(client, bob, body="1 uur")["created_at"] == "2026-07-01T10:00:00+02:00"
    bobs = client.get(f"/api/v1/time_entries/{winter['id']}.json", headers=bob.headers).json()
    assert bobs["created_at"] == "2026-03-18T11:30:00+01:00"


def test_a_zone_change_reaches_the_cached_caller_of_the_create_path(app, client, alice, now):
    assert create(client, alice, body="2 uur werk")["date"] == "2026-03-18"  # cached: UTC
    set_zone(app, alice, "Pacific/Kiritimati", bump=True)
    entry = create(client, alice, body="2 uur werk")
    assert entry["date"] == "2026-03-19"  # parsed again with the caller read again
    assert entry["created_at"].endswith("+14:00")
    explicit = create(client, alice, body="2 uur werk", date="2026-01-05")
    assert explicit["date"] == "2026-01-05"  # an explicit date is no one's "today"


def test_date_filters_read_the_users_local_dates(app, client, alice, bob, now):
    set_zone(app, alice, "Pacific/Kiritimati")
    set_zone(app, bob, "Pacific/Pago_Pago")
    create(client, alice, body="2 uur werk")
    create(client, bob, body="2 uur werk")

    def count(account, **params):
        answer = client.get(ENTRIES, params=params, headers=account.headers)
        return answer.json()["total_entries"]

    assert count(alice, date="2026-03-19") == 1 and count(alice, date="2026-03-17") == 0
    assert count(bob, date="2026-03-17") == 1 and count(bob, date="2026-03-19") == 0
    assert count(alice, start_date="2026-03-19", end_date="2026-03-19") == 1
    assert count(bob, end_date="2026-03-17") == 1 and count(bob, start_date="2026-03-18") == 0


def test_a_timer_runs_on_the_users_clock_and_date(app, client, alice, now, monkeypatch):
    set_zone(app, alice, "Pacific/Kiritimati")
    started = client.post(TIMER, data={"body": "coden"}, headers=alice.headers)
    assert started.status_code == 201, started.text
    running = started.json()
    assert (running["date"], running["start_time"]) == ("2026-03-19", "00:30")
    assert running["timer_started_at"] == "2026-03-19T00:30:00+14:00"
    later = NOW + dt.timedelta(minutes=95, seconds=10)
    monkeypatch.setattr(timer, "utcnow", lambda: later)
    shown = client.get(TIMER, headers=alice.headers).json()
    assert shown["duration"] == 0 and shown["total_duration"] == 95 * 60 + 10
    stopped = client.delete(TIMER, headers=alice.headers).json()
    assert (stopped["end_time"], stopped["duration"]) == ("02:05", 95 * 60 + 10)
    assert stopped["updated_at"] == "2026-03-19T02:05:10+14:00"


@pytest.mark.parametrize(("zone", "day"), [("Pacific/Kiritimati", "2026-03-19"),
                                           ("Pacific/Pago_Pago", "2026-03-17"),
                                           ("Asia/Kathmandu", "2026-03-18")])
def test_the_parse_preview_uses_the_users_today(app, client, alice, now, zone, day):
    set_zone(app, alice, zone)
    preview = client.post("/api/v1/parse.json", data={"body": "1 uur"}, headers=alice.headers)
    assert preview.json()["date"] == day
