"""Entity tags, once: the API's lists (``nlentry.api.pagination``) and the web page's
files (``nlentry.web.routes``) answer ``If-None-Match`` the same way.

Plain functions, importing nothing of nlentry.
"""

from __future__ import annotations

import hashlib


def etag_of(body: bytes) -> str:
    """A strong ``ETag`` for the answer ``body``."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (a weak comparison, as RFC 9110
    says for it) or is ``*``."""
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == wanted:
            return True
    return False
