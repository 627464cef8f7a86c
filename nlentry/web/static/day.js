/* The day: its entries (GET /time_entries?date=...), the day's total and its
 * week's (GET /reports/summary, Monday to Sunday, grouped by day: a running
 * timer counts up to now), and the buttons to another day. */
import { api, showError } from "./api.js";
import { dayLabel, hmm, longDate, nameOf, relativeDay, shiftDay, timeRange, todayIso, weekNumber,
         weekOf } from "./format.js";
import { $, el, state } from "./state.js";
import { t } from "./texts.js";

let daySeq = 0;

/** Shows state.day (today when none): its heading at once, its entries and totals
 * once they are read (a newer call wins over an older one still in flight). */
export async function loadDay() {
  if (!state.day) state.day = todayIso();
  renderDayHead();
  if (!state.token) { renderEntries([]); renderTotals(null); return; }
  const day = state.day;
  const [monday, sunday] = weekOf(day);
  const seq = ++daySeq;
  const [list, report] = await Promise.allSettled([
    api("GET", "time_entries", { query: { date: day, sort: "-created_at", per_page: "100" } }),
    api("GET", "reports/summary", { query: { start_date: monday, end_date: sunday, group_by: "day" } }),
  ]);
  if (seq !== daySeq) return;
  if (list.status === "fulfilled") renderEntries(list.value.time_entries); else showError(list.reason, "day");
  if (report.status === "fulfilled") renderTotals(report.value.summary); else showError(report.reason, "day");
}

/** Today, or `days` from the day shown. */
export function goDay(days) {
  state.day = days === 0 ? todayIso() : shiftDay(state.day, days);
  loadDay();
}

function renderDayHead() {
  const [monday, sunday] = weekOf(state.day);
  $("day-heading").textContent = dayLabel(state.day);
  $("day-date").textContent = relativeDay(state.day) ? longDate(state.day) : "";
  $("day-date").hidden = !relativeDay(state.day);
  const week = $("week-label");
  week.textContent = t("total_week", { week: weekNumber(state.day) });
  week.title = longDate(monday) + " – " + longDate(sunday);
}

function renderEntries(entries) {
  $("entries").replaceChildren(...entries.map((entry) => {
    const running = Boolean(entry.timer_started_at);
    const names = [nameOf(entry.project), nameOf(entry.service)].filter(Boolean).join(" · ");
    const detail = [timeRange(entry), entry.body].filter(Boolean).join(" · ");
    return el("li", { "data-id": entry.id, class: running ? "running" : null },
      el("span", { class: "duration" }, hmm(running ? entry.total_duration : entry.duration)),
      el("span", { class: "what" }, names || entry.description || entry.body,
        running ? el("span", { class: "running-note" }, " · " + t("entry_running")) : null),
      el("span", { class: "detail" }, detail));
  }));
  $("entries-empty").hidden = entries.length > 0;
}

function renderTotals(summary) {
  if (!summary) {
    $("total-day").textContent = hmm(0);
    $("total-week").textContent = hmm(0);
    return;
  }
  const group = (summary.groups || []).find((g) => g.key === state.day);
  $("total-day").textContent = hmm(group ? group.seconds : 0);
  $("total-week").textContent = hmm(summary.total_seconds);
}
