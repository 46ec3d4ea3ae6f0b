// What the command pages share: grade chips, status labels, local-time inputs.
import { page, ui } from "./common.js";
import { colon, el, paren } from "./dom.js";

export function gradeChip(grade) {
  if (!grade) return el("span", { class: "grade g-none" }, ui("cmd.ungraded"));
  const g = page.grades[grade];
  return el("span", { class: `grade g-${grade}`, title: g.name }, `${g.roman} ${g.name}`);
}

export function statusText(status) {
  return ui(`status.${status}`);
}

export function categoryName(key) {
  return page.categories[key] || key;
}

export function unitLabel(code) {
  const u = page.units.find((x) => x.code === code) || (page.parent && page.parent.code === code ? page.parent : null);
  if (u) return (page.lang === "en" && u.name_en) || u.name;
  return (page.unit_names && page.unit_names[code]) || code;
}

/** "2026-11-24 03:50" (24-hour, the unit's zone) as a UTC ISO string; undefined when empty. */
export function localInputToIso(value) {
  if (!value) return undefined;
  const [d, t] = value.trim().split(/[ T]/);
  const [y, m, day] = d.split("-").map(Number);
  const [hh, mm] = t.split(":").map(Number);
  // Find the UTC instant whose wall time in page.tz is the value (zones without DST: one step).
  const guess = Date.UTC(y, m - 1, day, hh, mm);
  const fmt = new Intl.DateTimeFormat("en-CA", { timeZone: page.tz, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const parts = Object.fromEntries(fmt.formatToParts(new Date(guess)).map((p) => [p.type, p.value]));
  const shown = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute);
  return new Date(guess - (shown - guess)).toISOString();
}

/** Now in the unit's zone as "2026-11-24 03:50", for the time inputs. */
export function nowLocalInput() {
  const fmt = new Intl.DateTimeFormat("en-CA", { timeZone: page.tz, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const p = Object.fromEntries(fmt.formatToParts(new Date()).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

export function categoryOptions(select, { allowEmpty = false } = {}) {
  if (allowEmpty) select.append(el("option", { value: "" }, `${colon(ui("cmd.category"))}${ui("cmd.all")}`));
  const groups = {};
  for (const [key, name] of Object.entries(page.categories)) {
    const top = key.split(".")[0];
    if (!key.includes(".")) {
      groups[top] = el("optgroup", { label: name });
      if (allowEmpty) groups[top].append(el("option", { value: key }, `${name}${paren(ui("cmd.all"))}`));
      select.append(groups[top]);
    } else {
      groups[top].append(el("option", { value: key }, "\u00a0\u00a0\u00a0".repeat(key.split(".").length - 2) + name));
    }
  }
}
