"""A user's aliases: one alias names one project or service of that user.

Names are compared by their normalised words (``nlentry.parsing.normalize_name``),
as the parser's catalog matches them: format characters (Unicode category
``Cf``: zero-width spaces and joiners, byte order marks, bidi marks) are no
part of that key, so ``Ti\\u200bmi`` is the user's alias ``Timi``, not a
look-alike second one (the name itself is kept as given).
Problems are answered as keys (``"invalid"``: no word in it; ``"too_long"``:
its normalised form outgrows the column, as ``"ﷺ"`` does, one character that
normalises to eighteen; ``"taken"``: the user's alias for something else;
``"time_word"``: a word of the time grammar, such as ``uur``, which as an
alias would claim that word in every sentence) for the caller to word; every
change bumps the user's catalog version.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nlentry.limits import MAX_NAME_LENGTH
from nlentry.parsing import normalize_name
from nlentry.parsing.lexicon import is_time_word
from nlentry.storage.catalog_versions import bump_user_catalog
from nlentry.storage.models import Alias


class AliasRace(Exception):
    """A concurrent request took the same alias; the transaction was rolled back."""


def _prepared(given: str) -> tuple[str, str, str | None]:
    """The name as stored (trimmed), its normalised key (without format characters), and
    the problem key when it can be no alias (``"invalid"``, ``"too_long"``), else None."""
    name = given.strip()
    normalized = normalize_name(name)
    if not normalized:
        return name, normalized, "invalid"
    if len(normalized) > MAX_NAME_LENGTH:  # the column's length, counted after normalising
        return name, normalized, "too_long"
    return name, normalized, None


def _column(kind: str):
    return Alias.project_id if kind == "project" else Alias.service_id


def aliases_of(session: Session, user_id: int, kind: str, target_id: int) -> list[str]:
    """The user's aliases of one project or service, in the order they were made."""
    return list(
        session.scalars(
            select(Alias.name)
            .where(Alias.user_id == user_id, _column(kind) == target_id)
            .order_by(Alias.id)
        )
    )


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


def replace_aliases(
    session: Session, user_id: int, kind: str, target_id: int, names: list[str]
) -> list[tuple[str, str]]:
    """Make ``names`` the user's aliases of the target: the problems ``(name, key)``;
    stored only when there are none."""
    session.execute(delete(Alias).where(Alias.user_id == user_id, _column(kind) == target_id))
    session.flush()
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for given in names:
        name, normalized, problem = _prepared(given)
        if problem is not None:
            problems.append((name, problem))
            continue
        if normalized in seen:
            continue
        seen.add(normalized)
        problem = _add(session, user_id, kind, target_id, name, normalized)
        if problem:
            problems.append((name, problem))
    if not problems:
        _flush(session, user_id)
    return problems


def add_alias(session: Session, user_id: int, kind: str, target_id: int, name: str) -> str | None:
    """Add one alias (kept as it is when the user has it for the target already):
    the problem key, or ``None`` once stored."""
    name, normalized, problem = _prepared(name)
    if problem is not None:
        return problem
    problem = _add(session, user_id, kind, target_id, name, normalized)
    if problem is None:
        _flush(session, user_id)
    return problem


def find_alias(session: Session, user_id: int, name: str) -> Alias | None:
    """The user's alias that ``name`` is (compared as the parser compares names), or None."""
    _, normalized, problem = _prepared(name)
    if problem is not None:
        return None
    return session.scalar(
        select(Alias).where(Alias.user_id == user_id, Alias.normalized == normalized)
    )


def delete_alias(session: Session, user_id: int, kind: str, target_id: int, name: str) -> bool:
    """Remove the user's alias ``name`` of the target; whether there was one."""
    _, normalized, problem = _prepared(name)
    if problem is not None:  # no alias can have this key
        return False
    result = session.execute(
        delete(Alias).where(
            Alias.user_id == user_id, _column(kind) == target_id, Alias.normalized == normalized
        )
    )
    if result.rowcount == 0:
        return False
    bump_user_catalog(session, user_id)
    return True


def _add(session, user_id, kind, target_id, name, normalized) -> str | None:
    # it would claim that word in every sentence of the user (``u\u200bur`` too)
    if is_time_word(name):
        return "time_word"
    existing = session.scalar(
        select(Alias).where(Alias.user_id == user_id, Alias.normalized == normalized)
    )
    if existing is not None:
        same = (existing.project_id if kind == "project" else existing.service_id) == target_id
        return None if same else "taken"
    alias = Alias(user_id=user_id, name=name, normalized=normalized)
    if kind == "project":
        alias.project_id = target_id
    else:
        alias.service_id = target_id
    session.add(alias)
    return None


def _flush(session: Session, user_id: int) -> None:
    try:
        session.flush()
    except IntegrityError:  # a concurrent request took the same alias
        session.rollback()
        raise AliasRace from None
    bump_user_catalog(session, user_id)
