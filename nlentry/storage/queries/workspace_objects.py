"""A workspace's clients, projects and services: find, list, page, store, archive."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nlentry.storage.catalog_versions import bump_workspace_catalog
from nlentry.storage.models import Client, Project, Service

Shared = TypeVar("Shared", Client, Project, Service)

#: The orders of a catalog list (``-`` first: descending); the default is ``id`` (oldest first).
CATALOG_SORTS = ("id", "-id", "name", "-name", "created_at", "-created_at")


def find_in_workspace(
    session: Session, model: type[Shared], workspace_id: int, id: int
) -> Shared | None:
    """The client, project or service ``id`` if it belongs to the workspace."""
    return session.scalar(select(model).where(model.id == id, model.workspace_id == workspace_id))


def find_by_name(
    session: Session, model: type[Shared], workspace_id: int, name: str
) -> Shared | None:
    """The workspace's client, project or service called ``name`` (case-insensitive, trimmed;
    an active one before an archived one, then the oldest)."""
    wanted = name.strip().lower()
    return session.scalar(
        select(model)
        .where(model.workspace_id == workspace_id, func.lower(model.name) == wanted)
        .order_by(model.active.desc(), model.id)
        .limit(1)
    )


def list_in_workspace(
    session: Session, model: type[Shared], workspace_id: int, active: bool | None = None
) -> list[Shared]:
    """Every client, project or service of the workspace, oldest first (only the active or
    only the archived ones when ``active`` is given)."""
    return page_in_workspace(session, model, workspace_id, active=active)[1]


def page_in_workspace(
    session: Session,
    model: type[Shared],
    workspace_id: int,
    *,
    active: bool | None = None,
    sort: str | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[int, list[Shared]]:
    """``(how many match, one page of them)``: the workspace's clients, projects or services
    in the order ``sort`` (one of ``CATALOG_SORTS``; default oldest first)."""
    where = [model.workspace_id == workspace_id]
    if active is not None:
        where.append(model.active.is_(active))
    name = (sort or "id").lstrip("-")
    column = getattr(model, name)
    order = [column.desc() if (sort or "").startswith("-") else column.asc()]
    if name != "id":
        order.append(model.id.asc())  # ties in a stable order
    query = select(model).where(*where).order_by(*order).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    rows = list(session.scalars(query))
    if limit is None and offset == 0:
        return len(rows), rows
    total = session.scalar(select(func.count()).select_from(model).where(*where)) or 0
    return total, rows


def projects_by_client(session: Session, client_ids: list[int]) -> dict[int, list[Project]]:
    """The projects of each client, oldest first (an empty list for a client without any)."""
    projects: dict[int, list[Project]] = {id: [] for id in client_ids}
    if client_ids:
        rows = session.scalars(
            select(Project).where(Project.client_id.in_(client_ids)).order_by(Project.id)
        )
        for project in rows:
            projects[project.client_id].append(project)
    return projects


def store(session: Session, row: Shared) -> Shared:
    """Insert or update ``row`` now (its id and defaults filled in) and read it back."""
    session.add(row)
    session.flush()
    session.refresh(row)
    return row


def archive(session: Session, row: Shared) -> bool:
    """Archive a client, project or service (``active = false``; nothing is deleted, entries
    keep theirs): whether it was active. The workspace's catalog version is bumped when it
    was, so the parser no longer offers it for new entries."""
    if not row.active:
        return False
    row.active = False
    store(session, row)
    bump_workspace_catalog(session, row.workspace_id)
    return True


def by_id(session: Session, model: type[Shared], id: int) -> Shared | None:
    """The client, project or service ``id``, whichever workspace holds it."""
    return session.get(model, id)
