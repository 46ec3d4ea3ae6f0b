// What the command pages share: grade chips, status labels, categories (times: time.js; unit names: common.js).
import { page, ui, unitName } from "./common.js";
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

export const unitLabel = (code) => unitName(code);  // the one lookup, in common.js

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
