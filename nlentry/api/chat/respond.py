"""What the adapters share: an answer within the platform's deadline, the rest later.

Slack wants an answer to a slash command within 3 s, Mattermost likewise; a
reply not ready by ``DEADLINE_SECONDS`` is answered with a short "working on
it" and posted to the delivery's ``response_url`` when it is. Posts go out
with httpx (10 s timeout); a failure is logged, never raised into a request.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from nlentry.chat.model import Reply

logger = logging.getLogger("nlentry.chat")

#: How long a reply may take before the answer goes without it (Slack allows 3 s).
DEADLINE_SECONDS = 2.5
TIMEOUT_SECONDS = 10.0
_PENDING: set[asyncio.Task] = set()  # replies still being made, kept from the collector


async def in_time(reply: Awaitable[Reply], later: Callable[[Reply], Awaitable[None]],
                  deadline: float | None = None) -> Reply | None:  # fmt: skip
    """The reply when it is ready within ``deadline`` (default ``DEADLINE_SECONDS``, read
    at each call); else None, and ``later(reply)`` is called once it is."""
    task = asyncio.ensure_future(reply)
    wait = DEADLINE_SECONDS if deadline is None else deadline
    done, _ = await asyncio.wait({task}, timeout=wait)
    if done:
        return task.result()

    async def finish() -> None:
        try:
            await later(await task)
        except Exception:  # logged: the chat user sees no reply, the entry is kept
            logger.exception("a late chat reply failed")

    spawn(finish())
    return None


def spawn(work: Awaitable[Any]) -> None:
    """Run ``work`` after the answer, kept referenced until it is done."""
    task = asyncio.ensure_future(work)
    _PENDING.add(task)
    task.add_done_callback(_PENDING.discard)


def field_text(fields: dict, name: str) -> str:
    """A form field of a platform's request as text ("" when missing or not text)."""
    value = fields.get(name, "")
    return value if isinstance(value, str) else ""


def poster(response_url: str, render: Callable[[Reply], dict[str, Any]]
           ) -> Callable[[Reply], Awaitable[None]]:  # fmt: skip
    """What posts a reply, as ``render`` makes it, to a delivery's ``response_url`` (none
    given: nothing)."""

    async def post(reply: Reply) -> None:
        if response_url:
            await post_json(response_url, render(reply))

    return post


async def get_json(url: str) -> Any:
    """GET ``url``: its JSON answer, or None when it failed (or was no JSON)."""
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as client:
            answer = await client.get(url)
        answer.raise_for_status()
        return answer.json()
    except (httpx.HTTPError, ValueError) as error:
        logger.warning("chat get of %s failed: %s", url.split("?")[0], error)
        return None


async def post_json(url: str, payload: dict[str, Any]) -> int | None:
    """POST ``payload`` to ``url``: the answer's status, or None when it failed."""
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as client:
            answer = await client.post(url, json=payload)
        return answer.status_code
    except httpx.HTTPError as error:
        logger.warning("chat post to %s failed: %s", url.split("?")[0], error)
        return None
