"""``POST /parse.json``: a preview of what would be stored."""

from __future__ import annotations


def test_preview_stores_nothing(client, example_catalog):
    alice = example_catalog
    answer = client.post("/api/v1/parse.json", data={"body": "2,5 uur met Rowan aan Timi gewerkt"},
                         headers=alice.headers)
    assert answer.status_code == 200
    preview = answer.json()
    assert preview["duration"] == 9000
    assert preview["project"] == {"id": 2, "name": "Timi", "client": {"id": 1, "name": "Timi BV"}}
    assert preview["id"] is None and preview["errors"] == {}
    assert client.get("/api/v1/time_entries", headers=alice.headers).json()["total_entries"] == 0


def test_preview_shows_errors_and_overrides(client, alice):
    answer = client.post("/api/v1/parse", json={"body": "lunch", "date": "27-03-2016"},
                         headers=alice.headers)
    preview = answer.json()
    assert answer.status_code == 200
    assert preview["duration"] is None
    assert preview["errors"] == {"duration": ["geen duur gevonden"]}
    assert preview["date"] == "2016-03-27"
    bad = client.post("/api/v1/parse", json={"body": "lunch", "date": "32-01-2016"},
                      headers=alice.headers)
    assert bad.status_code == 422 and bad.json()["errors"] == {"date": ["is geen geldige datum"]}
    assert client.post("/api/v1/parse", json={}, headers=alice.headers).status_code == 422


def test_preview_lists_candidates_when_ambiguous(client, alice):
    first = client.post("/api/v1/projects", json={"name": "Alpha", "aliases": ["klus"]},
                        headers=alice.headers).json()
    client.post("/api/v1/projects", json={"name": "Klus"}, headers=alice.headers)
    preview = client.post("/api/v1/parse.json", data={"body": "1 uur klus"},
                          headers=alice.headers).json()
    assert preview["project"] is None
    ids = sorted(c["id"] for c in preview["candidates"]["project"])
    assert len(ids) == 2 and first["id"] in ids
