"""``GET /``, ``/page/{file}`` and ``/page/texts/{locale}.json``: the quick-entry page's
answers, headers and files (``nlentry/web/``). Its behaviour in a browser is in
``tests/browser/``."""

from __future__ import annotations

import importlib.resources
import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from nlentry.web import routes as web

REPO = Path(__file__).resolve().parents[2]
STATIC = REPO / "nlentry" / "web" / "static"
TEXTS = REPO / "nlentry" / "web" / "texts"
POLICY = {  # at least this strict: every directive, exactly these sources
    "default-src": {"'none'"}, "script-src": {"'self'"}, "style-src": {"'self'"},
    "connect-src": {"'self'"}, "img-src": {"'self'"}, "base-uri": {"'none'"},
    "frame-ancestors": {"'none'"},
}  # fmt: skip
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
               ".svg": "image/svg+xml", ".html": "text/html; charset=utf-8"}  # fmt: skip
FILES = {path.name: MEDIA_TYPES[path.suffix] for path in sorted(STATIC.iterdir())
         if path.suffix in MEDIA_TYPES}  # fmt: skip
MODULES = sorted(name for name in FILES if name.endswith(".js"))
ENTRY = "page.js"
#: A module's static import of a neighbour: ``from "./api.js"`` (or ``import "./x.js"``).
IMPORT = re.compile(r'\b(?:from|import)\s*"\./([\w.-]+\.js)(?:\?v=(\w+))?"')
#: A key only the server reads (the locale's own name, for the switch).
SERVER_KEYS = {"language_name"}


def policy(header: str) -> dict[str, set[str]]:
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = set(sources)
    return directives


def assert_page_headers(answer) -> None:
    directives = policy(answer.headers["content-security-policy"])
    for name, sources in POLICY.items():
        assert directives.get(name) == sources, name
    assert directives["form-action"] in ({"'self'"}, {"'none'"})  # or stricter: no posts
    assert "'unsafe-inline'" not in answer.headers["content-security-policy"]
    assert "'unsafe-eval'" not in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"


class Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_text.append(data)


def tags_of(text: str) -> Tags:
    parser = Tags()
    parser.feed(text)
    parser.close()
    return parser


# --- the page ---------------------------------------------------------------------------


def test_the_page_is_served_without_a_token_under_a_strict_policy(client):
    answer = client.get("/")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert_page_headers(answer)
    assert answer.headers["cache-control"] == "no-cache"
    assert "<title" in answer.text and 'id="entry-text"' in answer.text
    again = client.get("/", headers={"If-None-Match": answer.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert_page_headers(again)
    head = client.head("/")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == answer.headers["content-length"]


def test_the_page_has_no_inline_script_or_style_and_loads_nothing_from_elsewhere():
    source = (STATIC / "index.html").read_text(encoding="utf-8")
    page = tags_of(source)
    scripts = [attrs for tag, attrs in page.tags if tag == "script"]
    assert scripts and all(attrs.get("src") for attrs in scripts)
    assert "".join(page.script_text).strip() == ""
    assert "style" not in [tag for tag, _ in page.tags]
    for tag, attrs in page.tags:
        assert "style" not in attrs, tag
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        for name in ("src", "href", "action"):
            if attrs.get(name):
                assert attrs[name].startswith(("/page/", "#")), (tag, attrs)
    assert not re.search(r"(?i)\b(?:https?:)?//", source.replace("http-equiv", ""))


def test_the_labels_name_every_control():
    page = tags_of((STATIC / "index.html").read_text(encoding="utf-8"))
    labelled = {attrs.get("for") for tag, attrs in page.tags if tag == "label"}
    for tag, attrs in page.tags:
        if tag == "input":
            assert attrs["id"] in labelled, attrs
    assert any(attrs.get("aria-live") == "polite" and attrs.get("id") == "preview"
               for _, attrs in page.tags)  # fmt: skip
    assert any(attrs.get("role") == "alert" for _, attrs in page.tags)


def test_the_page_links_its_files_by_version_and_they_are_served(client):
    text = client.get("/").text
    links = re.findall(r'(?:src|href)="(/page/([\w.-]+)\?v=(\w+))"', text)
    assert {name for _, name, _ in links} == set(FILES) - {"index.html"}
    for url, name, version in links:
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert answer.headers["content-type"] == FILES[name]
        # a module's imports carry their versions; nothing else is changed
        unversioned = re.sub(rb'(\.js)\?v=\w+"', rb'\1"', answer.content)
        assert unversioned == (STATIC / name).read_bytes()
        assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert answer.headers["etag"] == f'"{version}"'
        assert_page_headers(answer)
        # without the current version: revalidated, never kept for a year
        for other in (f"/page/{name}", f"/page/{name}?v=old"):
            assert client.get(other).headers["cache-control"] == "no-cache"
        assert client.get(url, headers={"If-None-Match": f'"{version}"'}).status_code == 304


@pytest.mark.parametrize("path", [
    "/page/nope.js", "/page/routes.py", "/page/__init__.py", "/page/..%2Froutes.py",
    "/page/..%2F..%2Fapi%2Fapp.py", "/page/%2e%2e%2froutes.py", "/page/static/page.js",
    "/page/texts/en.toml", "/page/texts/", "/page/", "/page/.%2Fpage.js", "/page/page.js%00",
    "/page/PAGE.JS",
])  # fmt: skip
def test_only_the_page_files_are_served(client, path):
    answer = client.get(path)
    assert answer.status_code == 404
    assert b"import" not in answer.content and b"function" not in answer.content
    assert_page_headers(answer)


# --- the modules ------------------------------------------------------------------------


def imports_of(name: str, text: str | None = None) -> list[tuple[str, str]]:
    """The neighbours a module imports, each with the version its import names ("" none)."""
    if text is None:
        text = (STATIC / name).read_text(encoding="utf-8")
    return IMPORT.findall(text)


def test_the_script_is_a_module_whose_imports_are_the_preloaded_modules():
    page = tags_of((STATIC / "index.html").read_text(encoding="utf-8"))
    [script] = [attrs for tag, attrs in page.tags if tag == "script"]
    assert script == {"type": "module", "src": f"/page/{ENTRY}"}
    preloaded = {attrs["href"].removeprefix("/page/") for tag, attrs in page.tags
                 if tag == "link" and attrs.get("rel") == "modulepreload"}  # fmt: skip
    reached, todo = set(), [ENTRY]
    while todo:  # every module the entry imports, directly or through another
        name = todo.pop()
        if name not in reached:
            reached.add(name)
            todo.extend(imported for imported, _ in imports_of(name))
    assert reached == set(MODULES)  # no module left unused
    assert preloaded == reached - {ENTRY}  # fetched at once, not one import after another


def test_a_module_is_imported_by_the_url_that_the_page_preloads_it_by(client):
    page = client.get("/").text
    urls = dict(re.findall(r'href="/page/([\w.-]+\.js)\?v=(\w+)"', page))
    urls[ENTRY] = re.search(r'src="/page/page\.js\?v=(\w+)"', page)[1]
    for name in MODULES:
        served = client.get(f"/page/{name}?v={urls[name]}")
        assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
        for imported, version in imports_of(name, served.text):
            assert version == urls[imported], (name, imported)  # one URL: one module


def test_modules_that_import_each_other_are_refused_at_start(tmp_path, monkeypatch):
    (tmp_path / "index.html").write_text('<script type="module" src="/page/a.js"></script>')
    (tmp_path / "a.js").write_text('import { b } from "./b.js";\nexport const a = 1;\n')
    (tmp_path / "b.js").write_text('import { a } from "./a.js";\nexport const b = 2;\n')
    monkeypatch.setattr(web, "STATIC", tmp_path)
    web.files.cache_clear()
    web.index_page.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="import each other: a.js -> b.js -> a.js"):
            web.check()
        (tmp_path / "b.js").write_text('import { c } from "./c.js";\nexport const b = 2;\n')
        web.files.cache_clear()
        with pytest.raises(RuntimeError, match="b.js imports ./c.js, which is not in"):
            web.check()
    finally:
        web.files.cache_clear()
        web.index_page.cache_clear()


def test_the_shipped_page_builds():
    web.check()


def test_no_file_of_the_page_is_over_600_lines():
    web_dir = REPO / "nlentry" / "web"
    long = {str(path.relative_to(REPO)): n for path in sorted(web_dir.rglob("*"))
            if path.is_file() and path.suffix in {".py", ".js", ".css", ".html", ".toml"}
            and (n := len(path.read_text(encoding="utf-8").splitlines())) > 600}  # fmt: skip
    assert long == {}


# --- the texts --------------------------------------------------------------------------


def load(locale: str) -> dict[str, str]:
    return tomllib.loads((TEXTS / f"{locale}.toml").read_text(encoding="utf-8"))


def test_every_locale_has_exactly_the_reference_keys_and_the_same_placeholders():
    reference = load("en")
    locales = sorted(path.stem for path in TEXTS.glob("*.toml"))
    assert {"en", "nl"} <= set(locales)
    for locale in locales:
        texts = load(locale)
        assert set(texts) == set(reference), locale
        for key, text in texts.items():
            assert isinstance(text, str) and text.strip(), (locale, key)
            assert "<" not in text, (locale, key)  # plain text
            assert set(re.findall(r"\{(\w+)\}", text)) == set(
                re.findall(r"\{(\w+)\}", reference[key])
            ), (locale, key)


def test_every_text_the_page_uses_exists_and_every_text_is_used():
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    script = "\n".join((STATIC / name).read_text(encoding="utf-8") for name in MODULES)
    used = set(re.findall(r'data-text(?:-[\w-]+)?="(\w+)"', html))
    used |= set(re.findall(r'\bt\("(\w+)"', script))
    prefixes = tuple(key for key in used if key.endswith("_"))  # t("kind_" + span.kind)
    assert set(prefixes) == {"kind_", "field_", "candidates_"}
    used -= set(prefixes)
    keys = set(load("en"))
    assert used <= keys, used - keys
    unused = keys - used - SERVER_KEYS
    assert {key for key in unused if not key.startswith(prefixes)} == set()


def test_the_texts_are_served_per_locale(client):
    for locale in ("en", "nl"):
        answer = client.get(f"/page/texts/{locale}.json")
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/json; charset=utf-8"
        assert_page_headers(answer)
        body = answer.json()
        assert body["locale"] == locale and body["texts"] == load(locale)
        assert body["locales"] == {"en": "English", "nl": "Nederlands"}
        assert body["language"] == load(locale)["language_name"]
        etag = answer.headers["etag"]
        again = client.get(f"/page/texts/{locale}.json", headers={"If-None-Match": etag})
        assert again.status_code == 304


@pytest.mark.parametrize("locale", ["de", "EN", "e", "en-", "..%2Fen", "en.toml", "xx-yy"])
def test_an_unknown_locale_is_404(client, locale):
    answer = client.get(f"/page/texts/{locale}.json")
    assert answer.status_code == 404
    assert_page_headers(answer)


def test_a_new_locale_is_a_new_file(tmp_path, monkeypatch):
    """German would be de.toml, nothing else; a key it lacks is shown in English."""
    for path in TEXTS.glob("*.toml"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / "de.toml").write_text('language_name = "Deutsch"\nheading = "Schnelleingabe"\n',
                                      encoding="utf-8")  # fmt: skip
    monkeypatch.setattr(web, "TEXTS", tmp_path)
    for cached in (web.locales, web.texts_file):
        cached.cache_clear()
    try:
        answer = web.texts_file("de")
        assert answer is not None
        import json

        body = json.loads(answer.body)
        assert body["locales"]["de"] == "Deutsch"
        assert body["texts"]["heading"] == "Schnelleingabe"
        assert body["texts"]["store"] == load("en")["store"]
    finally:
        for cached in (web.locales, web.texts_file):
            cached.cache_clear()


# --- the package ------------------------------------------------------------------------


def test_the_page_files_are_in_the_installed_package():
    package = importlib.resources.files("nlentry.web")
    assert {"index.html", "page.css", ENTRY, "api.js", "preview.js"} <= set(FILES)
    for name in FILES:
        assert (package / "static" / name).is_file(), name
    for locale in ("en", "nl"):
        assert (package / "texts" / f"{locale}.toml").is_file(), locale
    # the wheel takes every file of nlentry/ (hatch's packages = ["nlentry"]) that git
    # does not ignore: nothing of the page may be ignored or excluded
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = config["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert "nlentry" in wheel["packages"] and "exclude" not in wheel
    ignored = [line.strip() for line in (REPO / ".gitignore").read_text(encoding="utf-8")
               .splitlines() if line.strip() and not line.startswith("#")]  # fmt: skip
    for pattern in ignored:
        for path in (*STATIC.iterdir(), *TEXTS.iterdir()):
            assert not path.match(pattern.rstrip("/")), (pattern, path)
