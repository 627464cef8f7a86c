"""Reading request fields into typed values, collecting messages per field.

Form fields arrive as strings and JSON fields as JSON types; both are read
the same way. Messages come from the user's locale (``nlentry.message``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from nlentry import message
from nlentry.api.errors import Invalid, not_found

MAX_DURATION = 24 * 60 * 60
MAX_NAME_LENGTH = 255
MAX_BODY_LENGTH = 10_000
MAX_ID = 2**31 - 1  # ids are 32-bit integers in every database

# ASCII digits only: ``\d`` would take "٣" (Arabic-Indic three) as 3
_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
_DUTCH_DATE = re.compile(r"([0-9]{1,2})-([0-9]{1,2})-([0-9]{4})")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
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


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_integer(value: Any, field: str, errors: FieldErrors) -> int | None:
    if isinstance(value, bool) or value is None:
        errors.add(field, "not_a_number")
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value.strip())
    errors.add(field, "not_a_number")
    return None


def read_optional_id(value: Any, field: str, errors: FieldErrors) -> tuple[bool, int | None]:
    """``(ok, id)``: blank or null clears (``None``), else a positive integer."""
    if is_blank(value):
        return True, None
    number = read_integer(value, field, errors)
    if number is None:
        return False, None
    if not 0 < number <= MAX_ID:
        errors.add(field, "not_found")
        return False, None
    return True, number


def read_duration(value: Any, field: str, errors: FieldErrors) -> int | None:
    """Whole seconds, more than 0 and at most 24 hours."""
    seconds = read_integer(value, field, errors)
    if seconds is None:
        return None
    if seconds <= 0:
        errors.add(field, "must_be_positive")
        return None
    if seconds > MAX_DURATION:
        errors.add(field, "duration_too_long")
        return None
    return seconds


def read_date(value: Any, field: str, errors: FieldErrors) -> dt.date | None:
    """``27-03-2016`` or ISO ``2016-03-27``."""
    if isinstance(value, str):
        text = value.strip()
        try:
            match = _DUTCH_DATE.fullmatch(text)
            if match:
                day, month, year = (int(g) for g in match.groups())
                return dt.date(year, month, day)
            if _ISO_DATE.fullmatch(text):
                return dt.date.fromisoformat(text)
        except ValueError:
            pass
    errors.add(field, "invalid_date")
    return None


def read_boolean(value: Any, field: str, errors: FieldErrors) -> bool | None:
    """JSON ``true``/``false``; in a form (a string) also ``1``/``0``, ``yes``/``no``, ...

    A JSON number is not a boolean: ``{"active": 0}`` is refused, naming the field.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    errors.add(field, "invalid")
    return None


def read_text(
    value: Any, field: str, errors: FieldErrors, *, max_length: int = MAX_NAME_LENGTH,
    required: bool = True,
) -> str | None:
    """A string (stored verbatim); blank is refused when ``required``."""
    if value is None:
        if required:
            errors.add(field, "blank")
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        errors.add(field, "invalid")
        return None
    if "\x00" in value:
        errors.add(field, "invalid")
        return None
    if required and not value.strip():
        errors.add(field, "blank")
        return None
    if len(value) > max_length:
        errors.add(field, "too_long")
        return None
    return value


def apply_name_and_active(
    fields: dict[str, Any], target: Any, errors: FieldErrors, *, creating: bool
) -> None:
    """Set ``target.name`` (required when ``creating``) and ``target.active`` from ``fields``.

    What clients, projects and services share; a refused value is left as it was.
    """
    if creating or "name" in fields:
        name = read_text(fields.get("name"), "name", errors)
        if name is not None:
            target.name = name.strip()
    if "active" in fields:
        active = read_boolean(fields["active"], "active", errors)
        if active is not None:
            target.active = active


def read_name_list(value: Any, field: str, errors: FieldErrors) -> list[str] | None:
    """A list of names: a JSON list, repeated form fields, or one comma-separated string.

    ``null`` or a blank string is the empty list, and blank pieces of a
    comma-separated string are skipped; but every item of a list must be a
    name (a string, not blank), else ``None`` with the field's message.
    """
    if is_blank(value):
        return []
    if isinstance(value, str):
        value = [piece for piece in value.split(",") if piece.strip()]
    if not isinstance(value, list):
        errors.add(field, "invalid")
        return None
    names = []
    for item in value:
        if not isinstance(item, str):
            errors.add(field, "invalid")
            return None
        name = read_text(item, field, errors)
        if name is None:
            return None
        names.append(name.strip())
    return names


def read_id_list(value: Any, field: str, errors: FieldErrors) -> list[int] | None:
    """Comma-separated ids (``1,2,3``) or a JSON list of them."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list):
        errors.add(field, "not_a_number")
        return None
    ids = []
    for item in items:
        if isinstance(item, str) and not item.strip():
            continue
        number = read_integer(item, field, errors)
        if number is None:
            return None
        if 0 < number <= MAX_ID:  # larger ids match nothing anyway
            ids.append(number)
    return ids


def path_id(value: object) -> int:
    """An id from the path; one no row can have is 404 at once."""
    if isinstance(value, int) and 0 < value <= MAX_ID:
        return value
    raise not_found()
