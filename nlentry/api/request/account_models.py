"""The fields the ``/users/me`` and ``/tokens`` operations read, as pydantic models.

Every model is ``Strict``: a field it does not know is refused, 422 naming it.
Fields not given stay unset (``read_model``).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema

from nlentry.api.request.fields import (
    Messages,
    Name,
    Strict,
    integer,
    is_blank,
    refuse,
)
from nlentry.api.scopes import SCOPES, unknown_scopes
from nlentry.api.user_time import is_zone_name
from nlentry.parsing.lexicon import available_locales

MAX_EXPIRES_IN_DAYS = 3650


def _scope_list(value: Any) -> list[str]:
    """A JSON list, repeated form fields, or one string of scopes separated by commas
    or spaces; each must be a scope's name (``invalid_scope``)."""
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise refuse("invalid")
    names = list(dict.fromkeys(item.strip() for item in value if item.strip()))
    if not names:
        raise refuse("blank")
    if unknown_scopes(names):
        raise refuse("invalid_scope")
    return names


def _days(value: Any) -> int | None:
    return None if is_blank(value) else integer(value)


def _locale(value: Any) -> str:
    if isinstance(value, str) and value.strip() in available_locales():
        return value.strip()
    raise refuse("invalid_locale")


def _optional_zone(value: Any) -> str | None:
    """An IANA zone name; null or blank: the server's default."""
    if is_blank(value):
        return None
    if isinstance(value, str) and is_zone_name(value.strip()):
        return value.strip()
    raise refuse("invalid_timezone")


ScopeList = Annotated[
    list[str], BeforeValidator(_scope_list),
    Messages(invalid_scope="invalid_scope"),
    WithJsonSchema({"type": "array", "items": {"type": "string", "enum": sorted(SCOPES)},
                    "examples": [["read:time_entries", "write:time_entries"]],
                    "description": "a list, or one string of scopes separated by commas; "
                                   "default: the scopes of the token that creates it"}),
]
ExpiresInDays = Annotated[
    Annotated[int, Field(ge=1, le=MAX_EXPIRES_IN_DAYS)] | None, BeforeValidator(_days),
    Messages(less_than_equal="too_many"),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1,
                               "maximum": MAX_EXPIRES_IN_DAYS}, {"type": "null"}],
                    "description": "days until the token expires; left out or null: never"}),
]
LocaleName = Annotated[
    str, BeforeValidator(_locale), Messages(invalid_locale="invalid_locale"),
    WithJsonSchema({"type": "string", "examples": ["nl", "en"],
                    "description": "an installed locale, e.g. `nl` or `en`"}),
]
OptionalTimezone = Annotated[
    str | None, BeforeValidator(_optional_zone),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "null"}],
                    "examples": ["Europe/Amsterdam"],
                    "description": "an IANA time zone; null or `\"\"`: the server's default"}),
]


class TokenCreate(Strict):
    """A new token of the caller."""

    name: Name = Field(description="what the token is for", examples=["laptop"])
    scopes: ScopeList = None  # type: ignore[assignment]
    expires_in_days: ExpiresInDays = None


class UserUpdate(Strict):
    """A change of the caller's profile: the fields given."""

    display_name: Name = None  # type: ignore[assignment]  # unset unless given; null is refused
    locale: LocaleName = None  # type: ignore[assignment]
    timezone: OptionalTimezone = None


class NoQuery(Strict):
    """No query parameters (but the credentials and ``_`` cache busters)."""
