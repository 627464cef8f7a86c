/* What the page's modules share: its state, the browser's storage, and small DOM helpers.
 *
 * <body data-pending="N"> counts the requests in flight and data-ready="1" says
 * the page has started: the browser tests wait on them.
 */

export const TOKEN_KEY = "nlentry.token";
export const LOCALE_KEY = "nlentry.locale";

export const state = {
  token: "", // the pasted API token (EMAIL:TOKEN or the token alone)
  me: null, // GET /users/me's answer (null: not known, or a token without read:users)
  locale: "en",
  texts: {},
  locales: {}, // code -> its own name, for the switch
  preview: null, // the last /parse answer for the text in the box
  overrides: {}, // project_id / service_id chosen among the candidates
  submission: null, // {signature, key, inFlight}: the key is reused until it is stored
  lastStored: null, // the entry that Undo removes
  timer: null,
  timerSeenAt: 0, // when the timer's total_duration was read (Date.now())
  day: null, // the day the list shows, YYYY-MM-DD
  pending: 0,
  messageFrom: null, // who wrote the alert: only they clear it
};

export const $ = (id) => document.getElementById(id);

/** A new element: attributes (null, undefined and false left out), then children
 * (strings become text nodes: never HTML). */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

export function stored(key) {
  try { return window.localStorage.getItem(key) || ""; } catch (error) { return ""; }
}

export function store(key, value) {
  try {
    if (value) window.localStorage.setItem(key, value); else window.localStorage.removeItem(key);
  } catch (error) { /* storage refused: the value lives as long as the page */ }
}

/** A fresh Idempotency-Key: 128 random bits. */
export function newKey() {
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return "page-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function pending(delta) {
  state.pending += delta;
  document.body.dataset.pending = String(state.pending);
}
