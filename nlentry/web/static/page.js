/* The quick-entry page (nlentry/web): plain JavaScript modules, no library; this one
 * starts the page and wires the others to its controls.
 *
 *   state.js    the shared state, storage, DOM helpers
 *   texts.js    the words per locale, the locale switch
 *   format.js   days, durations and names as shown
 *   api.js      calls to /api/v1 and the alert
 *   account.js  the token
 *   preview.js  the preview as the user types
 *   entries.js  storing (Idempotency-Key per submission) and undo
 *   timer.js    the timer
 *   day.js      the day's entries and the day's and week's totals
 *   link.js     chat link codes
 *
 * Every text the page shows comes from /page/texts/<locale>.json or from the API
 * and reaches the page as text (textContent, attributes), never as HTML: the
 * page's Content-Security-Policy enforces Trusted Types, so an HTML string could
 * not be written even by mistake.
 */
import { checkToken, dropToken, keepToken, renderWhoami } from "./account.js";
import { clearMessage, showError, showMessage } from "./api.js";
import { goDay, loadDay } from "./day.js";
import { hideStored, renderStored, restoreStored, storeEntry, undo } from "./entries.js";
import { todayIso } from "./format.js";
import { confirmLink, linkCodeWaits, takeLinkCode } from "./link.js";
import { chooseCandidate, renderPreview, schedulePreview } from "./preview.js";
import { $, LOCALE_KEY, pending, state, store, stored, TOKEN_KEY } from "./state.js";
import { accountLocale, applyStaticTexts, loadTexts, preferredLocale, renderLocaleSwitch,
         t } from "./texts.js";
import { loadTimer, renderElapsed, renderTimer, startTimer, stopTimer, TICK_MS } from "./timer.js";

/** Every text on the page again, in the page's locale (after a switch or a sign-in). */
function applyTexts() {
  applyStaticTexts();
  renderLocaleSwitch();
  renderWhoami();
  renderPreview();
  renderTimer();
  renderStored();
  loadDay();
}

async function switchLocale(code) {
  store(LOCALE_KEY, code); // a choice made here wins over the account's, in this browser
  try { await loadTexts(code); } catch (error) { showError(error); return; }
  applyTexts();
}

/** Uses a token: checked first; a refused one leaves the one in use (if any) in place. */
async function signIn(token) {
  const { me, error } = await checkToken(token);
  if (error) {
    applyTexts();
    $("account").open = true;
    showError(error, "token");
    return false;
  }
  if (state.token && state.token !== token) hideStored(); // another account: not its entry
  keepToken(token, me);
  clearMessage("token");
  const locale = accountLocale(me);
  if (locale) {
    try { await loadTexts(locale); } catch (failed) { /* stays in the current locale */ }
  }
  state.day = todayIso(); // the account's today
  $("account").open = false;
  applyTexts();
  loadTimer();
  schedulePreview(0);
  return true;
}

async function saveToken(event) {
  event.preventDefault();
  const token = $("token").value.trim();
  if (!token) { showMessage(t("token_needed"), "token"); $("token").focus(); return; }
  if (await signIn(token)) {
    $("token").value = "";
    (linkCodeWaits() ? $("link-confirm") : $("entry-text")).focus();
  }
}

function forgetToken() {
  dropToken();
  $("account").open = true;
  showMessage("", null);
  hideStored();
  applyTexts();
  $("token").focus();
}

function bind() {
  $("token-form").addEventListener("submit", saveToken);
  $("token-forget").addEventListener("click", forgetToken);
  $("entry-form").addEventListener("submit", storeEntry);
  $("entry-text").addEventListener("input", () => schedulePreview());
  $("timer-start").addEventListener("click", startTimer);
  $("timer-stop").addEventListener("click", stopTimer);
  $("undo").addEventListener("click", undo);
  $("candidates").addEventListener("change", chooseCandidate);
  $("day-previous").addEventListener("click", () => goDay(-1));
  $("day-next").addEventListener("click", () => goDay(1));
  $("day-today").addEventListener("click", () => goDay(0));
  $("link-form").addEventListener("submit", confirmLink);
  $("locale-switch").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-locale]");
    if (button) switchLocale(button.dataset.locale);
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && state.token) { loadTimer(); loadDay(); }
  });
  window.setInterval(renderElapsed, TICK_MS);
}

async function start() {
  pending(1);
  try {
    bind();
    takeLinkCode();
    try {
      await loadTexts(preferredLocale());
    } catch (error) {
      showError(error);
    }
    state.day = todayIso();
    const token = stored(TOKEN_KEY);
    if (token) {
      restoreStored(); // what was stored here before a reload can still be undone
      $("account").open = false;
      if (await signIn(token) && linkCodeWaits()) $("link-confirm").focus();
    } else {
      $("account").open = true;
      applyTexts();
    }
  } finally {
    pending(-1);
    document.body.dataset.ready = "1";
  }
}

// A module runs once the document is parsed (it is deferred): the elements are there.
start();
