"""The caller's own clock: each user's IANA time zone decides "today" and "now".

A user's ``timezone`` is stored as an IANA name, or ``NULL`` for the server's
default: ``$NLENTRY_TIMEZONE``, else the zone this machine runs in (tzlocal),
else UTC. Dates made or read for a user (the parser's "today", a new entry's
date, date filters, reports, a timer's start and end clock) are that user's
local dates, whatever zone the server runs in; stored timestamps stay naive
UTC, and answers write them with the user's offset
(``2017-01-26T13:33:51+01:00``, as Timi does).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nlentry.storage.accounts import is_zone_name

TIMEZONE_ENV = "NLENTRY_TIMEZONE"


@functools.cache
def zone(name: str) -> ZoneInfo:
    """The zone of an IANA name (``ZoneInfoNotFoundError`` for no zone)."""
    return ZoneInfo(name)


def default_zone_name(environ: Any = os.environ) -> str:
    """``$NLENTRY_TIMEZONE``, else the server's zone, else ``UTC``."""
    configured = environ.get(TIMEZONE_ENV, "").strip()
    return configured or _machine_zone_name()


@functools.cache
def _machine_zone_name() -> str:
    try:
        import tzlocal

        return tzlocal.get_localzone_name() or "UTC"
    except (OSError, LookupError, ValueError):  # an unreadable machine zone: serve in UTC
        return "UTC"


def check_default_zone(environ: Any = os.environ) -> None:
    """A start-up check: ``$NLENTRY_TIMEZONE``, when set, must name a zone."""
    name = environ.get(TIMEZONE_ENV, "").strip()
    if name and not is_zone_name(name):
        raise ValueError(f"{TIMEZONE_ENV}={name!r} is no IANA time zone (e.g. Europe/Amsterdam)")


def zone_name_of(timezone: str | None) -> str:
    """A user's zone name: their own, or the server's default."""
    return timezone or default_zone_name()


def zone_of(caller: Any) -> ZoneInfo:
    """The zone of ``caller`` (anything with a ``timezone`` attribute)."""
    try:
        return zone(zone_name_of(caller.timezone))
    except (ZoneInfoNotFoundError, ValueError):
        return zone("UTC")


def local_now(caller: Any, utc_now: dt.datetime | None = None) -> dt.datetime:
    """The caller's local time now (aware), from ``utc_now`` (naive UTC) when given."""
    now = utc_now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return now.replace(tzinfo=dt.UTC).astimezone(zone_of(caller))


def local_today(caller: Any, utc_now: dt.datetime | None = None) -> dt.date:
    """The caller's local date."""
    return local_now(caller, utc_now).date()


def local_clock(caller: Any, utc_now: dt.datetime | None = None) -> dt.time:
    """The caller's local time of day, to the minute (a timer's start and end)."""
    return local_now(caller, utc_now).time().replace(second=0, microsecond=0)


def local_timestamp(value: dt.datetime | None, caller: Any) -> str | None:
    """A stored naive-UTC datetime as ISO 8601 with the caller's offset."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC).astimezone(zone_of(caller)).isoformat(timespec="seconds")
