/* Storing (Enter: POST /time_entries) and undoing the last entry stored here
 * (DELETE /time_entries/{id}). */
import { needToken } from "./account.js";
import { api, clearMessage, isStatus, showError } from "./api.js";
import { loadDay } from "./day.js";
import { hmm, longDate } from "./format.js";
import { resetPreview } from "./preview.js";
import { $, newKey, state } from "./state.js";
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
    state.lastStored = entry;
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
    state.lastStored = null;
    $("stored-text").textContent = t("undone");
    $("undo").hidden = true;
    $("entry-text").focus();
    loadDay();
  })();
}

/** Signed out: nothing to undo. */
export function hideStored() {
  $("stored").hidden = true;
}
