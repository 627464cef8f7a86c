"""A Dutch and an English user of Acme, with the example catalog, each talking
through a chat linked with a link's token (``chat_support.link``)."""

from __future__ import annotations

import pytest

from tests.chat.chat_support import Chat, link
from tests.support.api_fixtures import Account, add_account

ENTRIES = "/api/v1/time_entries"


@pytest.fixture
def dutch(app, example_catalog) -> Chat:
    """Alice (nl) with her aliases (Rowan -> Timi, site -> Website, coden -> Development)."""
    return link(app, example_catalog)


@pytest.fixture
def erin(app, client, example_catalog) -> Account:
    """Alice's English colleague, with aliases of her own: redesign -> Website Redesign,
    coden -> Development, meeting -> Overleg."""
    erin = add_account(app, "erin@acme.nl", locale="en")
    for path, alias in [("projects/10", "redesign"), ("services/1", "coden"),
                        ("services/3", "meeting")]:  # fmt: skip
        added = client.post(f"/api/v1/{path}/aliases.json", json={"alias": alias},
                            headers=erin.headers)  # fmt: skip
        assert added.status_code in (200, 201), added.text
    return erin


@pytest.fixture
def english(app, erin) -> Chat:
    return link(app, erin)


def entries(client, account: Account) -> list[dict]:
    """The account's stored entries, oldest first."""
    answer = client.get(ENTRIES, headers=account.headers)
    assert answer.status_code == 200, answer.text
    return sorted(answer.json()["time_entries"], key=lambda entry: entry["id"])
