"""The answers of ``/users/me`` and ``/tokens``: their pydantic models (what the OpenAPI
document shows) and the plain dicts the handlers answer with.

Timestamps are written with the caller's offset (``nlentry.api.user_time``). A token's
secret is only ever in the create answer (``new_token_json``), never its hash.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from nlentry.api.response_models import NamedRef
from nlentry.api.user_time import local_timestamp, zone_name_of

_ID = Annotated[int, Field(ge=1)]
_TIMESTAMP = Annotated[dt.datetime, Field(examples=["2026-03-18T10:30:00+01:00"])]


class Token(BaseModel):
    """One of the caller's tokens (never its secret)."""

    id: _ID
    name: str
    scopes: list[str] = Field(description="what the token may do (`admin:all`: everything)")
    created_at: _TIMESTAMP
    expires_at: _TIMESTAMP | None = Field(description="null: until revoked")
    last_used_at: _TIMESTAMP | None = Field(
        description="the last request it made, to the minute; null: never used")


class NewToken(Token):
    """A new token, with its secret: shown in this answer only."""

    token: str = Field(description="the token itself, `PUBLIC_ID.SECRET`: store it now, it is "
                                   "never shown again")


class Me(BaseModel):
    """The caller's profile."""

    id: _ID
    email: str
    display_name: str
    role: Literal["admin", "member"] = Field(
        description="an admin may read (never write) the entries of the workspace's users")
    locale: str = Field(description="the language of the parser and of the messages")
    timezone: str = Field(description="the IANA zone of the caller's dates and times: their "
                                      "own, or the server's default when they have none")
    workspace: NamedRef


def token_json(row: Any, caller: Any) -> dict[str, Any]:
    """A token row as ``Token``, its timestamps in ``caller``'s zone."""
    return {
        "id": row.id,
        "name": row.name,
        "scopes": row.scopes.split(),
        "created_at": local_timestamp(row.created_at, caller),
        "expires_at": local_timestamp(row.expires_at, caller),
        "last_used_at": local_timestamp(row.last_used_at, caller),
    }


def new_token_json(row: Any, secret: str, caller: Any) -> dict[str, Any]:
    """A token row just made, as ``NewToken``."""
    return {**token_json(row, caller), "token": secret}


def me_json(user: Any) -> dict[str, Any]:
    """A user row (with its workspace) as ``Me``."""
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role,
        "locale": user.locale,
        "timezone": zone_name_of(user.timezone),
        "workspace": {"id": user.workspace.id, "name": user.workspace.name},
    }
