/* Days, durations and names as the page writes them. A day is "YYYY-MM-DD", the
 * user's local day (their account's time zone), as the API counts days. */
import { state } from "./state.js";
import { t } from "./texts.js";

/** Seconds as H:MM. */
export function hmm(seconds) {
  const minutes = Math.round((Number(seconds) || 0) / 60);
  return Math.floor(minutes / 60) + ":" + String(minutes % 60).padStart(2, "0");
}

function isoDate(date) { return date.toISOString().slice(0, 10); }

function fromIso(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

export function shiftDay(iso, days) {
  const date = fromIso(iso);
  date.setUTCDate(date.getUTCDate() + days);
  return isoDate(date);
}

/** The Monday and the Sunday of the day's week. */
export function weekOf(iso) {
  const weekday = (fromIso(iso).getUTCDay() + 6) % 7; // Monday 0
  return [shiftDay(iso, -weekday), shiftDay(iso, 6 - weekday)];
}

/** The ISO 8601 number of the day's week (1-53). */
export function weekNumber(iso) {
  const thursday = fromIso(shiftDay(weekOf(iso)[0], 3)); // a week is its Thursday's year's
  const january1 = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  return Math.floor((thursday.getTime() - january1) / 86400000 / 7) + 1;
}

/** Today in the user's time zone (the browser's when the account's is not known). */
export function todayIso() {
  const zone = state.me && state.me.timezone;
  const options = { year: "numeric", month: "2-digit", day: "2-digit" };
  let parts;
  try {
    parts = new Intl.DateTimeFormat("en-US", { ...options, timeZone: zone || undefined })
      .formatToParts(new Date());
  } catch (error) { // a zone this browser does not know: its own
    parts = new Intl.DateTimeFormat("en-US", options).formatToParts(new Date());
  }
  const part = (type) => parts.find((p) => p.type === type).value;
  return part("year") + "-" + part("month") + "-" + part("day");
}

export function longDate(iso) {
  return new Intl.DateTimeFormat(state.locale, {
    weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: "UTC",
  }).format(fromIso(iso));
}

/** "Today", "Yesterday", "Tomorrow", or null for any other day. */
export function relativeDay(iso) {
  const today = todayIso();
  if (iso === today) return t("day_today");
  if (iso === shiftDay(today, -1)) return t("day_yesterday");
  if (iso === shiftDay(today, 1)) return t("day_tomorrow");
  return null;
}

export function dayLabel(iso) { return relativeDay(iso) || longDate(iso); }

export function timeRange(entry) {
  if (!entry.start_time) return "";
  return entry.end_time ? entry.start_time + "–" + entry.end_time : entry.start_time;
}

/** A project's or service's name, with its client's. */
export function nameOf(ref) {
  if (!ref) return "";
  return ref.client ? ref.name + " (" + ref.client.name + ")" : ref.name;
}
