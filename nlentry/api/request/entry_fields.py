"""From request fields to the values of a time entry.

The ``body`` is parsed with the caller's catalog, "today" being the caller's local
date (``nlentry.api.user_time``); the fields given explicitly override what the
parser found. Parse errors about a field that was overridden are dropped.

* ``start_time`` and ``end_time`` given (one of them may be the entry's own, on a
  change) without a ``duration`` make the duration: the end minus the start, an end
  before the start being on the next day (``22:00``-``02:00`` is 4 hours). An end equal
  to the start is refused, naming ``end_time``. An explicit ``duration`` wins, and the
  times are kept as given.
* ``tags``: the ``#words`` of the text merged with the ``tags`` field (case aside, the
  first spelling kept). On a change, ``tags`` replaces the entry's tags (plus the new
  text's ``#words``); a new text without ``tags`` replaces the tags the old text gave and
  keeps the others.
* ``metadata`` is merged into what the entry has (``merge_metadata``); more than 20 keys
  after the merge is refused.
* ``billable`` is left to the caller when not given (``default_billable``: the
  project's default), since only the caller knows the project's row or catalog item.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from nlentry import Entry, message, parse
from nlentry.api.pipeline import Call
from nlentry.api.request.entry_types import merge_tags
from nlentry.api.request.fields import FieldErrors, merge_metadata, read_model
from nlentry.api.user_time import local_today
from nlentry.storage.models import Project, Service, utcnow
from nlentry.storage.queries.workspace_objects import by_id, find_in_workspace

_OVERRIDES = ("date", "duration", "project_id", "service_id", "start_time", "end_time",
              "description", "billable")  # fmt: skip
_CHECKED_IN_WORKSPACE = (("project_id", Project), ("service_id", Service))
_DAY = 24 * 60 * 60


@dataclass
class EntryInput:
    """Values to store (``metadata`` for the ``meta`` attribute), and what the parser
    said about the body; ``given`` names the fields given explicitly."""

    values: dict[str, Any] = field(default_factory=dict)
    parsed: Entry | None = None
    parse_errors: dict[str, list[str]] = field(default_factory=dict)
    given: frozenset[str] = frozenset()
    #: the project or service rows the explicit ids named (read to check them)
    found: dict[str, Any] = field(default_factory=dict)


def read_fields(call: Call, fields: type[BaseModel], errors: FieldErrors) -> tuple[dict, dict]:
    """The explicitly given fields, validated (422 messages go to ``errors``; an id must
    name a project or service of the workspace), and the rows those ids named."""
    values = read_model(fields, call.fields, errors)
    found = {}
    for name, model in _CHECKED_IN_WORKSPACE:
        id = values.get(name)
        if id is None:
            continue
        row = find_in_workspace(call.session, model, call.caller.workspace_id, id)
        if row is None:
            errors.add(name, "not_found")
            del values[name]
        else:
            found[name] = row
    return values, found


def parse_body(call: Call, body: str, today: dt.date | None = None) -> Entry:
    """``body`` parsed with the caller's catalog; "today" is the caller's local date."""
    catalog = call.state.catalogs.get(call.session, call.caller)
    return parse(
        body,
        catalog=catalog,
        locale="auto",
        today=today or local_today(call.caller, utcnow()),
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


def read_entry_input(call: Call, fields: type[BaseModel], *, need_duration: bool,
                     current: Any = None) -> EntryInput:  # fmt: skip
    """Validate the ``fields`` and parse the body (when given); 422 on invalid fields.

    ``current`` is the entry a change applies to (its times, tags and metadata are
    what the change starts from). With ``need_duration``, an entry that ends up
    without a duration is refused, naming ``duration``, and so is any other parse
    error on a field that was not overridden.
    """
    errors = call.errors()
    given, found = read_fields(call, fields, errors)
    errors.raise_if_any()
    overrides = {name: given[name] for name in _OVERRIDES if name in given}
    result = EntryInput(given=frozenset(given), found=found)
    body = given.get("body")
    if body is not None:
        result.values["body"] = body
        result.parsed = parse_body(call, body)
        result.values.update(values_from(result.parsed))
    _settle_duration(overrides, current, errors)
    _settle_tags(result, given, current, call, errors)
    if "metadata" in given:
        try:
            result.values["metadata"] = merge_metadata(
                getattr(current, "meta", None), given["metadata"]
            )
        except ValueError as error:  # more keys than allowed once merged
            errors.add("metadata", str(error))
    errors.raise_if_any()
    if result.parsed is not None:
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


def _settle_duration(overrides: dict[str, Any], current: Any, errors: FieldErrors) -> None:
    """The duration ``start_time`` and ``end_time`` make, when one of them is given and no
    ``duration`` is (a running timer's duration is its own: never made from times)."""
    if "duration" in overrides or not {"start_time", "end_time"} & overrides.keys():
        return
    if current is not None and current.timer_started_at is not None:
        return
    start = overrides.get("start_time", getattr(current, "start_time", None))
    end = overrides.get("end_time", getattr(current, "end_time", None))
    if start is None or end is None:
        return
    seconds = span_seconds(start, end)
    if seconds == 0:
        errors.add("end_time", "same_as_start")
        return
    overrides["duration"] = seconds


def span_seconds(start: dt.time, end: dt.time) -> int:
    """Seconds from ``start`` to ``end``, an end before the start being on the next day."""
    seconds = (end.hour * 3600 + end.minute * 60) - (start.hour * 3600 + start.minute * 60)
    return seconds % _DAY


def _settle_tags(result: EntryInput, given: dict[str, Any], current: Any, call: Call,
                 errors: FieldErrors) -> None:  # fmt: skip
    parsed = result.parsed
    if "tags" not in given and parsed is None:
        return
    from_text = list(parsed.tags) if parsed is not None else []
    if "tags" in given:
        lists = [from_text, given["tags"]]
    elif current is not None:  # a new text: the old text's tags go, the others stay
        old_text = {tag.casefold() for tag in _text_tags(call, current.body)}
        kept = [tag for tag in current.tags or () if tag.casefold() not in old_text]
        lists = [kept, from_text]
    else:
        lists = [from_text]
    try:
        result.values["tags"] = merge_tags(*lists)
    except ValueError as error:
        errors.add("tags", str(error))


def _text_tags(call: Call, body: str | None) -> list[str]:
    """The ``#words`` of an entry's stored text."""
    if not body:
        return []
    return parse(body, locale="auto", default_locale=call.caller.locale,
                 today=local_today(call.caller, utcnow())).tags  # fmt: skip


def _field_of(parse_error_field: str) -> str:
    return {"project": "project_id", "service": "service_id"}.get(
        parse_error_field, parse_error_field
    )


# --- the project an entry refers to, and its billable default ------------------------------


def find_project(call: Call, id: int | None) -> Any:
    """The project ``id`` as the caller's catalog has it (an ``Item``), or its row when it
    is not there (archived); None for no project."""
    if id is None:
        return None
    item = call.state.catalogs.item(call.session, call.caller, "project", id)
    return item if item is not None else by_id(call.session, Project, id)


def find_service(call: Call, id: int | None) -> Any:
    if id is None:
        return None
    item = call.state.catalogs.item(call.session, call.caller, "service", id)
    return item if item is not None else by_id(call.session, Service, id)


def default_billable(project: Any) -> bool:
    """What an entry of ``project`` (a row, an ``Item`` or None) is unless told: the
    project's ``billable``; true without a project (or a default)."""
    billable = getattr(project, "billable", None)
    return True if billable is None else bool(billable)
