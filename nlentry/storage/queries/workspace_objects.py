"""A workspace's clients, projects and services: find, list, store."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from nlentry.storage.models import Client, Project, Service

Shared = TypeVar("Shared", Client, Project, Service)


def find_in_workspace(
    session: Session, model: type[Shared], workspace_id: int, id: int
) -> Shared | None:
    """The client, project or service ``id`` if it belongs to the workspace."""
    return session.scalar(select(model).where(model.id == id, model.workspace_id == workspace_id))


def list_in_workspace(session: Session, model: type[Shared], workspace_id: int) -> list[Shared]:
    """Every client, project or service of the workspace, oldest first."""
    return list(
        session.scalars(select(model).where(model.workspace_id == workspace_id).order_by(model.id))
    )


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


def by_id(session: Session, model: type[Shared], id: int) -> Shared | None:
    """The client, project or service ``id``, whichever workspace holds it."""
    return session.get(model, id)
