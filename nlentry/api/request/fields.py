"""The types of request fields (pydantic), and reading fields into them with localized messages.

Form fields arrive as strings and JSON fields as JSON types; the types here
read both the Timi way (``yes``/``1``/``on`` booleans, ``27-03-2016`` dates,
comma-separated id lists, a blank id clears, ...). Each type raises a
``PydanticCustomError`` whose type is the key of its message
(``nlentry.message``: ``not_a_number``, ``blank``, ``invalid``, ...);
``read_model`` turns pydantic's errors into those messages in the caller's
locale, one per field. Limits come from ``nlentry.limits``, and the JSON
Schema of each type (for the OpenAPI document) from the same declaration.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from nlentry import message
from nlentry.api.errors import Invalid, not_found
from nlentry.limits import (
    MAX_BODY_LENGTH,
    MAX_DURATION_SECONDS,
    MAX_ID,
    MAX_INTEGER_DIGITS,
    MAX_METADATA_KEY_LENGTH,
    MAX_METADATA_KEYS,
    MAX_METADATA_VALUE_LENGTH,
    MAX_NAME_LENGTH,
    MAX_PER_PAGE,
    MAX_TAG_LENGTH,
    MAX_TAGS,
)

# ASCII digits only: ``\d`` would take "٣" (Arabic-Indic three) as 3
_INTEGER = re.compile(rf"[+-]?[0-9]{{1,{MAX_INTEGER_DIGITS}}}")
_TRUE = {"true", "1", "yes", "on", "t"}
_FALSE = {"false", "0", "no", "off", "f"}


class FieldErrors:
    """Messages per field, in one locale; ``raise_if_any`` ends with 422."""

    def __init__(self, locale: str):
        self.locale = locale
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, key: str, prefix: str = "") -> None:
        text = message(self.locale, key)
        self.errors.setdefault(field, []).append(f"{prefix} {text}" if prefix else text)

    def add_text(self, field: str, text: str) -> None:
        self.errors.setdefault(field, []).append(text)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise Invalid(self.errors)


#: The message keys the readers here raise.
READER_KEYS = frozenset({
    "not_a_number", "invalid", "blank", "too_long", "invalid_date", "invalid_time",
    "invalid_timezone", "too_many", "too_many_keys", "key_too_long", "value_too_long",
    "not_a_string",
})


def refuse(key: str) -> PydanticCustomError:
    """The error a reader raises: its type is the message key."""
    return PydanticCustomError(key, key)


@dataclass(frozen=True)
class Messages:
    """Annotated metadata: the message key for a pydantic constraint error of this field,
    e.g. ``Messages(less_than_equal="duration_too_long")``."""

    keys: dict[str, str] = field(default_factory=dict)

    def __init__(self, **keys: str):
        object.__setattr__(self, "keys", keys)


#: pydantic's own error types, as message keys (a field's ``Messages`` come first).
PYDANTIC_KEYS = {
    "missing": "blank",
    "string_too_long": "too_long",
    "string_too_short": "blank",
    "greater_than_equal": "must_be_positive",
    "extra_forbidden": "unknown_field",  # a model with ``extra="forbid"`` (``Strict``)
}


# --- dates ----------------------------------------------------------------------------

#: The accepted dates, ``(format, example, name)``, tried in this order: ``%-d`` and ``%-m``
#: take one or two digits, ``%d`` and ``%m`` two, ``%Y`` four, all ASCII; a day is 1-31, a
#: month 1-12, a year 0001-9999 (what ``datetime.date`` takes; the day of the month is
#: checked when read: ``31-02-2026`` has the shape of a date, and is refused).
DATE_FORMATS = (
    ("%-d-%-m-%Y", "27-03-2016", "day-month-year"),
    ("%Y-%m-%d", "2016-03-27", "ISO"),
)
_YEAR = "(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"
_DIRECTIVES = {  # directive: (its part of the date, its pattern)
    "%-d": ("day", "(?:0?[1-9]|[12][0-9]|3[01])"), "%d": ("day", "(?:0[1-9]|[12][0-9]|3[01])"),
    "%-m": ("month", "(?:0?[1-9]|1[0-2])"), "%m": ("month", "(?:0[1-9]|1[0-2])"),
    "%Y": ("year", _YEAR),
}
_DIRECTIVE = re.compile("|".join(re.escape(d) for d in sorted(_DIRECTIVES, key=len, reverse=True)))


def _date_pattern(format: str, groups: bool = True) -> str:
    def directive(match: re.Match) -> str:
        part, pattern = _DIRECTIVES[match.group()]
        return f"(?P<{part}>{pattern})" if groups else pattern

    return _DIRECTIVE.sub(directive, format)


_DATES = [re.compile(_date_pattern(format)) for format, _, _ in DATE_FORMATS]
DATE_PATTERN = "^(" + "|".join(_date_pattern(f, groups=False) for f, _, _ in DATE_FORMATS) + ")$"
DATE_DESCRIPTION = " or ".join(f"`{example}` ({name})" for _, example, name in DATE_FORMATS)


def _date(value: Any) -> dt.date:
    if isinstance(value, str):
        text = value.strip()
        for pattern in _DATES:
            match = pattern.fullmatch(text)
            if match:
                try:
                    return dt.date(*(int(match[g]) for g in ("year", "month", "day")))
                except ValueError:
                    break
    raise refuse("invalid_date")


# --- readers ----------------------------------------------------------------------------


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def integer(value: Any) -> int:
    """An integer: a JSON number without fraction, or ASCII digits in a string."""
    if isinstance(value, bool) or value is None:
        raise refuse("not_a_number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value.strip())
    raise refuse("not_a_number")


def _optional_id(value: Any) -> int | None:
    return None if is_blank(value) else integer(value)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise refuse("invalid")


def _text(*, required: bool) -> Callable[[Any], str | None]:
    """A string (kept verbatim; a number becomes its text); blank refused when ``required``."""

    def read(value: Any) -> str | None:
        if value is None:
            if required:
                raise refuse("blank")
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or "\x00" in value:
            raise refuse("invalid")
        if required and not value.strip():
            raise refuse("blank")
        return value

    return read


_required_text = _text(required=True)
#: A string or None (kept verbatim, a number as its text).
optional_text = _text(required=False)


def _name_list(value: Any) -> list[str]:
    """A JSON list, repeated form fields or one comma-separated string of names.

    ``null`` or a blank string is the empty list, and blank pieces of a
    comma-separated string are skipped; but every item of a list must be a name.
    """
    if is_blank(value):
        return []
    if isinstance(value, str):
        value = [piece for piece in value.split(",") if piece.strip()]
    if not isinstance(value, list):
        raise refuse("invalid")
    names = []
    for item in value:
        if not isinstance(item, str):
            raise refuse("invalid")
        name = _required_text(item)
        if len(name) > MAX_NAME_LENGTH:
            raise refuse("too_long")
        names.append(name.strip())
    return names


def _one_or_more_names(value: Any) -> list[str]:
    """An alias: one name, or (repeated form fields, a JSON list) a list of at least one."""
    if isinstance(value, list):
        names = _name_list(value)
        if not names:
            raise refuse("blank")
        return names
    name = _required_text(value)
    if len(name) > MAX_NAME_LENGTH:
        raise refuse("too_long")
    return [name.strip()]


def _id_list(value: Any) -> list[int] | None:
    """Comma-separated ids (``1,2,3``) or a JSON list; blank: no filter. Ids no row can
    have are left out (they match nothing anyway)."""
    if isinstance(value, str) and not value:
        return None
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list):
        raise refuse("not_a_number")
    numbers = (integer(item) for item in items if not (isinstance(item, str) and not item.strip()))
    return [number for number in numbers if 0 < number <= MAX_ID]


def _page_number(default: int) -> Callable[[Any], int]:
    def read(value: Any) -> int:
        return default if value is None or value == "" else integer(value)

    return read


def _at_most(limit: int) -> AfterValidator:
    return AfterValidator(lambda number: min(number, limit))


_CLOCK = re.compile(r"([01]?[0-9]|2[0-3])[:.]([0-5][0-9])")


def _clock(value: Any) -> dt.time | None:
    """``HH:MM`` (or ``H:MM``, ``HH.MM``); blank or null clears."""
    if is_blank(value):
        return None
    if isinstance(value, str):
        match = _CLOCK.fullmatch(value.strip())
        if match:
            return dt.time(int(match[1]), int(match[2]))
    raise refuse("invalid_time")


def _metadata(value: Any) -> dict[str, str | None]:
    """A JSON object of string keys to string values (a form sends it as JSON text);
    a value ``""`` or null removes its key when merged (``merge_metadata``)."""
    if is_blank(value):
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise refuse("invalid") from None
    if not isinstance(value, dict):
        raise refuse("invalid")
    if len(value) > MAX_METADATA_KEYS:
        raise refuse("too_many_keys")
    for key, item in value.items():
        if not key.strip() or "\x00" in key:
            raise refuse("invalid")
        if len(key) > MAX_METADATA_KEY_LENGTH:
            raise refuse("key_too_long")
        if item is not None and not isinstance(item, str):
            raise refuse("not_a_string")
        if item is not None and ("\x00" in item or len(item) > MAX_METADATA_VALUE_LENGTH):
            raise refuse("value_too_long" if len(item) > MAX_METADATA_VALUE_LENGTH else "invalid")
    return dict(value)


def merge_metadata(current: dict[str, str] | None, change: dict[str, str | None]) -> dict:
    """``current`` with ``change`` merged in: a key set to ``""`` or null is removed.
    More than ``MAX_METADATA_KEYS`` after the merge is refused (``too_many_keys``)."""
    merged = dict(current or {})
    for key, item in change.items():
        if item is None or item == "":
            merged.pop(key, None)
        else:
            merged[key] = item
    if len(merged) > MAX_METADATA_KEYS:
        raise ValueError("too_many_keys")
    return merged


def tag_of(text: str) -> str:
    """A tag as stored: without its ``#``, trimmed."""
    return text.strip().lstrip("#").strip()


def _tags(value: Any) -> list[str]:
    """A JSON list, repeated form fields or one comma-separated string; each without
    its ``#``, duplicates dropped (the first spelling kept)."""
    if is_blank(value):
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        raise refuse("invalid")
    tags: list[str] = []
    for item in value:
        if not isinstance(item, str) or "\x00" in item:
            raise refuse("invalid")
        tag = tag_of(item)
        if len(tag) > MAX_TAG_LENGTH:
            raise refuse("too_long")
        if tag and tag.casefold() not in (known.casefold() for known in tags):
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise refuse("too_many")
    return tags


# --- the types --------------------------------------------------------------------------

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
OptionalId = Annotated[
    Id | None, BeforeValidator(_optional_id),
    Messages(greater_than_equal="not_found", less_than_equal="not_found"),
]
Duration = Annotated[
    int, Field(ge=1, le=MAX_DURATION_SECONDS), BeforeValidator(integer),
    Messages(less_than_equal="duration_too_long"),
]
DateText = Annotated[
    dt.date, BeforeValidator(_date),
    WithJsonSchema({"type": "string", "pattern": DATE_PATTERN, "description": DATE_DESCRIPTION,
                    "examples": [example for _, example, _ in DATE_FORMATS]}),
]
Boolean = Annotated[
    bool, BeforeValidator(_boolean),
    Field(description="JSON `true`/`false` (not a number); in a form: `true`/`false`, `1`/`0`, "
                      "`yes`/`no`, `on`/`off`"),
]
Name = Annotated[
    str, Field(min_length=1, max_length=MAX_NAME_LENGTH, examples=["Timi"]),
    BeforeValidator(_required_text), AfterValidator(str.strip),
]
AliasName = Annotated[
    str, Field(min_length=1, max_length=MAX_NAME_LENGTH, examples=["kiwi"],
               description="a name with at least one letter or digit",
               json_schema_extra={"pattern": r"\w"}),  # documented; the storage refuses it
]
NameList = Annotated[list[AliasName], BeforeValidator(_name_list)]
OneOrMoreAliases = Annotated[  # documented as one alias: what Timi clients send
    list[str], BeforeValidator(_one_or_more_names),
    WithJsonSchema(TypeAdapter(AliasName).json_schema()),
]
Body = Annotated[str, Field(max_length=MAX_BODY_LENGTH), BeforeValidator(_required_text)]
OptionalBody = Annotated[
    Annotated[str, Field(max_length=MAX_BODY_LENGTH)] | None, BeforeValidator(_text(required=False)),
]
_ID_TEXT = rf"[0-9]{{1,{MAX_INTEGER_DIGITS}}}"
IdList = Annotated[
    list[int] | None, BeforeValidator(_id_list),
    WithJsonSchema({"type": "string", "pattern": rf"^ *({_ID_TEXT} *(, *{_ID_TEXT} *)*)?$",
                    "description": "comma-separated ids, e.g. `1,2,3`"}),
]
Page = Annotated[int, Field(ge=1), BeforeValidator(_page_number(1)), _at_most(MAX_ID)]
Clock = Annotated[
    dt.time | None, BeforeValidator(_clock),
    WithJsonSchema({"anyOf": [{"type": "string",
                               "pattern": r"^([01]?[0-9]|2[0-3])[:.][0-5][0-9]$"},
                              {"type": "null"}],
                    "examples": ["09:30"], "description": "`HH:MM`; blank or null clears"}),
]
Metadata = Annotated[
    dict[str, str | None], BeforeValidator(_metadata),
    WithJsonSchema({"type": "object", "additionalProperties": {"type": ["string", "null"],
                    "maxLength": MAX_METADATA_VALUE_LENGTH}, "maxProperties": MAX_METADATA_KEYS,
                    "description": f"string keys (at most {MAX_METADATA_KEY_LENGTH} characters) "
                                   f"to string values; at most {MAX_METADATA_KEYS} keys; a change "
                                   "merges, a key set to `\"\"` or null is removed",
                    "examples": [{"ticket": "TIMI-42"}]}),
]
Tags = Annotated[
    list[str], BeforeValidator(_tags),
    WithJsonSchema({"type": "array", "items": {"type": "string", "maxLength": MAX_TAG_LENGTH},
                    "maxItems": MAX_TAGS, "examples": [["meeting", "urgent"]],
                    "description": "a list, or one comma-separated string; a leading `#` "
                                   "is dropped"}),
]
TagFilter = Annotated[  # a query parameter: one string (a repeated parameter keeps its last)
    list[str], BeforeValidator(_tags),
    WithJsonSchema({"type": "string", "maxLength": MAX_TAG_LENGTH * MAX_TAGS,
                    "examples": ["bugfix", "bugfix,urgent"],
                    "description": "a tag, or comma-separated tags; a leading `#` is dropped"}),
]
PerPage = Annotated[
    int, Field(ge=1, le=MAX_PER_PAGE), BeforeValidator(_page_number(MAX_PER_PAGE)),
    Messages(less_than_equal="too_many"),
]


# --- reading a model --------------------------------------------------------------------


def read_model(model: type[BaseModel], fields: Any, errors: FieldErrors) -> dict[str, Any]:
    """The fields of ``model`` given in ``fields``, read; a message in ``errors`` for each
    field refused (and the others read nonetheless)."""
    try:
        read = model.model_validate(fields)
    except ValidationError as error:
        return _read_apart(model, fields, error, errors)
    given = read.model_fields_set
    return {name: getattr(read, name) for name in model.model_fields if name in given}


def _read_apart(model: type[BaseModel], fields: Any, error: ValidationError,
                errors: FieldErrors) -> dict[str, Any]:  # fmt: skip
    refused: dict[str, str] = {}
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else ""
        if name not in refused:
            refused[name] = message_key(model, name, problem["type"])
    values: dict[str, Any] = {}
    draft = model.model_construct()
    for name in model.model_fields:
        if name in refused:
            errors.add(name, refused[name])
        elif name in fields:
            model.__pydantic_validator__.validate_assignment(draft, name, fields[name])
            values[name] = getattr(draft, name)
    for name, key in refused.items():  # fields the model does not know (``Strict``)
        if name not in model.model_fields:
            errors.add(name, key)
    return values


class Strict(BaseModel):
    """A model whose unknown fields are refused, each named (``unknown_field``)."""

    model_config = ConfigDict(extra="forbid")


def query_fields(query: Any) -> dict[str, Any]:
    """A request's query parameters as fields; those starting with ``_`` (cache
    busters) are left out. A name given twice keeps its last value."""
    return {name: value for name, value in query.items() if not name.startswith("_")}


#: Query parameters that are credentials (``nlentry.api.credentials``), no list's.
CREDENTIAL_PARAMETERS = frozenset({"email", "token"})


def read_query(model: type[BaseModel], query: Any, errors: FieldErrors) -> dict[str, Any]:
    """The query parameters of ``model``, read (``read_model``); each parameter the model
    does not know is refused (``unknown_parameter``), but not the credentials nor the
    ``_``-prefixed cache busters, which are left out."""
    known = {}
    for name, value in query_fields(query).items():
        if name in model.model_fields:
            known[name] = value
        elif name not in CREDENTIAL_PARAMETERS:
            errors.add(name, "unknown_parameter")
    return read_model(model, known, errors)


def message_key(model: type[BaseModel], name: str, kind: str) -> str:
    """The message key for a pydantic error of type ``kind`` on field ``name``."""
    info = model.model_fields.get(name)
    for meta in info.metadata if info else ():
        if isinstance(meta, Messages) and kind in meta.keys:
            return meta.keys[kind]
    if kind in PYDANTIC_KEYS:
        return PYDANTIC_KEYS[kind]
    return kind if kind in READER_KEYS else "invalid"


def apply_name_and_active(target: Any, values: dict[str, Any]) -> None:
    """Set what ``values`` gives of a client's, project's or service's name and active."""
    for name in ("name", "active"):
        if name in values:
            setattr(target, name, values[name])


def path_id(value: object) -> int:
    """An id from the path; one no row can have is 404 at once."""
    if isinstance(value, int) and 0 < value <= MAX_ID:
        return value
    raise not_found()
