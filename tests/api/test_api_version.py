"""``X-Api-Version`` on every answer; ``X-Accept-Version`` (Timetracker) checked first."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/api/v1/health", "/api/v1/projects.json", "/api/v1/nowhere",
                                  "/openapi.json"])
def test_every_answer_says_its_api_version(client, alice, path):
    answer = client.get(path, headers=alice.headers)
    assert answer.headers["X-Api-Version"] == "1"


@pytest.mark.parametrize("asked", ["1", "1.0", "1.x", "v1", "V1", "1.2.3"])
def test_version_1_is_served(client, alice, asked):
    answer = client.get("/api/v1/projects.json", headers={**alice.headers,
                                                           "X-Accept-Version": asked})
    assert answer.status_code == 200 and answer.headers["X-Api-Version"] == "1"


@pytest.mark.parametrize("asked", ["2", "v2", "2.0", "0.9", "latest", ""])
def test_another_major_is_400_naming_the_header(client, alice, asked):
    answer = client.post("/api/v1/time_entries.json", data={"body": "2 uur"},
                         headers={**alice.headers, "X-Accept-Version": asked})
    assert answer.status_code == 400
    assert "X-Accept-Version" in answer.json()["message"]
    assert answer.headers["X-Api-Version"] == "1"
    listed = client.get("/api/v1/time_entries.json", headers=alice.headers).json()
    assert listed["total_entries"] == 0  # refused before anything was done
