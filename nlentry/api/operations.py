"""Each operation of the API declared once, next to its handler.

``@operation(...)`` above a handler says everything about it: method and
path, the fields it reads (pydantic models of its body, query and headers),
the shape and status of its answer, which shared error answers it gives,
whether it is public, and how it runs. The route table
(``nlentry.api.routes``), ``/info`` and the OpenAPI document
(``nlentry.api.openapi.document``) are all derived from these declarations::

    @operation("POST", "/clients", tag="Clients", summary="Create a client",
               request=ClientCreate, response=Client, status=201, answer="the new client",
               errors=BODY_ERRORS, write=True)
    def create_client(call: Call) -> Response: ...

The decorator returns the Starlette endpoint that ``nlentry.api.pipeline.authenticated``
makes of the handler (a public operation's handler is an endpoint already):
nothing is added per request.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from nlentry.api.pipeline import authenticated
from nlentry.api.scopes import SCOPES

API_PREFIX = "/api/v1"

#: The shared answers of a request with a body (``components/responses``).
BODY_ERRORS = ("BadRequest", "RequestTimeout", "TooLarge", "UnsupportedMediaType", "Invalid")

_CONVERTOR = re.compile(r"\{(\w+):\w+\}")


@dataclass(frozen=True)
class Operation:
    """One method of one path, as declared."""

    method: str  # "GET", "POST", ...
    path: str  # as routed, without the prefix and the .json suffix: "/clients/{id:int}"
    name: str  # the operationId, and the name /info shows
    tag: str
    summary: str
    endpoint: Callable[..., Any]  # the Starlette endpoint
    description: str = ""
    #: the body's fields (a form, or JSON); None: no body
    request: type[BaseModel] | None = None
    request_description: str = ""
    request_required: bool = True
    query: type[BaseModel] | None = None  # the query parameters
    headers: type[BaseModel] | None = None  # header parameters (their aliases are the names)
    #: name -> description, or (description, type) for a type other than the convertor's
    path_params: Mapping[str, str | tuple[str, Any]] = field(default_factory=dict)
    response: Any = None  # a model, list[model], or None: no body
    status: int = 200
    answer: str = ""  # what the successful answer is
    #: shared error answers (``components/responses``), each with its own description or None
    errors: Mapping[str, str | None] = field(default_factory=dict)
    #: other answers: status -> (description, model or None)
    more: Mapping[int, tuple[str, Any]] = field(default_factory=dict)
    public: bool = False  # answered without a token
    #: the token scope the operation needs (``nlentry.api.scopes``); None: any token
    scope: str | None = None
    write: bool = False
    on_loop: bool = False
    #: the largest body this operation reads (413 beyond); None: the app's limit
    max_body_bytes: int | None = None

    @property
    def route_path(self) -> str:
        """The path Starlette routes: ``/api/v1/clients/{id:int}``."""
        return API_PREFIX + self.path

    @property
    def document_path(self) -> str:
        """The path the OpenAPI document names: ``/api/v1/clients/{id}``."""
        return _CONVERTOR.sub(r"{\1}", self.route_path)


class Registry:
    """Declared operations, in the order of their declaration; a method and path once."""

    def __init__(self) -> None:
        self._operations: list[Operation] = []

    def add(self, op: Operation) -> None:
        for known in self._operations:
            if (known.method, known.path) == (op.method, op.path) or known.name == op.name:
                raise ValueError(f"{op.method} {op.path} ({op.name}) is declared twice")
        self._operations.append(op)

    def __iter__(self) -> Iterator[Operation]:
        return iter(self._operations)

    def of(self, module: str) -> list[Operation]:
        """The operations declared in ``module`` (by its handlers' ``__module__``)."""
        return [op for op in self._operations if op.endpoint.__module__ == module]


#: Where ``@operation`` declares, unless told otherwise.
REGISTRY = Registry()


def operation(
    method: str,
    path: str,
    *,
    tag: str,
    summary: str,
    name: str | None = None,
    errors: tuple[str, ...] | Mapping[str, str | None] = (),
    registry: Registry = REGISTRY,
    **declared: Any,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare the operation of the decorated handler; see the module's documentation.

    ``name`` defaults to the handler's name; ``errors`` names shared error answers
    (a mapping gives one a description of its own); the other keywords are the
    fields of ``Operation``. 401 and 429 come with every operation that is not public,
    and such an operation names the ``scope`` it needs.
    """
    if isinstance(errors, tuple):
        errors = dict.fromkeys(errors)

    def declare(handler: Callable[..., Any]) -> Callable[..., Any]:
        if declared.get("public"):
            endpoint = handler
        else:
            if declared.get("scope") not in SCOPES:
                raise ValueError(f"{handler.__name__}: scope must be one of {sorted(SCOPES)}")
            endpoint = authenticated(handler, write=declared.get("write", False),
                                     on_loop=declared.get("on_loop", False),
                                     scope=declared["scope"],
                                     max_body_bytes=declared.get("max_body_bytes"))  # fmt: skip
        op = Operation(method.upper(), path, name or handler.__name__, tag, summary, endpoint,
                       errors=dict(errors), **declared)  # fmt: skip
        registry.add(op)
        endpoint.operation = op  # type: ignore[attr-defined]
        return endpoint

    return declare
