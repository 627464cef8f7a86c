"""The JSON shapes of clients, projects, services and time entries.

Built as plain dicts (fast); ``nlentry.api.response_models`` declares the
same shapes for the OpenAPI document.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from nlentry.parsing import Entry, format_hhmm, message
from nlentry.parsing.lexicon import is_time_word
from nlentry.storage.models import Client, Project, Service, TimeEntry, utcnow
from nlentry.storage.queries.timers import total_seconds


def timestamp(value: dt.datetime | None, zone: dt.tzinfo = dt.UTC) -> str | None:
    """A stored naive-UTC datetime as ISO 8601 with the offset of ``zone`` (the caller's,
    ``nlentry.api.user_time.zone_of``): ``2017-01-26T13:33:51+01:00``, as Timi writes it."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC).astimezone(zone).isoformat(timespec="seconds")


def client_ref(client: Client | None) -> dict[str, Any] | None:
    return None if client is None else {"id": client.id, "name": client.name}


def project_json(project: Project, aliases: list[str]) -> dict[str, Any]:
    return {
        "id": project.id,
        "name": project.name,
        "active": project.active,
        "client": client_ref(project.client),
        "billable": project.billable,
        "metadata": project.meta or {},
        "aliases": aliases,
    }


def service_json(service: Service, aliases: list[str]) -> dict[str, Any]:
    return {"id": service.id, "name": service.name, "active": service.active,
            "metadata": service.meta or {}, "aliases": aliases}


def name_warnings(name: str, locale: str) -> list[dict[str, Any]]:
    """The warnings of a project or service answer: its name is a time word of an
    installed locale (``Uur``, ``Gisteren``), which a sentence reads as time."""
    if not is_time_word(name):
        return []
    return [{"code": "time_word", "field": "name", "message": message(locale, "name_is_time_word")}]


def client_json(client: Client, projects: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": client.id, "name": client.name, "active": client.active,
            "metadata": client.meta or {}, "projects": projects}


def project_ref(project) -> dict[str, Any] | None:
    """``{"id", "name", "client"}`` of a project row or of a catalog ``Item``."""
    if project is None:
        return None
    client_id = getattr(project, "client_id", None)
    if client_id is None:
        client = None
    elif isinstance(project, Project):
        client = client_ref(project.client)
    else:  # a catalog Item carries its client's name
        client = {"id": client_id, "name": project.client_name}
    return {"id": project.id, "name": project.name, "client": client}


def service_ref(service) -> dict[str, Any] | None:
    """``{"id", "name"}`` of a service row or of a catalog ``Item``."""
    return None if service is None else {"id": service.id, "name": service.name}


def entry_json(entry: TimeEntry, zone: dt.tzinfo, now: dt.datetime | None = None) -> dict[str, Any]:
    """An entry row's JSON, its timestamps in ``zone`` (the caller's)."""
    return entry_payload(
        entry,
        project_ref(entry.project),
        service_ref(entry.service),
        entry.user.id,
        entry.user.display_name,
        zone,
        now,
    )


def entry_payload(
    entry,
    project: dict[str, Any] | None,
    service: dict[str, Any] | None,
    user_id: int,
    display_name: str,
    zone: dt.tzinfo,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """An entry's JSON from its row (or the row's values: ``meta`` is the ``metadata``)
    and the ``project``/``service`` it refers to; ``id`` first, timestamps in ``zone``. A
    running timer's ``duration`` is the seconds recorded before ``timer_started_at`` (Timi
    clients add the time since themselves), and its ``total_duration`` adds them (at most
    24 hours)."""
    answer = {
        "id": entry.id,
        "body": entry.body,
        "description": entry.description,
        "date": entry.date.isoformat(),
        "duration": entry.duration,
        "start_time": format_hhmm(entry.start_time),
        "end_time": format_hhmm(entry.end_time),
        "project": project,
        "service": service,
        "user": {"id": user_id, "display_name": display_name},
        "billable": entry.billable,
        "tags": list(entry.tags or ()),
        "metadata": dict(entry.meta or {}),
        "timer_started_at": timestamp(entry.timer_started_at, zone),
        "created_at": timestamp(entry.created_at, zone),
        "updated_at": timestamp(entry.updated_at, zone),
    }
    if entry.timer_started_at is not None:  # Timi's way: duration is what was recorded before
        answer["total_duration"] = total_seconds(entry, now or utcnow())
    return answer


def parse_notes(parsed: Entry | None) -> dict[str, Any]:
    """What the parser said about a text, as create, update and ``/parse.json`` answer it:
    ``warnings`` (what it guessed) and ``candidates`` (``project``/``service``: the equally
    good matches of an ambiguous name); empty without a text."""
    if parsed is None:
        return {"warnings": [], "candidates": {}}
    candidates = {
        kind: [candidate.to_dict() for candidate in found]
        for kind, found in parsed.candidates.items()
    }
    return {"warnings": [warning.to_dict() for warning in parsed.warnings],
            "candidates": candidates}  # fmt: skip
