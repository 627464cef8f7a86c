"""``GET /time_entries.json`` (issue 11): ``sort``, ``size``, the ``pagination`` object,
the ``billable``, ``tag``, ``q``, ``updated_since`` and ``user_ids`` filters, unknown
parameters refused, and the ``ETag``."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from nlentry.storage.models import TimeEntry, User

ENTRIES = "/api/v1/time_entries.json"


def create(client, account, **data):
    answer = client.post(ENTRIES, data=data, headers=account.headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def listed(client, account, **params):
    answer = client.get(ENTRIES, params=params, headers=account.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def bodies(client, account, **params):
    return [entry["body"] for entry in listed(client, account, **params)["time_entries"]]


def refused(answer, errors):
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"] == errors
    assert answer.json()["param"] == next(iter(errors))


def _set(app, entry_id: int, **values):
    with app.state.db.write() as session:
        session.execute(update(TimeEntry).where(TimeEntry.id == entry_id).values(**values))
        session.commit()


# --- order and pages --------------------------------------------------------------------


@pytest.fixture
def three(client, alice):
    """a: 2026-03-02, 3 min; b: 2026-03-01, 1 min; c: 2026-03-02, 2 min (made in that order)."""
    return [create(client, alice, body="a", duration="180", date="2026-03-02"),
            create(client, alice, body="b", duration="60", date="2026-03-01"),
            create(client, alice, body="c", duration="120", date="2026-03-02")]


@pytest.mark.parametrize(("sort", "order"), [
    (None, ["c", "a", "b"]),  # -date, ties newest id first
    ("-date", ["c", "a", "b"]),
    ("date", ["b", "c", "a"]),
    ("duration", ["b", "c", "a"]),
    ("-duration", ["a", "c", "b"]),
    ("created_at", ["a", "b", "c"]),
    ("-created_at", ["c", "b", "a"]),
])
def test_sort(app, client, alice, three, sort, order):
    for i, entry in enumerate(three):  # distinct moments, as real requests have
        moment = dt.datetime(2026, 3, 3, 9, 0, i)
        _set(app, entry["id"], created_at=moment, updated_at=moment)
    params = {} if sort is None else {"sort": sort}
    assert bodies(client, alice, **params) == order


def test_sort_by_updated_at_follows_changes(app, client, alice, three):
    for i, entry in enumerate(three):
        _set(app, entry["id"], updated_at=dt.datetime(2026, 3, 3, 9, 0, 3 - i))
    assert bodies(client, alice, sort="-updated_at") == ["a", "b", "c"]
    assert bodies(client, alice, sort="updated_at") == ["c", "b", "a"]


def test_an_unknown_sort_is_refused(client, alice, carol):
    refused(client.get(ENTRIES, params={"sort": "name"}, headers=alice.headers),
            {"sort": ["is geen sortering die deze lijst kent"]})
    refused(client.get(ENTRIES, params={"sort": "--date"}, headers=carol.headers),
            {"sort": ["is not a sort order this list knows"]})


def test_size_per_page_and_the_pagination_object(client, alice, three):
    page = listed(client, alice, size=2)
    assert (page["current_page"], page["per_page"], page["total_entries"]) == (1, 2, 3)
    assert page["pagination"] == {"page": 1, "per_page": 2, "total": 3, "pages": 2,
                                  "has_next": True, "has_prev": False, "next_page": 2,
                                  "prev_page": None}
    last = listed(client, alice, per_page=2, page=2)
    assert [e["body"] for e in last["time_entries"]] == ["b"]
    assert last["pagination"]["has_next"] is False and last["pagination"]["prev_page"] == 1
    assert listed(client, alice, per_page=1, size=2)["per_page"] == 1  # per_page wins
    empty = listed(client, alice, date="2000-01-01")
    assert empty["pagination"]["pages"] == 1 and empty["total_entries"] == 0
    assert listed(client, alice, per_page=100)["per_page"] == 100


@pytest.mark.parametrize("name", ["per_page", "size"])
def test_more_than_100_a_page_is_refused(client, alice, carol, name):
    refused(client.get(ENTRIES, params={name: "101"}, headers=alice.headers),
            {name: ["is meer dan toegestaan"]})
    refused(client.get(ENTRIES, params={name: "500"}, headers=carol.headers),
            {name: ["is more than allowed"]})


# --- filters ----------------------------------------------------------------------------


def test_a_start_after_the_end_is_refused(client, alice, carol, three):
    refused(client.get(ENTRIES, params={"start_date": "2026-03-02", "end_date": "01-03-2026"},
                       headers=alice.headers), {"start_date": ["ligt na de einddatum"]})
    refused(client.get(ENTRIES, params={"start_date": "2026-03-02", "end_date": "2026-03-01"},
                       headers=carol.headers), {"start_date": ["lies after the end date"]})
    assert bodies(client, alice, start_date="2026-03-02", end_date="2026-03-02") == ["c", "a"]


def test_billable_filter(client, alice, three):
    create(client, alice, body="d", duration="60", billable="false")
    assert bodies(client, alice, billable="false") == ["d"]
    assert bodies(client, alice, billable="true") == ["c", "a", "b"]
    assert len(bodies(client, alice)) == 4
    refused(client.get(ENTRIES, params={"billable": "soms"}, headers=alice.headers),
            {"billable": ["is ongeldig"]})


def test_tag_filter_case_aside_and_every_tag_given(client, alice):
    create(client, alice, body="2 uur #Bugfix #urgent")
    create(client, alice, body="1 uur #bugfix")
    create(client, alice, body="1 uur overleg", tags="urgent")
    create(client, alice, body="1 uur niets")
    assert bodies(client, alice, tag="bugfix") == ["1 uur #bugfix", "2 uur #Bugfix #urgent"]
    assert bodies(client, alice, tag="#URGENT") == ["1 uur overleg", "2 uur #Bugfix #urgent"]
    assert bodies(client, alice, tag="bugfix,urgent") == ["2 uur #Bugfix #urgent"]
    assert bodies(client, alice, tag="none") == []
    assert len(bodies(client, alice, tag="")) == 4  # blank: no filter
    assert bodies(client, alice, tag="bug%") == []  # no pattern: a tag is matched whole
    refused(client.get(ENTRIES, params={"tag": "x" * 41}, headers=alice.headers),
            {"tag": ["is te lang"]})


def test_q_finds_every_word_in_body_or_description(client, alice):
    create(client, alice, body="2 uur Timi review")
    create(client, alice, body="1 uur werk", description="Review van de site")
    create(client, alice, body="1 uur 100% klaar_gezet")
    create(client, alice, body="1 uur 100 procent klaarzetten")
    assert bodies(client, alice, q="review") == ["1 uur werk", "2 uur Timi review"]
    assert bodies(client, alice, q="REVIEW timi") == ["2 uur Timi review"]
    assert bodies(client, alice, q="site review") == ["1 uur werk"]
    assert bodies(client, alice, q="100%") == ["1 uur 100% klaar_gezet"]  # % is no wildcard
    assert bodies(client, alice, q="klaar_") == ["1 uur 100% klaar_gezet"]  # nor is _
    assert bodies(client, alice, q="nergens") == []
    assert len(bodies(client, alice, q="  ")) == 4  # blank: no filter
    refused(client.get(ENTRIES, params={"q": " ".join(["w"] * 11)}, headers=alice.headers),
            {"q": ["is meer dan toegestaan"]})
    refused(client.get(ENTRIES, params={"q": "w" * 256}, headers=alice.headers),
            {"q": ["is te lang"]})


def test_updated_since(app, client, alice, three):
    for i, entry in enumerate(three):  # a: 08:00, b: 09:00, c: 10:00 (UTC)
        _set(app, entry["id"], updated_at=dt.datetime(2026, 3, 3, 8 + i))
    assert bodies(client, alice, updated_since="2026-03-03T09:00:00Z") == ["c", "b"]
    assert bodies(client, alice, updated_since="2026-03-03T10:00:00+01:00") == ["c", "b"]
    assert bodies(client, alice, updated_since="2026-03-03T09:00:01") == ["c"]  # naive: UTC
    assert bodies(client, alice, updated_since="2026-03-03T10:30:00-01:00") == []
    assert bodies(client, alice, updated_since="2026-03-03") == ["c", "a", "b"]
    # an unencoded "+" arrives as a space
    answer = client.get(ENTRIES + "?updated_since=2026-03-03T11:00:00+02:00",
                        headers=alice.headers)
    assert [e["body"] for e in answer.json()["time_entries"]] == ["c", "b"]
    for bad in ("yesterday", "2026-03-03T25:00", "03-03-2026T10:00", ""):
        refused(client.get(ENTRIES, params={"updated_since": bad}, headers=alice.headers),
                {"updated_since": ["is ongeldig"]})


def test_user_ids_are_for_admins_of_the_workspace(app, client, alice, bob, carol, make_account):
    create(client, alice, body="van alice", duration="60")
    create(client, bob, body="van bob", duration="60")
    create(client, carol, body="van carol", duration="60")
    dave = make_account(app, "dave@acme.nl")
    with app.state.db.write() as session:
        session.execute(update(User).where(User.id == alice.id).values(role="admin"))
        session.execute(update(User).where(User.id == dave.id).values(role="member"))
        session.commit()
    ids = f"{bob.id},{carol.id}"
    assert bodies(client, alice, user_ids=ids) == ["van bob"]  # carol is another workspace's
    both = listed(client, alice, user_ids=f"{alice.id},{bob.id}")["time_entries"]
    assert sorted((e["user"]["id"], e["body"]) for e in both) == [
        (alice.id, "van alice"), (bob.id, "van bob")]
    assert bodies(client, alice) == ["van alice"]  # without it: the admin's own
    assert bodies(client, alice, user_ids=str(carol.id)) == []
    refused(client.get(ENTRIES, params={"user_ids": str(alice.id)}, headers=dave.headers),
            {"user_ids": ["is alleen voor beheerders"]})
    refused(client.get(ENTRIES, params={"user_ids": str(carol.id)}, headers=carol.headers),
            {"user_ids": ["is for admins only"]})
    assert bodies(client, dave, user_ids="") == []  # blank: no filter, the member's own
    refused(client.get(ENTRIES, params={"user_ids": "x"}, headers=alice.headers),
            {"user_ids": ["is geen getal"]})
    # reading, never writing: the member's entry stays out of the admin's reach
    bobs = listed(client, alice, user_ids=str(bob.id))["time_entries"][0]
    url = f"/api/v1/time_entries/{bobs['id']}.json"
    assert client.patch(url, data={"duration": "5"}, headers=alice.headers).status_code == 404
    assert client.delete(url, headers=alice.headers).status_code == 404


# --- parameters -------------------------------------------------------------------------


def test_unknown_parameters_are_refused_each_named(client, alice, carol, three):
    answer = client.get(ENTRIES, params={"projectids": "1", "colour": "x", "date": "2026-03-01"},
                        headers=alice.headers)
    refused(answer, {"projectids": ["is geen bekende parameter"],
                     "colour": ["is geen bekende parameter"]})
    refused(client.get(ENTRIES, params={"pge": "2"}, headers=carol.headers),
            {"pge": ["is not a known parameter"]})


def test_cache_busters_and_credentials_in_the_query_are_no_parameters(client, alice, three):
    page = client.get(ENTRIES, params={"_": "1711111111", "_ts": "x", "email": alice.email,
                                       "token": alice.token, "date": "2026-03-01"})
    assert page.status_code == 200, page.text
    assert [e["body"] for e in page.json()["time_entries"]] == ["b"]


# --- ETag -------------------------------------------------------------------------------


def test_etag_and_if_none_match(client, alice, three):
    first = client.get(ENTRIES, headers=alice.headers)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    again = client.get(ENTRIES, headers={**alice.headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == etag
    for header in (f'W/{etag}', f'"other", {etag}', "*"):
        answer = client.get(ENTRIES, headers={**alice.headers, "If-None-Match": header})
        assert answer.status_code == 304, header
    stale = client.get(ENTRIES, headers={**alice.headers, "If-None-Match": '"other"'})
    assert stale.status_code == 200 and stale.headers["ETag"] == etag
    other_page = client.get(ENTRIES, params={"per_page": 1},
                            headers={**alice.headers, "If-None-Match": etag})
    assert other_page.status_code == 200 and other_page.headers["ETag"] != etag
    create(client, alice, body="d", duration="60")
    changed = client.get(ENTRIES, headers={**alice.headers, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.json()["total_entries"] == 4
