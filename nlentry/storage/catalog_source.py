"""What the parser's catalog is built from, and its version counters.

A user's catalog is the workspace's active projects and services plus the
user's own aliases. ``catalog_version`` on the workspace and on the user are
bumped on every change, so a cache keyed by both is never stale, even across
processes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from nlentry.storage.models import Alias, Project, Service, User, Workspace


def bump_workspace_catalog(session: Session, workspace_id: int) -> None:
    session.execute(
        update(Workspace)
        .where(Workspace.id == workspace_id)
        .values(catalog_version=Workspace.catalog_version + 1)
    )


def bump_user_catalog(session: Session, user_id: int) -> None:
    session.execute(
        update(User).where(User.id == user_id).values(catalog_version=User.catalog_version + 1)
    )


def catalog_versions(session: Session, user_id: int) -> tuple[int, int]:
    row = session.execute(
        select(Workspace.catalog_version, User.catalog_version)
        .join(User, User.workspace_id == Workspace.id)
        .where(User.id == user_id)
    ).one()
    return row[0], row[1]


def aliases_by_target(session: Session, user_id: int) -> dict[tuple[str, int], list[str]]:
    """``("project", id)`` / ``("service", id)`` -> the user's aliases, in creation order."""
    result: dict[tuple[str, int], list[str]] = {}
    for alias in session.scalars(select(Alias).where(Alias.user_id == user_id).order_by(Alias.id)):
        if alias.project_id is not None:
            key = ("project", alias.project_id)
        else:
            key = ("service", alias.service_id)
        result.setdefault(key, []).append(alias.name)
    return result


def catalog_data(session: Session, user_id: int, workspace_id: int) -> dict[str, Any]:
    """``{"projects": [...], "services": [...]}`` as ``Catalog.from_dict`` reads it."""
    aliases = aliases_by_target(session, user_id)
    projects = session.scalars(
        select(Project).where(Project.workspace_id == workspace_id, Project.active.is_(True))
    )
    services = session.scalars(
        select(Service).where(Service.workspace_id == workspace_id, Service.active.is_(True))
    )
    return {
        "projects": [
            {
                "id": p.id,
                "name": p.name,
                "aliases": aliases.get(("project", p.id), []),
                "client": {"id": p.client.id, "name": p.client.name} if p.client else None,
            }
            for p in projects
        ],
        "services": [
            {"id": s.id, "name": s.name, "aliases": aliases.get(("service", s.id), [])}
            for s in services
        ],
    }
