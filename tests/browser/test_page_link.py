"""The page confirms chat link codes: ``/?link=CODE`` (or the small form) and
``POST /api/v1/chat/links.json {"code"}`` (201 ``{"platform", "team", "user"}``,
404 for an unknown, used or expired code).

A separate file: it needs the ``chat/links`` endpoint, which is built apart
from the page. Until it exists the first test fails (every code is then a 404).
"""

from __future__ import annotations

from selenium.webdriver.common.keys import Keys

from nlentry.storage import Database
from nlentry.storage.chat_links import Identity, find_link, new_code
from tests.browser.conftest import Page, Server, User

WHO = Identity(platform="slack", team="T0PAGE", chat_user="U0PAGE")


def make_code(server: Server, who: Identity = WHO) -> str:
    """A one-time code, as the chat gives one to a user who is not linked."""
    db = Database(server.database_url)
    try:
        with db.write() as session:
            code = new_code(session, who)
            session.commit()
        return code
    finally:
        db.dispose()


def linked_user_id(server: Server, who: Identity = WHO) -> int | None:
    db = Database(server.database_url)
    try:
        with db.write() as session:
            found = find_link(session, who.platform, who.team, who.chat_user)
            return found.user_id if found else None
    finally:
        db.dispose()


def test_a_code_in_the_url_is_confirmed_and_links_the_chat_user(page: Page, user: User):
    code = make_code(page.server)
    page.open(f"/?link={code}")
    assert page.find("#link").get_attribute("open") is not None
    assert page.find("#link-code").get_attribute("value") == code
    # what this visit is for: the form comes first after the token's, not at the foot
    assert page.driver.execute_script(
        "return document.getElementById('account').nextElementSibling.id") == "link"
    page.sign_in(user)
    assert page.driver.execute_script("return document.activeElement.id") == "link-confirm"
    page.screenshot("quick-entry-link.png")
    page.find("#link-confirm").send_keys(Keys.ENTER)  # by keyboard: the focus is there
    page.wait(lambda d: "U0PAGE" in page.text_of("#link-result"), "the link confirmed")
    page.idle()
    assert "slack" in page.text_of("#link-result") and "T0PAGE" in page.text_of("#link-result")
    assert page.text_of("#message") == ""
    assert "link=" not in page.driver.current_url  # the code is not kept in the address
    assert linked_user_id(page.server) == user.ok("GET", "users/me")["id"]
    # a code is used once: the same one again is refused, in the alert
    page.find("#link-code").send_keys(code)
    page.find("#link-confirm").click()
    page.wait(lambda d: "onbekend" in page.text_of("#message"), "the refusal")
    assert page.find("#message").get_attribute("role") == "alert"


def test_a_signed_in_user_arriving_with_a_code_is_taken_to_it(page: Page, user: User):
    page.open()
    page.sign_in(user)  # the token is kept in the browser: the next visit is signed in
    page.driver.get(page.server.base + "/?link=ABCD-EFGH")
    page.idle()
    page.wait_text("#whoami", "Tester")
    assert page.driver.execute_script("return document.activeElement.id") == "link-confirm"
    assert page.find("#link-code").get_attribute("value") == "ABCD-EFGH"


def test_without_a_code_the_form_waits_folded_at_the_foot(page: Page, user: User):
    page.open()
    page.sign_in(user)
    assert page.find("#link").get_attribute("open") is None
    assert page.driver.execute_script(
        "return document.querySelector('main').lastElementChild.id") == "link"
    assert page.driver.execute_script("return document.activeElement.id") == "entry-text"


def test_an_unknown_code_is_refused_in_the_alert(page: Page, user: User):
    page.open("/?link=ABCD-EFGH")
    page.sign_in(user)
    page.find("#link-confirm").click()
    page.wait(lambda d: "onbekend" in page.text_of("#message"), "the refusal")
    assert page.text_of("#link-result") == ""
