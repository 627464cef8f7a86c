"""What the parser's catalog is built from: the workspace's active projects and
services plus the user's own aliases (see ``catalog_versions`` for when it changes)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nlentry.storage.models import Project, Service
from nlentry.storage.queries.aliases import aliases_by_target


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
                "billable": p.billable,
            }
            for p in projects
        ],
        "services": [
            {"id": s.id, "name": s.name, "aliases": aliases.get(("service", s.id), [])}
            for s in services
        ],
    }
