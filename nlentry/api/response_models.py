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
_TIMESTAMP = Annotated[dt.datetime, Field(examples=["2016-03-27T09:30:00Z"])]
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


class Project(BaseModel):
    id: _ID
    name: str
    active: bool
    client: NamedRef | None
    aliases: _ALIASES
    warnings: _NAME_WARNINGS = []


class Service(BaseModel):
    id: _ID
    name: str
    active: bool
    aliases: _ALIASES
    warnings: _NAME_WARNINGS = []


class Client(BaseModel):
    id: _ID
    name: str
    active: bool
    projects: list[Project]


class UserRef(BaseModel):
    id: _ID
    display_name: str


class _EntryFields(BaseModel):
    body: str = Field(description="the text as given, verbatim")
    description: str = Field(description="the text without what the parser read")
    date: dt.date
    duration: _DURATION
    start_time: _CLOCK | None
    end_time: _CLOCK | None
    project: EntryProject | None
    service: NamedRef | None


class TimeEntry(_EntryFields):
    id: _ID
    user: UserRef
    timer_started_at: _TIMESTAMP | None = Field(description="set while the entry is a running timer")
    created_at: _TIMESTAMP
    updated_at: _TIMESTAMP


class RunningTimerEntry(TimeEntry):
    """A running timer: `duration` is the seconds recorded before `timer_started_at` (as
    Timi has it: clients add the time since themselves); `total_duration` adds it."""

    total_duration: _DURATION = Field(
        description="`duration` plus the seconds since `timer_started_at` (at most 24 hours)")


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


class Candidate(BaseModel):
    id: int | str
    name: str


class ParsePreview(_EntryFields):
    """what `POST /time_entries` would store; nothing is stored"""

    id: None
    duration: _DURATION | None = Field(description="seconds; null when none found")
    user: UserRef
    timer_started_at: None
    created_at: None
    updated_at: None
    locale: str = Field(description="the locale that read the text")
    candidates: dict[str, list[Candidate]] = Field(
        description="`project` or `service`: the equally good matches when the text is ambiguous"
    )
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
    model_config = ConfigDict(json_schema_extra={"examples": [{"message": "not found"}]})

    message: str


class ValidationError(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"errors": {"duration": ["is geen getal"]}}]}
    )

    errors: _MESSAGES
