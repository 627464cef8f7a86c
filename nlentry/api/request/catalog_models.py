"""The fields the client, project, service, alias and search operations read, as pydantic
models.

A handler reads them with ``read_model`` (``nlentry.api.request.fields``); the
OpenAPI document shows their JSON Schema. ``...Create`` requires what ``...Input``
(the fields of a change) leaves out. Fields not given stay unset. Every model is
``Strict``: a field it does not know is refused (422 naming it), never ignored.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from nlentry.api.pagination import PageQuery
from nlentry.api.request.fields import (
    Boolean,
    Messages,
    Metadata,
    Name,
    NameList,
    OneOrMoreAliases,
    OptionalId,
    Strict,
    integer,
    refuse,
)
from nlentry.limits import MAX_NAME_LENGTH
from nlentry.storage.queries.workspace_objects import CATALOG_SORTS

_ARCHIVES = "default true; false archives"
_METADATA = "string keys to string values; a change merges, a key set to `\"\"` or null is removed"

#: What ``GET /search`` finds, in the order of its answer's groups.
SEARCH_TYPES = ("project", "client", "service", "entry")
DEFAULT_SEARCH_LIMIT = 10
MAX_SEARCH_LIMIT = 50
MIN_SEARCH_LENGTH = 2


class ClientInput(Strict):
    name: Name = None  # type: ignore[assignment]  # unset unless given; null is refused
    active: Boolean = Field(None, description="false archives")  # type: ignore[assignment]
    metadata: Metadata = Field(None, description=_METADATA)  # type: ignore[assignment]


class ClientCreate(ClientInput):
    name: Name


class ProjectInput(Strict):
    name: Name = None  # type: ignore[assignment]
    active: Boolean = Field(None, description=_ARCHIVES)  # type: ignore[assignment]
    client_id: OptionalId = Field(None, description="blank or null detaches")
    billable: Boolean = Field(  # type: ignore[assignment]
        None, description="default true: whether the project's new entries are billable",
    )
    metadata: Metadata = Field(None, description=_METADATA)  # type: ignore[assignment]
    aliases: NameList = Field(  # type: ignore[assignment]
        None, description="replaces the caller's aliases (a list, repeated form fields or one "
                          "comma-separated string)",
    )


class ProjectCreate(ProjectInput):
    name: Name


class ServiceInput(Strict):
    name: Name = None  # type: ignore[assignment]
    active: Boolean = Field(None, description=_ARCHIVES)  # type: ignore[assignment]
    metadata: Metadata = Field(None, description=_METADATA)  # type: ignore[assignment]
    aliases: NameList = Field(  # type: ignore[assignment]
        None, description="replaces the caller's aliases",
    )


class ServiceCreate(ServiceInput):
    name: Name


class AliasInput(Strict):
    alias: OneOrMoreAliases


class CatalogQuery(PageQuery):
    """The query of ``GET /clients``, ``/projects`` and ``/services``: a plain list unless
    ``page``, ``per_page`` or ``size`` is given, then one page of it."""

    active: Boolean = Field(  # type: ignore[assignment]
        None, description="only the active (true) or only the archived (false) ones",
    )
    sort: Annotated[str, Field(max_length=MAX_NAME_LENGTH)] = Field(  # type: ignore[assignment]
        None, description=f"one of {', '.join(f'`{s}`' for s in CATALOG_SORTS)}; default `id` "
                          "(oldest first)",
        json_schema_extra={"enum": list(CATALOG_SORTS)},
    )


def _search_text(value: Any) -> str:
    if not isinstance(value, str) or "\x00" in value:
        raise refuse("invalid")
    if not value.strip():
        raise refuse("blank")
    return value.strip()


def _search_limit(value: Any) -> int:
    return DEFAULT_SEARCH_LIMIT if value is None or value == "" else integer(value)


SearchText = Annotated[
    str, Field(min_length=MIN_SEARCH_LENGTH, max_length=MAX_NAME_LENGTH, examples=["timi"]),
    BeforeValidator(_search_text),
    Messages(string_too_short="too_short"),
]
SearchLimit = Annotated[
    int, Field(ge=1, le=MAX_SEARCH_LIMIT), BeforeValidator(_search_limit),
    Messages(less_than_equal="too_many"),
]


class SearchQuery(Strict):
    """The query of ``GET /search``."""

    q: SearchText = Field(
        description=f"what to find (at least {MIN_SEARCH_LENGTH} characters): a substring of "
                    "a name or alias, or of an entry's text, case aside",
    )
    types: Annotated[str, Field(max_length=MAX_NAME_LENGTH)] = Field(  # type: ignore[assignment]
        None, description=f"comma separated, of {', '.join(f'`{t}`' for t in SEARCH_TYPES)}; "
                          "default all that the token may read",
        examples=["project,service"],
    )
    limit: SearchLimit = Field(
        DEFAULT_SEARCH_LIMIT, description=f"at most this many results (at most {MAX_SEARCH_LIMIT})",
    )
