"""Finding the caller's objects by id; anything else is 404."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from nlentry.api.credentials import Caller
from nlentry.api.errors import not_found
from nlentry.api.request.fields import MAX_ID
from nlentry.storage.models import Client, Project, Service, TimeEntry

Shared = TypeVar("Shared", Client, Project, Service)


def path_id(value: object) -> int:
    """An id from the path; one no row can have is 404 at once."""
    if isinstance(value, int) and 0 < value <= MAX_ID:
        return value
    raise not_found()


def workspace_object(session: Session, model: type[Shared], caller: Caller, id: int) -> Shared:
    """A client, project or service of the caller's workspace, or 404."""
    found = session.scalar(
        select(model).where(model.id == id, model.workspace_id == caller.workspace_id)
    )
    if found is None:
        raise not_found()
    return found


def workspace_object_or_none(
    session: Session, model: type[Shared], caller: Caller, id: int
) -> Shared | None:
    return session.scalar(
        select(model).where(model.id == id, model.workspace_id == caller.workspace_id)
    )


def own_entry(session: Session, caller: Caller, id: int) -> TimeEntry:
    """One of the caller's own time entries, or 404."""
    found = session.scalar(
        select(TimeEntry).where(TimeEntry.id == id, TimeEntry.user_id == caller.user_id)
    )
    if found is None:
        raise not_found()
    return found
