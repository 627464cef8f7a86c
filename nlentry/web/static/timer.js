/* The timer: started from the text in the box (POST /time_entries/timer, with an
 * Idempotency-Key like storing), stopped with DELETE /time_entries/timer; the time
 * it has run is shown, counted on in the browser between reads. */
import { needToken } from "./account.js";
import { api, clearMessage, isStatus, showError } from "./api.js";
import { loadDay } from "./day.js";
import { hmm, nameOf } from "./format.js";
import { submit } from "./entries.js";
import { $, state } from "./state.js";
import { t } from "./texts.js";

/** How often the time shown moves on (it shows minutes). */
export const TICK_MS = 5000;

export function startTimer() {
  submit("timer", "time_entries/timer", (entry) => {
    state.timer = entry;
    state.timerSeenAt = Date.now();
    state.day = entry.date;
    renderTimer(t("timer_started"));
    loadDay();
  });
}

export async function stopTimer() {
  if (!needToken()) return;
  try {
    const entry = await api("DELETE", "time_entries/timer");
    state.timer = null;
    clearMessage();
    $("entry-text").focus(); // the stop button is hidden now: focus goes somewhere useful
    renderTimer(t("timer_stopped", { duration: hmm(entry.duration) }));
  } catch (error) {
    if (!isStatus(error, 404)) showError(error, "timer"); // 404: stopped elsewhere
    loadTimer();
  }
  loadDay();
}

export async function loadTimer() {
  if (!state.token) return;
  try {
    const timer = await api("GET", "time_entries/timer");
    state.timer = timer && timer.id ? timer : null;
    state.timerSeenAt = Date.now();
    renderTimer();
  } catch (error) {
    showError(error, "timer");
  }
}

/** The timer's status (or `note`, when none runs: what just happened to it). */
export function renderTimer(note) {
  const timer = state.timer;
  $("timer-stop").hidden = !timer;
  $("timer-elapsed").hidden = !timer;
  if (!timer) {
    $("timer-status").textContent = note || t("timer_none");
    return;
  }
  const what = timer.description || nameOf(timer.project) || timer.body || "…";
  $("timer-status").textContent = t("timer_running", { time: timer.start_time || "", what });
  renderElapsed();
}

export function renderElapsed() {
  const timer = state.timer;
  if (!timer) return;
  const seconds = (timer.total_duration || 0) + (Date.now() - state.timerSeenAt) / 1000;
  $("timer-elapsed").textContent = hmm(seconds);
}
