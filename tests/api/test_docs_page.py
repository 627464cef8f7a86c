"""``/openapi.json`` and ``/docs``: served, complete, well-formed, self-contained, escaped.

``/docs`` is Swagger UI from the app's own files (no CDN), under a policy that
allows only them, with the reference rendered on the server in ``<noscript>``.
"""

from __future__ import annotations

import copy
import html
from html.parser import HTMLParser

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from nlentry.api.openapi.document import openapi_document
from nlentry.api.openapi.page import ASSETS, INIT_FILE, STYLE_FILE, render_docs, routes

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
METHODS = ("get", "post", "put", "patch", "delete")


class PageChecker(HTMLParser):
    """Collects tags, ids, text and outside references; fails on misnested tags."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.ids: set[str] = set()
        self.references: list[str] = []
        self.text: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name == "id":
                if value in self.ids:
                    self.problems.append(f"duplicate id {value!r}")
                self.ids.add(value)
            if name in ("src", "href", "action", "srcset", "data", "poster"):
                self.references.append(value or "")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def check_page(page: str) -> PageChecker:
    checker = PageChecker()
    checker.feed(page)
    checker.close()
    assert checker.problems == []
    assert checker.stack == [], f"unclosed tags: {checker.stack}"
    return checker


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(Starlette(routes=routes))


@pytest.fixture(scope="module")
def page(client) -> str:
    answer = client.get("/docs")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    return answer.text


def test_openapi_json_serves_the_document(client):
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == openapi_document()


def test_the_routes_answer_only_get_and_head(client):
    assert client.post("/docs").status_code == 405
    assert client.delete("/openapi.json").status_code == 405
    assert client.head("/docs").status_code == 200


def test_the_page_is_well_formed_html(page):
    checker = check_page(page)
    assert page.startswith("<!DOCTYPE html>")
    assert checker.tags[:1] == ["html"]
    assert {"head", "title", "body", "main", "table"} <= set(checker.tags)


def test_the_page_shows_every_path_and_operation(page):
    checker = check_page(page)
    text = "".join(checker.text)
    document = openapi_document()
    for path, item in document["paths"].items():
        assert path in text
        for method in METHODS:
            if method in item:
                operation = item[method]
                assert f"op-{operation['operationId']}" in checker.ids
                assert operation["summary"].replace("`", "") in text
    for name in document["components"]["schemas"]:
        assert f"schema-{name}" in checker.ids


def test_the_page_loads_nothing_from_elsewhere(client, page):
    checker = check_page(page)
    assert "iframe" not in checker.tags
    for reference in checker.references:
        assert reference.startswith(("#", "/")) and not reference.startswith("//"), reference
    lowered = page.lower()
    for pattern in ("src=http", 'src="http', "href=http", 'href="http', "@import", "url(",
                    "<style", " style=", "onload=", "javascript:"):
        assert pattern not in lowered, pattern
    assert "<script>" not in lowered  # every script is a file of the app's
    policy = client.get("/docs").headers["content-security-policy"]
    assert "default-src 'none'" in policy
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert "unsafe" not in policy and "http" not in policy


def test_the_page_is_swagger_ui_with_the_documents_url(page):
    checker = check_page(page)
    assert "swagger-ui" in checker.ids
    scripts = [ref for ref in checker.references if ref.endswith(".js") or ".js?" in ref]
    assert [ref.split("?")[0] for ref in scripts] == [f"{ASSETS}/swagger-ui-bundle.js",
                                                       f"{ASSETS}/{INIT_FILE}"]
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page


@pytest.mark.parametrize(("name", "media_type"), [
    ("swagger-ui-bundle.js", "text/javascript"),
    ("swagger-ui.css", "text/css"),
    (INIT_FILE, "text/javascript"),
    (STYLE_FILE, "text/css"),
    ("favicon-32x32.png", "image/png"),
])
def test_every_file_of_the_page_is_served_by_the_app(client, page, name, media_type):
    answer = client.get(f"{ASSETS}/{name}")
    assert answer.status_code == 200, name
    assert answer.headers["content-type"].split(";")[0] == media_type
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert int(answer.headers["content-length"]) == len(answer.content) > 0
    assert client.head(f"{ASSETS}/{name}").status_code == 200
    references = {ref.split("?")[0] for ref in check_page(page).references}
    if name != "swagger-ui-bundle.js" and name.endswith((".js", ".css")):
        assert f"{ASSETS}/{name}" in references


def test_the_start_script_points_swagger_ui_at_the_document(client):
    script = client.get(f"{ASSETS}/{INIT_FILE}").text
    assert 'url: "/openapi.json"' in script
    assert "persistAuthorization: true" in script  # the token kept across reloads
    assert "validatorUrl: null" in script  # no call to an outside validator
    assert "http" not in script


def test_the_style_sheet_keeps_a_phone_screen_from_scrolling_sideways(client):
    css = client.get(f"{ASSETS}/{STYLE_FILE}").text
    assert "@media (max-width: 600px)" in css
    assert "overflow-x: auto" in css and "url(" not in css


def test_a_missing_asset_is_404_and_no_path_escapes_the_folder(client):
    assert client.get(f"{ASSETS}/nothing.js").status_code == 404
    assert client.get(f"{ASSETS}/../page.py").status_code == 404
    assert client.get(f"{ASSETS}/%2e%2e/%2e%2e/__init__.py").status_code == 404
    assert client.post(f"{ASSETS}/{INIT_FILE}").status_code == 405


def test_try_it_out_calls_the_host_the_page_came_from():
    assert openapi_document()["servers"] == [{"url": "/", "description": "this server"}]


def test_the_token_can_be_given_by_the_authorize_button():
    schemes = openapi_document()["components"]["securitySchemes"]
    assert schemes["bearer"] == {**schemes["bearer"], "type": "http", "scheme": "bearer"}
    assert (schemes["apiKey"]["in"], schemes["apiKey"]["name"]) == ("header", "X-Api-Key")


def test_every_internal_link_has_its_target(page):
    checker = check_page(page)
    for reference in checker.references:
        if reference.startswith("#"):
            assert reference[1:] in checker.ids, reference


def test_examples_use_the_json_suffix_and_a_token_where_needed(page):
    examples = [chunk for chunk in check_page(page).text if chunk.startswith("curl ")]
    assert len(examples) == sum(
        method in item for item in openapi_document()["paths"].values() for method in METHODS
    )
    assert "curl -X POST -H 'X-Api-Key: you@example.com:TOKEN' --data-urlencode " \
           "'body=2,5 uur met Rowan aan Timi gewerkt' " \
           "http://127.0.0.1:8000/api/v1/time_entries.json" in examples
    assert "curl http://127.0.0.1:8000/api/v1/health.json" in examples


def test_everything_taken_from_the_document_is_escaped():
    document = copy.deepcopy(openapi_document())
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    document["info"]["title"] = hostile
    document["info"]["description"] = f"`{hostile}` and **{hostile}**"
    item = document["paths"].pop("/api/v1/health")
    item["get"]["summary"] = hostile
    item["get"]["operationId"] = 'x" onmouseover="alert(1)'
    document["paths"]["/api/v1/<img src=x>"] = item
    document["components"]["schemas"]["Error"]["properties"]["message"]["description"] = hostile
    page = render_docs(document)
    checker = check_page(page)
    assert checker.tags.count("script") == 2 and "img" not in checker.tags  # the page's own two
    assert "onmouseover" not in {name for name in checker.ids}
    assert html.escape(hostile) in page
    text = "".join(checker.text)
    assert hostile in text
    assert "/api/v1/<img src=x>" in text
