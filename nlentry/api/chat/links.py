"""``POST /chat/links``: the caller confirms a chat user's link code (docs/chat.md).

The code (offered in the chat to a user who is not linked) names the chat user
and the chat that asked; from now on that chat user acts as the caller,
through a token made for the link (``LINK_SCOPES``, listed in the caller's
``/tokens``, revoked when the link is replaced or removed). Like ``/tokens``
it needs ``admin:all``: a narrowed token cannot mint a lasting one.
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from nlentry.api.chat.models import ChatLink, ChatLinkCreate
from nlentry.api.errors import not_found
from nlentry.api.operations import BODY_ERRORS, operation
from nlentry.api.pipeline import Call
from nlentry.api.scopes import LINK_SCOPES, allows
from nlentry.storage import chat_links


@operation("POST", "/chat/links", name="create_chat_link", tag="Chat", scope="admin:all",
           summary="Link a chat user to the caller with the code the chat gave them",
           description="The code is valid for 10 minutes and once. The chat user (platform, "
                       "team, user) then logs time as the caller; a link they had before is "
                       "replaced. 404 for an unknown, used or expired code.",
           request=ChatLinkCreate, request_description="the code", response=ChatLink,
           status=201, answer="the linked chat user", errors=(*BODY_ERRORS, "NotFound"),
           write=True)  # fmt: skip
def create_link(call: Call) -> Response:
    code = call.read(ChatLinkCreate)["code"]
    identity = chat_links.use_code(call.session, code)
    if identity is None:
        raise not_found()
    scopes = tuple(scope for scope in LINK_SCOPES if allows(call.caller.scopes, scope))
    chat_links.link(call.session, identity, call.caller.user_id, scopes)
    return JSONResponse({"platform": identity.platform, "team": identity.team,
                         "user": identity.chat_user}, 201)  # fmt: skip
