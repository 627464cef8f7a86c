"""Creating workspaces and users."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nlentry.limits import MAX_NAME_LENGTH
from nlentry.parsing.lexicon import available_locales
from nlentry.storage.api_tokens import IssuedToken, issue_token, normalize_email
from nlentry.storage.models import User, Workspace


class AccountError(ValueError):
    pass


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def get_or_create_workspace(session: Session, name: str) -> Workspace:
    workspace = session.scalar(select(Workspace).where(Workspace.name == name).limit(1))
    if workspace is None:
        workspace = Workspace(name=name)
        session.add(workspace)
        session.flush()
    return workspace


def create_user(
    session: Session,
    email: str,
    *,
    workspace: Workspace,
    locale: str = "nl",
    display_name: str | None = None,
) -> tuple[User, IssuedToken]:
    """A new user of ``workspace`` with a first API token."""
    email = normalize_email(email)
    if "@" not in email or len(email) > MAX_NAME_LENGTH:
        raise AccountError(f"not an e-mail address: {email!r}")
    locales = available_locales()
    if locale not in locales:
        raise AccountError(f"locale must be one of {', '.join(locales)}")
    if session.scalar(select(func.count()).where(User.email == email)):
        raise AccountError(f"a user {email} exists already")
    user = User(
        workspace_id=workspace.id,
        email=email,
        display_name=display_name or email.split("@", 1)[0],
        locale=locale,
    )
    session.add(user)
    session.flush()
    return user, issue_token(session, user)
