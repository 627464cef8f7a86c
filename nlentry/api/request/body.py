"""Reading a request body into fields, within a size limit.

``application/x-www-form-urlencoded`` (what Timi clients send), JSON objects
and ``multipart/form-data`` all give a ``dict``. A form field repeated, or
named ``x[]``, gives a list; Rails-style ``time_entry[body]`` gives ``body``,
and so does a JSON object wrapped as ``{"time_entry": {"body": ...}}``.

Every text read here must be Unicode that UTF-8 can carry: a form's bytes are
decoded strictly (400 when they are not UTF-8), and a field whose JSON has a
``"\\ud800"`` escape (a lone surrogate: valid JSON, but no character) is
refused by ``require_text`` with 422 naming it, whatever the media type,
before it can reach the database or an answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import ClientDisconnect, Request

from nlentry.api.errors import APIError, Invalid, bad_request
from nlentry.limits import MAX_JSON_DEPTH

_WRAPPERS = ("time_entry", "project", "client", "service", "alias")
_NESTED = re.compile(r"^(?:[a-z_]+)\[([A-Za-z_]+)\]$")
UNREADABLE_TEXT = "is not valid Unicode text (it has a lone surrogate)"


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The raw body: 413 when ``Content-Length`` or the streamed size passes ``max_bytes``."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise bad_request("invalid Content-Length")
        if int(declared) > max_bytes:
            raise APIError(413)
    chunks = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_bytes:
                raise APIError(413)
            chunks.append(chunk)
    except ClientDisconnect:  # gone before its body was all sent: nothing to do, nothing to log
        raise APIError(408, {"message": "the body was not received"}) from None
    return b"".join(chunks)


async def read_fields(request: Request, max_bytes: int) -> dict[str, Any]:
    """The body's fields; every string in them (and in the query) is text UTF-8 can carry."""
    require_text(request.query_params.multi_items())
    fields = await _fields(request, max_bytes)
    require_text(fields.items())
    return fields


async def _fields(request: Request, max_bytes: int) -> dict[str, Any]:
    body = await read_body(request, max_bytes)
    if not body.strip():
        return {}
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type == "application/json" or media_type.endswith("+json"):
        return parse_json(body)
    if media_type in ("application/x-www-form-urlencoded", ""):
        return parse_urlencoded(body)
    if media_type == "multipart/form-data":
        return await parse_multipart(request.headers, body)
    raise APIError(415)


def require_text(fields: Iterable[tuple[str, Any]]) -> None:
    """422 naming each field whose value holds a string UTF-8 cannot carry; 400 for a name.

    Such a string can only come from a ``\\ud800``-style escape in JSON (a lone
    surrogate: no character at all). Found before the caller is known, the
    message is in English, like the other messages about an unreadable body.
    """
    unreadable = []
    for name, value in fields:
        if not _is_utf8(name):
            raise bad_request("a field name is not valid text: it has a lone surrogate")
        if not all(_is_utf8(text) for text in _strings(value)):
            unreadable.append(name)
    if unreadable:
        raise Invalid({name: [UNREADABLE_TEXT] for name in dict.fromkeys(unreadable)})


def _strings(value: Any) -> Iterator[str]:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise bad_request("the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise bad_request("the body must be a JSON object")
    if _depth(data) > MAX_JSON_DEPTH:
        raise bad_request("the body is nested too deeply")
    fields: dict[str, Any] = {}
    for key, value in data.items():
        if key in _WRAPPERS and isinstance(value, dict):
            fields.update(value)
        else:
            fields[key] = value
    return fields


def parse_urlencoded(body: bytes) -> dict[str, Any]:
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise bad_request("the form body cannot be read") from None
    return collect_pairs(pairs)


async def parse_multipart(headers: Headers, body: bytes) -> dict[str, Any]:
    async def stream():
        yield body

    try:
        form = await MultiPartParser(headers, stream()).parse()
    except (MultiPartException, ValueError, KeyError):
        raise bad_request("the multipart body cannot be read") from None
    return collect_pairs((k, v) for k, v in form.multi_items() if isinstance(v, str))


def collect_pairs(pairs) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for raw_key, value in pairs:
        key, is_list = field_name(raw_key)
        if key in fields:
            previous = fields[key]
            fields[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            fields[key] = [value] if is_list else value
    return fields


def field_name(raw: str) -> tuple[str, bool]:
    """``aliases[]`` -> (``aliases``, list); ``time_entry[body]`` -> (``body``, single)."""
    if raw.endswith("[]"):
        return raw[:-2], True
    match = _NESTED.match(raw)
    if match:
        return match.group(1), False
    return raw, False


def _depth(value: Any) -> int:
    depth, level = 0, [value]
    while level:
        depth += 1
        if depth > MAX_JSON_DEPTH:
            return depth
        following = []
        for item in level:
            if isinstance(item, dict):
                following.extend(item.values())
            elif isinstance(item, list):
                following.extend(item)
        level = following
    return depth
