"""Who is calling: the four ways a Timi client sends its credentials.

* ``X-Api-Key: EMAIL:TOKEN``
* HTTP Basic: e-mail as user name and token as password, or the token alone
  as user name
* ``Authorization: Bearer TOKEN``
* ``email`` and ``token`` as query parameters or form fields

When an e-mail is given it must be the token owner's. Tokens are never
logged: nothing here logs at all.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from nlentry.storage.api_tokens import hash_token, public_id_of
from nlentry.storage.models import ApiToken, User, Workspace


@dataclass(frozen=True)
class Credentials:
    token: str
    email: str | None = None


@dataclass(frozen=True)
class Caller:
    """The authenticated user of a request."""

    user_id: int
    workspace_id: int
    token_id: int
    email: str
    display_name: str
    locale: str
    catalog_versions: tuple[int, int]


def credentials_from(
    headers: Mapping[str, str], query: Mapping[str, Any], fields: Mapping[str, Any]
) -> Credentials | None:
    in_headers, credentials = header_credentials(headers)
    if in_headers:
        return credentials
    for source in (fields, query):
        token = source.get("token")
        if isinstance(token, str) and token:
            email = source.get("email") or fields.get("email") or query.get("email")
            return Credentials(token, email if isinstance(email, str) and email else None)
    return None


def header_credentials(headers: Mapping[str, str]) -> tuple[bool, Credentials | None]:
    """Whether the headers carry the credentials (then nothing else is looked at), and which.

    Readable without the body, so a request can be identified (and refused)
    before its body is read.
    """
    api_key = headers.get("x-api-key")
    if api_key:
        email, separator, token = api_key.rpartition(":")
        if separator:
            return True, Credentials(token.strip(), email.strip() or None)
        return True, Credentials(api_key.strip())
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return True, Credentials(value.strip())
    if scheme.lower() == "basic" and value.strip():
        return True, _basic(value.strip())
    return False, None


def _basic(value: str) -> Credentials | None:
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    user, _, password = decoded.partition(":")
    if password:
        return Credentials(password, user or None)
    return Credentials(user) if user else None


#: Built once: the token row with its user and workspace, by the token's public id.
_CALLER_BY_PUBLIC_ID = (
    select(
        ApiToken.id,
        ApiToken.secret_hash,
        User.id,
        User.workspace_id,
        User.email,
        User.display_name,
        User.locale,
        User.catalog_version,
        Workspace.catalog_version,
    )
    .join(User, User.id == ApiToken.user_id)
    .join(Workspace, Workspace.id == User.workspace_id)
    .where(ApiToken.public_id == bindparam("public_id"), ApiToken.revoked_at.is_(None))
)


def authenticate(session: Session, credentials: Credentials | None) -> Caller | None:
    """The caller owning ``credentials`` (a live token, and its e-mail if given), or None."""
    if credentials is None or not credentials.token:
        return None
    public_id = public_id_of(credentials.token)
    if public_id is None:
        return None
    row = session.execute(_CALLER_BY_PUBLIC_ID, {"public_id": public_id}).one_or_none()
    if row is None:
        return None
    (token_id, secret_hash, user_id, workspace_id, email, display_name, locale,
     user_version, workspace_version) = row
    if not hmac.compare_digest(secret_hash, hash_token(credentials.token)):
        return None
    if credentials.email is not None and credentials.email.strip().lower() != email:
        return None
    return Caller(
        user_id=user_id,
        workspace_id=workspace_id,
        token_id=token_id,
        email=email,
        display_name=display_name,
        locale=locale,
        catalog_versions=(workspace_version, user_version),
    )


__all__ = ["Caller", "Credentials", "authenticate", "credentials_from", "header_credentials"]
