"""``GET /reports/summary.json`` (issue 12, part 1): totals per project, client, service,
day, ISO week and user that equal the sums of the entries the list shows, rounding per
entry before the sum (every minute and mode), the users' local days and weeks, admins
across users (members refused as the list refuses them), a running timer counted so far
(capped at 24 hours), 422 for what is wrong and 403 without ``read:reports``.

"Now" is injected (the ``utcnow`` the resources read); nothing reads the wall clock.
"""

from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction

import pytest
from sqlalchemy import event

from nlentry.api.report_models import SummaryReport
from nlentry.api.request import entry_fields
from nlentry.api.resources import entry_create, reports, time_entries, timer
from nlentry.api.resources.reports import period
from nlentry.storage.queries.reports import ROUNDING_MINUTES, ROUNDING_MODES

SUMMARY = "/api/v1/reports/summary.json"
ENTRIES = "/api/v1/time_entries.json"
TIMER = "/api/v1/time_entries/timer.json"
WEEKS = {"start_date": "2026-03-09", "end_date": "2026-03-22"}  # ISO weeks 11 and 12


def post(client, account, path, **data):
    answer = client.post(path, json=data, headers=account.headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def entry(client, account, day, seconds, **fields):
    return post(client, account, ENTRIES, body=fields.pop("body", "werk"), date=day,
                duration=seconds, **fields)


def summary(client, account, **params):
    answer = client.get(SUMMARY, params=params, headers=account.headers)
    assert answer.status_code == 200, answer.text
    SummaryReport.model_validate(answer.json())  # the documented shape
    return answer.json()["summary"]


def refused(answer, errors):
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"] == errors


@pytest.fixture
def catalog(client, alice):
    timi_bv = post(client, alice, "/api/v1/clients.json", name="Timi BV")
    return {
        "timi": post(client, alice, "/api/v1/projects.json", name="Timi", client_id=timi_bv["id"]),
        "kiwi": post(client, alice, "/api/v1/projects.json", name="kiwi"),  # no client
        "dev": post(client, alice, "/api/v1/services.json", name="Ontwikkeling"),
        "talk": post(client, alice, "/api/v1/services.json", name="Overleg"),
        "timi_bv": timi_bv,
    }


@pytest.fixture
def entries(client, alice, catalog):
    """Alice's entries over ISO weeks 11 and 12 of 2026, and one after them."""
    timi, kiwi = catalog["timi"]["id"], catalog["kiwi"]["id"]
    dev, talk = catalog["dev"]["id"], catalog["talk"]["id"]
    return [
        entry(client, alice, "2026-03-09", 5400, project_id=timi, service_id=dev,
              tags=["review"]),
        entry(client, alice, "2026-03-11", 1807, project_id=timi, service_id=talk,
              billable=False, body="overleg met Rowan"),
        entry(client, alice, "2026-03-15", 450, project_id=kiwi),
        entry(client, alice, "2026-03-16", 3599, service_id=dev, tags=["review"]),
        entry(client, alice, "2026-03-18", 61, project_id=kiwi, service_id=talk),
        entry(client, alice, "2026-03-22", 28800, project_id=timi),
        entry(client, alice, "2026-03-23", 900, project_id=timi),  # week 13: outside
    ]


def key_of(listed: dict, group_by: str) -> str:
    """The group of a listed entry, computed from the list's JSON."""
    found = {
        "project": listed["project"] and listed["project"]["id"],
        "client": listed["project"] and listed["project"]["client"]
                  and listed["project"]["client"]["id"],
        "service": listed["service"] and listed["service"]["id"],
        "user": listed["user"]["id"],
    }
    day = dt.date.fromisoformat(listed["date"])
    if group_by == "day":
        return day.isoformat()
    if group_by == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return "none" if found[group_by] is None else str(found[group_by])


def sums_of_the_list(client, account, group_by: str, **params) -> dict[str, list[int]]:
    """``key -> [seconds, entries]`` of the entries ``GET /time_entries`` lists."""
    listed = client.get(ENTRIES, params={**params, "per_page": "100"}, headers=account.headers)
    assert listed.status_code == 200, listed.text
    sums: dict[str, list[int]] = {}
    for item in listed.json()["time_entries"]:
        counted = sums.setdefault(key_of(item, group_by), [0, 0])
        counted[0] += item["duration"]
        counted[1] += 1
    return sums


# --- totals ----------------------------------------------------------------------------------


@pytest.mark.parametrize("group_by", ["project", "client", "service", "day", "week", "user"])
def test_totals_equal_the_sum_of_the_listed_entries(client, alice, entries, group_by):
    report = summary(client, alice, group_by=group_by, **WEEKS)
    expected = sums_of_the_list(client, alice, group_by, **WEEKS)
    assert {g["key"]: [g["seconds"], g["entries"]] for g in report["groups"]} == expected
    assert report["total_seconds"] == sum(s for s, _ in expected.values()) == 40117
    assert report["total_entries"] == 6 == sum(g["entries"] for g in report["groups"])
    assert report["billable_seconds"] == 40117 - 1807
    assert report["total_hours"] == round(40117 / 3600, 2)
    for group in report["groups"]:
        assert group["hours"] == round(group["seconds"] / 3600, 2)
    assert (report["start_date"], report["end_date"]) == ("2026-03-09", "2026-03-22")
    assert report["rounding"] == {"minutes": 0, "mode": "nearest"}


@pytest.mark.parametrize("params", [
    {"project_ids": "PROJECT"}, {"service_ids": "SERVICE"}, {"client_ids": "CLIENT"},
    {"billable": "false"}, {"tag": "#Review"}, {"q": "rowan"}, {"project_ids": ""},
    {"start_date": "2026-03-16"}, {"end_date": "2026-03-15", "start_date": "2026-03-01"},
])
def test_the_lists_filters_filter_the_report(client, alice, catalog, entries, params):
    ids = {"PROJECT": catalog["timi"]["id"], "SERVICE": catalog["dev"]["id"],
           "CLIENT": catalog["timi_bv"]["id"]}
    params = {**WEEKS, **{k: str(ids.get(v, v)) for k, v in params.items()}}
    report = summary(client, alice, group_by="day", **params)
    expected = sums_of_the_list(client, alice, "day", **params)
    assert {g["key"]: [g["seconds"], g["entries"]] for g in report["groups"]} == expected
    assert report["total_entries"] == sum(n for _, n in expected.values())


def test_groups_are_named_and_ordered(client, alice, catalog, entries):
    by_project = summary(client, alice, **WEEKS)["groups"]  # project is the default
    assert [(g["key"], g["id"], g["name"]) for g in by_project] == [
        (str(catalog["kiwi"]["id"]), catalog["kiwi"]["id"], "kiwi"),  # by name, case aside
        (str(catalog["timi"]["id"]), catalog["timi"]["id"], "Timi"),
        ("none", None, None),  # no project: last
    ]
    by_client = summary(client, alice, group_by="client", **WEEKS)["groups"]
    assert [(g["key"], g["name"]) for g in by_client] == [
        (str(catalog["timi_bv"]["id"]), "Timi BV"), ("none", None)]
    by_day = summary(client, alice, group_by="day", **WEEKS)["groups"]
    assert [(g["key"], g["id"], g["name"]) for g in by_day][:2] == [
        ("2026-03-09", None, "2026-03-09"), ("2026-03-11", None, "2026-03-11")]
    by_week = summary(client, alice, group_by="week", **WEEKS)["groups"]
    assert [(g["key"], g["id"], g["name"], g["entries"]) for g in by_week] == [
        ("2026-W11", None, "2026-03-09/2026-03-15", 3),
        ("2026-W12", None, "2026-03-16/2026-03-22", 3),
    ]
    by_user = summary(client, alice, group_by="user", **WEEKS)["groups"]
    assert [(g["key"], g["id"], g["name"]) for g in by_user] == [
        (str(alice.id), alice.id, "alice")]


def test_weeks_across_a_new_year_are_iso_weeks(client, alice):
    for day in ("2026-12-31", "2027-01-03", "2027-01-04"):  # Thu, Sun of 2026-W53; Mon
        entry(client, alice, day, 600)
    weeks = summary(client, alice, group_by="week", start_date="2026-12-01",
                    end_date="2027-01-31")["groups"]
    assert [(g["key"], g["name"], g["seconds"]) for g in weeks] == [
        ("2026-W53", "2026-12-28/2027-01-03", 1200), ("2027-W01", "2027-01-04/2027-01-10", 600)]


def test_weeks_at_the_ends_of_the_calendar(client, alice):
    for day in ("0001-01-03", "9999-12-31"):
        entry(client, alice, day, 60)
    weeks = summary(client, alice, group_by="week", start_date="0001-01-01",
                    end_date="9999-12-31")["groups"]
    assert [(g["key"], g["name"]) for g in weeks] == [
        ("0001-W01", "0001-01-01/0001-01-07"), ("9999-W52", "9999-12-27/9999-12-31")]
    future = summary(client, alice, start_date="9999-12-30")
    assert (future["end_date"], future["total_entries"]) == ("9999-12-31", 1)


def test_the_sums_are_the_databases(app, client, alice, entries):
    statements: list[str] = []

    def seen(connection, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(app.state.db.engine, "before_cursor_execute", seen)
    try:
        summary(client, alice, group_by="week", **WEEKS)
    finally:
        event.remove(app.state.db.engine, "before_cursor_execute", seen)
    grouped = [s for s in statements if "GROUP BY" in s and "sum(" in s.lower()]
    assert len(grouped) == 1, statements


# --- rounding --------------------------------------------------------------------------------

DURATIONS = [1, 7, 59, 60, 299, 300, 449, 450, 451, 899, 900, 1801, 3599, 5400, 86400]


def rounded(seconds: int, minutes: int, mode: str) -> int:
    """The rounding the report must apply, written with fractions (a half rounds up)."""
    if minutes == 0:
        return seconds
    units = Fraction(seconds, minutes * 60)
    whole = {"up": math.ceil(units), "down": math.floor(units),
             "nearest": math.floor(units + Fraction(1, 2))}[mode]
    return whole * minutes * 60


@pytest.fixture
def to_round(client, alice, catalog):
    for i, seconds in enumerate(DURATIONS):
        entry(client, alice, "2026-03-18" if i % 2 else "2026-03-19", seconds,
              project_id=catalog["timi"]["id"], billable=i % 3 != 0)


@pytest.mark.parametrize("mode", ROUNDING_MODES)
@pytest.mark.parametrize("minutes", ROUNDING_MINUTES)
def test_each_entry_is_rounded_before_the_sum(client, alice, to_round, minutes, mode):
    report = summary(client, alice, group_by="day", rounding=str(minutes), rounding_mode=mode,
                     start_date="2026-03-18", end_date="2026-03-19")
    each = [rounded(s, minutes, mode) for s in DURATIONS]
    assert report["total_seconds"] == sum(each)
    assert report["billable_seconds"] == sum(s for i, s in enumerate(each) if i % 3 != 0)
    assert report["total_entries"] == len(DURATIONS)
    assert {g["key"]: g["seconds"] for g in report["groups"]} == {
        "2026-03-18": sum(s for i, s in enumerate(each) if i % 2),
        "2026-03-19": sum(s for i, s in enumerate(each) if not i % 2)}
    assert report["rounding"] == {"minutes": minutes, "mode": mode}


def test_rounding_is_per_entry_and_never_changes_what_is_stored(client, alice):
    entry(client, alice, "2026-03-18", 420)  # 7 minutes, twice
    entry(client, alice, "2026-03-18", 420)
    day = {"start_date": "2026-03-18", "end_date": "2026-03-18"}
    assert summary(client, alice, rounding="15", rounding_mode="up", **day)["total_seconds"] \
        == 1800  # not 900: each entry is a quarter
    assert summary(client, alice, rounding="15", **day)["total_seconds"] == 0  # nearest
    assert summary(client, alice, rounding="15", rounding_mode="down", **day)[
        "total_seconds"] == 0
    assert summary(client, alice, **day)["total_seconds"] == 840
    listed = client.get(ENTRIES, headers=alice.headers).json()["time_entries"]
    assert [e["duration"] for e in listed] == [420, 420]


def test_a_half_rounds_up(client, alice):
    entry(client, alice, "2026-03-18", 450)  # 7.5 minutes
    entry(client, alice, "2026-03-18", 30)  # half a minute
    day = {"start_date": "2026-03-18", "end_date": "2026-03-18", "group_by": "day"}
    assert summary(client, alice, rounding="15", **day)["total_seconds"] == 900
    assert summary(client, alice, rounding="1", **day)["total_seconds"] == 480 + 60


# --- the users' days and weeks ----------------------------------------------------------------

# 2026-03-16 03:30 UTC is Sunday 2026-03-15 23:30 in New York (UTC-4 since 03-08)
LATE_SUNDAY = dt.datetime(2026, 3, 16, 3, 30)


@pytest.fixture
def now(monkeypatch):
    """Every resource's "now", moved by the test (the server in UTC)."""
    clock = {"now": LATE_SUNDAY}
    monkeypatch.setenv("NLENTRY_TIMEZONE", "UTC")
    for module in (entry_fields, entry_create, time_entries, timer, reports):
        monkeypatch.setattr(module, "utcnow", lambda: clock["now"])
    return clock


def test_a_late_entry_counts_on_the_users_own_day_and_week(client, make_account, app, now):
    new_york = make_account(app, "ny@acme.nl", timezone="America/New_York")
    utc = make_account(app, "utc@acme.nl", timezone="UTC")
    made = post(client, new_york, ENTRIES, body="1 uur werk")  # at 23:30 on her clock
    assert made["date"] == "2026-03-15"
    this_week = summary(client, new_york, group_by="day")  # her week: 03-09 .. 03-15
    assert (this_week["start_date"], this_week["end_date"]) == ("2026-03-09", "2026-03-15")
    assert [(g["key"], g["seconds"]) for g in this_week["groups"]] == [("2026-03-15", 3600)]
    assert [g["key"] for g in summary(client, new_york, group_by="week")["groups"]] == [
        "2026-W11"]
    assert summary(client, new_york, start_date="2026-03-16",
                   end_date="2026-03-16")["total_entries"] == 0
    at_utc = summary(client, utc)  # the same moment is Monday 03-16 in UTC: the next week
    assert (at_utc["start_date"], at_utc["end_date"]) == ("2026-03-16", "2026-03-22")


def test_the_default_period_is_this_week_or_the_given_bounds_week():
    wednesday = dt.date(2026, 3, 18)
    monday, sunday = dt.date(2026, 3, 16), dt.date(2026, 3, 22)
    assert period(None, None, wednesday) == (monday, sunday)
    assert period(None, None, monday) == period(None, None, sunday) == (monday, sunday)
    assert period(dt.date(2026, 1, 7), None, wednesday) == (dt.date(2026, 1, 7), sunday)
    assert period(dt.date(2026, 4, 1), None, wednesday) == (dt.date(2026, 4, 1),
                                                            dt.date(2026, 4, 5))
    assert period(None, dt.date(2026, 1, 7), wednesday) == (dt.date(2026, 1, 5),
                                                            dt.date(2026, 1, 7))
    assert period(None, dt.date(2026, 4, 1), wednesday) == (monday, dt.date(2026, 4, 1))
    assert period(dt.date(9999, 12, 30), None, wednesday) == (dt.date(9999, 12, 30),
                                                              dt.date.max)
    assert period(None, dt.date(1, 1, 2), wednesday) == (dt.date(1, 1, 1), dt.date(1, 1, 2))


# --- admins and members ----------------------------------------------------------------------


def test_an_admin_reports_across_the_workspaces_users(client, admin, member, carol, make_account,
                                                      app):  # fmt: skip
    entry(client, admin, "2026-03-18", 3600)
    entry(client, member, "2026-03-18", 1800)
    entry(client, member, "2026-03-19", 900)
    entry(client, carol, "2026-03-18", 7200)
    both = f"{admin.id},{member.id},{carol.id}"  # carol is of another workspace: not counted
    report = summary(client, admin, group_by="user", user_ids=both, **WEEKS)
    assert [(g["id"], g["name"], g["seconds"], g["entries"]) for g in report["groups"]] == [
        (admin.id, "alice", 3600, 1), (member.id, "bob", 2700, 2)]
    assert report["total_seconds"] == 6300
    assert summary(client, admin, **WEEKS)["total_seconds"] == 3600  # without: her own
    other_admin = make_account(app, "boss@other.example", workspace="Other", role="admin")
    assert summary(client, other_admin, user_ids=str(member.id), **WEEKS)["total_entries"] == 0


def test_a_member_is_refused_as_the_list_refuses(client, member):
    entry(client, member, "2026-03-18", 1800)
    answer = client.get(SUMMARY, params={"user_ids": str(member.id)}, headers=member.headers)
    listed = client.get(ENTRIES, params={"user_ids": str(member.id)}, headers=member.headers)
    refused(answer, {"user_ids": ["is alleen voor beheerders"]})
    assert listed.json()["errors"] == answer.json()["errors"]
    refused(client.get(SUMMARY, params={"group_by": "user"}, headers=member.headers),
            {"group_by": ["is alleen voor beheerders"]})
    assert summary(client, member, **WEEKS)["total_seconds"] == 1800


# --- a running timer -------------------------------------------------------------------------


def test_a_running_timer_counts_so_far_as_its_answers_count(client, alice, now):
    day = {"start_date": "2026-03-15", "end_date": "2026-03-15"}
    entry(client, alice, "2026-03-15", 600)
    post(client, alice, TIMER, body="werk", date="2026-03-15")
    now["now"] += dt.timedelta(minutes=90)
    report = summary(client, alice, **day)
    assert (report["total_seconds"], report["total_entries"]) == (600 + 5400, 2)
    running = client.get(TIMER, headers=alice.headers).json()
    assert running["total_duration"] == 5400 and running["duration"] == 0
    assert summary(client, alice, rounding="60", rounding_mode="up", **day)[
        "total_seconds"] == 3600 + 7200
    answer = client.patch(f"/api/v1/time_entries/{running['id']}.json", json={"duration": 1200},
                          headers=alice.headers)
    assert answer.status_code == 200, answer.text
    assert summary(client, alice, **day)["total_seconds"] == 600 + 1200 + 5400
    now["now"] += dt.timedelta(hours=30)  # left running: at most 24 hours
    assert summary(client, alice, **day)["total_seconds"] == 600 + 86400
    assert summary(client, alice, billable="false", **day)["total_entries"] == 0


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(("params", "errors"), [
    ({"group_by": "color"}, {"group_by": ["is geen groepering die dit rapport kent"]}),
    ({"rounding": "7"}, {"rounding": ["moet 0, 1, 5, 6, 10, 15, 30 of 60 zijn (minuten)"]}),
    ({"rounding": "kwart"}, {"rounding": ["is geen getal"]}),
    ({"rounding_mode": "sideways"}, {"rounding_mode": ["moet nearest, up of down zijn"]}),
    ({"start_date": "2026-03-20", "end_date": "2026-03-19"},
     {"start_date": ["ligt na de einddatum"]}),
    ({"start_date": "31-02-2026"}, {"start_date": ["is geen geldige datum"]}),
    ({"end_date": ""}, {"end_date": ["is geen geldige datum"]}),
    ({"project_ids": "x"}, {"project_ids": ["is geen getal"]}),
    ({"page": "1", "sort": "date", "colour": "red"},
     {"page": ["is geen bekende parameter"], "sort": ["is geen bekende parameter"],
      "colour": ["is geen bekende parameter"]}),
])
def test_what_is_wrong_is_422_naming_it(client, alice, params, errors):
    refused(client.get(SUMMARY, params=params, headers=alice.headers), errors)


def test_refusals_are_in_the_users_language(client, carol):
    refused(client.get(SUMMARY, params={"group_by": "color", "rounding_mode": "x"},
                       headers=carol.headers),
            {"group_by": ["is not a grouping this report knows"],
             "rounding_mode": ["must be nearest, up or down"]})


def test_blank_choices_are_the_defaults_and_cache_busters_are_ignored(client, alice, entries):
    report = summary(client, alice, group_by="", rounding="", rounding_mode="", _="123",
                     **WEEKS)
    assert report["rounding"] == {"minutes": 0, "mode": "nearest"}
    assert report["groups"] == summary(client, alice, group_by="project", **WEEKS)["groups"]


def test_without_read_reports_it_is_403(app, client, alice, make_token, entries):
    narrow = make_token(app, alice, scopes=("read:time_entries",))
    answer = client.get(SUMMARY, headers=narrow.headers)
    assert answer.status_code == 403, answer.text
    assert answer.json()["required_scope"] == "read:reports"
    assert answer.json()["available_scopes"] == ["read:time_entries"]
    reader = make_token(app, alice, scopes=("read:reports",))
    assert summary(client, reader, **WEEKS)["total_entries"] == 6
    assert client.get(SUMMARY.removesuffix(".json"), params=WEEKS,
                      headers=reader.headers).json()["summary"]["total_entries"] == 6
