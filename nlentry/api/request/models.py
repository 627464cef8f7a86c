"""The fields the time entry operations read: their body's, query's and headers', as
pydantic models (those of clients, projects, services and aliases are in
``nlentry.api.request.catalog_models``).

A handler reads them with ``read_model`` (``nlentry.api.request.fields``); the
OpenAPI document shows their JSON Schema. ``...Create`` requires what ``...Input``
(the fields of a change) leaves out. Fields not given stay unset.
"""

from __future__ import annotations

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from nlentry.api.request.fields import (
    Body,
    DateText,
    Duration,
    IdList,
    OptionalBody,
    OptionalId,
    Page,
    PerPage,
)
from nlentry.limits import MAX_IDEMPOTENCY_KEY_LENGTH, MAX_PER_PAGE
from nlentry.storage.demo import demo_data

#: the example sentence of the documents: the demo workspace's (data, not code)
EXAMPLE = demo_data()["demo"]["sentence"]

class TimeEntryInput(BaseModel):
    body: Body = Field(  # type: ignore[assignment]
        None, description=f"the sentence the parser reads, e.g. `{EXAMPLE}`", examples=[EXAMPLE],
    )
    date: DateText = Field(None, description="overrides the date the parser found")  # type: ignore[assignment]
    duration: Duration = Field(  # type: ignore[assignment]
        None, description="seconds; overrides the parsed duration",
    )
    project_id: OptionalId = Field(None, description="overrides the parsed project")
    service_id: OptionalId = Field(None, description="overrides the parsed service")


class TimeEntryCreate(TimeEntryInput):
    body: Body = Field(
        description=f"the sentence the parser reads, e.g. `{EXAMPLE}`", examples=[EXAMPLE],
    )


class TimerInput(BaseModel):
    body: OptionalBody = Field(
        None, description="what the timer is for; absent or null: a timer without text",
        examples=["Timi ontwikkeling"],
    )
    date: DateText = Field(None, description="overrides the date the parser found")  # type: ignore[assignment]
    # read as on create, then not used: a timer measures its duration
    duration: SkipJsonSchema[Duration] = None  # type: ignore[assignment]
    project_id: OptionalId = Field(None, description="overrides the parsed project")
    service_id: OptionalId = Field(None, description="overrides the parsed service")


class TimeEntryQuery(BaseModel):
    """The filters and page of ``GET /time_entries``."""

    date: DateText = Field(None, description="only entries of this day")  # type: ignore[assignment]
    start_date: DateText = Field(  # type: ignore[assignment]
        None, description="only entries on or after this day",
    )
    end_date: DateText = Field(  # type: ignore[assignment]
        None, description="only entries on or before this day",
    )
    project_ids: IdList = Field(None, description="only entries of these projects")
    service_ids: IdList = Field(None, description="only entries of these services")
    client_ids: IdList = Field(None, description="only entries of these clients' projects")
    page: Page = Field(1, description="the page, from 1")
    per_page: PerPage = Field(
        MAX_PER_PAGE,
        description=f"entries per page, at most {MAX_PER_PAGE} (more is served as {MAX_PER_PAGE})",
    )


class IdempotencyHeaders(BaseModel):
    """The header of ``POST /time_entries`` (read by ``nlentry.api.idempotency.read_key``)."""

    idempotency_key: str = Field(
        None, alias="Idempotency-Key", min_length=1, max_length=MAX_IDEMPOTENCY_KEY_LENGTH,  # type: ignore[arg-type]
        description="the same key from the same user within 24 hours returns the first answer "
                    "and stores nothing new; the same key with another body is refused with 422 "
                    "naming `Idempotency-Key`",
    )
