"""The JSON shapes of clients, projects, services and time entries."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from nlentry.storage.models import Client, Project, Service, TimeEntry, utcnow


def timestamp(value: dt.datetime | None) -> str | None:
    """A stored naive-UTC datetime as ISO 8601 with ``Z``."""
    return None if value is None else value.isoformat(timespec="seconds") + "Z"


def clock(value: dt.time | None) -> str | None:
    return None if value is None else value.strftime("%H:%M")


def client_ref(client: Client | None) -> dict[str, Any] | None:
    return None if client is None else {"id": client.id, "name": client.name}


def project_json(project: Project, aliases: list[str]) -> dict[str, Any]:
    return {
        "id": project.id,
        "name": project.name,
        "active": project.active,
        "client": client_ref(project.client),
        "aliases": aliases,
    }


def service_json(service: Service, aliases: list[str]) -> dict[str, Any]:
    return {"id": service.id, "name": service.name, "active": service.active, "aliases": aliases}


def client_json(client: Client, projects: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": client.id, "name": client.name, "active": client.active, "projects": projects}


def elapsed_seconds(started_at: dt.datetime, now: dt.datetime | None = None) -> int:
    """Whole seconds a timer has run, counting a started second (at least 1)."""
    seconds = ((now or utcnow()) - started_at).total_seconds()
    return max(1, math.ceil(seconds))


def project_ref(project: Project | None) -> dict[str, Any] | None:
    if project is None:
        return None
    return {"id": project.id, "name": project.name, "client": client_ref(project.client)}


def service_ref(service: Service | None) -> dict[str, Any] | None:
    return None if service is None else {"id": service.id, "name": service.name}


def entry_json(entry: TimeEntry, now: dt.datetime | None = None) -> dict[str, Any]:
    return entry_payload(
        entry,
        project_ref(entry.project),
        service_ref(entry.service),
        entry.user.id,
        entry.user.display_name,
        now,
    )


def entry_payload(
    entry: TimeEntry,
    project: dict[str, Any] | None,
    service: dict[str, Any] | None,
    user_id: int,
    display_name: str,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """An entry's JSON from its row and the ``project``/``service`` it refers to."""
    duration = entry.duration
    if entry.timer_started_at is not None:
        duration = entry.duration + elapsed_seconds(entry.timer_started_at, now)
    return {
        "id": entry.id,
        "body": entry.body,
        "description": entry.description,
        "date": entry.date.isoformat(),
        "duration": duration,
        "start_time": clock(entry.start_time),
        "end_time": clock(entry.end_time),
        "project": project,
        "service": service,
        "user": {"id": user_id, "display_name": display_name},
        "timer_started_at": timestamp(entry.timer_started_at),
        "created_at": timestamp(entry.created_at),
        "updated_at": timestamp(entry.updated_at),
    }
