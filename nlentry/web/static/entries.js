/* Storing (Enter: POST /time_entries) and undoing the last entry stored here
 * (DELETE /time_entries/{id}). The last entry is kept in this browser's storage for
 * KEEP_UNDO_MS, so that a reload still offers its Undo; signing out forgets it. */
import { needToken } from "./account.js";
import { api, clearMessage, isStatus, showError } from "./api.js";
import { loadDay } from "./day.js";
import { hmm, longDate } from "./format.js";
import { resetPreview } from "./preview.js";
import { $, newKey, state, store, stored } from "./state.js";
import { t } from "./texts.js";

/** POSTs the text in the box (and the candidates chosen) once per submission: the same
 * fields keep their Idempotency-Key until they are stored, so a double press, or a
 * retry after a lost answer, stores once; the answer goes to `done`. */
export function submit(kind, path, done) {
  if (!needToken()) return null;
  const text = $("entry-text").value.trim();
  if (kind === "entry" && !text) return null; // an empty box (the second of two Enters)
  const body = { body: text, ...state.overrides };
  const signature = JSON.stringify([kind, body]);
  if (!state.submission || state.submission.signature !== signature) {
    state.submission = { signature, key: newKey(), inFlight: null };
  }
  const submission = state.submission;
  if (submission.inFlight) return submission.inFlight;
  $("entry-form").setAttribute("aria-busy", "true");
  submission.inFlight = (async () => {
    try {
      const entry = await api("POST", path, { body, headers: { "Idempotency-Key": submission.key } });
      if (state.submission === submission) state.submission = null;
      clearMessage();
      resetPreview();
      done(entry);
    } catch (error) {
      showError(error, "store");
    } finally {
      submission.inFlight = null;
      $("entry-form").removeAttribute("aria-busy");
    }
  })();
  return submission.inFlight;
}

/** The entry form's submit (Enter in the box, or the Store button). */
export function storeEntry(event) {
  event.preventDefault();
  submit("entry", "time_entries", (entry) => {
    keepStored(entry);
    state.day = entry.date; // the list shows the day the entry went to
    renderStored();
    loadDay();
  });
}

export function renderStored() {
  const entry = state.lastStored;
  if (!entry) return;
  $("stored").hidden = false;
  $("undo").hidden = false;
  $("stored-text").textContent = t("stored", { duration: hmm(entry.duration), date: longDate(entry.date) });
}

const LAST_STORED_KEY = "nlentry.lastStored";
const KEEP_UNDO_MS = 15 * 60 * 1000;

/** Keeps `entry` (or forgets it: null) as the one Undo removes, here and after a reload. */
function keepStored(entry) {
  state.lastStored = entry;
  const kept = entry && { id: entry.id, duration: entry.duration, date: entry.date, at: Date.now() };
  store(LAST_STORED_KEY, kept ? JSON.stringify(kept) : "");
}

/** The entry stored here before a reload, if it was stored less than KEEP_UNDO_MS ago. */
export function restoreStored() {
  let kept = null;
  try { kept = JSON.parse(stored(LAST_STORED_KEY) || "null"); } catch (error) { kept = null; }
  const fresh = kept && Number.isInteger(kept.id) && Date.now() - kept.at < KEEP_UNDO_MS;
  if (fresh) state.lastStored = kept; else store(LAST_STORED_KEY, "");
}

let undoing = null;

export function undo() {
  const entry = state.lastStored;
  if (!entry || undoing) return;
  undoing = (async () => {
    try {
      await api("DELETE", "time_entries/" + entry.id);
    } catch (error) {
      if (!isStatus(error, 404)) { showError(error, "undo"); return; } // 404: gone already
    } finally {
      undoing = null;
    }
    clearMessage();
    keepStored(null);
    $("stored-text").textContent = t("undone");
    $("undo").hidden = true;
    $("entry-text").focus();
    loadDay();
  })();
}

/** Signed out (or another token): nothing to undo. */
export function hideStored() {
  keepStored(null);
  $("stored").hidden = true;
}
