"""The shapes of the answers, as pydantic models: what the OpenAPI document shows.

The answers themselves are built as plain dicts by ``nlentry.api.json_shapes``
(fast); the tests check that every answer fits its model's schema.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from nlentry.limits import MAX_PER_PAGE

_ID = Annotated[int, Field(ge=1)]
_TIMESTAMP = Annotated[
    dt.datetime, Field(examples=["2016-03-27T09:30:00+02:00"],
                       description="with the caller's offset"),
]
_CLOCK = Annotated[str, Field(pattern=r"^\d{2}:\d{2}$", examples=["09:30"])]
_MESSAGES = Annotated[dict[str, list[str]], Field(description="messages per field")]
_ALIASES = Annotated[list[str], Field(description="the caller's aliases")]
_DURATION = Annotated[int, Field(description="seconds")]


class NamedRef(BaseModel):
    id: _ID
    name: str


class EntryProject(BaseModel):
    id: _ID
    name: str
    client: NamedRef | None


class NameWarning(BaseModel):
    """A name that the parser will not read as this name (docs/api.md)."""

    code: Annotated[str, Field(description="`time_word`")]
    field: str
    message: str


_NAME_WARNINGS = Annotated[
    list[NameWarning],
    Field(description="only in a create or update answer whose name is a time word, which "
                      "a sentence reads as time (`Uur`, `Gisteren`)"),
]


_CATALOG_METADATA = Annotated[
    dict[str, str], Field(description="string keys to string values (Timedash's metadata)",
                          examples=[{"ticket": "TIMI-42"}]),
]


class Project(BaseModel):
    id: _ID
    name: str
    active: bool
    client: NamedRef | None
    billable: bool = Field(description="whether the project's new entries are billable")
    metadata: _CATALOG_METADATA
    aliases: _ALIASES
    warnings: _NAME_WARNINGS = []


class Service(BaseModel):
    id: _ID
    name: str
    active: bool
    metadata: _CATALOG_METADATA
    aliases: _ALIASES
    warnings: _NAME_WARNINGS = []


class Client(BaseModel):
    id: _ID
    name: str
    active: bool
    metadata: _CATALOG_METADATA
    projects: list[Project]


class Pagination(BaseModel):
    """DRYTRIX's pagination object."""

    page: Annotated[int, Field(ge=1)]
    per_page: Annotated[int, Field(ge=1, le=MAX_PER_PAGE)]
    total: Annotated[int, Field(ge=0)]
    pages: Annotated[int, Field(ge=1)]
    has_next: bool
    has_prev: bool
    next_page: Annotated[int, Field(ge=2)] | None
    prev_page: Annotated[int, Field(ge=1)] | None


class _CatalogPage(BaseModel):
    current_page: Annotated[int, Field(ge=1)]
    per_page: Annotated[int, Field(ge=1, le=MAX_PER_PAGE)]
    total_entries: Annotated[int, Field(ge=0)]
    pagination: Pagination


class ClientPage(_CatalogPage):
    clients: list[Client]


class ProjectPage(_CatalogPage):
    projects: list[Project]


class ServicePage(_CatalogPage):
    services: list[Service]


class ClientList(RootModel[list[Client] | ClientPage]):
    """all the clients (a plain list), or with `page`, `per_page` or `size` one page of them"""


class ProjectList(RootModel[list[Project] | ProjectPage]):
    """all the projects (a plain list), or with `page`, `per_page` or `size` one page of them"""


class ServiceList(RootModel[list[Service] | ServicePage]):
    """all the services (a plain list), or with `page`, `per_page` or `size` one page of them"""


class SearchResult(BaseModel):
    type: Literal["project", "client", "service", "entry"]
    id: _ID
    title: str = Field(description="the name (an entry: its text)")
    description: str | None = Field(
        description="a project: its client, and the alias that found it; an entry: its date, "
                    "duration and project"
    )


class SearchResults(BaseModel):
    results: list[SearchResult]
    query: str = Field(description="the query as read (trimmed)")
    count: Annotated[int, Field(ge=0, description="the number of results")]


class UserRef(BaseModel):
    id: _ID
    display_name: str


_ENTRY_METADATA = Annotated[
    dict[str, str], Field(description="string keys to string values (at most 20)",
                          examples=[{"ticket": "TIMI-42"}]),
]


class _EntryFields(BaseModel):
    body: str = Field(description="the text as given, verbatim")
    description: str = Field(description="the text without what the parser read")
    date: dt.date = Field(description="the user's local date")
    duration: _DURATION
    start_time: _CLOCK | None
    end_time: _CLOCK | None
    project: EntryProject | None
    service: NamedRef | None


class TimeEntry(_EntryFields):
    id: _ID
    user: UserRef
    billable: bool = Field(description="the project's default unless given")
    tags: list[str] = Field(description="the text's `#words` and the given tags, without `#`")
    metadata: _ENTRY_METADATA
    timer_started_at: _TIMESTAMP | None = Field(description="set while the entry is a running timer")
    created_at: _TIMESTAMP
    updated_at: _TIMESTAMP


class Candidate(BaseModel):
    id: int | str
    name: str


class ParseWarning(BaseModel):
    """Something the parser guessed (docs/parsing.md, "Saying what was guessed")."""

    code: str
    message: str = Field(description="in the text's locale")
    start: int | None = Field(description="the offset of the words concerned (null: the whole)")
    end: int | None
    suggestion: str | None = Field(description="what was probably meant")


_WARNINGS = Annotated[list[ParseWarning], Field(description="what the parser guessed")]
_CANDIDATES = Annotated[
    dict[str, list[Candidate]],
    Field(description="`project` or `service`: the equally good matches when the text is "
                      "ambiguous"),
]


class CreatedTimeEntry(TimeEntry):
    """The stored entry, with what the parser said about its text."""

    warnings: _WARNINGS
    candidates: _CANDIDATES


class RunningTimerEntry(TimeEntry):
    """A running timer: `duration` is the seconds recorded before `timer_started_at` (as
    Timi has it: clients add the time since themselves); `total_duration` adds it."""

    total_duration: _DURATION = Field(
        description="`duration` plus the seconds since `timer_started_at` (at most 24 hours)")


class StartedTimer(RunningTimerEntry):
    """The started timer, with what the parser said about its text."""

    warnings: _WARNINGS
    candidates: _CANDIDATES


class StoppedTimer(TimeEntry):
    """The stopped timer's entry; a `timer_capped` warning when it ran past 24 hours."""

    warnings: _WARNINGS


class NoTimer(BaseModel):
    """`{}`: no timer runs (as Timi answers)"""

    model_config = ConfigDict(extra="forbid")


class RunningTimer(RootModel[RunningTimerEntry | NoTimer]):
    """the running timer, or `{}` when none runs"""


class TimeEntryPage(BaseModel):
    current_page: Annotated[int, Field(ge=1)]
    per_page: Annotated[int, Field(ge=1, le=MAX_PER_PAGE)]
    total_entries: Annotated[int, Field(ge=0)]
    time_entries: list[TimeEntry]
    pagination: Pagination


class Span(BaseModel):
    kind: str = Field(description="`duration`, `range`, `time`, `date`, `project`, `service`")
    start: int
    end: int
    text: str


class ParsePreview(_EntryFields):
    """what `POST /time_entries` would store; nothing is stored"""

    id: None
    duration: _DURATION | None = Field(description="seconds; null when none found")
    user: UserRef
    billable: bool
    tags: list[str]
    metadata: _ENTRY_METADATA
    timer_started_at: None
    created_at: None
    updated_at: None
    locale: str = Field(description="the locale that read the text")
    warnings: _WARNINGS
    candidates: _CANDIDATES
    spans: list[Span] = Field(description="the parts of the text the parser recognised")
    errors: _MESSAGES = Field(description="what the parser could not read")


_Status = Literal["ok", "unavailable"]


class Health(BaseModel):
    status: _Status
    database: _Status


class Endpoint(BaseModel):
    method: str
    path: str
    name: str
    authenticated: bool


class Info(BaseModel):
    name: str
    version: str
    api: str
    database: str
    endpoints: list[Endpoint]


class Error(BaseModel):
    """one body for every failure (see "Errors" in the API description)"""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "message": "not found", "error_code": "not_found", "code": "RESOURCE_NOT_FOUND",
        "type": "invalid_request_error", "param": None}]})  # fmt: skip

    message: str = Field(description="what went wrong, for people")
    error_code: str = Field(description="snake_case, for programs (Timedash)")
    code: str = Field(description="UPPER_CASE, for programs (Timetracker)")
    type: str = Field(description="`invalid_request_error`, `authentication_error`, "
                                  "`permission_error`, `rate_limit_error` or `api_error`")
    param: str | None = Field(description="the first invalid field, or the header at fault")


class ValidationError(Error):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "message": "validation failed", "error_code": "validation_error",
        "code": "VALIDATION_ERROR", "type": "invalid_request_error", "param": "duration",
        "errors": {"duration": ["is geen getal"]}}]})  # fmt: skip

    errors: _MESSAGES


class Forbidden(Error):
    required_scope: str | None = Field(
        default=None, description="the scope the operation needs, when a scope is missing")
    available_scopes: list[str] | None = Field(
        default=None, description="the token's scopes, when a scope is missing")
