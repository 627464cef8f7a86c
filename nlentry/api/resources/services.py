"""``/services``: the workspace's services (activities) with the caller's aliases."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from nlentry.api.json_shapes import name_warnings, service_json
from nlentry.api.operations import BODY_ERRORS, operation
from nlentry.api.pipeline import Call
from nlentry.api.request.catalog_models import CatalogQuery, ServiceCreate, ServiceInput
from nlentry.api.resources.aliases import (
    aliases_of,
    own_in_workspace,
    replace_aliases,
    with_aliases,
)
from nlentry.api.resources.catalog_common import (
    ETAG_NOTE,
    NOT_MODIFIED,
    apply_fields,
    catalog_list,
)
from nlentry.api.response_models import Service as ServiceShape
from nlentry.api.response_models import ServiceList
from nlentry.storage.catalog_versions import bump_workspace_catalog
from nlentry.storage.models import Service
from nlentry.storage.queries.workspace_objects import archive, store

TAG = "Services"
ID = {"id": "the service's id"}


@operation("GET", "/services", tag=TAG, scope="read:projects", summary="The workspace's services",
           description="Each service (activity) has the caller's aliases. A plain list, archived "
                       "services included, unless `page`, `per_page` or `size` is given."
                       + ETAG_NOTE,
           query=CatalogQuery, response=ServiceList, answer="the services, or one page of them",
           more=NOT_MODIFIED, errors=("Invalid",))  # fmt: skip
def list_services(call: Call) -> Response:
    return catalog_list(call, Service, "services",
                        lambda rows: with_aliases(call, "service", rows, service_json))


@operation("GET", "/services/{id:int}", tag=TAG, scope="read:projects", summary="One service", path_params=ID,
           response=ServiceShape, answer="the service", errors=("NotFound",))  # fmt: skip
def show_service(call: Call) -> Response:
    service = own_in_workspace(call, Service)
    return JSONResponse(service_json(service, aliases_of(call, "service", service.id)))


@operation("POST", "/services", tag=TAG, scope="write:projects", summary="Create a service", request=ServiceCreate,
           request_description="the new service", response=ServiceShape, status=201,
           answer="the new service", errors=BODY_ERRORS, write=True)  # fmt: skip
def create_service(call: Call) -> Response:
    service = Service(workspace_id=call.caller.workspace_id, active=True)
    return _save(call, service, call.read(ServiceCreate), 201)


@operation("PATCH", "/services/{id:int}", tag=TAG, path_params=ID,
           scope="write:projects", summary="Rename, archive (`active=false`) or change a service", request=ServiceInput,
           request_description="the fields to change (`metadata` merges)", request_required=False,
           response=ServiceShape, answer="the changed service",
           errors=("NotFound", *BODY_ERRORS), write=True)  # fmt: skip
def update_service(call: Call) -> Response:
    service = own_in_workspace(call, Service)
    return _save(call, service, call.read(ServiceInput), 200)


@operation("DELETE", "/services/{id:int}", tag=TAG, path_params=ID, scope="write:projects",
           summary="Archive a service (`active=false`)",
           description="Nothing is deleted: entries keep their service, and the caller's aliases "
                       "stay. The parser no longer offers it for new entries. Archiving an "
                       "archived service again is 204 too.",
           status=204, answer="archived; no body", errors=("NotFound",), write=True)  # fmt: skip
def delete_service(call: Call) -> Response:
    archive(call.session, own_in_workspace(call, Service))
    return Response(status_code=204)


def _save(call: Call, service: Service, values: dict, status: int) -> Response:
    errors = call.errors()
    apply_fields(service, values, errors)
    errors.raise_if_any()
    store(call.session, service)
    if "aliases" in values:
        replace_aliases(call, "service", service.id, values["aliases"], errors)
    bump_workspace_catalog(call.session, call.caller.workspace_id)
    names = aliases_of(call, "service", service.id)
    answer = service_json(service, names)
    warnings = name_warnings(service.name, call.caller.locale)
    if warnings:  # only when there is one: the answer is otherwise the service's shape
        answer["warnings"] = warnings
    return JSONResponse(answer, status)
