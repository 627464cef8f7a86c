"""The example workspace of the parsing spec: clients, projects, services, aliases.

``seed_demo`` creates it with a demo user and returns that user's new token;
run it on an empty database (``nlentry serve --demo``).
"""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from nlentry.storage.accounts import create_user, find_user, get_or_create_workspace
from nlentry.storage.api_tokens import IssuedToken, issue_token
from nlentry.storage.catalog_versions import bump_user_catalog, bump_workspace_catalog
from nlentry.storage.models import Alias, Client, Project, Service

DEMO_EMAIL = "demo@example.com"
DEMO_WORKSPACE = "Demo"

CLIENTS = [(1, "Timi BV"), (618, "Klant A"), (5, "Acme Corp"), (7, "Gemeente")]
PROJECTS = [
    (2, "Timi", 1, ["Jankees", "Rowan", "Tango"]),
    (3327, "Website", 1, ["site", "homepage"]),
    (3328, "Banners", 618, ["Erik", "Martijn", "Wilco"]),
    (10, "Website Redesign", 5, ["redesign"]),
    (12, "Project 2000", 7, ["p2k"]),
    (13, "Café Noord", 7, ["noord"]),
]
SERVICES = [
    (1, "Development", ["coden", "css", "html", "programmeren", "rails", "coding"]),
    (2, "Design", ["ontwerp", "mockups"]),
    (3, "Overleg", ["meeting", "vergadering", "call"]),
]


def seed_demo(session: Session, locale: str = "nl") -> IssuedToken:
    """The demo workspace and user (created once); a fresh token for the user."""
    user = find_user(session, DEMO_EMAIL)
    if user is not None:
        return issue_token(session, user)
    workspace = get_or_create_workspace(session, DEMO_WORKSPACE)
    user, token = create_user(
        session, DEMO_EMAIL, workspace=workspace, locale=locale, display_name="Demo"
    )
    seed_example_catalog(session, workspace.id, user.id)
    return token


def seed_example_catalog(session: Session, workspace_id: int, user_id: int) -> None:
    """The spec's clients, projects and services in a workspace, the aliases for one user."""
    keep_ids = not any(  # the spec's ids, when nobody uses them yet
        session.scalar(select(model.id).where(model.id.in_([row[0] for row in rows])).limit(1))
        for model, rows in ((Client, CLIENTS), (Project, PROJECTS), (Service, SERVICES))
    )
    clients = {}
    for id, name in CLIENTS:
        client = Client(workspace_id=workspace_id, name=name, **({"id": id} if keep_ids else {}))
        session.add(client)
        session.flush()
        clients[id] = client.id
    for id, name, client_id, aliases in PROJECTS:
        project = Project(workspace_id=workspace_id, name=name, client_id=clients[client_id],
                          **({"id": id} if keep_ids else {}))
        session.add(project)
        session.flush()
        for alias in aliases:
            session.add(_alias(user_id, alias, project_id=project.id))
    for id, name, aliases in SERVICES:
        service = Service(workspace_id=workspace_id, name=name,
                          **({"id": id} if keep_ids else {}))
        session.add(service)
        session.flush()
        for alias in aliases:
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
    from nlentry.parsing.words import phrase_words

    return Alias(user_id=user_id, name=name, normalized=" ".join(phrase_words(name)), **target)
