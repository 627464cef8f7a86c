"""The catalog's version counters.

``catalog_version`` on the workspace (projects, services, clients) and on the
user (aliases) is bumped by every change, so a cache keyed by both is never
stale, whichever process made the change.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from nlentry.storage.models import User, Workspace


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
