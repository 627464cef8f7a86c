"""SIGKILL mid-load loses no acknowledged entry (scripts/crash_test.py)."""

from __future__ import annotations

import crash_test

from tests.live.live_support import record_figures


def test_sigkill_mid_load_keeps_every_acknowledged_entry(database_url, tmp_path):
    result = crash_test.run_crash(database_url, tmp_path, rounds=3, threads=8, load_seconds=2.0)
    record_figures("crash_safety", **{k: v for k, v in result.items() if k != "rounds"})
    assert result["problems"] == []
    assert result["acked"] >= 300, "too little load to mean anything"
    assert result["in_flight"] > 0, "the kill did not land mid-load"
    assert result["server_errors"] == 0
    assert result["acked"] <= result["rows"] <= result["acked"] + result["in_flight"] + 1
