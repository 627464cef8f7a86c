"""The fields the client, project, service and alias operations read, as pydantic models.

A handler reads them with ``read_model`` (``nlentry.api.request.fields``); the
OpenAPI document shows their JSON Schema. ``...Create`` requires what ``...Input``
(the fields of a change) leaves out. Fields not given stay unset.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from nlentry.api.request.fields import Boolean, Name, NameList, OneOrMoreAliases, OptionalId

_ARCHIVES = "default true; false archives"


class ClientInput(BaseModel):
    name: Name = None  # type: ignore[assignment]  # unset unless given; null is refused
    active: Boolean = Field(None, description="false archives")  # type: ignore[assignment]


class ClientCreate(ClientInput):
    name: Name


class ProjectInput(BaseModel):
    name: Name = None  # type: ignore[assignment]
    active: Boolean = Field(None, description=_ARCHIVES)  # type: ignore[assignment]
    client_id: OptionalId = Field(None, description="blank or null detaches")
    aliases: NameList = Field(  # type: ignore[assignment]
        None, description="replaces the caller's aliases (a list, repeated form fields or one "
                          "comma-separated string)",
    )


class ProjectCreate(ProjectInput):
    name: Name


class ServiceInput(BaseModel):
    name: Name = None  # type: ignore[assignment]
    active: Boolean = Field(None, description=_ARCHIVES)  # type: ignore[assignment]
    aliases: NameList = Field(  # type: ignore[assignment]
        None, description="replaces the caller's aliases",
    )


class ServiceCreate(ServiceInput):
    name: Name


class AliasInput(BaseModel):
    alias: OneOrMoreAliases
