"""``GET /``: the quick-entry page; ``/page/...``: its files and its texts.

The page is plain files shipped in the package (``static/``): ``index.html``,
``page.css``, and ``page.js`` with the ES modules it imports (``api.js``,
``preview.js``, ...; no inline script or style, nothing from a CDN), and its
words per locale in ``texts/<locale>.toml`` (flat ``key = "text"``; ``en`` is
the reference). The page calls the API at ``/api/v1`` with the token the user
pasted (kept in the browser): no session, no cookie.

* ``GET /``: ``static/index.html``, its links to the page's files carrying each
  file's version (``/page/page.js?v=...``) so that a browser never keeps an old
  file for a new page; ``Cache-Control: no-cache`` and an ``ETag``.
* ``GET /page/{file}``: a file of ``static/`` (only those; anything else is
  404, ``..`` included), with its media type; cached a year (``immutable``)
  when asked with its current version, else revalidated (``no-cache``). A
  module's imports of its neighbours (``from "./api.js"``) are served versioned
  the same way (``"./api.js?v=..."``), so a module's version covers the modules
  it imports, and the URL a module is imported by is the URL ``index.html``
  preloads it by (one module, fetched once).
* ``GET /page/texts/{locale}.json``: ``{"locale", "language", "locales",
  "texts"}``: the locale's texts (a key it lacks falls back to English) and
  every locale there is (code -> its own name), for the page's switch;
  an unknown locale is 404.

Every answer here carries ``CSP`` (only the page's own files, no inline
script or style, no form posts, no framing, Trusted Types: the page never
writes HTML from strings), ``X-Content-Type-Options: nosniff`` and
``Referrer-Policy: no-referrer``; an ``If-None-Match`` naming the ``ETag``
gets ``304``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from nlentry.etags import etag_matches

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
TEXTS = HERE / "texts"
#: The reference locale: every other one has exactly its keys.
REFERENCE_LOCALE = "en"
INDEX = "index.html"

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; "
    "require-trusted-types-for 'script'; trusted-types 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}
REVALIDATE = "no-cache"
FOREVER = "public, max-age=31536000, immutable"
_LOCALE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})?")
#: A reference from index.html to one of the page's files: versioned when served.
_OWN_FILE = re.compile(r'(?P<attr>src|href)="/page/(?P<name>[\w.-]+)"')
#: A module's static import of a neighbour in static/: versioned when served.
_IMPORT = re.compile(r'(?P<head>\b(?:from|import)\s*)"\./(?P<name>[\w.-]+\.js)"')


@dataclass(frozen=True)
class PageFile:
    body: bytes
    media_type: str
    version: str  # a digest of the body: the ETag, and the ``v`` of versioned links

    @property
    def etag(self) -> str:
        return f'"{self.version}"'


def _page_file(body: bytes, media_type: str) -> PageFile:
    return PageFile(body, media_type, hashlib.sha256(body).hexdigest()[:16])


@functools.cache
def files() -> dict[str, PageFile]:
    """The files of ``static/`` the page may serve: name -> file (modules' imports versioned)."""
    sources = {
        path.name: path.read_bytes()
        for path in sorted(STATIC.iterdir())
        if path.is_file() and not path.name.startswith(".") and path.suffix in MEDIA_TYPES
    }
    served: dict[str, PageFile] = {}

    def serve(name: str, importers: tuple[str, ...]) -> PageFile:
        if name in importers:
            raise RuntimeError(f"modules import each other: {' -> '.join((*importers, name))}")
        if name not in served:
            body = sources[name]
            if name.endswith(".js"):
                chain = (*importers, name)
                body = _versioned_imports(name, body, sources, lambda dep: serve(dep, chain))
            served[name] = _page_file(body, MEDIA_TYPES[Path(name).suffix])
        return served[name]

    return {name: serve(name, ()) for name in sources}


def _versioned_imports(name: str, body: bytes, sources: dict[str, bytes],
                       serve: Callable[[str], PageFile]) -> bytes:  # fmt: skip
    """A module's ``from "./x.js"`` (and ``import "./x.js"``) as ``"./x.js?v=<version>"``."""

    def versioned(match: re.Match[str]) -> str:
        imported = match["name"]
        if imported not in sources:
            raise RuntimeError(f"{name} imports ./{imported}, which is not in {STATIC}")
        return f'{match["head"]}"./{imported}?v={serve(imported).version}"'

    return _IMPORT.sub(versioned, body.decode("utf-8")).encode("utf-8")


@functools.cache
def index_page() -> PageFile:
    """``index.html`` with its links to the page's files versioned."""
    own = files()

    def versioned(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in own:
            raise RuntimeError(f"{INDEX} links to /page/{name}, which is not in {STATIC}")
        return f'{match["attr"]}="/page/{name}?v={own[name].version}"'

    text = own[INDEX].body.decode("utf-8")
    return _page_file(_OWN_FILE.sub(versioned, text).encode("utf-8"), own[INDEX].media_type)


def read_texts(path: Path) -> dict[str, str]:
    """One locale's texts: a flat table of strings (anything else is an error at start)."""
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    wrong = sorted(key for key, value in table.items() if not isinstance(value, str))
    if wrong:
        raise ValueError(f"{path}: not a text: {', '.join(wrong)}")
    return table


@functools.cache
def locales() -> dict[str, dict[str, str]]:
    """Every locale of ``texts/``: code -> its texts."""
    found = {path.stem: read_texts(path) for path in sorted(TEXTS.glob("*.toml"))
             if _LOCALE.fullmatch(path.stem)}  # fmt: skip
    if REFERENCE_LOCALE not in found:
        raise RuntimeError(f"no {REFERENCE_LOCALE}.toml in {TEXTS}")
    return found


@functools.cache
def texts_file(locale: str) -> PageFile | None:
    """``/page/texts/{locale}.json``'s answer, or None for a locale there is not."""
    every = locales()
    if locale not in every:
        return None
    answer = {
        "locale": locale,
        "language": every[locale].get("language_name", locale),
        "locales": {code: table.get("language_name", code) for code, table in every.items()},
        "texts": {**every[REFERENCE_LOCALE], **every[locale]},
    }
    body = json.dumps(answer, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return _page_file(body.encode("utf-8"), "application/json; charset=utf-8")


def check() -> None:
    """Builds the page, its files and every locale's texts once: a broken page (a link or
    an import of a file that is not there, modules importing each other, a text that is
    not a string, no ``en.toml``) raises here, naming it, instead of at a request."""
    index_page()
    for locale in locales():
        texts_file(locale)


# --- answers ----------------------------------------------------------------


def _answer(request: Request, page_file: PageFile, cache_control: str) -> Response:
    headers = {**SECURITY_HEADERS, "Cache-Control": cache_control, "ETag": page_file.etag}
    if etag_matches(request.headers.get("if-none-match"), page_file.etag):
        return Response(status_code=304, headers=headers)
    body = b"" if request.method == "HEAD" else page_file.body
    answer = Response(body, media_type=page_file.media_type, headers=headers)
    answer.headers["content-length"] = str(len(page_file.body))
    return answer


def not_found() -> Response:
    return Response("not found\n", status_code=404, media_type="text/plain; charset=utf-8",
                    headers={**SECURITY_HEADERS, "Cache-Control": REVALIDATE})  # fmt: skip


async def page_endpoint(request: Request) -> Response:
    return _answer(request, index_page(), REVALIDATE)


async def file_endpoint(request: Request) -> Response:
    page_file = files().get(request.path_params["name"])
    if page_file is None:
        return not_found()
    current = request.query_params.get("v") == page_file.version
    return _answer(request, page_file, FOREVER if current else REVALIDATE)


async def texts_endpoint(request: Request) -> Response:
    locale = request.path_params["locale"]
    page_file = texts_file(locale) if _LOCALE.fullmatch(locale) else None
    if page_file is None:
        return not_found()
    return _answer(request, page_file, REVALIDATE)


routes: list[Route] = [
    Route("/", page_endpoint, methods=["GET"], name="web-page"),
    Route("/page/texts/{locale}.json", texts_endpoint, methods=["GET"], name="web-texts"),
    # every other path under /page/ (a name with "/" or "..", too): a file of static/, or 404
    Route("/page/{name:path}", file_endpoint, methods=["GET"], name="web-file"),
]

__all__ = ["CSP", "SECURITY_HEADERS", "check", "files", "index_page", "locales", "routes"]
