"""Sync, proved (issue 12): a client that keeps a local copy of its entries by reading
``GET /time_entries.json?updated_since=`` (every page) and
``GET /time_entries/deleted.json?since=`` always ends a sync with exactly the server's
list, whatever creates, changes, deletes, bulk actions, timers and passing time came
between (a hypothesis state machine).

The client follows docs/sync.md: the list first, then the tombstones; each stream's
cursor is the latest timestamp it has seen minus ``MARGIN``, compared inclusively;
pages in ``-updated_at`` order, read again when a page's total fell; answers cached by
``ETag`` (a ``304`` page is the page it had); a ``since`` too old (``422``) is a full
read. "Now" is a clock the machine moves (``utcnow`` of the resources), by nothing, by
a fraction of a second, by seconds, or by months, so changes in the very second of a
sync and tombstones past their 90 days are both met. A running timer's
``total_duration`` grows with the clock alone (no change, so no sync): it is left out of
the comparison, as clients compute it themselves.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test
from starlette.testclient import TestClient

from nlentry.api.request import entry_fields
from nlentry.api.resources import bulk, deleted, entry_create, time_entries, timer
from tests.support.api_fixtures import add_account

V1 = "/api/v1"
ENTRIES = f"{V1}/time_entries.json"
DELETED = f"{V1}/time_entries/deleted.json"
#: How far back of the latest timestamp seen a cursor starts (docs/sync.md).
MARGIN = dt.timedelta(seconds=60)
PER_PAGE = 3  # small, so that a sync reads several pages
T0 = dt.datetime(2026, 3, 18, 9, 30, 15, 250_000)  # naive UTC
TICK = dt.timedelta(microseconds=1)
STEPS = (dt.timedelta(0), dt.timedelta(microseconds=1), dt.timedelta(milliseconds=400),
         dt.timedelta(seconds=1), dt.timedelta(seconds=59), dt.timedelta(seconds=61),
         dt.timedelta(hours=5), dt.timedelta(days=91))  # fmt: skip
ACTIONS = ("delete", "set_project", "set_service", "set_billable", "add_tag", "remove_tag")


class Clock:
    """The resources' "now": it moves when the machine waits, and by a microsecond each
    time it is read (the same value again would be no change to the ORM, which would then
    stamp ``updated_at`` with the wall clock); answers show whole seconds, so changes in
    one second of the clock still look simultaneous to the client."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        self.now += TICK
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    for module in (entry_fields, entry_create, time_entries, timer, deleted, bulk):
        monkeypatch.setattr(module, "utcnow", clock)
    return clock


def at_rest(entry: dict) -> dict:
    """An entry without what the clock alone changes: a running timer's total."""
    return {key: value for key, value in entry.items() if key != "total_duration"}


def moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


class SyncClient:
    """A client keeping a local copy of one user's entries, as docs/sync.md says."""

    def __init__(self, http: TestClient, headers: dict[str, str]):
        self.http = http
        self.headers = headers
        self.local: dict[int, dict] = {}
        self.seen_updated: dt.datetime | None = None  # the latest updated_at seen
        self.seen_any: dt.datetime | None = None  # ... or deleted_at
        self.cache: dict[tuple, tuple[str, object]] = {}  # request -> (ETag, its answer)

    def get(self, path: str, params: dict) -> tuple[int, object]:
        key = (path, tuple(sorted(params.items())))
        headers = dict(self.headers)
        if key in self.cache:
            headers["If-None-Match"] = self.cache[key][0]
        answer = self.http.get(path, params=params, headers=headers)
        if answer.status_code == 304:
            return 200, self.cache[key][1]
        if answer.status_code == 200:
            self.cache[key] = (answer.headers["ETag"], answer.json())
            return 200, answer.json()
        return answer.status_code, answer.json()

    def sync(self) -> None:
        if self.seen_updated is None:
            self.full()
            return
        # both cursors from what earlier syncs saw: an entry deleted before this sync's
        # list read must not be hidden by the later updated_at that read shows
        deleted_since = self.seen_any - MARGIN
        self.read_changes(self.seen_updated - MARGIN)
        status, tombstones = self.get(DELETED, {"since": deleted_since.isoformat()})
        if status == 422:  # deletions that old are gone: read everything again
            self.full()
            return
        assert status == 200, tombstones
        for tombstone in tombstones:
            self.local.pop(tombstone["id"], None)
            self.see(deleted_at=moment(tombstone["deleted_at"]))

    def full(self) -> None:
        self.local = {}
        self.read_changes(None)
        if self.seen_any is None:  # nothing seen: the next sync is a full one again
            self.seen_updated = None

    def read_changes(self, since: dt.datetime | None) -> None:
        """Every page of the entries changed since ``since`` (all, for None); read again
        from the start when a later page's total fell (an entry went mid-read and one
        may have slid past a page boundary)."""
        while True:
            params = {"sort": "-updated_at", "per_page": PER_PAGE}
            if since is not None:
                params["updated_since"] = since.isoformat()
            pages, page, totals = [], 1, []
            while True:
                status, answer = self.get(ENTRIES, {**params, "page": page})
                assert status == 200, answer
                pages.append(answer["time_entries"])
                totals.append(answer["total_entries"])
                if not answer["pagination"]["has_next"]:
                    break
                page += 1
            if all(later >= totals[0] for later in totals):
                break
        for entry in itertools.chain.from_iterable(pages):
            self.local[entry["id"]] = entry
            self.see(updated_at=moment(entry["updated_at"]))

    def see(self, *, updated_at: dt.datetime | None = None,
            deleted_at: dt.datetime | None = None) -> None:  # fmt: skip
        for at in (updated_at, deleted_at):
            if at is not None and (self.seen_any is None or at > self.seen_any):
                self.seen_any = at
        if updated_at is not None and (self.seen_updated is None or updated_at > self.seen_updated):
            self.seen_updated = updated_at


def server_list(http: TestClient, headers: dict[str, str]) -> dict[int, dict]:
    entries, page = {}, 1
    while True:
        answer = http.get(ENTRIES, params={"page": page}, headers=headers).json()
        entries.update((entry["id"], entry) for entry in answer["time_entries"])
        if not answer["pagination"]["has_next"]:
            return entries
        page += 1


def test_a_synced_copy_is_always_the_servers_list(app, clock):
    http = TestClient(app)
    serial = itertools.count()

    class Sync(RuleBasedStateMachine):
        @initialize(zone=st.sampled_from([None, "Europe/Amsterdam", "Pacific/Kiritimati"]))
        def account(self, zone):
            n = next(serial)
            clock.now = T0
            self.user = add_account(app, f"sync{n}@acme.nl", workspace=f"Sync {n}",
                                    timezone=zone)  # fmt: skip
            self.headers = self.user.headers
            self.project = self.post("projects", {"name": "Kiwi", "billable": False})["id"]
            self.service = self.post("services", {"name": "Audit"})["id"]
            self.ids: list[int] = []  # the user's entries as the machine knows them
            self.client = SyncClient(http, self.headers)

        def post(self, path, data, expect=201):
            answer = http.post(f"{V1}/{path}.json", json=data, headers=self.headers)
            assert answer.status_code == expect, answer.text
            return answer.json()

        def pick(self, index):
            return self.ids[index % len(self.ids)] if self.ids else None

        @rule(hours=st.integers(1, 3), tag=st.sampled_from(["", " #a", " #b"]))
        def create(self, hours, tag):
            self.ids.append(self.post("time_entries", {"body": f"{hours} uur werk{tag}"})["id"])

        @rule(index=st.integers(0, 50), change=st.sampled_from([
            {"duration": 600}, {"billable": False}, {"tags": ["c"]}, {"description": "anders"},
            {"project_id": None}, {"body": "2 uur overleg #a"}]))
        def patch(self, index, change):
            id = self.pick(index)
            if id is not None:
                answer = http.patch(f"{V1}/time_entries/{id}.json", json=change,
                                    headers=self.headers)  # fmt: skip
                # a running timer refuses a duration that makes it run past 24 hours
                refused = answer.status_code == 422 and "duration" in answer.json()["errors"]
                assert answer.status_code == 200 or refused, answer.text

        @rule(index=st.integers(0, 50))
        def delete(self, index):
            id = self.pick(index)
            if id is not None:
                answer = http.delete(f"{V1}/time_entries/{id}.json", headers=self.headers)
                assert answer.status_code == 204
                self.ids.remove(id)

        @rule(action=st.sampled_from(ACTIONS), picks=st.lists(st.integers(0, 50), max_size=4),
              stranger=st.booleans())
        def bulk(self, action, picks, stranger):
            ids = [self.pick(index) for index in picks if self.ids]
            if stranger:
                ids.append(10**7)
            value = {"delete": None, "set_project": self.project, "set_service": self.service,
                     "set_billable": False, "add_tag": "z", "remove_tag": "a"}[action]
            answer = self.post("time_entries/bulk", {"entry_ids": ids, "action": action,
                                                     "value": value}, expect=200)  # fmt: skip
            if action == "delete":
                self.ids = [id for id in self.ids if id not in ids]
            assert answer["updated"] + len(answer["skipped"]) == len(set(ids))

        @rule()
        def start_timer(self):
            self.ids.append(self.post("time_entries/timer", {"body": "loopt #t"})["id"])

        @rule()
        def stop_timer(self):
            http.delete(f"{V1}/time_entries/timer.json", headers=self.headers)

        @rule(step=st.sampled_from(STEPS))
        def wait(self, step):
            clock.now += step

        @rule()
        def sync(self):
            self.client.sync()
            server = server_list(http, self.headers)
            assert sorted(server) == sorted(self.ids)
            assert {id: at_rest(e) for id, e in self.client.local.items()} == {
                id: at_rest(e) for id, e in server.items()}

    run_state_machine_as_test(Sync, settings=settings(
        max_examples=25, stateful_step_count=30, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow]))
