"""The reliability tests' summary: requests sent and answers seen, by status class."""

from __future__ import annotations

from tests.reliability.reliability_support import TALLIES


def pytest_terminal_summary(terminalreporter):
    if TALLIES:
        terminalreporter.section("reliability: requests and answers")
        for counter in TALLIES.values():
            terminalreporter.write_line(counter.line())
