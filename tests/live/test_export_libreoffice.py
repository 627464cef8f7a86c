"""The CSV export, opened by a real spreadsheet (issue 12, part 2).

A real ``nlentry serve`` (SQLite) exports entries full of what breaks CSV files:
accents and other scripts, quotes, commas, line breaks, cells a spreadsheet would run
as formulas. LibreOffice (``soffice --headless --convert-to xlsx``, reading the file
as UTF-8 CSV, as its import dialog offers) turns the export into a workbook, and
openpyxl reads it back: every cell must hold the export's value (numbers as numbers,
the date as a date, the clock as a time, text exactly, accents included), and no cell
may be a formula. A control row proves LibreOffice does run a formula the export had
not defused.

LibreOffice is a Debian package (``libreoffice-calc``, installed by ``.ci/run``):
without it this test fails, saying so; it never skips.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import subprocess
from pathlib import Path

import livekit
import pytest

#: UTF-8 (76), comma-separated (44), quoted with " (34), from line 1, US number format
#: (1033): the choices of LibreOffice's CSV import dialog for this file.
CSV_FILTER = "CSV:44,34,76,1,,1033"
RUNNABLE = ("=1+1", "+31 6 12345678", "-2 uur", "@SUM(A1)", '=HYPERLINK("http://example.com")')
TEXT = 'Zoë\'s "café", naïef — één 東京 😀\ntweede regel'


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        pytest.fail("LibreOffice is not installed: this test needs `soffice` "
                    "(apt-get install -y libreoffice-calc; .ci/run installs it)", pytrace=False)
    return found


def openpyxl():
    try:
        import openpyxl
    except ImportError:
        pytest.fail("openpyxl is not installed: pip install -e '.[test]'", pytrace=False)
    return openpyxl


def to_workbook(csv_file: Path, workdir: Path):
    """``csv_file`` converted by LibreOffice: the rows of its first sheet, as openpyxl cells."""
    out = workdir / "converted"
    done = subprocess.run(
        [soffice(), "--headless", "--norestore", "--nolockcheck",
         f"-env:UserInstallation=file://{workdir / 'lo-profile'}", f"--infilter={CSV_FILTER}",
         "--convert-to", "xlsx", "--outdir", str(out), str(csv_file)],
        capture_output=True, text=True, timeout=180, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    converted = out / (csv_file.stem + ".xlsx")
    assert done.returncode == 0 and converted.exists(), (done.stdout, done.stderr)
    return list(openpyxl().load_workbook(converted).active.iter_rows())


def as_exported(cell) -> str:
    """A spreadsheet cell written back the way the export wrote its value."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, int | float):
        return repr(value)
    return value


def same_value(cell, exported: str) -> bool:
    if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
        return float(exported) == cell.value
    return as_exported(cell) == exported


def test_libreoffice_reads_every_value_of_an_export(tmp_path):
    soffice()  # missing: fail at once, before a server is started
    env = livekit.server_env(NLENTRY_DATABASE_URL=f"sqlite:///{tmp_path / 'export.db'}",
                             NLENTRY_TIMEZONE="Asia/Kolkata", NLENTRY_RATE_LIMIT="100000")
    auth = f"zoe@example.com:{livekit.add_user(env, 'zoe@example.com', cwd=tmp_path)}"
    with livekit.running(env, tmp_path) as server:
        def post(path: str, **data) -> dict:
            status, _, body = livekit.request("POST", server.api + path, auth, data)
            assert status == 201, body
            return json.loads(body)

        client = post("/clients.json", name="Zoë & Co")
        project = post("/projects.json", name="Crème brûlée", client_id=client["id"])
        service = post("/services.json", name="Ontwerp, één")
        post("/time_entries.json", body="2,5 uur ontwerp", date="2026-03-18", duration=9000,
             project_id=project["id"], service_id=service["id"], description=TEXT,
             start_time="09:30", end_time="12:00", tags=["café", "naïef"])
        for text in RUNNABLE:
            post("/time_entries.json", body=text, date="2026-03-19", duration=61,
                 description=text, billable=False)
        status, headers, content = livekit.request(
            "GET", server.api + "/time_entries.csv?rounding=15&sort=date", auth)
    assert status == 200, content
    headers = {k.lower(): v for k, v in headers.items()}
    assert headers["content-type"] == "text/csv; charset=utf-8"
    assert headers.get("transfer-encoding") == "chunked"  # streamed, no length known ahead
    exported = list(csv.reader(io.StringIO(content.decode("utf-8"), newline="")))
    assert len(exported) == 7 and exported[0][-1] == "rounded_hours"
    export_file = tmp_path / "time_entries.csv"
    export_file.write_bytes(content)

    sheet = to_workbook(export_file, tmp_path)
    assert len(sheet) == len(exported)
    for row_number, (cells, values) in enumerate(zip(sheet, exported, strict=True)):
        assert len(cells) == len(values), row_number
        for cell, value in zip(cells, values, strict=True):
            assert cell.data_type != "f", (cell.coordinate, cell.value)  # never a formula
            assert same_value(cell, value), (cell.coordinate, cell.value, value)
    header = exported[0]
    first = {name: cell for name, cell in zip(header, sheet[1], strict=True)}
    assert first["description"].value == TEXT  # accents, quotes, comma and line break
    assert (first["project"].value, first["client"].value, first["service"].value) == (
        "Crème brûlée", "Zoë & Co", "Ontwerp, één")
    assert first["tags"].value == "café, naïef"
    assert first["hours"].value == 2.5 and first["duration_seconds"].value == 9000
    assert first["date"].value == dt.datetime(2026, 3, 18)
    assert first["created_at"].value.endswith("+05:30")
    later = [dict(zip(header, row, strict=True)) for row in sheet[2:]]
    for name in ("description", "body"):  # shown as written, a ' before: never run
        assert sorted(row[name].value for row in later) == sorted("'" + t for t in RUNNABLE)

    # the control: the same cell not defused is run by LibreOffice
    control = tmp_path / "control.csv"
    control.write_text("description\r\n=1+1\r\n", encoding="utf-8")
    assert to_workbook(control, tmp_path)[1][0].data_type == "f"
