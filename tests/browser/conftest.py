"""Browser tests of the quick-entry page: a real ``nlentry serve`` and headless Chromium.

The server is started with ``scripts/livekit.py`` (as ``tests/live`` does) on a
SQLite file, once for the session; each test gets a user of its own, in a
workspace of its own, made with ``nlentry user add``. The browser is Debian's
``/usr/bin/chromium`` driven by ``/usr/bin/chromedriver``: nothing is
downloaded. Missing either fails the tests, never skips them.

The tests wait on conditions (``WebDriverWait``), never on time: the page sets
``<body data-ready="1">`` once started and ``data-pending`` to the number of
its requests in flight.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

import livekit
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
OUTPUT = Path(__file__).resolve().parent / "output"
#: Generous: a busy 2-core machine runs the server, the browser and the tests.
WAIT_SECONDS = 45
ZONE = "Europe/Amsterdam"
_users = itertools.count(1)


@dataclass
class Server:
    base: str
    api: str
    env: dict[str, str]
    workdir: Path
    database_url: str


@dataclass
class User:
    """A user of a workspace of its own, with an ``admin:all`` token."""

    email: str
    token: str
    server: Server

    def call(self, method: str, path: str, data: dict | None = None,
             headers: dict | None = None) -> tuple[int, dict | None]:  # fmt: skip
        """``method`` on ``/api/v1/<path>.json``: the status and the JSON answer."""
        status, _, body = livekit.request(method, f"{self.server.api}/{path}.json", self.token,
                                          data, headers=headers)  # fmt: skip
        return status, json.loads(body) if body else None

    def ok(self, method: str, path: str, data: dict | None = None) -> dict | None:
        status, answer = self.call(method, path, data)
        assert 200 <= status < 300, (method, path, status, answer)
        return answer

    def entries(self, **query: str) -> list[dict]:
        from urllib.parse import urlencode

        path = "time_entries" + (".json?" + urlencode(query) if query else "")
        status, _, body = livekit.request("GET", f"{self.server.api}/{path}", self.token)
        assert status == 200, body
        return json.loads(body)["time_entries"]


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[Server]:
    workdir = tmp_path_factory.mktemp("browser")
    database_url = f"sqlite:///{workdir / 'browser.db'}"
    env = livekit.server_env(NLENTRY_DATABASE_URL=database_url,
                             NLENTRY_RATE_LIMIT="100000/minute")  # fmt: skip
    with livekit.running(env, workdir) as running:
        yield Server(running.base, running.api, env, workdir, database_url)


@pytest.fixture
def user(server) -> User:
    """A fresh user in Amsterdam's time zone, whose workspace has the project "Website"
    and the service "Development" (alias "coden")."""
    n = next(_users)
    email = f"page{n}@example.com"
    token = livekit.add_user(server.env, email, workspace=f"Page {n}", cwd=server.workdir)
    account = User(email, token, server)
    account.ok("PATCH", "users/me", {"timezone": ZONE, "display_name": f"Tester {n}",
                                     "locale": "nl"})  # fmt: skip
    account.ok("POST", "projects", {"name": "Website"})
    account.ok("POST", "services", {"name": "Development", "aliases": ["coden"]})
    return account


def _chromium_options() -> webdriver.ChromeOptions:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                     "--disable-background-networking", "--disable-sync", "--lang=en-US",
                     "--window-size=1200,900", "--hide-scrollbars"):  # fmt: skip
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return options


@pytest.fixture(scope="session")
def browser() -> Iterator[webdriver.Chrome]:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            pytest.fail(f"{path} is needed: apt-get install -y chromium chromium-driver",
                        pytrace=False)  # fmt: skip
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager never downloads anything
    try:
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=_chromium_options())
    except WebDriverException as error:
        pytest.fail(f"Chromium did not start: {error}", pytrace=False)
    driver.set_page_load_timeout(WAIT_SECONDS)
    driver.set_script_timeout(WAIT_SECONDS)
    try:
        yield driver
    finally:
        driver.quit()


class Page:
    """The quick-entry page in the browser, for one test."""

    def __init__(self, driver: webdriver.Chrome, server: Server):
        self.driver = driver
        self.server = server

    # --- waiting --------------------------------------------------------------------------

    def wait(self, condition: Callable[[webdriver.Chrome], object], what: str,
             timeout: float = WAIT_SECONDS):  # fmt: skip
        return WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(
            condition, message=f"waited {timeout}s for {what}"
        )

    def idle(self) -> None:
        """The page has started and has no request in flight."""
        self.wait(
            lambda d: d.execute_script(
                "return document.body.dataset.ready === '1' && document.body.dataset.pending === '0'"
            ),
            "the page to be idle",
        )

    def text_of(self, css: str) -> str:
        """The shown text of the first element ``css`` finds ("" for none), read in one go:
        the page may replace the element at any moment."""
        return self.driver.execute_script(
            "const e = document.querySelector(arguments[0]); return e ? e.innerText.trim() : ''",
            css,
        )

    def texts_of(self, css: str) -> list[str]:
        return self.driver.execute_script(
            "return Array.from(document.querySelectorAll(arguments[0]), e => e.innerText.trim())",
            css,
        )

    def wait_text(self, css: str, expected: str) -> None:
        self.wait(lambda d: expected in self.text_of(css), f"{expected!r} in {css}")

    # --- doing ----------------------------------------------------------------------------

    def open(self, path: str = "/", width: int = 1200, height: int = 900) -> Page:
        self.driver.set_window_size(width, height)
        self.driver.execute_cdp_cmd(
            "Storage.clearDataForOrigin",
            {  # a new visitor
                "origin": self.server.base,
                "storageTypes": "local_storage,cache_storage",
            },
        )
        self.driver.get(self.server.base + path)
        self.idle()
        return self

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def sign_in(self, user: User) -> None:
        self.find("#token").send_keys(user.token)
        self.find("#token-save").click()
        self.wait_text("#whoami", "Tester")
        self.idle()

    def type_entry(self, text: str) -> None:
        box = self.find("#entry-text")
        box.clear()
        box.send_keys(text)

    def wait_preview(self, duration: str) -> None:
        self.wait(lambda d: self.text_of('#fields [data-field="duration"]') == duration,
                  f"the preview's duration {duration}")  # fmt: skip
        self.idle()

    def entry_rows(self) -> list[str]:
        return self.texts_of("#entries li")

    def screenshot(self, name: str, scale: float = 2) -> Path:
        """The whole page (not only the window's part), as a PNG in ``OUTPUT``, drawn at
        ``scale`` times its CSS pixels (a sharp picture for the README)."""
        OUTPUT.mkdir(parents=True, exist_ok=True)
        path = OUTPUT / name
        size = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True, "fromSurface": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"],
                     "scale": scale},
        })  # fmt: skip
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def console_problems(self) -> list[str]:
        """The browser's console errors (a policy violation, a failed load, a script error)."""
        with contextlib.suppress(WebDriverException):
            return [entry["message"] for entry in self.driver.get_log("browser")
                    if entry["level"] == "SEVERE"]  # fmt: skip
        return []


@pytest.fixture
def page(browser, server) -> Iterator[Page]:
    the_page = Page(browser, server)
    the_page.console_problems()  # what earlier tests left in the log
    yield the_page
