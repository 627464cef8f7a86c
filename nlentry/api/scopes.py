"""Token scopes (DRYTRIX's names): what a token may do, within what its user's role allows.

Each operation declares the one scope it needs (``@operation(..., scope=...)``,
``nlentry.api.operations``); a token holds a set of them (``admin:all`` holds
every one). A call outside the token's scopes is ``403`` with
``required_scope`` and ``available_scopes``. Scopes narrow a role, never
widen it: a member's ``admin:all`` token still reads only their own entries.
"""

from __future__ import annotations

from typing import Any

from nlentry.api import errors

ADMIN_ALL = "admin:all"

#: Every scope, with what it allows (the OpenAPI document lists them so).
SCOPES: dict[str, str] = {
    "read:time_entries": "read the caller's time entries and timer; preview a sentence",
    "write:time_entries": "create, change and delete time entries; start and stop the timer",
    "read:projects": "read projects and services (and the caller's aliases); search",
    "write:projects": "create, change and archive projects and services; set aliases",
    "read:clients": "read clients",
    "write:clients": "create, change and archive clients",
    "read:reports": "read reports",
    "read:users": "read the caller's profile",
    "webhooks": "manage webhook subscriptions",
    ADMIN_ALL: "everything the user's role allows, tokens and profile included",
}


#: What a chat link's token may do (``nlentry.api.chat``): log, read and undo time,
#: read the catalog, reports and the profile.
LINK_SCOPES = ("read:time_entries", "write:time_entries", "read:projects", "read:reports",
               "read:users")  # fmt: skip


def allows(scopes: frozenset[str], scope: str | None) -> bool:
    """Whether a token holding ``scopes`` may call an operation needing ``scope``."""
    return scope is None or scope in scopes or ADMIN_ALL in scopes


def require(scope: str | None, caller: Any) -> None:
    """Nothing when ``caller``'s token holds ``scope``; else 403 naming it."""
    if not allows(caller.scopes, scope):
        raise errors.forbidden(scope, sorted(caller.scopes))


def unknown_scopes(names: list[str]) -> list[str]:
    """The names in ``names`` that are no scope."""
    return [name for name in names if name not in SCOPES]


def not_grantable(requested: list[str], held: frozenset[str]) -> list[str]:
    """The scopes of ``requested`` that a token holding ``held`` cannot give a new token:
    a token never gets a scope its creator's token lacks (``admin:all`` holds all)."""
    if ADMIN_ALL in held:
        return []
    return [scope for scope in requested if scope not in held]
