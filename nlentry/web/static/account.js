/* The token: pasted once, kept in this browser's localStorage, checked with
 * GET /users/me (which also gives the account's name, locale and time zone). */
import { api, isStatus, showMessage } from "./api.js";
import { $, state, store, TOKEN_KEY } from "./state.js";
import { t } from "./texts.js";

export function renderWhoami() {
  const me = state.me;
  $("whoami").textContent = !state.token ? t("token_signed_out")
    : t("token_signed_in", { name: me ? (me.display_name || me.email) : "…" });
}

/** Checks a token: {me} when the API accepts it (me null for a token without
 * read:users, which may still store entries), else {error}. */
export async function checkToken(token) {
  $("whoami").textContent = t("token_checking");
  try {
    return { me: await api("GET", "users/me", { token }) };
  } catch (error) {
    return isStatus(error, 403) ? { me: null } : { error };
  }
}

export function keepToken(token, me) {
  state.token = token;
  state.me = me;
  store(TOKEN_KEY, token);
}

export function dropToken() {
  store(TOKEN_KEY, "");
  Object.assign(state, { token: "", me: null, preview: null, timer: null, lastStored: null });
}

/** True when there is a token; else the token's form is opened and the alert says so. */
export function needToken() {
  if (state.token) return true;
  $("account").open = true;
  showMessage(t("token_needed"), "token");
  $("token").focus();
  return false;
}
