"""``/openapi.json`` and ``/docs``: the API description, and Swagger UI to try it.

``/docs`` is Swagger UI: every endpoint with "Try it out", and an
**Authorize** button for the token (``X-Api-Key``, ``Authorization: Bearer``,
HTTP Basic, or ``token``/``email`` in the query), kept in the browser across
reloads. Its files come from the ``swagger-ui-bundle-v2`` package (Swagger UI
5, which reads OpenAPI 3.1) and are served by the app under
``/docs/assets/``, with this page's own start script and style sheet: nothing
is loaded from anywhere else, so the page works where the network does not,
and its Content-Security-Policy allows only the page's own files (no inline
script or style). The document names the server ``/``, so "Try it out" calls
the host the page was loaded from. The style sheet fits the page to a phone
(390 px wide): wide blocks scroll inside themselves, the page never sideways.

For a reader without JavaScript the page carries the reference rendered here,
on the server, from the OpenAPI document (in ``<noscript>``): every path with
its parameters, body, answers and a ``curl`` example. Every text taken from
the document is escaped.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import re
import shlex
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send
from swagger_ui_bundle import swagger_ui_path

from nlentry.api.openapi.document import openapi_document

EXAMPLE_BASE_URL = "http://127.0.0.1:8000"
EXAMPLE_API_KEY = "you@example.com:TOKEN"
ASSETS = "/docs/assets"
_METHODS = ("get", "post", "put", "patch", "delete")
_PATH_EXAMPLES = {"id": "1", "alias": "rowan"}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)

#: Starts Swagger UI on the document; a file, so that the policy needs no inline script.
INIT_SCRIPT = """\
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    persistAuthorization: true,
    displayRequestDuration: true,
    filter: true,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    validatorUrl: null
  });
});
"""

#: Swagger UI on a phone, and the reference for a reader without JavaScript.
STYLE = """\
html { box-sizing: border-box; overflow-y: scroll; }
*, *::before, *::after { box-sizing: inherit; }
body { margin: 0; background: #fafafa; overflow-wrap: anywhere; }
.swagger-ui { max-width: 100%; }
.swagger-ui .wrapper { padding: 0 12px; max-width: 100%; }
.swagger-ui .information-container .info { margin: 24px 0; }
.swagger-ui .scheme-container { padding: 12px 0; }
.swagger-ui .opblock .opblock-summary { flex-wrap: wrap; }
.swagger-ui .opblock .opblock-summary-path,
.swagger-ui .opblock .opblock-summary-path__deprecated { word-break: break-all; max-width: 100%; }
.swagger-ui .opblock-body pre, .swagger-ui .highlight-code, .swagger-ui .microlight,
.swagger-ui .model-box, .swagger-ui .responses-inner, .swagger-ui .table-container,
.swagger-ui .parameters-container, .swagger-ui .opblock-description-wrapper {
  max-width: 100%; overflow-x: auto; }
.swagger-ui table { display: block; max-width: 100%; overflow-x: auto; }
.swagger-ui .dialog-ux .modal-ux { width: auto; max-width: calc(100vw - 16px); }
.swagger-ui input[type=text], .swagger-ui input[type=password], .swagger-ui textarea,
.swagger-ui select { max-width: 100%; }
@media (max-width: 600px) {
  .swagger-ui .info .title { font-size: 24px; }
  .swagger-ui .opblock .opblock-summary-method { min-width: 64px; }
  .swagger-ui .opblock-tag { font-size: 18px; }
  .swagger-ui .auth-wrapper { justify-content: flex-start; }
}
.reference { font: 15px/1.5 system-ui, sans-serif; color: #1d2327; max-width: 60rem;
             margin: 0 auto; padding: 1rem 1.5rem 4rem; }
.reference h1 { margin-bottom: 0; }
.reference h2 { border-bottom: 2px solid #d0d7de; margin-top: 2.5rem; }
.reference h3 { margin: 1.8rem 0 .3rem; font-size: 1.05rem; }
.reference code, .reference pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace;
                                  font-size: .9em; }
.reference code { background: #f3f4f6; padding: 0 .25em; border-radius: 3px; }
.reference pre { background: #f6f8fa; border: 1px solid #d0d7de; padding: .6rem .8rem;
                 overflow-x: auto; border-radius: 4px; }
.reference pre code { background: none; padding: 0; }
.reference table { border-collapse: collapse; width: 100%; margin: .4rem 0 .8rem;
                   display: block; overflow-x: auto; }
.reference th, .reference td { text-align: left; vertical-align: top; padding: .25rem .5rem;
                               border-bottom: 1px solid #e5e7eb; }
.reference th { font-weight: 600; background: #f9fafb; }
.reference .method { display: inline-block; min-width: 4.2rem; text-align: center; color: #fff;
                     border-radius: 3px; padding: 0 .4rem; margin-right: .4rem; font-size: .85em; }
.reference .get { background: #1f6feb; } .reference .post { background: #1a7f37; }
.reference .patch, .reference .put { background: #9a6700; }
.reference .delete { background: #cf222e; }
.reference .meta { color: #57606a; font-size: .9em; }
.reference nav ul { columns: 2; } .reference nav li { break-inside: avoid; }
@media (max-width: 600px) { .reference { padding: 1rem .75rem 3rem; }
                            .reference nav ul { columns: 1; } }
"""


# --- inline text ------------------------------------------------------------

_CODE = re.compile(r"`([^`]+)`")
_STRONG = re.compile(r"\*\*([^*]+)\*\*")


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def inline(text: str) -> str:
    """Escape ``text``, then turn its `code` and **strong** spans into tags."""
    escaped = esc(text)
    escaped = _CODE.sub(r"<code>\1</code>", escaped)
    return _STRONG.sub(r"<strong>\1</strong>", escaped)


def paragraphs(text: str) -> str:
    return "".join(f"<p>{inline(part)}</p>" for part in text.split("\n\n") if part.strip())


# --- schemas ----------------------------------------------------------------


class SchemaReader:
    """Resolves ``$ref`` and describes schemas in a few words."""

    def __init__(self, document: dict[str, Any]):
        self.document = document

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = self.document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return node

    def type_html(self, schema: dict[str, Any]) -> str:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            return f'<a href="#schema-{esc(name)}">{esc(name)}</a>'
        for combiner in ("anyOf", "oneOf"):
            if combiner in schema:
                return " or ".join(self.type_html(option) for option in schema[combiner])
        if "allOf" in schema:
            return " and ".join(self.type_html(part) for part in schema["allOf"] if part.get(
                "$ref") or part.get("type"))
        kind = schema.get("type", "any")
        if kind == "array":
            return f"array of {self.type_html(schema.get('items', {}))}"
        if kind == "object" and schema.get("additionalProperties") is False and not schema.get(
                "properties"):
            return "empty object <code>{}</code>"
        if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
            return f"object of {self.type_html(schema['additionalProperties'])}"
        text = esc(kind)
        if "format" in schema:
            text += f" ({esc(schema['format'])})"
        return text

    def fields(self, schema: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
        """The properties of an object schema (following ``$ref`` and ``allOf``) and the required."""
        schema = self.resolve(schema)
        properties: dict[str, Any] = dict(schema.get("properties", {}))
        required = set(schema.get("required", []))
        for part in schema.get("allOf", []):
            more, more_required = self.fields(part)
            properties.update(more)
            required |= more_required
        return properties, required

    def fields_table(self, schema: dict[str, Any]) -> str:
        properties, required = self.fields(schema)
        if not properties:
            return ""
        rows = "".join(
            f"<tr><td><code>{esc(name)}</code></td><td>{self.type_html(prop)}</td>"
            f"<td>{'yes' if name in required else ''}</td>"
            f"<td>{inline(self.resolve(prop).get('description', ''))}</td></tr>"
            for name, prop in properties.items()
        )
        return (
            "<table><thead><tr><th>field</th><th>type</th><th>required</th>"
            f"<th>description</th></tr></thead><tbody>{rows}</tbody></table>"
        )


# --- operations -------------------------------------------------------------


def example_value(schema: dict[str, Any]) -> str:
    examples = schema.get("examples")
    if examples:
        return str(examples[0])
    return "1" if schema.get("type") == "integer" else "..."


def example_curl(reader: SchemaReader, method: str, path: str, op: dict[str, Any]) -> str:
    concrete = re.sub(
        r"\{(\w+)\}", lambda m: _PATH_EXAMPLES.get(m.group(1), "1"), path
    ) + ".json"
    words = ["curl"]
    if method != "get":
        words += ["-X", method.upper()]
    if op.get("security") != []:
        words += ["-H", f"X-Api-Key: {EXAMPLE_API_KEY}"]
    request_body = op.get("requestBody")
    if request_body:
        schema = request_body["content"]["application/x-www-form-urlencoded"]["schema"]
        properties, required = reader.fields(schema)
        for name in sorted(required) or list(properties)[:1]:
            value = example_value(reader.resolve(properties[name]))
            words += ["--data-urlencode", f"{name}={value}"]
    words.append(EXAMPLE_BASE_URL + concrete)
    return " ".join(shlex.quote(word) for word in words)


def parameters_table(reader: SchemaReader, parameters: list[dict[str, Any]]) -> str:
    if not parameters:
        return ""
    rows = []
    for parameter in map(reader.resolve, parameters):
        rows.append(
            f"<tr><td><code>{esc(parameter['name'])}</code></td><td>{esc(parameter['in'])}</td>"
            f"<td>{reader.type_html(parameter.get('schema', {}))}</td>"
            f"<td>{'yes' if parameter.get('required') else ''}</td>"
            f"<td>{inline(parameter.get('description', ''))}</td></tr>"
        )
    return (
        "<h4>Parameters</h4><table><thead><tr><th>name</th><th>in</th><th>type</th>"
        f"<th>required</th><th>description</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def body_section(reader: SchemaReader, request_body: dict[str, Any] | None) -> str:
    if not request_body:
        return ""
    content = request_body["content"]
    types = ", ".join(f"<code>{esc(media)}</code>" for media in content)
    schema = (content.get("application/json") or next(iter(content.values())))["schema"]
    required = "required" if request_body.get("required") else "optional"
    return (
        f"<h4>Body</h4><p class=\"meta\">{required}; {types}. "
        f"{inline(request_body.get('description', ''))}</p>{reader.fields_table(schema)}"
    )


def responses_table(reader: SchemaReader, responses: dict[str, Any]) -> str:
    rows = []
    for status, answer in responses.items():
        resolved = reader.resolve(answer)
        schema = resolved.get("content", {}).get("application/json", {}).get("schema")
        shape = reader.type_html(schema) if schema else "no body"
        headers = ", ".join(f"<code>{esc(name)}</code>" for name in resolved.get("headers", {}))
        rows.append(
            f"<tr><td>{esc(status)}</td><td>{inline(resolved.get('description', ''))}</td>"
            f"<td>{shape}</td><td>{headers}</td></tr>"
        )
    return (
        "<h4>Responses</h4><table><thead><tr><th>status</th><th>meaning</th><th>body</th>"
        f"<th>headers</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def operation_html(
    reader: SchemaReader, method: str, path: str, item: dict[str, Any], op: dict[str, Any]
) -> str:
    auth = "no token needed" if op.get("security") == [] else "needs a token"
    parameters = [*item.get("parameters", []), *op.get("parameters", [])]
    return (
        f"<section id=\"op-{esc(op['operationId'])}\">"
        f"<h3><span class=\"method {esc(method)}\">{esc(method.upper())}</span>"
        f"<code>{esc(path)}</code></h3>"
        f"<p><strong>{inline(op.get('summary', ''))}</strong> "
        f"<span class=\"meta\">({auth}; <code>{esc(path)}.json</code> works too)</span></p>"
        f"{paragraphs(op.get('description', ''))}"
        f"{parameters_table(reader, parameters)}"
        f"{body_section(reader, op.get('requestBody'))}"
        f"{responses_table(reader, op['responses'])}"
        f"<h4>Example</h4><pre><code>{esc(example_curl(reader, method, path, op))}</code></pre>"
        "</section>"
    )


def operations_by_tag(document: dict[str, Any]) -> dict[str, list[tuple[str, str, dict, dict]]]:
    groups: dict[str, list[tuple[str, str, dict, dict]]] = {
        tag["name"]: [] for tag in document.get("tags", [])
    }
    for path, item in document["paths"].items():
        for method in _METHODS:
            if method in item:
                op = item[method]
                for tag in op.get("tags", ["Other"]):
                    groups.setdefault(tag, []).append((method, path, item, op))
    return groups


# --- the page ---------------------------------------------------------------


def render_reference(document: dict[str, Any]) -> str:
    """The reference of ``document`` as HTML, for the page's ``<noscript>``."""
    reader = SchemaReader(document)
    info = document["info"]
    groups = operations_by_tag(document)
    tag_text = {tag["name"]: tag.get("description", "") for tag in document.get("tags", [])}
    nav = "".join(
        f"<li><a href=\"#op-{esc(op['operationId'])}\">{esc(method.upper())} {esc(path)}</a>"
        "</li>"
        for operations in groups.values() for method, path, _, op in operations
    )
    sections = "".join(
        f"<h2 id=\"tag-{esc(tag)}\">{esc(tag)}</h2><p class=\"meta\">{inline(tag_text.get(tag, ''))}"
        "</p>" + "".join(operation_html(reader, *entry) for entry in operations)
        for tag, operations in groups.items() if operations
    )
    components = document.get("components", {})
    schemes = "".join(
        f"<tr><td><code>{esc(name)}</code></td><td>{esc(scheme['type'])}"
        f"{' ' + esc(scheme['scheme']) if 'scheme' in scheme else ''}"
        f"{' ' + esc(scheme['in']) + ' ' + esc(scheme['name']) if 'in' in scheme else ''}"
        f"</td><td>{inline(scheme.get('description', ''))}</td></tr>"
        for name, scheme in components.get("securitySchemes", {}).items()
    )
    schemas = "".join(
        f"<h3 id=\"schema-{esc(name)}\">{esc(name)}</h3>"
        f"{paragraphs(schema.get('description', ''))}"
        f"{reader.fields_table(schema) or '<p>' + reader.type_html(schema) + '</p>'}"
        for name, schema in components.get("schemas", {}).items()
    )
    return (
        f"<div class=\"reference\"><header><h1>{esc(info['title'])} API</h1>"
        f"<p class=\"meta\">version {esc(info['version'])}, OpenAPI {esc(document['openapi'])}; "
        "the machine-readable document is <a href=\"/openapi.json\">/openapi.json</a></p>"
        f"<p>{inline(info.get('summary', ''))}</p></header>"
        f"{paragraphs(info.get('description', ''))}"
        f"<nav><h2>Endpoints</h2><ul>{nav}</ul></nav>"
        f"<main>{sections}"
        "<h2 id=\"authentication\">Authentication</h2><table><thead><tr><th>scheme</th>"
        f"<th>how</th><th>description</th></tr></thead><tbody>{schemes}</tbody></table>"
        f"<h2 id=\"schemas\">Schemas</h2>{schemas}</main></div>"
    )


def render_docs(document: dict[str, Any]) -> str:
    """The whole ``/docs`` page for ``document``: Swagger UI, and the reference without it."""
    info = document["info"]
    title = f"{info['title']} {info['version']}"
    version = _asset_version()
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{esc(title)} API</title>"
        f"<link rel=\"stylesheet\" href=\"{ASSETS}/swagger-ui.css?v={version}\">"
        f"<link rel=\"stylesheet\" href=\"{ASSETS}/{STYLE_FILE}?v={version}\">"
        f"<link rel=\"icon\" type=\"image/png\" href=\"{ASSETS}/favicon-32x32.png\">"
        f"<script src=\"{ASSETS}/swagger-ui-bundle.js?v={version}\" defer></script>"
        f"<script src=\"{ASSETS}/{INIT_FILE}?v={version}\" defer></script>"
        "</head><body><div id=\"swagger-ui\"></div>"
        f"<noscript>{render_reference(document)}</noscript></body></html>\n"
    )


# --- serving ----------------------------------------------------------------

INIT_FILE = "nlentry-docs.js"
STYLE_FILE = "nlentry-docs.css"
#: This page's own files, beside Swagger UI's: name -> (body, media type).
OWN_FILES = {
    INIT_FILE: (INIT_SCRIPT.encode(), "text/javascript; charset=utf-8"),
    STYLE_FILE: (STYLE.encode(), "text/css; charset=utf-8"),
}
_ASSET_HEADERS = [(b"x-content-type-options", b"nosniff"),
                  (b"cache-control", b"public, max-age=86400")]  # fmt: skip


@functools.cache
def _asset_version() -> str:
    """Changes with Swagger UI's version and this page's files: what the page's links
    carry, so that a browser never keeps an old file for a new page."""
    digest = hashlib.sha256(swagger_ui_path.name.encode())
    for body, _ in OWN_FILES.values():
        digest.update(body)
    return digest.hexdigest()[:12]


class DocsAssets:
    """``/docs/assets/...``: Swagger UI's files (from the package) and this page's own."""

    def __init__(self) -> None:
        self.files = StaticFiles(directory=swagger_ui_path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        root = scope.get("root_path", "")
        name = (path[len(root):] if root and path.startswith(root) else path).lstrip("/")
        own = OWN_FILES.get(name)
        if own is not None and scope["type"] == "http":
            if scope["method"] not in ("GET", "HEAD"):
                await self.files(scope, receive, send)  # its 405
                return
            body, media_type = own
            answer = Response(body if scope["method"] == "GET" else b"", media_type=media_type)
            answer.headers["content-length"] = str(len(body))
            await self._with_headers(answer, scope, receive, send)
            return
        await self._with_headers(self.files, scope, receive, send)

    @staticmethod
    async def _with_headers(app: Any, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                message = {**message, "headers": [*message.get("headers", ()), *_ASSET_HEADERS]}
            await send(message)

        await app(scope, receive, send_with_headers)


@functools.cache
def docs_html() -> str:
    return render_docs(openapi_document())


@functools.cache
def openapi_json() -> bytes:
    return json.dumps(openapi_document(), ensure_ascii=False, separators=(",", ":")).encode()


async def openapi_endpoint(request: Request) -> Response:
    return Response(openapi_json(), media_type="application/json")


async def docs_endpoint(request: Request) -> Response:
    return HTMLResponse(
        docs_html(),
        headers={"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                 "Referrer-Policy": "no-referrer"},
    )


routes: list[Route | Mount] = [
    Route("/openapi.json", openapi_endpoint, methods=["GET"], name="openapi"),
    Route("/docs", docs_endpoint, methods=["GET"], name="docs"),
    Mount(ASSETS, app=DocsAssets(), name="docs-assets"),
]

__all__ = ["CSP", "DocsAssets", "render_docs", "render_reference", "routes"]
