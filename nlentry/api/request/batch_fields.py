"""The fields of the operations that store several entries at once: the batch
(``POST /time_entries/batch``), the preview of one (``POST /parse`` with ``many``)
and the CSV import (``POST /time_entries/import``).

A batch's explicit fields apply to every entry of its message; the fields
that only one entry can have (``duration``, ``start_time``, ``end_time``,
``description``) are not among them, and are refused as unknown fields.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema

from nlentry.api.request.fields import (
    Body,
    Boolean,
    DateText,
    Metadata,
    OptionalId,
    Strict,
    Tags,
    refuse,
)
from nlentry.api.request.models import TimeEntryCreate
from nlentry.limits import MAX_BATCH_ENTRIES, MAX_IMPORT_BYTES, MAX_IMPORT_ROWS

MESSAGE = "2 uur Timi; gisteren 3 uur aan Kiwi en 1 uur mail"


class BatchInput(Strict):
    """A message of one or more entries; the other fields apply to every entry."""

    body: Body = Field(
        description="the message: entries apart on new lines or `;`, or joined with `,` and "
                    f"the locale's separator words (`en`, `and`, ...); at most "
                    f"{MAX_BATCH_ENTRIES} entries", examples=[MESSAGE],
    )
    date: DateText = Field(None, description="the date of every entry, over what the parser found")  # type: ignore[assignment]
    project_id: OptionalId = Field(None, description="the project of every entry")
    service_id: OptionalId = Field(None, description="the service of every entry")
    billable: Boolean = Field(  # type: ignore[assignment]
        None, description="of every entry; default: each entry's project's `billable`",
    )
    tags: Tags = Field(  # type: ignore[assignment]
        None, description="given to every entry, merged with its own `#words`",
    )
    metadata: Metadata = Field(None)  # type: ignore[assignment]


_MANY = Field(None, description="true: read the body as `POST /time_entries/batch` does and "  # type: ignore[assignment]
                                "answer `{\"entries\": [preview, ...]}`; its other fields are "
                                "then the batch's")


class ParseInput(TimeEntryCreate):
    """``POST /parse``: a sentence and the overrides of a create, or with ``many`` a batch."""

    many: Boolean = _MANY  # type: ignore[assignment]


class ParseManyInput(BatchInput):
    """``POST /parse`` with ``many=true``: the fields of a batch."""

    many: Boolean = _MANY  # type: ignore[assignment]


def _csv_text(value: Any) -> str:
    if value is None:
        raise refuse("blank")
    if not isinstance(value, str):
        raise refuse("invalid")
    if not value.strip():
        raise refuse("blank")
    return value


CsvText = Annotated[
    str, BeforeValidator(_csv_text),
    WithJsonSchema({"type": "string", "maxLength": MAX_IMPORT_BYTES,
                    "examples": ["date,duration_seconds,project\n2026-03-18,5400,Timi\n"]}),
]
_PARTIAL = ("true: store the valid rows and report the others; default false: all rows or "
            "none")


class ImportInput(Strict):
    """A CSV: as the field ``csv`` (JSON or a form), as a multipart file part ``file``,
    or as the whole body with ``Content-Type: text/csv``."""

    csv: CsvText = Field(None, description="the CSV, header row first; at most "  # type: ignore[assignment]
                                           f"{MAX_IMPORT_ROWS} rows")
    file: CsvText = Field(None, description="the CSV as a multipart file part (or a field)")  # type: ignore[assignment]
    partial: Boolean = Field(None, description=_PARTIAL)  # type: ignore[assignment]


class ImportQuery(Strict):
    """The query of ``POST /time_entries/import`` (a ``text/csv`` body has no fields)."""

    partial: Boolean = Field(None, description=_PARTIAL + "; a `partial` field wins")  # type: ignore[assignment]


class ManyFlag(BaseModel):
    """``many`` alone, read first to know which fields ``POST /parse`` reads."""

    many: Boolean
