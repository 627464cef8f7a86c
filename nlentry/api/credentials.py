"""Who is calling: the four ways a Timi client sends its credentials.

* ``X-Api-Key: EMAIL:TOKEN``
* HTTP Basic: e-mail as user name and token as password, or the token alone
  as user name
* ``Authorization: Bearer TOKEN``
* ``email`` and ``token`` as query parameters or form fields

When an e-mail is given it must be the token owner's. A token or e-mail that
is no storable text (a NUL, as in ``?token=ab%00cd.ef`` or a Basic pair that
decodes to one, or a lone surrogate) is no credential: 401, and it never
reaches the database. Tokens are never logged: nothing here logs at all.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nlentry.api.request.body import is_storable
from nlentry.storage.api_tokens import TokenOwner, token_owner, token_owner_by_id

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Credentials:
    token: str
    email: str | None = None
    #: a token of the service's own by its id (a chat link's, whose secret nobody kept)
    token_id: int | None = None


#: The ASGI scope key under which the service's own in-process calls
#: (``nlentry.api.chat.in_process``) carry their ``Credentials``. A client's request
#: never has it: the server builds the scope, and no header or field sets it.
IN_PROCESS = "nlentry.credentials"


def token_id_credentials(token_id: int) -> Credentials:
    """Credentials naming a token by id, for a call from inside the service. The NUL
    in the text no client's token can hold (``_checked``), so the caller cache never
    serves a client from this entry."""
    return Credentials(f"\x00token:{token_id}", None, token_id)


#: The authenticated user of a request: the owner of its token.
Caller = TokenOwner


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
            return _checked(token, email if isinstance(email, str) and email else None)
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
            return True, _checked(token.strip(), email.strip() or None)
        return True, _checked(api_key.strip())
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return True, _checked(value.strip())
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
        return _checked(password, user or None)
    return _checked(user) if user else None


def _checked(token: str, email: str | None = None) -> Credentials | None:
    """The credentials, or None (401) when the token or e-mail cannot be stored text."""
    if not is_storable(token) or (email is not None and not is_storable(email)):
        return None
    return Credentials(token, email)


def authenticate(session: Session, credentials: Credentials | None) -> Caller | None:
    """The caller owning ``credentials`` (a live token, and its e-mail if given), or None."""
    if credentials is None or not credentials.token:
        return None
    if credentials.token_id is not None:
        return token_owner_by_id(session, credentials.token_id)
    return token_owner(session, credentials.token, credentials.email)


__all__ = [
    "IN_PROCESS",
    "Caller",
    "Credentials",
    "authenticate",
    "credentials_from",
    "header_credentials",
    "token_id_credentials",
]
