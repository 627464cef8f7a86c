"""``nlentry client add``, ``project add``, ``service add`` and ``alias add``: in-process, on a
fresh database; what they store is what the API then serves."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from nlentry.api.app import create_app
from nlentry.cli.main import main


@pytest.fixture
def cli(database_url, capsys):
    """``cli(*args) -> (status, stdout, stderr)`` with ``--database-url`` added."""

    def run(*args: str) -> tuple[int, str, str]:
        status = main([*args, "--database-url", database_url])
        out, err = capsys.readouterr()
        return status, out, err

    return run


@pytest.fixture
def token(cli) -> str:
    status, out, _ = cli("user", "add", "alice@acme.nl", "--workspace", "Acme")
    assert status == 0
    return out.strip()


@pytest.fixture
def api(database_url, token):
    app = create_app(database_url, rate_limit_per_minute=100_000)
    client = TestClient(app)
    client.headers["Authorization"] = f"Bearer {token}"
    yield client
    app.state.db.dispose()


def test_client_add_prints_the_id_alone(cli, api):
    status, out, err = cli("client", "add", "Timi BV", "--email", "alice@acme.nl")
    assert (status, err) == (0, "")
    assert out.splitlines() == [out.strip()] and out.strip().isdigit()
    listed = api.get("/api/v1/clients.json").json()
    assert [(c["id"], c["name"], c["active"]) for c in listed] == [(int(out), "Timi BV", True)]


def test_project_add_with_client_aliases_and_not_billable(cli, api):
    cli("client", "add", "Timi BV", "--email", "alice@acme.nl")
    status, out, err = cli("project", "add", "Timi", "--email", "ALICE@acme.nl", "--client",
                           "timi bv", "--alias", "rowan", "tango", "--alias", "kiwi",
                           "--not-billable")  # fmt: skip
    assert status == 0, err
    project = api.get(f"/api/v1/projects/{int(out)}.json").json()
    assert project["name"] == "Timi" and project["client"]["name"] == "Timi BV"
    assert project["aliases"] == ["rowan", "tango", "kiwi"] and project["billable"] is False
    # the parser finds it by the alias at once (the catalog version was bumped)
    entry = api.post("/api/v1/time_entries.json", data={"body": "2 uur rowan"}).json()
    assert entry["project"]["id"] == int(out)
    status, out, _ = cli("project", "add", "Website", "--email", "alice@acme.nl")
    shown = api.get(f"/api/v1/projects/{int(out)}").json()
    assert shown["billable"] is True and shown["client"] is None and shown["aliases"] == []


def test_service_add_and_alias_add(cli, api):
    status, out, err = cli("service", "add", "Ontwikkeling", "--email", "alice@acme.nl",
                           "--alias", "dev")  # fmt: skip
    assert status == 0, err
    service_id = int(out)
    cli("project", "add", "Timi", "--email", "alice@acme.nl")
    status, out, err = cli("alias", "add", "coden", "--email", "alice@acme.nl", "--service",
                           "ontwikkeling")  # fmt: skip
    assert status == 0 and out.strip().isdigit(), err
    assert api.get(f"/api/v1/services/{service_id}").json()["aliases"] == ["dev", "coden"]
    status, out, err = cli("alias", "add", "tmi", "--email", "alice@acme.nl", "--project", "Timi")
    assert status == 0, err
    entry = api.post("/api/v1/time_entries.json", data={"body": "1 uur tmi coden"}).json()
    assert entry["project"]["name"] == "Timi" and entry["service"]["id"] == service_id
    # the same alias again for the same target: kept, its id printed again
    again = cli("alias", "add", "TMI", "--email", "alice@acme.nl", "--project", "Timi")
    assert again == (0, out, "")


def test_json_prints_the_object_as_the_api_answers_it(cli, api):
    status, out, _ = cli("client", "add", "Acme", "--email", "alice@acme.nl", "--json")
    client = json.loads(out)
    assert status == 0 and client == api.get(f"/api/v1/clients/{client['id']}").json()
    status, out, _ = cli("project", "add", "Site", "--email", "alice@acme.nl", "--client", "Acme",
                         "--alias", "web", "--json")  # fmt: skip
    project = json.loads(out)
    assert project == api.get(f"/api/v1/projects/{project['id']}").json()
    status, out, _ = cli("service", "add", "Design", "--email", "alice@acme.nl", "--json")
    service = json.loads(out)
    assert service == api.get(f"/api/v1/services/{service['id']}").json()
    status, out, _ = cli("alias", "add", "ontwerp", "--email", "alice@acme.nl", "--service",
                         "Design", "--json")  # fmt: skip
    assert json.loads(out) == api.get(f"/api/v1/services/{service['id']}").json()
    assert json.loads(out)["aliases"] == ["ontwerp"]


def test_a_name_that_is_a_time_word_is_stored_with_a_warning(cli, api):
    status, out, err = cli("project", "add", "Uur", "--email", "alice@acme.nl")
    assert status == 0 and out.strip().isdigit()
    assert err.startswith("nlentry: warning: 'Uur' is a word for time")


def refused(result, *words: str) -> None:
    status, out, err = result
    assert status == 2 and out == "", result
    assert len(err.splitlines()) == 1 and err.startswith("nlentry: "), err
    assert "Traceback" not in err
    for word in words:
        assert word in err, (word, err)


def test_errors_are_one_line_and_exit_2_and_store_nothing(cli, api):
    refused(cli("client", "add", "Acme", "--email", "nobody@acme.nl"), "nobody@acme.nl",
            "nlentry user add")
    refused(cli("project", "add", "Site", "--email", "alice@acme.nl", "--client", "Nope"),
            "no client called 'Nope'")
    refused(cli("alias", "add", "x", "--email", "alice@acme.nl", "--project", "Nope"),
            "no project called 'Nope'")
    refused(cli("alias", "add", "x", "--email", "alice@acme.nl", "--service", "Nope"),
            "no service called 'Nope'")
    refused(cli("client", "add", "  ", "--email", "alice@acme.nl"), "the name can't be blank")
    refused(cli("service", "add", "x" * 256, "--email", "alice@acme.nl"), "the name is too long")
    # an alias that is a word for time, or taken: nothing of the command is stored
    refused(cli("project", "add", "Timi", "--email", "alice@acme.nl", "--alias", "gisteren"),
            "'gisteren' is a word for time")
    cli("project", "add", "Timi", "--email", "alice@acme.nl", "--alias", "rowan")
    refused(cli("service", "add", "Dev", "--email", "alice@acme.nl", "--alias", "Rowan"),
            "'Rowan' is already in use")
    refused(cli("alias", "add", "uur", "--email", "alice@acme.nl", "--project", "Timi"),
            "'uur' is a word for time")
    refused(cli("alias", "add", "rowan", "--email", "alice@acme.nl", "--service", "Timi"),
            "no service called 'Timi'")
    refused(cli("alias", "add", "!!", "--email", "alice@acme.nl", "--project", "Timi"),
            "'!!' is invalid")
    assert api.get("/api/v1/clients").json() == []
    assert [p["name"] for p in api.get("/api/v1/projects").json()] == ["Timi"]
    assert api.get("/api/v1/services").json() == []
    assert api.get("/api/v1/projects").json()[0]["aliases"] == ["rowan"]


def test_alias_add_needs_one_target(cli, capsys):
    with pytest.raises(SystemExit) as exit:
        main(["alias", "add", "x", "--email", "a@acme.nl"])
    assert exit.value.code == 2
    with pytest.raises(SystemExit):
        main(["alias", "add", "x", "--email", "a@acme.nl", "--project", "A", "--service", "B"])
    assert "not allowed with" in capsys.readouterr().err


def test_aliases_belong_to_the_email_given(cli, token):
    cli("user", "add", "bob@acme.nl", "--workspace", "Acme")
    assert cli("project", "add", "Timi", "--email", "alice@acme.nl", "--alias", "rowan")[0] == 0
    # Bob's own alias may be the same word: aliases are personal
    assert cli("alias", "add", "rowan", "--email", "bob@acme.nl", "--project", "Timi")[0] == 0
    cli("user", "add", "carol@other.example", "--workspace", "Other")
    refused(cli("alias", "add", "x", "--email", "carol@other.example", "--project", "Timi"),
            "no project called 'Timi' in the workspace of carol@other.example")
