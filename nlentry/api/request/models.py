"""The fields the time entry operations read: their body's, query's and headers', as
pydantic models (those of clients, projects, services and aliases are in
``nlentry.api.request.catalog_models``).

A handler reads them with ``read_model`` (``nlentry.api.request.fields``); the
OpenAPI document shows their JSON Schema. ``...Create`` requires what ``...Input``
(the fields of a change) leaves out. Fields not given stay unset. Every model is
``Strict``: a field (or query parameter) it does not know is refused, 422 naming it.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, WithJsonSchema
from pydantic.json_schema import SkipJsonSchema

from nlentry.api.pagination import ENTRY_SORTS, PageQuery
from nlentry.api.request.entry_types import Description, SearchWords, Timestamp
from nlentry.api.request.fields import (
    Body,
    Boolean,
    Clock,
    DateText,
    Duration,
    IdList,
    Metadata,
    OptionalBody,
    OptionalId,
    Strict,
    TagFilter,
    Tags,
)
from nlentry.limits import MAX_IDEMPOTENCY_KEY_LENGTH
from nlentry.storage.demo import demo_data

#: the example sentence of the documents: the demo workspace's (data, not code)
EXAMPLE = demo_data()["demo"]["sentence"]


class _EntryExtras(Strict):
    """What an entry carries beside its text, given explicitly (all optional)."""

    description: Description = Field(None)  # type: ignore[assignment]
    billable: Boolean = Field(  # type: ignore[assignment]
        None, description="default: the project's `billable` (true without a project)",
    )
    tags: Tags = Field(  # type: ignore[assignment]
        None, description="merged with the `#words` of the text",
    )
    metadata: Metadata = Field(None)  # type: ignore[assignment]


class TimeEntryInput(_EntryExtras):
    """The fields of a change (``PATCH``): all optional; ``metadata`` merges."""

    body: Body = Field(  # type: ignore[assignment]
        None, description=f"the sentence the parser reads, e.g. `{EXAMPLE}`", examples=[EXAMPLE],
    )
    date: DateText = Field(None, description="overrides the date the parser found")  # type: ignore[assignment]
    duration: Duration = Field(  # type: ignore[assignment]
        None, description="seconds; overrides the parsed duration (and the one `start_time` "
                          "and `end_time` make)",
    )
    start_time: Clock = Field(
        None, description="`HH:MM`, the user's clock; with `end_time` (and no `duration`) it "
                          "makes the duration (an end before the start is on the next day)",
    )
    end_time: Clock = Field(None, description="`HH:MM`; see `start_time`")
    project_id: OptionalId = Field(None, description="overrides the parsed project")
    service_id: OptionalId = Field(None, description="overrides the parsed service")


class TimeEntryCreate(TimeEntryInput):
    body: Body = Field(
        description=f"the sentence the parser reads, e.g. `{EXAMPLE}`", examples=[EXAMPLE],
    )


class TimerInput(_EntryExtras):
    body: OptionalBody = Field(
        None, description="what the timer is for; absent or null: a timer without text",
        examples=["Timi ontwikkeling"],
    )
    date: DateText = Field(None, description="overrides the date the parser found")  # type: ignore[assignment]
    # read as on create, then not used: a timer measures its duration
    duration: SkipJsonSchema[Duration] = None  # type: ignore[assignment]
    project_id: OptionalId = Field(None, description="overrides the parsed project")
    service_id: OptionalId = Field(None, description="overrides the parsed service")


EntrySort = Annotated[
    str, WithJsonSchema({"type": "string", "enum": list(ENTRY_SORTS), "default": "-date"}),
]


class EntryFilters(Strict):
    """The filters of the caller's entries that the list and the reports share."""

    project_ids: IdList = Field(None, description="only entries of these projects")
    service_ids: IdList = Field(None, description="only entries of these services")
    client_ids: IdList = Field(None, description="only entries of these clients' projects")
    user_ids: IdList = Field(
        None, description="admins only (a member's is 422): the entries of these users of the "
                          "workspace instead of the caller's own",
    )
    billable: Boolean = Field(None, description="only billable (true) or non-billable entries")  # type: ignore[assignment]
    tag: TagFilter = Field(  # type: ignore[assignment]
        None, description="only entries with this tag (comma separated: with every one), case aside",
    )
    q: SearchWords = Field(  # type: ignore[assignment]
        None, description="words that must each be in the body or the description, case aside",
    )


class TimeEntryQuery(PageQuery, EntryFilters):
    """The filters, order and page of ``GET /time_entries``."""

    date: DateText = Field(None, description="only entries of this day")  # type: ignore[assignment]
    start_date: DateText = Field(  # type: ignore[assignment]
        None, description="only entries on or after this day",
    )
    end_date: DateText = Field(  # type: ignore[assignment]
        None, description="only entries on or before this day (a `start_date` after it is 422)",
    )
    updated_since: Timestamp = Field(  # type: ignore[assignment]
        None, description="only entries changed at or after this moment (for sync)",
    )
    sort: EntrySort = Field(  # type: ignore[assignment]
        None, description="`date`, `duration`, `created_at` or `updated_at`, `-` first for "
                          "descending; default `-date`; ties newest id first",
    )


class IdempotencyHeaders(BaseModel):
    """The header of ``POST /time_entries`` (read by ``nlentry.api.idempotency.read_key``)."""

    idempotency_key: str = Field(
        None, alias="Idempotency-Key", min_length=1, max_length=MAX_IDEMPOTENCY_KEY_LENGTH,  # type: ignore[arg-type]
        description="the same key from the same user within 24 hours returns the first answer "
                    "and stores nothing new; the same key with another body is refused with 422 "
                    "naming `Idempotency-Key`",
    )
