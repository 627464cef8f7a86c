"""From request fields to the values of a time entry.

The ``body`` is parsed with the caller's catalog; ``date``, ``project_id``,
``service_id`` and ``duration`` given explicitly override what the parser
found. Parse errors about a field that was overridden are dropped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from nlentry import Entry, message, parse
from nlentry.api.pipeline import Call
from nlentry.api.request.fields import FieldErrors, read_model
from nlentry.storage.models import Project, Service
from nlentry.storage.queries.workspace_objects import find_in_workspace

_OVERRIDES = ("date", "duration", "project_id", "service_id")
_CHECKED_IN_WORKSPACE = (("project_id", Project), ("service_id", Service))


@dataclass
class EntryInput:
    """Values to store, and what the parser said about the body."""

    values: dict[str, Any] = field(default_factory=dict)
    parsed: Entry | None = None
    parse_errors: dict[str, list[str]] = field(default_factory=dict)


def read_fields(call: Call, fields: type[BaseModel], errors: FieldErrors) -> tuple[str | None, dict]:
    """The body (None when not given) and the explicitly given overrides, validated
    (422 messages go to ``errors``); an id must name a project or service of the workspace."""
    values = read_model(fields, call.fields, errors)
    overrides = {name: values[name] for name in _OVERRIDES if name in values}
    for name, model in _CHECKED_IN_WORKSPACE:
        id = overrides.get(name)
        if id is not None and find_in_workspace(
            call.session, model, call.caller.workspace_id, id
        ) is None:
            errors.add(name, "not_found")
            del overrides[name]
    return values.get("body"), overrides


def parse_body(call: Call, body: str, today: dt.date | None = None) -> Entry:
    catalog = call.state.catalogs.get(call.session, call.caller)
    return parse(
        body,
        catalog=catalog,
        locale="auto",
        today=today or dt.date.today(),
        default_locale=call.caller.locale,
    )


def values_from(parsed: Entry) -> dict[str, Any]:
    return {
        "description": parsed.description,
        "date": parsed.date,
        "duration": parsed.duration,
        "start_time": parsed.start_time,
        "end_time": parsed.end_time,
        "project_id": parsed.project_id,
        "service_id": parsed.service_id,
    }


def read_entry_input(call: Call, fields: type[BaseModel], *, need_duration: bool) -> EntryInput:
    """Validate the ``fields`` and parse the body (when given); 422 on invalid fields.

    With ``need_duration``, an entry that ends up without a duration is
    refused, naming ``duration``, and so is any other parse error on a field
    that was not overridden.
    """
    errors = call.errors()
    body, overrides = read_fields(call, fields, errors)
    errors.raise_if_any()
    result = EntryInput()
    if body is not None:
        result.values["body"] = body
        result.parsed = parse_body(call, body)
        result.values.update(values_from(result.parsed))
        result.parse_errors = {
            name: list(messages)
            for name, messages in result.parsed.errors.items()
            if _field_of(name) not in overrides
        }
    result.values.update(overrides)
    if need_duration and "duration" in result.values and result.values["duration"] is None:
        result.parse_errors.setdefault(
            "duration", [message(call.caller.locale, "duration_missing")]
        )
    if need_duration and result.parse_errors:
        for name, messages in result.parse_errors.items():
            for text in messages:
                errors.add_text(name, text)
        errors.raise_if_any()
    return result


def _field_of(parse_error_field: str) -> str:
    return {"project": "project_id", "service": "service_id"}.get(
        parse_error_field, parse_error_field
    )
