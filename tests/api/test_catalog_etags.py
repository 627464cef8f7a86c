"""Every list answers an ``ETag`` (issue 12): the catalog lists (clients, projects,
services; plain and paged) and the deleted list, with the time entries list's one
implementation (``pagination.list_answer``); a matching ``If-None-Match`` is ``304``
without a body, and counts as no request against the limit."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from nlentry.api.app import create_app
from nlentry.api.pagination import list_answer
from nlentry.api.resources import catalog_common, deleted
from nlentry.api.routes import OPERATIONS

LISTS = ("clients", "projects", "services")


@pytest.fixture
def catalog(client, alice):
    for plural in LISTS:
        answer = client.post(f"/api/v1/{plural}.json", json={"name": f"Eerste {plural}"},
                             headers=alice.headers)  # fmt: skip
        assert answer.status_code == 201, answer.text
    return alice


@pytest.mark.parametrize("plural", LISTS)
@pytest.mark.parametrize("params", [{}, {"page": "1"}, {"per_page": "5", "sort": "-name"}])
def test_a_catalog_list_answers_an_etag_and_304(client, catalog, plural, params):
    path = f"/api/v1/{plural}.json"
    first = client.get(path, params=params, headers=catalog.headers)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = client.get(path, params=params, headers={**catalog.headers,
                                                          "If-None-Match": header})  # fmt: skip
        assert again.status_code == 304 and again.content == b"", header
        assert again.headers["ETag"] == etag
    stale = client.get(path, params=params, headers={**catalog.headers,
                                                     "If-None-Match": '"other"'})  # fmt: skip
    assert stale.status_code == 200 and stale.json() == first.json()
    assert stale.headers["ETag"] == etag
    # a change makes another answer, with another tag
    made = client.post(path, json={"name": "Tweede"}, headers=catalog.headers)
    assert made.status_code == 201
    changed = client.get(path, params=params, headers={**catalog.headers, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_the_plain_list_and_a_page_have_different_tags(client, catalog):
    plain = client.get("/api/v1/projects.json", headers=catalog.headers)
    paged = client.get("/api/v1/projects.json", params={"page": "1"},
                       headers={**catalog.headers, "If-None-Match": plain.headers["ETag"]})
    assert paged.status_code == 200 and paged.headers["ETag"] != plain.headers["ETag"]


def test_the_callers_aliases_are_in_the_tag(client, catalog, bob):
    """Each user sees their own aliases: a colleague's tag is not the caller's."""
    project = client.get("/api/v1/projects.json", headers=catalog.headers).json()[0]
    client.post(f"/api/v1/projects/{project['id']}/aliases.json", json={"alias": "kiwi"},
                headers=catalog.headers)  # fmt: skip
    mine = client.get("/api/v1/projects.json", headers=catalog.headers).headers["ETag"]
    theirs = client.get("/api/v1/projects.json", headers={**bob.headers, "If-None-Match": mine})
    assert theirs.status_code == 200 and theirs.headers["ETag"] != mine


def test_a_refused_list_is_no_304(client, catalog):
    etag = client.get("/api/v1/clients.json", headers=catalog.headers).headers["ETag"]
    answer = client.get("/api/v1/clients.json", params={"sort": "size"},
                        headers={**catalog.headers, "If-None-Match": "*"})  # fmt: skip
    assert answer.status_code == 422 and etag


def test_a_catalog_304_counts_as_no_request(database_url, make_account, monkeypatch):
    monkeypatch.delenv("NLENTRY_RATE_LIMIT", raising=False)
    app = create_app(database_url, rate_limit="100/minute")
    try:
        user = make_account(app, "poller@acme.nl")
        client = TestClient(app)
        for plural in LISTS:
            first = client.get(f"/api/v1/{plural}.json", headers=user.headers)
            remaining = int(first.headers["X-RateLimit-Remaining"])
            unchanged = {**user.headers, "If-None-Match": first.headers["ETag"]}
            polls = [client.get(f"/api/v1/{plural}.json", headers=unchanged) for _ in range(3)]
            assert {poll.status_code for poll in polls} == {304}
            assert {poll.headers["X-RateLimit-Remaining"] for poll in polls} == {str(remaining)}
    finally:
        app.state.db.dispose()


def test_one_implementation_for_every_list():
    """The catalog and deleted lists answer through the time entries list's ``list_answer``."""
    assert catalog_common.list_answer is list_answer and deleted.list_answer is list_answer
    lists = {"list_clients", "list_projects", "list_services", "list_time_entries",
             "list_deleted_time_entries"}
    for op in OPERATIONS:
        if op.name in lists:
            assert 304 in op.more and "ETag" in op.description, op.name
