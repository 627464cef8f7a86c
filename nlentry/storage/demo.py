"""The example workspace (``demo_workspace.toml``): clients, projects, services, aliases.

``seed_demo`` creates it with a demo user and returns that user's new token;
run it on an empty database (``nlentry serve --demo``). Run again on the same
database it revokes the demo user's earlier tokens before it issues the new
one (a token is stored only as a hash, so an old one cannot be shown again):
only the token printed last works.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from nlentry.parsing import normalize_name
from nlentry.storage.accounts import create_user, find_user, get_or_create_workspace
from nlentry.storage.api_tokens import IssuedToken, issue_token, revoke_user_tokens
from nlentry.storage.catalog_versions import bump_user_catalog, bump_workspace_catalog
from nlentry.storage.models import Alias, Client, Project, Service

DATA_FILE = Path(__file__).with_name("demo_workspace.toml")


@cache
def demo_data() -> dict[str, Any]:
    """The example workspace as written in ``demo_workspace.toml``."""
    with DATA_FILE.open("rb") as fh:
        return tomllib.load(fh)


def seed_demo(session: Session, locale: str = "nl") -> IssuedToken:
    """The demo workspace and user (created once); a fresh token for the user, whose
    earlier tokens are revoked."""
    demo = demo_data()["demo"]
    user = find_user(session, demo["email"])
    if user is not None:
        revoke_user_tokens(session, user)
        return issue_token(session, user)
    workspace = get_or_create_workspace(session, demo["workspace"])
    user, token = create_user(
        session, demo["email"], workspace=workspace, locale=locale,
        display_name=demo["display_name"],
    )
    seed_example_catalog(session, workspace.id, user.id)
    return token


def seed_example_catalog(session: Session, workspace_id: int, user_id: int) -> None:
    """The example clients, projects and services in a workspace, the aliases for one user."""
    data = demo_data()
    keep_ids = not any(  # the file's ids, when nobody uses them yet
        session.scalar(select(model.id).where(model.id.in_([row["id"] for row in rows])).limit(1))
        for model, rows in ((Client, data["clients"]), (Project, data["projects"]),
                            (Service, data["services"]))
    )
    clients = {}
    for row in data["clients"]:
        client = Client(workspace_id=workspace_id, name=row["name"],
                        **({"id": row["id"]} if keep_ids else {}))
        session.add(client)
        session.flush()
        clients[row["id"]] = client.id
    for row in data["projects"]:
        project = Project(workspace_id=workspace_id, name=row["name"],
                          client_id=clients[row["client"]],
                          **({"id": row["id"]} if keep_ids else {}))
        session.add(project)
        session.flush()
        for alias in row["aliases"]:
            session.add(_alias(user_id, alias, project_id=project.id))
    for row in data["services"]:
        service = Service(workspace_id=workspace_id, name=row["name"],
                          **({"id": row["id"]} if keep_ids else {}))
        session.add(service)
        session.flush()
        for alias in row["aliases"]:
            session.add(_alias(user_id, alias, service_id=service.id))
    session.flush()
    if keep_ids and session.bind.dialect.name == "postgresql":
        for table in ("clients", "projects", "services"):
            session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            ))
    bump_workspace_catalog(session, workspace_id)
    bump_user_catalog(session, user_id)


def _alias(user_id: int, name: str, **target: int) -> Alias:
    return Alias(user_id=user_id, name=name, normalized=normalize_name(name), **target)
