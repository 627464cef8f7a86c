/* The page's words: /page/texts/<locale>.json (from nlentry/web/texts/<locale>.toml).
 *
 * Which locale: the one chosen with the switch (kept in this browser), else the
 * account's (GET /users/me's locale, once signed in), else the browser's
 * language when there are texts for it, else English.
 */
import { $, LOCALE_KEY, pending, state, stored } from "./state.js";

/** The text for `key`, with {name} filled in from `values` (the key itself when unknown). */
export function t(key, values) {
  let text = Object.prototype.hasOwnProperty.call(state.texts, key) ? state.texts[key] : key;
  for (const [name, value] of Object.entries(values || {})) {
    text = text.split("{" + name + "}").join(String(value));
  }
  return text;
}

/** Loads a locale's texts (English when there are none for it) and makes it the page's. */
export async function loadTexts(locale) {
  pending(1);
  try {
    let response = await fetch("/page/texts/" + encodeURIComponent(locale) + ".json");
    if (!response.ok && locale !== "en") response = await fetch("/page/texts/en.json");
    if (!response.ok) throw new Error("texts: " + response.status);
    const answer = await response.json();
    state.locale = answer.locale;
    state.texts = answer.texts;
    state.locales = answer.locales;
  } finally {
    pending(-1);
  }
}

/** The locale chosen with the switch ("" for none). */
export function chosenLocale() {
  return stored(LOCALE_KEY);
}

/** Before the account is known: the chosen locale, else the browser's language. */
export function preferredLocale() {
  const chosen = chosenLocale();
  if (chosen) return chosen;
  const browser = (navigator.language || "en").toLowerCase().split("-")[0];
  return browser || "en";
}

/** Once signed in: the account's locale, when none was chosen and there are texts for it. */
export function accountLocale(me) {
  if (chosenLocale() || !me || !me.locale || me.locale === state.locale) return null;
  return Object.prototype.hasOwnProperty.call(state.locales, me.locale) ? me.locale : null;
}

/** The words written in index.html (data-text, data-text-aria-label), the title, lang. */
export function applyStaticTexts() {
  document.documentElement.lang = state.locale;
  document.title = t("page_title");
  for (const node of document.querySelectorAll("[data-text]")) node.textContent = t(node.dataset.text);
  for (const node of document.querySelectorAll("[data-text-aria-label]")) {
    node.setAttribute("aria-label", t(node.dataset.textAriaLabel));
  }
}

/** The switch: a button per locale, its own name as its label; the page's is pressed. */
export function renderLocaleSwitch() {
  const box = $("locale-switch");
  const codes = Object.keys(state.locales).sort();
  if (box.dataset.codes !== codes.join(",")) { // built once: a click keeps its focus
    box.dataset.codes = codes.join(",");
    box.replaceChildren(...codes.map((code) => {
      const button = document.createElement("button");
      button.type = "button";
      button.lang = code;
      button.dataset.locale = code;
      button.setAttribute("aria-label", state.locales[code] + " (" + code.toUpperCase() + ")");
      button.textContent = code.toUpperCase();
      return button;
    }));
  }
  for (const button of box.querySelectorAll("button")) {
    button.setAttribute("aria-pressed", String(button.dataset.locale === state.locale));
  }
}
