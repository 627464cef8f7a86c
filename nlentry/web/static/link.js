/* Chat link codes: a chat user who is not linked gets a one-time code and this page's
 * address with ?link=CODE. The page fills the code in and opens the form; the
 * signed-in user confirms it (POST /chat/links {"code"}): never by itself, since a
 * confirmed code lets that chat account log time as the user. */
import { needToken } from "./account.js";
import { api, clearMessage, isStatus, showError, showMessage } from "./api.js";
import { $ } from "./state.js";
import { t } from "./texts.js";

/** ?link=CODE in the address: the form opened with the code in it, moved up from the
 * foot of the page to just below the token (what this visit is for); true: one was there. */
export function takeLinkCode() {
  const code = new URLSearchParams(window.location.search).get("link");
  if (!code) return false;
  $("link-code").value = code;
  $("link").open = true;
  $("account").after($("link"));
  return true;
}

/** A code waits in the form to be confirmed. */
export function linkCodeWaits() {
  return $("link").open && $("link-code").value.trim() !== "";
}

export async function confirmLink(event) {
  event.preventDefault();
  const code = $("link-code").value.trim();
  if (!code || !needToken()) return;
  $("link-result").textContent = "";
  try {
    const link = await api("POST", "chat/links", { body: { code } });
    clearMessage();
    $("link-code").value = "";
    $("link-result").textContent = link.team
      ? t("link_done", { user: link.user, platform: link.platform, team: link.team })
      : t("link_done_no_team", { user: link.user, platform: link.platform });
    forgetCodeInAddress();
  } catch (error) {
    if (isStatus(error, 404)) showMessage(t("link_unknown"), "link");
    else showError(error, "link");
  }
}

/** The code, used, is taken out of the address (and so out of the history). */
function forgetCodeInAddress() {
  const url = new URL(window.location.href);
  if (!url.searchParams.has("link")) return;
  url.searchParams.delete("link");
  window.history.replaceState(null, "", url.pathname + url.search + url.hash);
}
