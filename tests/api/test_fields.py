"""Reading request fields with the pydantic models: Timi's rules, messages in the user's locale."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from nlentry import message
from nlentry.api.request.catalog_models import ProjectCreate
from nlentry.api.request.fields import DATE_FORMATS, DATE_PATTERN, FieldErrors, read_model
from nlentry.api.request.models import TimeEntryCreate, TimeEntryQuery
from nlentry.limits import MAX_DURATION_SECONDS, MAX_ID


def read(model, fields, locale="nl"):
    errors = FieldErrors(locale)
    return read_model(model, fields, errors), errors.errors


def test_form_strings_are_read_the_timi_way():
    values, errors = read(ProjectCreate, {"name": " Kiwi ", "active": "yes", "client_id": "",
                                          "aliases": "kiwi, ,kw"})
    assert errors == {}
    assert values == {"name": "Kiwi", "active": True, "client_id": None, "aliases": ["kiwi", "kw"]}
    values, errors = read(TimeEntryQuery, {"project_ids": "1, 2,,3", "date": "27-03-2016",
                                           "per_page": "100"})
    assert errors == {}
    assert values == {"project_ids": [1, 2, 3], "date": dt.date(2016, 3, 27), "per_page": 100}
    _, errors = read(TimeEntryQuery, {"per_page": "500"})  # more than a page holds: refused
    assert list(errors) == ["per_page"]


def test_each_refused_field_has_its_localized_message_and_the_others_are_read():
    values, errors = read(TimeEntryCreate, {"body": " ", "duration": "veel", "date": "31-02-2026",
                                            "project_id": str(MAX_ID + 1), "service_id": "7"})
    assert errors == {
        "body": [message("nl", "blank")],
        "date": [message("nl", "invalid_date")],
        "duration": ["is geen getal"],
        "project_id": [message("nl", "not_found")],
    }
    assert values == {"service_id": 7}
    _, errors = read(TimeEntryCreate, {"body": "x", "duration": MAX_DURATION_SECONDS + 1})
    assert errors == {"duration": [message("nl", "duration_too_long")]}
    _, errors = read(TimeEntryCreate, {})
    assert errors == {"body": [message("nl", "blank")]}


@pytest.mark.parametrize("text", ["27-03-2016", "7-3-2016", " 2016-03-27 "])
def test_every_declared_date_format_is_read_and_documented(text):
    values, errors = read(TimeEntryQuery, {"date": text})
    assert errors == {} and values["date"].year == 2016
    assert re.fullmatch(DATE_PATTERN, text.strip())
    assert len(DATE_FORMATS) == 2


@pytest.mark.parametrize("text", ["2016-3-27", "٢٧-٠٣-٢٠١٦", "27/03/2016", ""])
def test_other_dates_are_refused_and_not_documented(text):
    _, errors = read(TimeEntryQuery, {"date": text})
    assert errors == {"date": [message("nl", "invalid_date")]}
    assert not re.fullmatch(DATE_PATTERN, text)
