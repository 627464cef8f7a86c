"""What a chat says, in the user's locale: entries, warnings, buttons, errors.

Every text is a ``chat_...`` message of the locale files (``[messages]``), a
template with ``{names}``; a locale that lacks one, or whose template names a
value that is not there, falls back to the reference locale's (``say``).
Entries and answers are the API's JSON (``docs/api.md``): this module reads
them, it never calls the API.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from nlentry.chat.commands import command_word
from nlentry.chat.model import Answer, Button
from nlentry.parsing.lexicon import get_lexicon, message
from nlentry.parsing.lexicon_check import CHAT_COMMANDS, REFERENCE_LOCALE
from nlentry.parsing.words import normalize_name

#: Between the parts of an entry's line, and before a listed line.
SEPARATOR = " · "
BULLET = "• "
#: The commands in the order ``help`` lists them.
HELP_ORDER = ("start", "stop", "status", "undo", "today", "week", "help", "project", "service")
assert set(HELP_ORDER) == CHAT_COMMANDS


def say(locale: str, key: str, **values: Any) -> str:
    """Message ``key`` in ``locale`` with ``values`` filled in."""
    try:
        return message(locale, key).format(**values)
    except (KeyError, IndexError, ValueError):  # a template naming what is not there
        return message(REFERENCE_LOCALE, key).format(**values)


def hours(seconds: float | None) -> str:
    """``9000`` -> ``2:30``: to the nearest minute, a minute at least when not 0."""
    seconds = max(0, int(seconds or 0))
    minutes = max((seconds + 30) // 60, 1 if seconds else 0)
    return f"{minutes // 60}:{minutes % 60:02d}"


def day_text(day: dt.date | str, locale: str, *, year: bool = True) -> str:
    """``wo 18 mrt 2026`` / ``Wed 18 Mar 2026`` (without ``year``: ``wo 18 mrt``)."""
    if isinstance(day, str):
        try:
            day = dt.date.fromisoformat(day)
        except ValueError:
            return day
    weekday = say(locale, f"chat_weekday_{day.isoweekday()}")
    month = say(locale, f"chat_month_{day.month}")
    return say(locale, "chat_date" if year else "chat_day",
               weekday=weekday, day=day.day, month=month, year=day.year)  # fmt: skip


def entry_text(entry: dict[str, Any], locale: str, *, alias: str | None = None,
               duration: bool = True, date: bool = True, times: bool = True) -> str:  # fmt: skip
    """One line of what an entry holds: ``2:30 · wo 18 mrt 2026 · 09:00–11:30 ·
    project Timi (alias Rowan) · dienst Development · tags #review``."""
    parts = []
    if duration:
        parts.append(hours(entry.get("total_duration", entry.get("duration"))))
    if date and entry.get("date"):
        parts.append(day_text(entry["date"], locale))
    start, end = entry.get("start_time"), entry.get("end_time")
    if times and start and end:
        parts.append(say(locale, "chat_times", start=start, end=end))
    elif times and start:
        parts.append(say(locale, "chat_time_from", start=start))
    project = entry.get("project")
    if project:
        if alias:
            parts.append(say(locale, "chat_project_alias", name=project["name"], alias=alias))
        else:
            parts.append(say(locale, "chat_project", name=project["name"]))
    if entry.get("service"):
        parts.append(say(locale, "chat_service", name=entry["service"]["name"]))
    if entry.get("tags"):
        parts.append(say(locale, "chat_tags", tags=" ".join(f"#{t}" for t in entry["tags"])))
    if entry.get("description"):
        parts.append(say(locale, "chat_description", text=entry["description"]))
    return SEPARATOR.join(parts)


def alias_of(entry: dict[str, Any], spans: list[dict[str, Any]]) -> str | None:
    """The alias that found ``entry``'s project: the text of a ``project`` span of its
    parse (``POST /parse.json``) that is not the project's name. A project the text
    names is found by its name or an alias only; two different projects are
    ambiguous, so every project span of an entry with a project names that project."""
    project = entry.get("project")
    if not project:
        return None
    name = normalize_name(project["name"])
    for span in spans:
        if span.get("kind") == "project" and normalize_name(span.get("text", "")) != name:
            return span["text"]
    return None


def warning_lines(entry: dict[str, Any], locale: str) -> list[str]:
    """Each warning of ``entry`` (``{"code", "message", "start", "end",
    "suggestion"}``) as a line: the words concerned, what it means, the suggestion."""
    lines = []
    known = get_lexicon(REFERENCE_LOCALE).messages
    body = entry.get("body") or ""
    for warning in entry.get("warnings") or ():
        key = f"warning_{warning.get('code')}"
        text = message(locale, key) if key in known else warning.get("message", key)
        start, end = warning.get("start"), warning.get("end")
        words = ""
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(body):
            words = body[start:end]
        line = (say(locale, "chat_warning_at", words=words, warning=text) if words
                else say(locale, "chat_warning", warning=text))  # fmt: skip
        if warning.get("suggestion"):
            line += " " + say(locale, "chat_suggestion", suggestion=warning["suggestion"])
        lines.append(line)
    return lines


def entry_lines(entry: dict[str, Any], locale: str, *, alias: str | None = None,
                **shown: bool) -> list[str]:  # fmt: skip
    """An entry's line (with a bullet) and its warnings under it."""
    return [BULLET + entry_text(entry, locale, alias=alias, **shown),
            *(f"   {line}" for line in warning_lines(entry, locale))]  # fmt: skip


def choices(entries: list[dict[str, Any]], locale: str) -> tuple[list[str], list[Button]]:
    """For each entry whose project or service was ambiguous (``candidates``): a line
    asking which, and a button per candidate (``project:<entry>:<project>``,
    typed ``project <entry> <project>`` in the user's words)."""
    lines: list[str] = []
    buttons: list[Button] = []
    numbered = len(entries) > 1
    for number, entry in enumerate(entries, 1):
        for kind in ("project", "service"):
            found = (entry.get("candidates") or {}).get(kind) or []
            if not found:
                continue
            lines.append(say(locale, "chat_choose_numbered", number=number) if numbered
                         else say(locale, f"chat_choose_{kind}"))  # fmt: skip
            word = command_word(kind, locale)
            for candidate in found:
                label = f"{number}. {candidate['name']}" if numbered else candidate["name"]
                buttons.append(Button(label=label,
                                      value=f"{kind}:{entry['id']}:{candidate['id']}",
                                      command=f"{word} {entry['id']} {candidate['id']}"))  # fmt: skip
    return lines, buttons


def undo_button(ids: list[int], locale: str) -> Button:
    """Undo what was stored: ``undo:12,13``, typed ``undo 12,13`` in the user's words."""
    listed = ",".join(str(i) for i in ids)
    return Button(label=say(locale, "chat_undo_button"), value=f"undo:{listed}",
                  command=f"{command_word('undo', locale)} {listed}", style="danger")  # fmt: skip


def refusal_text(answer: Answer, locale: str) -> str:
    """A batch the API refused (``422`` with ``entries: [{"index", "errors"}]``): what
    kept each entry from being stored; numbered unless only the first was refused."""
    body = answer.body if isinstance(answer.body, dict) else {}
    problems = []
    for item in body.get("entries") or ():
        texts = [t for texts in (item.get("errors") or {}).values() for t in texts]
        problems.append((item.get("index", 0), "; ".join(texts)))
    if not problems:
        return error_text(answer, locale)
    if len(problems) == 1 and problems[0][0] == 0:  # the first (often the only) entry
        lines = [f"{say(locale, 'chat_nothing_stored')} {problems[0][1]}"]
    else:
        lines = [say(locale, "chat_nothing_stored"),
                 *(BULLET + say(locale, "entry_refused", number=index + 1, problems=text)
                   for index, text in problems)]  # fmt: skip
    lines.append(say(locale, "chat_hint_help", word=command_word("help", locale)))
    return "\n".join(lines)


def error_text(answer: Answer, locale: str) -> str:
    """An API answer that is no success, as a reply (``docs/api.md``, "Errors")."""
    body = answer.body if isinstance(answer.body, dict) else {}
    status = answer.status
    if status == 403:
        return say(locale, "chat_error_403", scope=body.get("required_scope") or "?")
    if status == 422:
        errors = body.get("errors") or {}
        problems = "; ".join(
            text if field == "entries" else f"{field} {text}"
            for field, texts in errors.items()
            for text in (texts if isinstance(texts, list) else [texts])
        )
        return say(locale, "chat_error_422", problems=problems or body.get("message", ""))
    if status in (401, 404, 429, 503):
        return say(locale, f"chat_error_{status}")
    return say(locale, "chat_error_other", status=status)


def help_text(locale: str) -> str:
    """What a chat does, and each command in the user's words."""
    lines = [say(locale, "chat_help")]
    lines += [BULLET + say(locale, f"chat_help_{name}", word=command_word(name, locale))
              for name in HELP_ORDER]  # fmt: skip
    return "\n".join(lines)
