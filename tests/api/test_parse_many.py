"""``POST /parse.json`` with ``many=true``: what the batch would store, storing nothing."""

from __future__ import annotations

PARSE = "/api/v1/parse.json"
BATCH = "/api/v1/time_entries/batch.json"


def preview(client, account, **fields):
    return client.post(PARSE, json=fields, headers=account.headers)


def total(client, account) -> int:
    return client.get("/api/v1/time_entries", headers=account.headers).json()["total_entries"]


def test_many_previews_each_entry_and_stores_nothing(client, example_catalog):
    alice = example_catalog
    answer = preview(client, alice, body="2 uur Timi; gisteren 3 uur aan Rowan", many=True)
    assert answer.status_code == 200, answer.text
    entries = answer.json()["entries"]
    assert list(answer.json()) == ["entries"]
    assert [e["body"] for e in entries] == ["2 uur Timi", "gisteren 3 uur aan Rowan"]
    assert [e["duration"] for e in entries] == [7200, 10800]
    assert [e["project"]["name"] for e in entries] == ["Timi", "Timi"]
    for entry in entries:
        assert entry["id"] is None and entry["errors"] == {} and entry["locale"] == "nl"
        assert {"warnings", "candidates", "spans"} <= set(entry)
    # spans count from each entry's own body
    assert entries[1]["spans"][0] == {"kind": "date", "start": 0, "end": 8, "text": "gisteren"}
    assert total(client, alice) == 0


def test_what_many_shows_is_what_the_batch_stores(client, example_catalog):
    alice = example_catalog
    fields = {"body": "2 uur Timi #a\n1 uur mail", "date": "2016-03-27", "tags": "x",
              "billable": "false"}
    shown = preview(client, alice, many="true", **fields).json()["entries"]
    stored = client.post(BATCH, json=fields, headers=alice.headers).json()["time_entries"]
    volatile = {"id", "created_at", "updated_at", "locale", "spans", "errors"}
    assert [{k: v for k, v in e.items() if k not in volatile} for e in shown] == [
        {k: v for k, v in e.items() if k not in volatile} for e in stored]


def test_an_entry_the_batch_would_refuse_shows_its_errors(client, alice):
    entries = preview(client, alice, body="2 uur werk; lunch", many=True).json()["entries"]
    assert [e["errors"] for e in entries] == [{}, {"duration": ["geen duur gevonden"]}]
    assert client.post(BATCH, json={"body": "2 uur werk; lunch"},
                       headers=alice.headers).status_code == 422


def test_many_reads_the_batchs_fields(client, alice):
    answer = preview(client, alice, body="2 uur a; 1 uur b", many=True, duration=60)
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"duration": ["is geen bekend veld"]}
    bad = preview(client, alice, body="2 uur a", many="misschien")
    assert bad.status_code == 422 and bad.json()["errors"] == {"many": ["is ongeldig"]}


def test_without_many_the_preview_is_one_entry_as_before(client, alice):
    for fields in ({"body": "2 uur a; 1 uur b"}, {"body": "2 uur a; 1 uur b", "many": False}):
        shown = preview(client, alice, **fields).json()
        assert shown["id"] is None and "entries" not in shown
        assert shown["body"] == "2 uur a; 1 uur b"
    single = preview(client, alice, body="lunch", duration=60, many="false").json()
    assert single["duration"] == 60 and single["errors"] == {}


def test_a_token_without_reading_time_entries_is_403(client, alice, make_token, app):
    writer = make_token(app, alice, scopes=("write:projects",))
    answer = preview(client, writer, body="2 uur a; 1 uur b", many=True)
    assert answer.status_code == 403
    assert answer.json()["required_scope"] == "read:time_entries"
    assert client.post(PARSE, json={"body": "1 uur", "many": True}).status_code == 401
