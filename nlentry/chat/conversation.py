"""The conversation of a chat, the same on every platform: ``handle``.

A delivery (``Incoming``) of a linked user is one of:

* a pressed button (``action``): ``undo:12,13`` removes those entries,
  ``project:12:3327`` / ``service:12:1`` gives entry 12 that project or service;
* a command, its word in any installed locale (``nlentry.chat.commands``):
  ``start <text>``, ``stop``, ``status``, ``undo`` (what the last message that
  stored entries stored; ``undo 12,13``: those), ``today``, ``week``, ``help``,
  and the typed form of the buttons, ``project 12 3327`` / ``service 12 1``;
* anything else: a message of one or more time entries, stored in one
  transaction (``POST /time_entries/batch.json``, the delivery as its
  ``Idempotency-Key``: a retried delivery replays the first answer).

What a message stores (its entries, or a started timer) is remembered in
``Memory`` for ``undo``; a message that stores nothing (``status``) leaves
that as it was, so ``undo`` still removes what the last storing message stored.

Everything is done through ``Api``, as the user, and the reply is in the user's
locale (the gateway knows it from the link, else ``GET /users/me.json``;
``nlentry.chat.replies``). An answer of the
API that is no success (401, 403, 404, 422, 429, 503, ...) becomes a reply
text: ``handle`` raises for no answer of the API.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nlentry.chat import replies
from nlentry.chat.commands import Command, read_command
from nlentry.chat.model import Answer, Api, Incoming, Memory, Profile, Reply
from nlentry.parsing.lexicon_check import REFERENCE_LOCALE

__all__ = ["handle"]

#: At most this many pages of today's entries are read (100 each).
TODAY_PAGES = 10


@dataclass(frozen=True)
class Turn:
    """One delivery being answered: the user's locale and zone, the API, the memory."""

    incoming: Incoming
    api: Api
    memory: Memory
    locale: str
    timezone: str

    @property
    def key(self) -> str:
        """The ``Idempotency-Key`` of what this delivery stores."""
        return f"chat:{self.incoming.delivery}"

    def today(self) -> dt.date:
        """The user's local date."""
        try:
            zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo("UTC")
        return dt.datetime.now(zone).date()

    def say(self, key: str, **values: Any) -> str:
        return replies.say(self.locale, key, **values)

    def failed(self, answer: Answer) -> Reply:
        return Reply(replies.error_text(answer, self.locale))


async def handle(incoming: Incoming, api: Api, memory: Memory,
                 profile: Profile | None = None) -> Reply:  # fmt: skip
    """The reply to one delivery of a linked user (see the module's text); the user's
    locale and zone from ``profile``, else from ``GET /users/me``."""
    if profile is None:
        me = await api("GET", "/users/me.json")
        if me.status != 200 or not isinstance(me.body, dict):
            return Reply(replies.error_text(me, REFERENCE_LOCALE))
        profile = Profile(me.body.get("locale") or REFERENCE_LOCALE,
                          me.body.get("timezone") or "UTC")  # fmt: skip
    turn = Turn(incoming, api, memory, profile.locale or REFERENCE_LOCALE,
                profile.timezone or "UTC")  # fmt: skip
    if incoming.action is not None:
        return await _pressed(turn, incoming.action)
    command = read_command(incoming.text, turn.locale)
    if command is not None:
        return await COMMANDS[command.name](turn, command)
    if not incoming.text.strip():
        return Reply(replies.help_text(turn.locale))
    return await _log(turn, incoming.text)


# --- a message of entries ---------------------------------------------------------------


async def _log(turn: Turn, text: str) -> Reply:
    answer = await turn.api("POST", "/time_entries/batch.json", json={"body": text},
                            key=turn.key)  # fmt: skip
    if answer.status == 422 and isinstance(answer.body, dict) and "entries" in answer.body:
        return Reply(replies.refusal_text(answer, turn.locale))
    if answer.status not in (200, 201) or not isinstance(answer.body, dict):
        return turn.failed(answer)
    entries = list(answer.body.get("time_entries") or [])
    ids = [entry["id"] for entry in entries]
    await turn.memory.remember_entry_ids(ids)
    aliases = await _aliases(turn, text, entries)
    head = (turn.say("chat_stored") if len(entries) == 1
            else turn.say("chat_stored_many", count=len(entries)))  # fmt: skip
    lines = [head]
    for entry, alias in zip(entries, aliases, strict=True):
        lines += replies.entry_lines(entry, turn.locale, alias=alias)
    return _with_choices(turn, lines, entries, ids)


async def _aliases(turn: Turn, text: str, entries: list[dict[str, Any]],
                   many: bool = True) -> list[str | None]:  # fmt: skip
    """For each entry, the alias that found its project (``None``: its name did, or it
    has none), from the spans of ``POST /parse.json`` on the same text."""
    if not any(entry.get("project") for entry in entries):
        return [None] * len(entries)
    fields: dict[str, Any] = {"body": text, "many": True} if many else {"body": text}
    answer = await turn.api("POST", "/parse.json", json=fields)
    if answer.status != 200 or not isinstance(answer.body, dict):
        return [None] * len(entries)
    previews = answer.body.get("entries") if many else [answer.body]
    if not isinstance(previews, list) or len(previews) != len(entries):
        return [None] * len(entries)
    return [replies.alias_of(entry, preview.get("spans") or [])
            if preview.get("body") == entry.get("body") else None
            for entry, preview in zip(entries, previews, strict=True)]  # fmt: skip


def _with_choices(turn: Turn, lines: list[str], entries: list[dict[str, Any]],
                  undo: list[int]) -> Reply:  # fmt: skip
    """The reply: ``lines``, a question per ambiguous project or service with a button
    per candidate, and an Undo button for ``undo`` (when there is any)."""
    asked, buttons = replies.choices(entries, turn.locale)
    if undo:
        buttons.append(replies.undo_button(undo, turn.locale))
    return Reply("\n".join([*lines, *asked]), tuple(buttons), stored=tuple(undo))


# --- buttons and their typed forms ------------------------------------------------------


async def _pressed(turn: Turn, action: str) -> Reply:
    kind, _, rest = action.partition(":")
    try:
        if kind == "undo":
            return await _undo(turn, tuple(int(i) for i in rest.split(",")))
        if kind in ("project", "service"):
            entry_id, choice = (int(part) for part in rest.split(":"))
            return await _choose(turn, kind, entry_id, choice)
    except ValueError:
        pass
    return Reply(turn.say("chat_unknown_action"))


async def _choose(turn: Turn, kind: str, entry_id: int, choice: int) -> Reply:
    """Give an entry the project or service a choice named (``PATCH``)."""
    answer = await turn.api("PATCH", f"/time_entries/{entry_id}.json",
                            json={f"{kind}_id": choice})  # fmt: skip
    if answer.status != 200 or not isinstance(answer.body, dict):
        return turn.failed(answer)
    lines = [turn.say("chat_updated"), *replies.entry_lines(answer.body, turn.locale)]
    return Reply("\n".join(lines))


async def _choice_command(turn: Turn, command: Command) -> Reply:
    entry_id, choice = command.ids
    return await _choose(turn, command.name, entry_id, choice)


async def _undo_command(turn: Turn, command: Command) -> Reply:
    return await _undo(turn, command.ids or None)


async def _undo(turn: Turn, ids: tuple[int, ...] | None) -> Reply:
    """Remove ``ids`` (``None``: what the last message that stored entries stored), and
    forget them."""
    last = await turn.memory.last_entry_ids()
    wanted = list(last) if ids is None else list(ids)
    if not wanted:
        return Reply(turn.say("chat_nothing_to_undo"))
    removed: list[int] = []
    failure: Answer | None = None
    for entry_id in wanted:
        answer = await turn.api("DELETE", f"/time_entries/{entry_id}.json")
        if answer.status in (200, 204):
            removed.append(entry_id)
        elif answer.status != 404:  # 404: gone already (ids are never used again)
            failure = answer
            break
    handled = set(removed) if failure is not None else set(wanted)
    if handled & set(last):
        await turn.memory.remember_entry_ids([i for i in last if i not in handled])
    if failure is not None:
        return turn.failed(failure)
    if not removed:
        return Reply(turn.say("chat_already_undone"))
    if len(removed) == 1:
        return Reply(turn.say("chat_undone_one"))
    return Reply(turn.say("chat_undone_many", count=len(removed)))


# --- the timer --------------------------------------------------------------------------


async def _start(turn: Turn, command: Command) -> Reply:
    answer = await turn.api("POST", "/time_entries/timer.json", json={"body": command.rest},
                            key=turn.key)  # fmt: skip
    if answer.status not in (200, 201) or not isinstance(answer.body, dict):
        return turn.failed(answer)
    entry = answer.body
    await turn.memory.remember_entry_ids([entry["id"]])
    [alias] = await _aliases(turn, command.rest, [entry], many=False) if command.rest else [None]
    lines = [turn.say("chat_timer_started", time=entry.get("start_time") or ""),
             *replies.entry_lines(entry, turn.locale, alias=alias, duration=False,
                                  times=False)]  # fmt: skip
    return _with_choices(turn, lines, [entry], [entry["id"]])


async def _stop(turn: Turn, command: Command) -> Reply:
    answer = await turn.api("DELETE", "/time_entries/timer.json")
    if answer.status == 404:
        return Reply(turn.say("chat_no_timer"))
    if answer.status != 200 or not isinstance(answer.body, dict):
        return turn.failed(answer)
    lines = [turn.say("chat_timer_stopped"), *replies.entry_lines(answer.body, turn.locale)]
    return Reply("\n".join(lines))


async def _status(turn: Turn, command: Command) -> Reply:
    answer = await turn.api("GET", "/time_entries/timer.json")
    if answer.status != 200:
        return turn.failed(answer)
    timer = answer.body if isinstance(answer.body, dict) else {}
    if not timer.get("id"):  # {}: none runs
        return Reply(turn.say("chat_no_timer"))
    # ``duration`` is what was recorded before ``timer_started_at``; ``total_duration``
    # adds the time since: what the timer shows
    elapsed = timer.get("total_duration", timer.get("duration"))
    lines = [turn.say("chat_timer_running", time=timer.get("start_time") or "",
                      duration=replies.hours(elapsed)),
             *replies.entry_lines(timer, turn.locale, duration=False, times=False)]  # fmt: skip
    return Reply("\n".join(lines))


# --- what was logged --------------------------------------------------------------------


async def _today(turn: Turn, command: Command) -> Reply:
    today = turn.today()
    entries: list[dict[str, Any]] = []
    for page in range(1, TODAY_PAGES + 1):
        query = {"date": today.isoformat(), "per_page": 100, "page": page}
        answer = await turn.api("GET", "/time_entries.json", query=query)
        if answer.status != 200 or not isinstance(answer.body, dict):
            return turn.failed(answer)
        entries += answer.body.get("time_entries") or []
        if not (answer.body.get("pagination") or {}).get("has_next"):
            break
    entries.sort(key=lambda entry: entry["id"])  # in the order they were made
    date = replies.day_text(today, turn.locale)
    if not entries:
        return Reply(turn.say("chat_today_empty", date=date))
    total = sum(entry.get("total_duration", entry.get("duration")) or 0 for entry in entries)
    lines = [turn.say("chat_today", date=date, total=replies.hours(total))]
    for entry in entries:
        lines += replies.entry_lines(entry, turn.locale, date=False)
    return Reply("\n".join(lines))


async def _week(turn: Turn, command: Command) -> Reply:
    """This week's totals per day and per project (``GET /reports/summary.json``,
    without dates: the user's current week, Monday to Sunday)."""
    summaries = []
    for group_by in ("day", "project"):
        answer = await turn.api("GET", "/reports/summary.json", query={"group_by": group_by})
        if answer.status != 200 or not isinstance(answer.body, dict):
            return turn.failed(answer)
        summaries.append(answer.body.get("summary") or {})
    days, projects = summaries
    start = replies.day_text(days.get("start_date", ""), turn.locale, year=False)
    end = replies.day_text(days.get("end_date", ""), turn.locale, year=False)
    if not days.get("total_entries"):
        return Reply(turn.say("chat_week_empty", start=start, end=end))
    lines = [turn.say("chat_week", start=start, end=end,
                      total=replies.hours(days.get("total_seconds"))),
             turn.say("chat_week_days")]  # fmt: skip
    for group in days.get("groups") or ():
        day = replies.day_text(group.get("key", ""), turn.locale, year=False)
        lines.append(f"{replies.BULLET}{day}: {replies.hours(group.get('seconds'))}")
    lines.append(turn.say("chat_week_projects"))
    for group in projects.get("groups") or ():
        name = group.get("name") or turn.say("chat_no_project")
        lines.append(f"{replies.BULLET}{name}: {replies.hours(group.get('seconds'))}")
    return Reply("\n".join(lines))


async def _help(turn: Turn, command: Command) -> Reply:
    return Reply(replies.help_text(turn.locale))


#: Each command of ``[chat]`` -> what it does.
COMMANDS: dict[str, Callable[[Turn, Command], Awaitable[Reply]]] = {
    "start": _start,
    "stop": _stop,
    "status": _status,
    "undo": _undo_command,
    "today": _today,
    "week": _week,
    "help": _help,
    "project": _choice_command,
    "service": _choice_command,
}
assert set(COMMANDS) == set(replies.HELP_ORDER)
