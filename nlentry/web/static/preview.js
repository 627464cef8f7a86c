/* The preview: as the user types, POST /parse (debounced; a newer request aborts the
 * older one) and show what would be stored: the text with the recognised spans
 * marked, the fields, the warnings, and the candidates as choices (radio buttons,
 * whose choice is sent as project_id / service_id). #preview is aria-live="polite". */
import { api, clearMessage, showError } from "./api.js";
import { longDate, hmm, nameOf, relativeDay, timeRange } from "./format.js";
import { $, el, state } from "./state.js";
import { t } from "./texts.js";

/** The pause in typing after which the page asks: a request per pause, not per key. */
export const DEBOUNCE_MS = 150;
/** Field errors shown at their field; any other error is shown with the warnings. */
const FIELD_ERRORS = ["duration", "date", "start_time", "end_time", "project_id", "service_id",
                      "tags", "description"];

let previewTimer = null;
let previewController = null;
let previewSeq = 0;
let candidatesShown = "";

export function schedulePreview(delay) {
  window.clearTimeout(previewTimer);
  previewTimer = window.setTimeout(runPreview, delay === undefined ? DEBOUNCE_MS : delay);
}

/** Forgets any preview asked for and not yet answered. */
export function cancelPreview() {
  window.clearTimeout(previewTimer);
  previewSeq += 1;
  if (previewController) previewController.abort();
}

/** After storing: an empty box, no choices, no preview. */
export function resetPreview() {
  cancelPreview();
  $("entry-text").value = "";
  state.overrides = {};
  state.preview = null;
  renderPreview();
}

async function runPreview() {
  const text = $("entry-text").value;
  cancelPreview();
  if (!text.trim() || !state.token) {
    state.preview = null;
    renderPreview();
    return;
  }
  const seq = previewSeq;
  previewController = new AbortController();
  try {
    const preview = await api("POST", "parse", {
      body: { body: text, ...state.overrides }, signal: previewController.signal,
    });
    if (seq !== previewSeq) return;
    if (dropStaleChoices(preview)) { runPreview(); return; }
    state.preview = preview;
    clearMessage("preview");
    renderPreview();
  } catch (error) {
    if (seq === previewSeq) showError(error, "preview");
  }
}

/** A choice that the text no longer offers is dropped (true: ask again). */
function dropStaleChoices(preview) {
  let dropped = false;
  for (const kind of ["project", "service"]) {
    const chosen = state.overrides[kind + "_id"];
    const offered = (preview.candidates || {})[kind] || [];
    if (chosen !== undefined && !offered.some((c) => c.id === chosen)) {
      delete state.overrides[kind + "_id"];
      dropped = true;
    }
  }
  return dropped;
}

export function renderPreview() {
  const p = state.preview;
  $("preview-empty").hidden = Boolean(p);
  $("highlight").hidden = !p;
  $("fields").hidden = !p;
  if (!p) {
    $("highlight").replaceChildren();
    $("fields").replaceChildren();
    $("warnings").hidden = true;
    renderCandidates({});
    return;
  }
  renderHighlight(p.body, p.spans || []);
  renderFields(p);
  renderWarnings(p);
  renderCandidates(p.candidates || {});
}

function renderHighlight(text, spans) {
  const chars = Array.from(text); // the API counts code points, as Python does
  const parts = [];
  let at = 0;
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    if (span.start < at || span.end <= span.start || span.end > chars.length) continue;
    if (span.start > at) parts.push(chars.slice(at, span.start).join(""));
    parts.push(el("mark", { "data-kind": span.kind, title: t("kind_" + span.kind) },
      chars.slice(span.start, span.end).join("")));
    at = span.end;
  }
  if (at < chars.length) parts.push(chars.slice(at).join(""));
  $("highlight").replaceChildren(...parts);
}

/** A row of the fields: its value (or "none") and the parser's errors about it. */
function field(name, value, errorKeys) {
  const errors = state.preview.errors || {};
  const dd = el("dd", { "data-field": name, class: value ? null : "none" }, value || t("field_none"));
  for (const key of errorKeys || []) {
    for (const message of [].concat(errors[key] || [])) dd.append(el("span", { class: "error" }, message));
  }
  return [el("dt", {}, t("field_" + name)), dd];
}

function renderFields(p) {
  const relative = relativeDay(p.date);
  const date = el("time", { datetime: p.date },
    relative ? relative + ", " + longDate(p.date) : longDate(p.date));
  const [dateLabel, dateValue] = field("date", "x", ["date"]);
  dateValue.firstChild.replaceWith(date);
  const rows = [
    ...field("duration", p.duration ? hmm(p.duration) : "", ["duration"]),
    dateLabel, dateValue,
    ...field("time", timeRange(p), ["start_time", "end_time"]),
    ...field("project", nameOf(p.project), ["project_id"]),
    ...field("service", nameOf(p.service), ["service_id"]),
    ...field("tags", (p.tags || []).map((tag) => "#" + tag).join(" "), ["tags"]),
  ];
  if (p.description) rows.push(...field("description", p.description, ["description"]));
  $("fields").replaceChildren(...rows);
}

function renderWarnings(p) {
  const messages = (p.warnings || []).map((w) => w.message);
  for (const [name, list] of Object.entries(p.errors || {})) {
    if (!FIELD_ERRORS.includes(name)) messages.push(...[].concat(list));
  }
  $("warning-list").replaceChildren(...messages.map((m) => el("li", {}, m)));
  $("warnings").hidden = messages.length === 0;
}

function renderCandidates(candidates) {
  const kinds = ["project", "service"].filter((k) => (candidates[k] || []).length);
  const shown = JSON.stringify([state.locale, kinds.map((k) => candidates[k])]);
  if (shown !== candidatesShown) { // rebuilt only when they change: a choice keeps its focus
    candidatesShown = shown;
    $("candidates").replaceChildren(...kinds.map((kind) => {
      const name = "candidate-" + kind;
      const option = (value, label) => el("label", {},
        el("input", { type: "radio", name, value, "data-kind": kind }), label);
      return el("fieldset", { "data-kind": kind },
        el("legend", {}, t("candidates_" + kind)),
        option("", t("candidate_none")),
        ...candidates[kind].map((c) => option(String(c.id), c.name)));
    }));
  }
  for (const input of $("candidates").querySelectorAll("input")) {
    const chosen = state.overrides[input.dataset.kind + "_id"];
    input.checked = chosen === undefined ? input.value === "" : input.value === String(chosen);
  }
}

/** A candidate chosen (the "change" of a radio button in #candidates). */
export function chooseCandidate(event) {
  const input = event.target;
  if (!input.matches("input[type=radio]")) return;
  const key = input.dataset.kind + "_id";
  if (input.value === "") delete state.overrides[key]; else state.overrides[key] = Number(input.value);
  schedulePreview(0);
}
