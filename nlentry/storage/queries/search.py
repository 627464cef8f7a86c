"""Search: a workspace's clients, projects and services by name (projects and services also
by the user's aliases), and the user's own entries by body or description.

Matching is a case-insensitive substring: SQL ``LIKE`` on ``lower(...)`` with the words
of the query escaped (``%``, ``_`` and ``\\`` match themselves). SQLite's ``lower`` folds
ASCII letters only, so there ``É`` finds ``é`` only through an alias (aliases are matched
on their normalised key as well). Archived clients, projects and services are left out:
search is for finding what to book on. Each function answers at most ``limit`` hits, the
best first: a name equal to the query, then one starting with it, then any other, each
group by name; entries newest first.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from nlentry.parsing import normalize_name
from nlentry.storage.models import Alias, Client, Project, Service, TimeEntry

ESCAPE = "\\"


def like_escaped(text: str) -> str:
    """``text`` for a ``LIKE`` pattern with ``ESCAPE '\\'``: its ``\\``, ``%`` and ``_``
    match themselves."""
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def contains(text: str) -> str:
    return f"%{like_escaped(text.lower())}%"


def _rank(column, text: str):
    """0 for a value equal to ``text`` (case aside), 1 for one starting with it, else 2."""
    lowered = func.lower(column)
    return case(
        (lowered == text.lower(), 0),
        (lowered.like(like_escaped(text.lower()) + "%", escape=ESCAPE), 1),
        else_=2,
    )


@dataclass(frozen=True)
class Hit:
    """A client, project or service found, how well (``rank``: 0 best) and, when it was
    found by one of the user's aliases rather than by its name, that alias."""

    row: Client | Project | Service
    rank: int
    alias: str | None = None


def search_clients(session: Session, workspace_id: int, text: str, limit: int) -> list[Hit]:
    rank = _rank(Client.name, text)
    rows = session.execute(
        select(Client, rank)
        .where(Client.workspace_id == workspace_id, Client.active.is_(True),
               func.lower(Client.name).like(contains(text), escape=ESCAPE))
        .order_by(rank, func.lower(Client.name), Client.id)
        .limit(limit)
    )  # fmt: skip
    return [Hit(row, position) for row, position in rows]


def search_targets(
    session: Session, model: type[Project | Service], workspace_id: int, user_id: int,
    text: str, limit: int,
) -> list[Hit]:
    """The workspace's active projects (or services) whose name or one of the user's aliases
    holds ``text``; each once, at its best rank (a name before an alias when equally good)."""
    pattern = contains(text)
    rank = _rank(model.name, text)
    by_name = session.execute(
        select(model, rank)
        .where(model.workspace_id == workspace_id, model.active.is_(True),
               func.lower(model.name).like(pattern, escape=ESCAPE))
        .order_by(rank, func.lower(model.name), model.id)
        .limit(limit)
    )  # fmt: skip
    hits = {row.id: Hit(row, position) for row, position in by_name}
    target = Alias.project_id if model is Project else Alias.service_id
    normalized = normalize_name(text)
    matches = [func.lower(Alias.name).like(pattern, escape=ESCAPE)]
    if normalized:
        matches.append(Alias.normalized.like(contains(normalized), escape=ESCAPE))
    alias_rank = _rank(Alias.name, text)
    by_alias = session.execute(
        select(model, Alias.name, alias_rank)
        .join(Alias, target == model.id)
        .where(Alias.user_id == user_id, model.workspace_id == workspace_id,
               model.active.is_(True), or_(*matches))
        .order_by(alias_rank, func.lower(Alias.name), Alias.id)
        .limit(limit)
    )  # fmt: skip
    for row, alias, position in by_alias:
        known = hits.get(row.id)
        if known is None or position < known.rank:
            hits[row.id] = Hit(row, position, alias)
    ordered = sorted(hits.values(), key=lambda hit: (hit.rank, hit.row.name.lower(), hit.row.id))
    return ordered[:limit]


def search_entries(session: Session, user_id: int, text: str, limit: int) -> list[TimeEntry]:
    """The user's own entries whose body or description holds ``text``, newest first."""
    pattern = contains(text)
    query = (
        select(TimeEntry)
        .where(TimeEntry.user_id == user_id,
               or_(func.lower(TimeEntry.body).like(pattern, escape=ESCAPE),
                   func.lower(TimeEntry.description).like(pattern, escape=ESCAPE)))
        .order_by(TimeEntry.date.desc(), TimeEntry.id.desc())
        .limit(limit)
    )  # fmt: skip
    return list(session.scalars(query))
