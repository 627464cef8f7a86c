"""Creating workspaces and users, and changing a user's profile.

A user's ``role`` is ``admin`` or ``member``: the first user of a workspace is
its admin unless told otherwise, every later one a member. A user's
``timezone`` is an IANA name, or ``None`` for the server's default.
"""

from __future__ import annotations

import functools
from zoneinfo import available_timezones

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from nlentry.limits import MAX_NAME_LENGTH
from nlentry.parsing.lexicon import available_locales
from nlentry.storage.api_tokens import IssuedToken, issue_token, normalize_email
from nlentry.storage.catalog_versions import bump_user_catalog
from nlentry.storage.models import User, Workspace

ROLES = ("admin", "member")
#: The name of the token ``create_user`` issues.
FIRST_TOKEN_NAME = "initial"


class AccountError(ValueError):
    pass


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


def is_zone_name(name: str) -> bool:
    """Whether ``name`` is an IANA time zone this machine knows."""
    return name in _zone_names()


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def get_user(session: Session, user_id: int) -> User | None:
    """The user ``user_id`` (its ``workspace`` loads with it when asked)."""
    return session.get(User, user_id)


def has_users(session: Session) -> bool:
    """Whether any user exists (an empty database has none)."""
    return session.scalar(select(User.id).limit(1)) is not None


def get_or_create_workspace(session: Session, name: str) -> Workspace:
    workspace = session.scalar(select(Workspace).where(Workspace.name == name).limit(1))
    if workspace is None:
        workspace = Workspace(name=name)
        session.add(workspace)
        session.flush()
    return workspace


def _check_locale(locale: str) -> None:
    locales = available_locales()
    if locale not in locales:
        raise AccountError(f"locale must be one of {', '.join(locales)}")


def _check_timezone(timezone: str | None) -> None:
    if timezone is not None and not is_zone_name(timezone):
        raise AccountError(f"not an IANA time zone: {timezone!r} (e.g. Europe/Amsterdam)")


def create_user(
    session: Session,
    email: str,
    *,
    workspace: Workspace,
    locale: str = "nl",
    display_name: str | None = None,
    role: str | None = None,
    timezone: str | None = None,
) -> tuple[User, IssuedToken]:
    """A new user of ``workspace`` with a first API token (scope ``admin:all``).

    ``role`` defaults to ``admin`` for the workspace's first user, else ``member``;
    ``timezone`` None is the server's default zone.
    """
    email = normalize_email(email)
    if "@" not in email or len(email) > MAX_NAME_LENGTH:
        raise AccountError(f"not an e-mail address: {email!r}")
    _check_locale(locale)
    if role is not None and role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    _check_timezone(timezone)
    display_name = (display_name or "").strip() or email.split("@", 1)[0]
    if len(display_name) > MAX_NAME_LENGTH:
        raise AccountError(f"a display name is at most {MAX_NAME_LENGTH} characters")
    if session.scalar(select(func.count()).where(User.email == email)):
        raise AccountError(f"a user {email} exists already")
    if role is None:
        has_one = session.scalar(select(exists().where(User.workspace_id == workspace.id)))
        role = "member" if has_one else "admin"
    user = User(workspace_id=workspace.id, email=email, display_name=display_name,
                locale=locale, role=role, timezone=timezone)  # fmt: skip
    session.add(user)
    session.flush()
    return user, issue_token(session, user, name=FIRST_TOKEN_NAME)


_UNSET = object()


def update_profile(
    session: Session,
    user: User,
    *,
    display_name: str | None = None,
    locale: str | None = None,
    timezone: str | None | object = _UNSET,
) -> bool:
    """Change what is given of ``user``'s display name, locale and time zone (None: the
    server's default); whether anything changed. A change bumps the user's catalog
    version, so that every worker's remembered caller of this user is read again."""
    changes: dict[str, object] = {}
    if display_name is not None:
        changes["display_name"] = display_name
    if locale is not None:
        _check_locale(locale)
        changes["locale"] = locale
    if timezone is not _UNSET:
        _check_timezone(timezone)  # type: ignore[arg-type]
        changes["timezone"] = timezone
    changed = {name: value for name, value in changes.items() if getattr(user, name) != value}
    if not changed:
        return False
    for name, value in changed.items():
        setattr(user, name, value)
    session.flush()
    bump_user_catalog(session, user.id)
    session.refresh(user, ["catalog_version"])
    return True
