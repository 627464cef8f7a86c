"""The CSV export (issue 12, part 2): ``GET /time_entries.csv`` and ``Accept: text/csv``
on the list. The header row, RFC 4180 quoting, formula defusing, the list's filters and
order with every entry (no pages), ``rounded_hours``, accents in UTF-8, timestamps with
the user's offset, and streaming: the header leaves before a row is read, the rows come a
batch at a time while the answer is sent, and the read session ends with the answer,
also when the client goes away.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io

import pytest
from sqlalchemy import insert

from nlentry.api.request import entry_fields
from nlentry.api.resources import entry_create, export, time_entries, timer
from nlentry.storage.models import TimeEntry
from nlentry.storage.queries import export as stored_export

CSV_PATH = "/api/v1/time_entries.csv"
ENTRIES = "/api/v1/time_entries.json"
HEADER = ["id", "date", "start_time", "end_time", "duration_seconds", "hours", "project",
          "client", "service", "description", "body", "billable", "tags", "created_at",
          "updated_at"]  # fmt: skip


def post(client, account, path, **data):
    answer = client.post(path, json=data, headers=account.headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def entry(client, account, day="2026-03-18", seconds=3600, **fields):
    return post(client, account, ENTRIES, body=fields.pop("body", "werk"), date=day,
                duration=seconds, **fields)


def exported(client, account, path=CSV_PATH, headers=None, **params) -> list[dict[str, str]]:
    answer = client.get(path, params=params, headers={**account.headers, **(headers or {})})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8"), newline="")))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def header_of(client, account, **params) -> list[str]:
    answer = client.get(CSV_PATH, params=params, headers=account.headers)
    assert answer.status_code == 200, answer.text
    return next(csv.reader(io.StringIO(answer.text)))


def listed_ids(client, account, **params) -> list[int]:
    answer = client.get(ENTRIES, params={**params, "per_page": "100"}, headers=account.headers)
    assert answer.status_code == 200, answer.text
    return [item["id"] for item in answer.json()["time_entries"]]


# --- the file ---------------------------------------------------------------------------------


def test_header_and_one_row(client, alice):
    kiwi_bv = post(client, alice, "/api/v1/clients.json", name="Kiwi BV")
    kiwi = post(client, alice, "/api/v1/projects.json", name="Kiwi", client_id=kiwi_bv["id"])
    dev = post(client, alice, "/api/v1/services.json", name="Ontwikkeling")
    made = entry(client, alice, "2026-03-18", 9000, body="2,5 uur review #urgent",
                 project_id=kiwi["id"], service_id=dev["id"], start_time="09:00",
                 end_time="11:30", billable=False, tags=["review"])
    answer = client.get(CSV_PATH, headers=alice.headers)
    assert answer.content.startswith(b"id,date,")  # UTF-8 without a byte order mark
    assert answer.content.split(b"\r\n")[0].decode() == ",".join(HEADER)
    assert "etag" not in answer.headers
    assert answer.headers["content-disposition"] == 'attachment; filename="time_entries.csv"'
    assert exported(client, alice) == [{
        "id": str(made["id"]), "date": "2026-03-18", "start_time": "09:00", "end_time": "11:30",
        "duration_seconds": "9000", "hours": "2.50", "project": "Kiwi", "client": "Kiwi BV",
        "service": "Ontwikkeling", "description": made["description"],
        "body": "2,5 uur review #urgent", "billable": "false", "tags": ", ".join(made["tags"]),
        "created_at": made["created_at"], "updated_at": made["updated_at"]}]


def test_no_entries_is_the_header_alone(client, alice):
    answer = client.get(CSV_PATH, headers=alice.headers)
    assert answer.content == (",".join(HEADER) + "\r\n").encode()


def test_fields_are_quoted_as_rfc_4180_says(client, alice):
    text = 'een "quote", een komma\nen een nieuwe regel'
    entry(client, alice, description=text)
    answer = client.get(CSV_PATH, headers=alice.headers)
    assert b'"een ""quote"", een komma\nen een nieuwe regel"' in answer.content
    assert answer.content.endswith(b"\r\n") and answer.content.count(b"\r\n") == 2
    assert exported(client, alice)[0]["description"] == text


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+31 6 1234", "-2+3",
                                  "@SUM(A1)", "\tgetabd", "\rregel"])
def test_a_cell_a_spreadsheet_would_run_is_defused(client, alice, text):
    entry(client, alice, description=text, body=text, tags=[text])
    row = exported(client, alice)[0]
    assert row["description"] == "'" + text
    assert row["body"] == "'" + text
    tag = text.strip()  # a tag is stored trimmed
    assert row["tags"] == ("'" + tag if tag[0] in "=+-@" else tag)


def test_a_project_name_is_defused_too_and_harmless_text_is_not(client, alice):
    project = post(client, alice, "/api/v1/projects.json", name="@home")
    entry(client, alice, project_id=project["id"], description="a = b, -1 later")
    row = exported(client, alice)[0]
    assert (row["project"], row["description"]) == ("'@home", "a = b, -1 later")


def test_accents_and_any_script_survive_in_utf_8(client, alice):
    text = "café Zoë ĳs naïef façade – 東京 😀"
    project = post(client, alice, "/api/v1/projects.json", name="Crème brûlée")
    entry(client, alice, project_id=project["id"], description=text, body=f"werk {text}")
    answer = client.get(CSV_PATH, headers=alice.headers)
    assert text.encode("utf-8") in answer.content and "Crème brûlée".encode() in answer.content
    row = exported(client, alice)[0]
    assert (row["description"], row["body"], row["project"]) == (
        text, f"werk {text}", "Crème brûlée")


def test_timestamps_carry_the_users_offset(client, make_account, app):
    kolkata = make_account(app, "in@acme.nl", timezone="Asia/Kolkata")  # +05:30, all year
    made = entry(client, kolkata)
    row = exported(client, kolkata)[0]
    assert row["created_at"] == made["created_at"] and row["created_at"].endswith("+05:30")
    assert row["updated_at"].endswith("+05:30")


def test_rounding_adds_rounded_hours(client, alice):
    entry(client, alice, seconds=420)  # 7 minutes
    assert header_of(client, alice, rounding="15") == [*HEADER, "rounded_hours"]
    assert exported(client, alice, rounding="15")[0]["rounded_hours"] == "0.00"
    assert exported(client, alice, rounding="15", rounding_mode="up")[0]["rounded_hours"] == "0.25"
    assert exported(client, alice, rounding="0")[0]["rounded_hours"] == "0.12"
    assert exported(client, alice)[0]["hours"] == "0.12" and "rounded_hours" not in exported(
        client, alice)[0]


# --- which entries, in which order ---------------------------------------------------------------


@pytest.fixture
def many(client, alice):
    """Entries over a few days and projects, billable or not, tagged or not."""
    kiwi = post(client, alice, "/api/v1/projects.json", name="Kiwi")
    made = []
    for i in range(12):
        made.append(entry(client, alice, f"2026-03-{10 + i % 4:02d}", 60 * (i % 5 + 1),
                          project_id=kiwi["id"] if i % 2 else None, billable=i % 3 != 0,
                          tags=["review"] if i % 4 == 0 else [],
                          body="overleg" if i % 5 == 0 else "werk"))
    return {"kiwi": kiwi, "entries": made}


@pytest.mark.parametrize("params", [
    {}, {"sort": "duration"}, {"sort": "-duration"}, {"sort": "date"}, {"sort": "created_at"},
    {"date": "2026-03-11"}, {"start_date": "2026-03-11", "end_date": "2026-03-12"},
    {"project_ids": "KIWI"}, {"billable": "false"}, {"tag": "review"}, {"q": "overleg"},
    {"updated_since": "2000-01-01T00:00:00Z"}, {"q": "niets"},
])
def test_the_same_entries_in_the_same_order_as_the_list(client, alice, many, params):
    params = {k: str(many["kiwi"]["id"]) if v == "KIWI" else v for k, v in params.items()}
    assert [int(row["id"]) for row in exported(client, alice, **params)] == listed_ids(
        client, alice, **params)


def test_every_entry_without_pages(app, client, alice):
    rows = [{"user_id": alice.id, "body": f"werk {i}", "description": "", "date": dt.date(2026, 3,
             1 + i % 28), "duration": 60 + i, "tags": [], "meta": {}} for i in range(250)]
    with app.state.db.write() as session:
        session.execute(insert(TimeEntry), rows)
        session.commit()
    found = exported(client, alice)
    assert len(found) == 250 and len({row["id"] for row in found}) == 250
    assert sum(int(row["duration_seconds"]) for row in found) == sum(60 + i for i in range(250))


def test_an_admin_exports_colleagues_with_whose_they_are(client, admin, member, carol):
    entry(client, member, body="van bob")
    entry(client, carol, body="van carol")  # another workspace: never
    rows = exported(client, admin, user_ids=f"{member.id},{carol.id}")
    assert [(r["body"], r["user_id"], r["user"]) for r in rows] == [
        ("van bob", str(member.id), "bob")]
    assert header_of(client, admin, user_ids=str(member.id))[-2:] == ["user_id", "user"]
    assert exported(client, admin) == []  # without user_ids: her own


def test_a_running_timer_counts_so_far(client, alice, monkeypatch):
    clock = {"now": dt.datetime(2026, 3, 18, 9, 0)}
    for module in (entry_fields, entry_create, time_entries, timer, export):
        monkeypatch.setattr(module, "utcnow", lambda: clock["now"])
    post(client, alice, "/api/v1/time_entries/timer.json", body="werk")
    clock["now"] += dt.timedelta(minutes=45)
    row = exported(client, alice)[0]
    assert (row["duration_seconds"], row["hours"], row["end_time"]) == ("2700", "0.75", "")
    clock["now"] += dt.timedelta(hours=30)
    assert exported(client, alice)[0]["duration_seconds"] == "86400"


# --- asking for CSV ------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "accept", "is_csv"), [
    ("/api/v1/time_entries", "text/csv", True),
    ("/api/v1/time_entries.json", "text/csv", True),
    ("/api/v1/time_entries.json", "text/csv; charset=utf-8", True),
    ("/api/v1/time_entries", "text/csv, application/json;q=0.9", True),
    ("/api/v1/time_entries", "text/csv, */*", True),
    ("/api/v1/time_entries", "application/json, text/csv", False),  # a tie: JSON
    ("/api/v1/time_entries", "text/csv;q=0.5, application/json", False),
    ("/api/v1/time_entries", "text/csv;q=0", False),
    ("/api/v1/time_entries", "text/csv;q=nonsense", False),
    ("/api/v1/time_entries", "text/html,application/xhtml+xml,*/*;q=0.8", False),
    ("/api/v1/time_entries", None, False),
    (CSV_PATH, "application/json", True),  # the suffix asks for CSV whatever Accept says
    (CSV_PATH, None, True),
])
def test_accept_and_the_suffix(client, alice, path, accept, is_csv):
    entry(client, alice)
    headers = {**alice.headers, **({"Accept": accept} if accept else {})}
    answer = client.get(path, headers=headers)
    assert answer.status_code == 200, answer.text
    kind = answer.headers["content-type"]
    assert kind.startswith("text/csv") if is_csv else kind.startswith("application/json")


@pytest.mark.parametrize("path", ["/api/v1/projects.csv", "/api/v1/time_entries/timer.csv",
                                  "/api/v1/time_entries.csv.json", "/api/v1/reports/summary.csv"])
def test_csv_is_only_where_it_is_served(client, alice, path):
    assert client.get(path, headers=alice.headers).status_code == 404


@pytest.mark.parametrize(("params", "errors"), [
    ({"page": "2"}, {"page": ["is geen bekende parameter"]}),
    ({"per_page": "1000", "size": "10"},
     {"per_page": ["is geen bekende parameter"], "size": ["is geen bekende parameter"]}),
    ({"sort": "project"}, {"sort": ["is geen sortering die deze lijst kent"]}),
    ({"colour": "red"}, {"colour": ["is geen bekende parameter"]}),
    ({"rounding": "7"}, {"rounding": ["moet 0, 1, 5, 6, 10, 15, 30 of 60 zijn (minuten)"]}),
    ({"start_date": "2026-03-20", "end_date": "2026-03-19"},
     {"start_date": ["ligt na de einddatum"]}),
])
def test_what_is_wrong_is_a_json_422(client, alice, params, errors):
    answer = client.get(CSV_PATH, params=params, headers=alice.headers)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["errors"] == errors


def test_a_member_is_refused_user_ids_and_scopes_apply(app, client, member, make_token):
    answer = client.get(CSV_PATH, params={"user_ids": str(member.id)}, headers=member.headers)
    assert answer.json()["errors"] == {"user_ids": ["is alleen voor beheerders"]}
    reporter = make_token(app, member, scopes=("read:reports",))
    answer = client.get(CSV_PATH, headers=reporter.headers)
    assert answer.status_code == 403 and answer.json()["required_scope"] == "read:time_entries"
    assert client.get(CSV_PATH).status_code == 401


# --- streaming ------------------------------------------------------------------------------------


def seed(app, user_id: int, count: int) -> None:
    rows = [{"user_id": user_id, "body": f"werk {i}", "description": "", "duration": 60,
             "date": dt.date(2026, 1, 1) + dt.timedelta(days=i % 300), "tags": [], "meta": {}}
            for i in range(count)]
    with app.state.db.write() as session:
        session.execute(insert(TimeEntry), rows)
        session.commit()


def call_asgi(app, path: str, headers: dict[str, str], *, events: list[str] | None = None,
              disconnect_after: int | None = None) -> list[dict]:
    """Call the app as a server would: the messages it sent (each also noted as ``send``
    in ``events``). ``disconnect_after``: the client goes away after that many body
    messages."""
    events = [] if events is None else events
    sent: list[dict] = []
    gone = asyncio.Event()
    asked: list[int] = []

    async def receive():
        asked.append(1)
        if len(asked) == 1:  # the request, once
            return {"type": "http.request", "body": b"", "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)
        events.append("send")
        bodies = [m for m in sent if m["type"] == "http.response.body"]
        if disconnect_after is not None and len(bodies) >= disconnect_after:
            gone.set()
        await asyncio.sleep(0)

    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
             "http_version": "1.1", "method": "GET", "scheme": "http", "path": path,
             "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
             "client": ("127.0.0.1", 5000), "server": ("testserver", 80)}
    asyncio.run(app(scope, receive, send))
    return sent


def note_batches(monkeypatch, events: list[str]) -> None:
    """Each batch the export reads is noted as ``read`` in ``events``."""
    next_batch = stored_export.ExportCursor.next_batch

    def noted(cursor):
        events.append("read")
        return next_batch(cursor)

    monkeypatch.setattr(stored_export.ExportCursor, "next_batch", noted)


def test_the_answer_streams_a_batch_at_a_time(app, alice, monkeypatch):
    seed(app, alice.id, 2500)
    monkeypatch.setattr(stored_export, "BATCH_ROWS", 1000)
    reads: list[str] = []
    note_batches(monkeypatch, reads)
    sent = call_asgi(app, CSV_PATH, alice.headers)
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 200
    bodies = [m for m in sent if m["type"] == "http.response.body"]
    assert bodies[0]["body"] == (",".join(HEADER) + "\r\n").encode()
    chunks = [m["body"] for m in bodies[1:] if m["body"]]
    assert [chunk.count(b"\r\n") for chunk in chunks] == [1000, 1000, 500]
    assert all(m["more_body"] for m in bodies[:-1]) and not bodies[-1]["more_body"]
    assert reads == ["read"] * 4  # three with rows, one that found the end
    assert app.state.db.engine.pool.checkedout() == 0  # the read session ended with the answer


def test_rows_are_read_while_the_answer_is_sent(app, alice, monkeypatch):
    seed(app, alice.id, 30)
    monkeypatch.setattr(stored_export, "BATCH_ROWS", 10)
    events: list[str] = []
    note_batches(monkeypatch, events)
    call_asgi(app, CSV_PATH, alice.headers, events=events)
    # the answer starts and the header leaves before a row is read; then each batch is
    # sent before the next is read: the rows are never all held at once
    assert events == ["send", "send", *["read", "send"] * 3, "read", "send"]


def test_a_client_that_goes_away_ends_the_read(app, alice, monkeypatch):
    seed(app, alice.id, 500)
    monkeypatch.setattr(stored_export, "BATCH_ROWS", 10)
    events: list[str] = []
    note_batches(monkeypatch, events)
    sent = call_asgi(app, CSV_PATH, alice.headers, disconnect_after=3)
    assert len([m for m in sent if m["type"] == "http.response.body"]) < 10
    assert 0 < events.count("read") < 10  # of 50 batches
    assert app.state.db.engine.pool.checkedout() == 0
