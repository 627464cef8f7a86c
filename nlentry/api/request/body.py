"""Reading a request body into fields, within a size limit.

``application/x-www-form-urlencoded`` (what Timi clients send), JSON objects
and ``multipart/form-data`` all give a ``dict``. A form field repeated, or
named ``x[]``, gives a list; Rails-style ``time_entry[body]`` gives ``body``,
and so does a JSON object wrapped as ``{"time_entry": {"body": ...}}``.

Every refusal here (400, 408, 413, 415, 422) is an ``APIError``, so it is
answered in the one error body of ``nlentry.api.errors``.

An operation that takes a CSV (``POST /time_entries/import``) names its
route with ``accept_csv``; for that route only, a ``text/csv`` body becomes
the field ``csv`` and a multipart file part a field of its name (``file``),
each as text (UTF-8, or the charset the request names; a byte-order mark
dropped; 400 when it is not text in that charset). Any other route still
refuses ``text/csv`` with 415 and ignores files.

Every text read here must be Unicode that UTF-8 and the database can carry: a
form's bytes are decoded strictly (400 when they are not UTF-8, urlencoded or
multipart alike), and ``require_text`` refuses, with 422 naming the field,
whatever the media type, a value holding a NUL (PostgreSQL cannot store one)
or a ``"\\ud800"`` escape (a lone surrogate: valid JSON, but no character),
before it can reach the database or an answer. The credentials (``token``,
``email``) are left to ``nlentry.api.credentials``, which refuses such text
with 401.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from nlentry.api.errors import APIError, Invalid, bad_request
from nlentry.limits import MAX_JSON_DEPTH

_WRAPPERS = ("time_entry", "project", "client", "service", "alias")
_NESTED = re.compile(r"^(?:[a-z_]+)\[([A-Za-z_]+)\]$")
UNREADABLE_TEXT = "is not valid Unicode text (it has a lone surrogate)"
NUL_TEXT = "is not valid text (it has a NUL character)"
#: Read by the credential reader, which answers 401 for text no token can be.
CREDENTIAL_FIELDS = frozenset({"token", "email"})
#: The media types of a CSV body (on a route that takes one).
CSV_MEDIA_TYPES = frozenset({"text/csv", "application/csv"})
#: The route paths that take a CSV (``accept_csv``).
_CSV_ROUTES: set[str] = set()


def accept_csv(route_path: str) -> None:
    """Let the route of ``route_path`` (``/api/v1/time_entries/import``) take a CSV: a
    ``text/csv`` body as the field ``csv``, a multipart file part as a field of its name."""
    _CSV_ROUTES.add(route_path)


def takes_csv(request: Request) -> bool:
    """Whether the request's route takes a CSV (``accept_csv``)."""
    route = request.scope.get("route")
    return getattr(route, "path", None) in _CSV_ROUTES


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The raw body: 413 when ``Content-Length`` or the streamed size passes ``max_bytes``."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise bad_request("invalid Content-Length", param="Content-Length")
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
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/json" or media_type.endswith("+json"):
        return parse_json(body)
    if media_type in ("application/x-www-form-urlencoded", ""):
        return parse_urlencoded(body)
    if media_type == "multipart/form-data":
        return await parse_multipart(request.headers, body, files=takes_csv(request))
    if media_type in CSV_MEDIA_TYPES and takes_csv(request):
        _, options = parse_options_header(content_type)
        return {"csv": file_text(body, options.get(b"charset", b"").decode("latin-1"))}
    raise APIError(415)


def file_text(data: bytes, charset: str = "") -> str:
    """A file's bytes as text: UTF-8 (a byte-order mark dropped) unless ``charset``
    names another; 400 when they are not text in it, or it names no charset known."""
    name = charset.strip().strip('"') or "utf-8"
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        raise bad_request(f"unknown charset {name!r}") from None
    try:
        return data.decode("utf-8-sig" if codec == "utf-8" else codec)
    except UnicodeDecodeError:
        raise bad_request(f"the file is not valid {codec} text") from None


def require_text(fields: Iterable[tuple[str, Any]]) -> None:
    """422 naming each field whose value holds a string that cannot be stored; 400 for a name.

    Such a string holds a NUL (``%00`` in a form, ``\\u0000`` in JSON: PostgreSQL
    refuses it in text) or comes from a ``\\ud800``-style escape in JSON (a lone
    surrogate: no character at all). Found before the caller is known, the
    message is in English, like the other messages about an unreadable body.
    The credential fields are the credential reader's (401, not 422).
    """
    unreadable: dict[str, str] = {}
    for name, value in fields:
        problem = text_problem(name)
        if problem is not None:
            raise bad_request(f"a field name is not valid text: {problem}")
        if name in CREDENTIAL_FIELDS or name in unreadable:
            continue
        for text in _strings(value):
            problem = text_problem(text)
            if problem is not None:
                unreadable[name] = UNREADABLE_TEXT if problem == _SURROGATE else NUL_TEXT
                break
    if unreadable:
        raise Invalid({name: [text] for name, text in unreadable.items()})


_SURROGATE = "it has a lone surrogate"
_NUL = "it has a NUL character"


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored (a NUL, a lone surrogate), or None when it can."""
    if "\x00" in text:
        return _NUL
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE
    return None


def is_storable(text: str) -> bool:
    """Whether ``text`` is text the database can hold: UTF-8, without a NUL."""
    return text_problem(text) is None


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


class _StrictMultiPartParser(MultiPartParser):
    """Starlette's multipart parser, but a field name or value that is not text in the
    part's charset (UTF-8 unless the request says otherwise) is refused instead of
    being read as Latin-1 (mojibake), as a urlencoded form's is."""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._current_part.content_disposition)
        _decode_strictly(options.get(b"name", b""), self._charset)
        super().on_headers_finished()

    def on_part_end(self) -> None:
        if self._current_part.file is None:
            _decode_strictly(self._current_part.data, self._charset)
        super().on_part_end()


def _decode_strictly(data: bytes | bytearray, charset: str) -> None:
    try:
        bytes(data).decode(charset or "utf-8")
    except (UnicodeDecodeError, LookupError):
        raise MultiPartException("a field is not valid text") from None


async def parse_multipart(headers: Headers, body: bytes, files: bool = False) -> dict[str, Any]:
    """The fields of a multipart body; with ``files``, a file part is a field of its
    name too, its content as text (``file_text``; else files are left out)."""
    async def stream():
        yield body

    try:
        form = await _StrictMultiPartParser(headers, stream()).parse()
    except (MultiPartException, ValueError, KeyError):
        raise bad_request("the multipart body cannot be read") from None
    try:
        pairs = []
        for name, value in form.multi_items():
            if isinstance(value, str):
                pairs.append((name, value))
            elif files and isinstance(value, UploadFile):
                charset = parse_options_header(value.content_type or "")[1].get(b"charset", b"")
                pairs.append((name, file_text(await value.read(), charset.decode("latin-1"))))
    finally:
        await form.close()
    return collect_pairs(pairs)


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
