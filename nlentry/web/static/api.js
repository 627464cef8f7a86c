/* The API at /api/v1, called with the pasted token (no cookie, no session), and the
 * page's alert (role="alert"), which says what went wrong. */
import { $, pending, state } from "./state.js";
import { t } from "./texts.js";

const TIMEOUT_MS = 30000;

export class ApiError extends Error {
  constructor(status, body) {
    super("API " + status);
    this.status = status; // 0: no answer (network, timeout)
    this.body = body;
  }
}

function authHeaders(token) {
  if (!token) return {};
  return token.includes(":") ? { "X-Api-Key": token } : { Authorization: "Bearer " + token };
}

/** `method` on /api/v1/<path>.json: the JSON answer (null for 204), or an ApiError.
 * options: query, body (sent as JSON), headers, token (else the page's), signal. */
export async function api(method, path, options) {
  const opts = options || {};
  const url = new URL("/api/v1/" + path + ".json", window.location.origin);
  for (const [name, value] of Object.entries(opts.query || {})) url.searchParams.set(name, value);
  const headers = { Accept: "application/json", ...authHeaders(opts.token || state.token),
                    ...(opts.headers || {}) };
  const init = { method, headers, cache: "no-store", credentials: "omit" };
  if (opts.body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(opts.body);
  }
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  init.signal = opts.signal && AbortSignal.any ? AbortSignal.any([opts.signal, timeout])
    : (opts.signal || timeout);
  pending(1);
  try {
    let response;
    try {
      response = await fetch(url, init);
    } catch (error) {
      if (opts.signal && opts.signal.aborted) throw error; // replaced by a newer request
      throw new ApiError(0, null);
    }
    if (response.status === 204) return null;
    const body = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  } finally {
    pending(-1);
  }
}

/** An error as the user reads it: the page's words for the statuses, else the API's. */
export function errorText(error) {
  if (!(error instanceof ApiError)) return String((error && error.message) || error);
  if (error.status === 0) return t("error_network");
  if (error.status === 401) return t("error_unauthorized");
  if (error.status === 429) return t("error_rate_limited");
  if (error.status >= 500) return t("error_server", { status: error.status });
  const body = error.body || {};
  const parts = [];
  if (error.status === 403) parts.push(t("error_forbidden"));
  else if (body.message) parts.push(body.message);
  for (const [field, messages] of Object.entries(body.errors || {})) {
    parts.push(field + ": " + [].concat(messages).join(", "));
  }
  return parts.join(" ") || t("error_server", { status: error.status });
}

/** `from` names who wrote it ("token", "preview", ...): clearMessage(from) clears only theirs. */
export function showMessage(text, from) {
  $("message").textContent = text;
  state.messageFrom = from || null;
}

export function showError(error, from) {
  if (error && error.name === "AbortError") return;
  showMessage(errorText(error), from);
}

export function clearMessage(from) {
  if (!from || state.messageFrom === from) showMessage("", null);
}

export function isStatus(error, status) {
  return error instanceof ApiError && error.status === status;
}
