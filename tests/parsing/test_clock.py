"""Clock times as people mean them (``nlentry/parsing/clock.py``): the
working-hours rule, ranges, am/pm, and times that are no time."""

from __future__ import annotations

import datetime as dt

import pytest

from nlentry.parsing.clock import (
    WORKDAY_START,
    as_time,
    format_hhmm,
    minutes,
    resolve_range,
    written_minutes,
)
from nlentry.parsing.pieces import Clock


def hhmm(total: int | None) -> str | None:
    return None if total is None else format_hhmm(as_time(total))


@pytest.mark.parametrize(
    ("clock", "meridiem", "expected"),
    [
        (Clock(1, 0), None, "13:00"),  # before 07:00 and bare: afternoon
        (Clock(6, 59), None, "18:59"),
        (Clock(WORKDAY_START, 0), None, "07:00"),
        (Clock(12, 30), None, "12:30"),
        (Clock(3, 0, explicit=True), None, "03:00"),  # "03:00": written as 24-hour
        (Clock(3, 0, meridiem="am"), None, "03:00"),
        (Clock(12, 0, meridiem="am"), None, "00:00"),
        (Clock(12, 0, meridiem="pm"), None, "12:00"),
        (Clock(9, 0, meridiem="pm"), None, "21:00"),
        (Clock(3, 0), "am", "03:00"),  # a marker elsewhere in the sentence
        (Clock(9, 0), "pm", "21:00"),
        (Clock(9, 0, meridiem="am"), "pm", "09:00"),  # the clock's own marker wins
        (Clock(9, 0, explicit=True), "pm", "09:00"),  # and a 24-hour time keeps its hour
        (Clock(24, 0), None, "00:00"),
    ],
)
def test_minutes(clock, meridiem, expected):
    assert hhmm(minutes(clock, meridiem)) == expected


@pytest.mark.parametrize(
    "clock",
    [Clock(25, 0), Clock(24, 30), Clock(9, 60), Clock(9, 99), Clock(-1, 0), Clock(1.5, 0)],
)
def test_a_clock_that_is_no_time_gives_none(clock):
    assert minutes(clock) is None
    assert resolve_range(clock, Clock(12, 0)) is None
    assert resolve_range(Clock(9, 0), clock) is None


def span(first: Clock, last: Clock, meridiem: str | None = None):
    found = resolve_range(first, last, meridiem)
    assert found is not None
    start, end, length, _shifted = found
    return hhmm(start), hhmm(end), length


def test_a_range_says_when_a_rule_moved_a_time():
    assert resolve_range(Clock(9, 0), Clock(12, 0))[3] is False
    assert resolve_range(Clock(9, 0), Clock(5, 0))[3] is True  # the end moved
    assert resolve_range(Clock(1, 0), Clock(3, 0))[3] is True  # working hours
    assert resolve_range(Clock(1, 0, meridiem="pm"), Clock(3, 0, meridiem="pm"))[3] is False


def test_a_part_of_the_day_on_one_end_carries_to_the_other_within_12_hours():
    assert span(Clock(7, 0), Clock(9, 0, meridiem="pm")) == ("19:00", "21:00", 120)
    assert span(Clock(11, 0), Clock(1, 0, meridiem="pm")) == ("11:00", "13:00", 120)
    assert span(Clock(1, 30, meridiem="am"), Clock(3, 0)) == ("01:30", "03:00", 90)
    assert span(Clock(11, 0, meridiem="am"), Clock(3, 0)) == ("11:00", "15:00", 240)


def test_night_is_late_evening_or_small_hours():
    assert hhmm(minutes(Clock(11, 0, meridiem="night"))) == "23:00"
    assert hhmm(minutes(Clock(4, 0, meridiem="night"))) == "04:00"
    assert hhmm(minutes(Clock(12, 0, meridiem="night"))) == "00:00"


def test_a_range_through_noon_moves_its_end_past_noon():
    assert span(Clock(9, 0), Clock(5, 0)) == ("09:00", "17:00", 480)  # van 9 tot 5
    assert span(Clock(11, 0), Clock(1, 0)) == ("11:00", "13:00", 120)
    assert span(Clock(1, 0), Clock(3, 0)) == ("13:00", "15:00", 120)  # van 1 tot 3
    assert span(Clock(8, 30), Clock(12, 0)) == ("08:30", "12:00", 210)


def test_a_range_across_midnight_reads_its_end_as_written():
    assert span(Clock(22, 0, explicit=True), Clock(1, 0)) == ("22:00", "01:00", 180)
    assert span(Clock(23, 30, explicit=True), Clock(0, 30, explicit=True)) == (
        "23:30", "00:30", 60)


def test_the_marker_of_the_end_carries_to_a_bare_start():
    assert span(Clock(2, 0), Clock(4, 0, meridiem="pm")) == ("14:00", "16:00", 120)
    assert span(Clock(11, 0), Clock(1, 0, meridiem="pm")) == ("11:00", "13:00", 120)
    assert span(Clock(3, 0), Clock(5, 0, meridiem="am")) == ("03:00", "05:00", 120)


def test_a_marker_from_the_sentence_applies_to_both_ends():
    assert span(Clock(3, 0), Clock(5, 0), "am") == ("03:00", "05:00", 120)
    assert span(Clock(7, 0), Clock(9, 0), "pm") == ("19:00", "21:00", 120)


def test_written_minutes_ignore_the_working_hours_rule():
    assert written_minutes(Clock(1, 15)) == 75
    assert written_minutes(Clock(24, 0)) == 0


def test_as_time_wraps_around_a_day():
    assert as_time(24 * 60 + 90) == dt.time(1, 30)


def test_format_hhmm():
    assert format_hhmm(dt.time(9, 5)) == "09:05"
    assert format_hhmm(dt.time(23, 59, 59)) == "23:59"
    assert format_hhmm(None) is None
