"""The quick-entry page in a real headless Chromium against a real ``nlentry serve``.

Typing previews (spans highlighted, the fields, candidates as choices), Enter
stores once (a double press, and a retry after a lost answer, reuse one
``Idempotency-Key``), the day's list and totals, undo, the timer, the locale
switch, a phone's width and the keyboard alone. Screenshots go to
``tests/browser/output/``.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser.conftest import ZONE, Page, User

SENTENCE = "gisteren van half 9 tot 12 coden voor Website"
NEXT_SENTENCE = "anderhalf uur coden aan de homepage voor Website"
EXPECTED_MARKS = [("date", "gisteren"), ("range", "van half 9 tot 12"), ("service", "coden"),
                  ("project", "Website")]  # fmt: skip
#: Keeps the page's POSTs to /time_entries (their Idempotency-Key) in window.__posts; the
#: first one's answer is "lost" when window.__loseFirst is set (it reaches the server).
FETCH_SPY = """
window.__posts = [];
const original = window.fetch;
window.fetch = async function (url, init) {
  const answer = original.apply(this, arguments);
  if (init && init.method === "POST" && String(url).endsWith("/api/v1/time_entries.json")) {
    window.__posts.push(init.headers["Idempotency-Key"]);
    if (window.__loseFirst && window.__posts.length === 1) {
      await answer;
      throw new TypeError("the answer was lost");
    }
  }
  return answer;
};
"""


def local_day(offset: int = 0) -> str:
    return (dt.datetime.now(ZoneInfo(ZONE)).date() + dt.timedelta(days=offset)).isoformat()


def marks(page: Page) -> list[tuple[str, str]]:
    return [
        tuple(pair)
        for pair in page.driver.execute_script(
            "return Array.from(document.querySelectorAll('#highlight mark'),"
            " m => [m.dataset.kind, m.innerText])"
        )
    ]


def test_typing_previews_the_entry_and_enter_stores_it(page: Page, user: User):
    page.open(width=1000, height=800)
    page.sign_in(user)
    assert page.driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "nl"  # hers
    before = local_day(-1)
    page.type_entry(SENTENCE)
    page.wait_preview("3:30")
    yesterday = {before, local_day(-1)}  # (a run across midnight)
    assert page.find('#fields [data-field="date"] time').get_attribute("datetime") in yesterday
    assert page.text_of('#fields [data-field="date"]').startswith("Gisteren")
    assert page.text_of('#fields [data-field="time"]') == "08:30–12:00"
    assert page.text_of('#fields [data-field="project"]') == "Website"
    assert page.text_of('#fields [data-field="service"]') == "Development"
    assert marks(page) == EXPECTED_MARKS
    assert page.text_of("#highlight") == SENTENCE
    assert page.find("#preview").get_attribute("aria-live") == "polite"
    page.screenshot("quick-entry-preview.png")

    page.find("#entry-text").send_keys(Keys.ENTER)
    page.wait(lambda d: any("Website" in row for row in page.entry_rows()), "the stored entry")
    page.idle()
    assert page.text_of("#day-heading") == "Gisteren"  # the list shows the entry's day
    assert page.text_of("#total-day") == "3:30"
    assert page.text_of("#total-week") == "3:30"
    assert page.find("#entry-text").get_attribute("value") == ""
    assert "3:30" in page.text_of("#stored-text")
    [row] = page.entry_rows()
    assert "Website · Development" in row and "08:30–12:00" in row
    [entry] = user.entries()
    assert entry["date"] in yesterday and entry["duration"] == 12600
    assert entry["project"]["name"] == "Website" and entry["service"]["name"] == "Development"
    page.screenshot("quick-entry-stored.png")
    page.type_entry(NEXT_SENTENCE)  # the README's picture: a preview above a day's list
    page.wait_preview("1:30")
    page.screenshot("quick-entry-desktop.png")

    page.find("#day-today").click()  # today: nothing yet; the week still holds yesterday's
    page.wait(lambda d: page.text_of("#day-heading") == "Vandaag", "today's list")
    page.idle()
    assert page.entry_rows() == [] and page.text_of("#total-day") == "0:00"
    assert page.console_problems() == []


def tab_order(page: Page, steps: int = 40) -> list[str]:
    """What Tab focuses, once round the page, from its first stop (the skip link) on."""
    seen: list[str] = []
    for _ in range(steps):
        ActionChains(page.driver).send_keys(Keys.TAB).perform()
        name = page.driver.execute_script("""
            const e = document.activeElement;
            if (!e || e === document.body) return "body";
            if (e.tagName === "SUMMARY") return e.parentElement.id + ">summary";
            if (e.dataset.locale) return "locale:" + e.dataset.locale;
            return e.id || e.tagName.toLowerCase();""")
        if name in seen:
            break
        seen.append(name)
    first = seen.index("skip") if "skip" in seen else 0
    return seen[first:] + seen[:first]


def tab_to(page: Page, target: str, steps: int = 40) -> None:
    for _ in range(steps):
        ActionChains(page.driver).send_keys(Keys.TAB).perform()
        if page.driver.execute_script("return document.activeElement.id") == target:
            return
    raise AssertionError(f"Tab never reached #{target}")


def in_order(seen: list[str], expected: list[str]) -> bool:
    positions = [seen.index(name) for name in expected if name in seen]
    return len(positions) == len(expected) and positions == sorted(positions)


def no_sideways_scroll(page: Page) -> bool:
    return page.driver.execute_script(
        "return document.documentElement.scrollWidth <= 390 && document.body.scrollWidth <= 390"
    )


def test_on_a_phone_by_keyboard_alone(page: Page, user: User):
    page.open(width=390, height=844)
    assert page.driver.execute_script("return window.innerWidth") == 390
    assert no_sideways_scroll(page)
    order = tab_order(page)
    assert in_order(
        order,
        [
            "skip",
            "locale:en",
            "locale:nl",
            "account>summary",
            "token",
            "token-save",
            "token-forget",
            "entry-text",
            "store",
            "timer-start",
            "day-previous",
            "day-today",
            "day-next",
            "link>summary",  # linking a chat account: at the foot, seldom needed
        ],
    ), order
    # signing in, typing and storing with the keyboard only
    tab_to(page, "token")
    ActionChains(page.driver).send_keys(user.token, Keys.ENTER).perform()
    page.wait_text("#whoami", "Tester")
    page.idle()
    assert page.driver.execute_script("return document.activeElement.id") == "entry-text"
    ActionChains(page.driver).send_keys(SENTENCE).perform()
    page.wait_preview("3:30")
    assert marks(page) == EXPECTED_MARKS
    assert no_sideways_scroll(page)
    page.screenshot("quick-entry-phone-preview.png")
    ActionChains(page.driver).send_keys(Keys.ENTER).perform()
    page.wait(lambda d: len(page.entry_rows()) == 1, "the stored entry")
    page.idle()
    assert page.text_of("#total-day") == "3:30"
    assert no_sideways_scroll(page)
    # after storing: undo comes right after the text box's buttons, then the day
    order = tab_order(page)
    assert in_order(
        order,
        [
            "account>summary",
            "entry-text",
            "store",
            "timer-start",
            "undo",
            "day-previous",
            "day-today",
            "day-next",
            "link>summary",
        ],
    ), order
    assert "token" not in order  # the token's form is folded away once signed in
    ActionChains(page.driver).send_keys(Keys.TAB).perform()
    outline = page.driver.execute_script(
        "const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]"
    )
    assert outline[0] != "none" and outline[1] != "0px", outline  # focus is visible
    page.screenshot("quick-entry-phone-stored.png")
    tab_to(page, "entry-text")  # the README's picture: a preview above the day's list
    ActionChains(page.driver).send_keys(NEXT_SENTENCE).perform()
    page.wait_preview("1:30")
    assert no_sideways_scroll(page)
    page.screenshot("quick-entry-phone.png")
    assert page.console_problems() == []


def test_a_double_enter_stores_once(page: Page, user: User):
    page.open()
    page.sign_in(user)
    page.driver.execute_script(FETCH_SPY)
    page.type_entry("2 uur overleg")
    page.wait_preview("2:00")
    page.find("#entry-text").send_keys(Keys.ENTER, Keys.ENTER)
    page.wait(lambda d: len(page.entry_rows()) == 1, "the stored entry")
    page.idle()
    assert len(user.entries()) == 1
    keys = page.driver.execute_script("return window.__posts")
    assert keys and len(set(keys)) == 1, keys


def test_a_retry_after_a_lost_answer_stores_once(page: Page, user: User):
    page.open()
    page.sign_in(user)
    page.driver.execute_script(FETCH_SPY + "window.__loseFirst = true;")
    page.type_entry("2 uur overleg")
    page.wait_preview("2:00")
    page.find("#entry-text").send_keys(Keys.ENTER)
    page.wait(lambda d: page.text_of("#message") != "", "the error")  # stored, answer lost
    page.idle()
    assert page.find("#message").get_attribute("role") == "alert"
    assert len(user.entries()) == 1
    page.find("#store").click()  # again: the same key, so the first answer comes back
    page.wait(lambda d: len(page.entry_rows()) == 1 and page.text_of("#message") == "",
              "the stored entry")  # fmt: skip
    page.idle()
    assert len(user.entries()) == 1
    keys = page.driver.execute_script("return window.__posts")
    assert len(keys) == 2 and keys[0] == keys[1], keys
    page.type_entry("2 uur overleg")  # a new submission of the same text: a new key
    page.wait_preview("2:00")
    page.find("#store").click()
    page.wait(lambda d: len(page.entry_rows()) == 2, "the second entry")
    page.idle()
    keys = page.driver.execute_script("return window.__posts")
    assert len(keys) == 3 and keys[2] != keys[0]


def test_the_day_and_its_week_are_totalled(page: Page, user: User):
    today = dt.date.fromisoformat(local_day())
    other = today + dt.timedelta(days=1 if today.weekday() == 0 else -1)  # the same week
    user.ok("POST", "time_entries", {"body": "1 uur overleg", "date": today.isoformat()})
    user.ok("POST", "time_entries", {"body": "2 uur overleg", "date": other.isoformat()})
    user.ok("POST", "time_entries", {"body": "4 uur overleg",  # the week before: not counted
                                     "date": (today - dt.timedelta(days=7)).isoformat()})
    page.open()
    page.sign_in(user)
    assert page.text_of("#day-heading") == "Vandaag"
    assert (page.text_of("#total-day"), page.text_of("#total-week")) == ("1:00", "3:00")
    assert page.text_of("#week-label") == f"Week {today.isocalendar().week}"
    page.find("#day-next" if other > today else "#day-previous").click()
    page.wait(lambda d: page.text_of("#total-day") == "2:00", "the other day's total")
    page.idle()
    assert page.text_of("#day-heading") == ("Morgen" if other > today else "Gisteren")
    assert page.text_of("#total-week") == "3:00" and len(page.entry_rows()) == 1
    page.find('#locale-switch button[data-locale="en"]').click()
    page.wait(lambda d: page.text_of("#day-heading") in ("Tomorrow", "Yesterday"), "English")
    assert page.text_of("#week-label") == f"Week {today.isocalendar().week}"


def test_undo_removes_the_last_entry(page: Page, user: User):
    page.open()
    page.sign_in(user)
    user.ok("POST", "time_entries", {"body": "1 uur overleg"})  # stored elsewhere: kept
    page.type_entry("2 uur coden voor Website")
    page.wait_preview("2:00")
    page.find("#entry-text").send_keys(Keys.ENTER)
    page.wait(lambda d: len(page.entry_rows()) == 2, "both entries")
    page.idle()
    assert page.text_of("#total-day") == "3:00"
    page.find("#undo").click()
    page.wait(lambda d: len(page.entry_rows()) == 1, "the entry gone")
    page.idle()
    assert [e["body"] for e in user.entries()] == ["1 uur overleg"]
    assert page.text_of("#total-day") == "1:00"
    assert not page.find("#undo").is_displayed()
    assert page.driver.execute_script("return document.activeElement.id") == "entry-text"


def _store_with_enter(page: Page, text: str, duration: str) -> None:
    """Type ``text``, wait for its preview's ``duration``, store it with Enter: Undo shows."""
    page.type_entry(text)
    page.wait_preview(duration)
    page.find("#entry-text").send_keys(Keys.ENTER)
    page.wait(lambda d: page.find("#undo").is_displayed(), "the undo button")


def test_undo_survives_a_reload(page: Page, user: User):
    page.open()
    page.sign_in(user)
    _store_with_enter(page, "2 uur coden voor Website", "2:00")
    page.driver.refresh()  # the same browser, its storage kept
    page.idle()
    assert page.find("#undo").is_displayed()
    assert "2:00" in page.text_of("#stored-text")
    page.find("#undo").click()
    page.wait(lambda d: not page.find("#undo").is_displayed(), "the entry undone")
    page.idle()
    assert user.entries() == []
    page.driver.refresh()  # undone: nothing to offer after the next reload
    page.idle()
    assert not page.find("#undo").is_displayed()


def test_signing_out_forgets_what_undo_would_remove(page: Page, user: User):
    page.open()
    page.sign_in(user)
    _store_with_enter(page, "1 uur overleg", "1:00")
    page.idle()
    page.find("#account>summary").click()  # the account's panel, where signing out is
    page.find("#token-forget").click()
    page.idle()
    assert not page.find("#stored").is_displayed()
    page.sign_in(user)
    page.driver.refresh()
    page.idle()
    assert not page.find("#undo").is_displayed()
    assert [e["body"] for e in user.entries()] == ["1 uur overleg"]  # kept, only forgotten


def test_the_timer_starts_from_the_text_and_stops(page: Page, user: User):
    page.open()
    page.sign_in(user)
    assert not page.find("#timer-stop").is_displayed()
    page.type_entry("overleg over de homepage voor Website")
    page.find("#timer-start").click()
    page.wait(lambda d: page.find("#timer-stop").is_displayed(), "the running timer")
    page.idle()
    assert "overleg" in page.text_of("#timer-status")
    assert page.find("#entry-text").get_attribute("value") == ""
    status, timer = user.call("GET", "time_entries/timer")
    assert status == 200 and timer["id"] and timer["project"]["name"] == "Website"
    page.wait(lambda d: any("loopt" in row for row in page.entry_rows()), "the timer listed")
    page.find("#timer-stop").click()
    page.wait(lambda d: not page.find("#timer-stop").is_displayed(), "the timer stopped")
    page.idle()
    assert user.call("GET", "time_entries/timer") == (200, {})
    [entry] = user.entries()
    assert entry["timer_started_at"] is None and entry["end_time"] is not None
    assert not any("loopt" in row for row in page.entry_rows())


def test_candidates_are_choices(page: Page, user: User):
    alpha = user.ok("POST", "projects", {"name": "Alpha", "aliases": ["klus"]})
    user.ok("POST", "projects", {"name": "Klus"})
    page.open()
    page.sign_in(user)
    page.type_entry("1 uur klus")
    page.wait_preview("1:00")
    page.wait(lambda d: d.find_elements(By.CSS_SELECTOR, '#candidates input[value]'),
              "the candidates")  # fmt: skip
    names = page.texts_of("#candidates fieldset label")
    assert sorted(names[1:]) == ["Alpha", "Klus"]  # after "none of these"
    assert page.text_of('#fields [data-field="project"]') == "geen"
    page.find(f'#candidates input[value="{alpha["id"]}"]').click()
    page.wait(lambda d: page.text_of('#fields [data-field="project"]') == "Alpha", "the choice")
    page.idle()
    page.find("#store").click()
    page.wait(lambda d: len(page.entry_rows()) == 1, "the stored entry")
    [entry] = user.entries()
    assert entry["project"]["id"] == alpha["id"]


def test_texts_are_shown_and_never_read_as_html(page: Page, user: User):
    page.open()
    page.sign_in(user)
    page.find('#locale-switch button[data-locale="en"]').click()
    page.wait(lambda d: page.text_of("h1") == "Quick entry", "English")
    assert (
        page.find('#locale-switch button[data-locale="en"]').get_attribute("aria-pressed") == "true"
    )
    text = "<img src=x id=injected> 1 uur <b>vet</b>"
    page.type_entry(text)
    page.wait_preview("1:00")
    assert page.text_of("#highlight") == text
    assert page.driver.find_elements(By.CSS_SELECTOR, "#injected, #preview b") == []
    page.driver.refresh()  # the token and the chosen language are kept in the browser
    page.idle()
    page.wait_text("#whoami", "Tester")
    assert page.text_of("h1") == "Quick entry"
    assert page.console_problems() == []


def test_a_bad_token_is_said_in_the_alert(page: Page, user: User):
    page.open()
    page.find("#token").send_keys("not-a-token")
    page.find("#token-save").click()
    page.wait(lambda d: page.text_of("#message") != "", "the error")
    assert page.find("#message").get_attribute("role") == "alert"
    assert "token" in page.text_of("#message").lower()
    assert page.find("#account").get_attribute("open") is not None
