// What the warning pages share: the colour with its name beside the swatch (never colour alone),
// time left, and the addressed unit's two actions: 签收 in one key, then the precaution report
// (防范落实) as a thumb-first form that works at 360 px.
import { api, formatTime, page, ui } from "./common.js";
import { el, toast } from "./dom.js";

export const me = page.unit.code;
export const q = page.exercise ? "exercise=true" : "exercise=false";
export const data = (attrs = {}) => ({ ...attrs, "data-i18n-data": "1" });  // what people typed stays as written

export function unitName(code) {
  const u = (page.units || []).find((x) => x.code === code);
  return (u && ((page.lang === "en" && u.name_en) || u.name)) || (page.unit_names || {})[code] || code;
}

export function colourChip(colour) {
  return el("span", { class: `colour-chip c-${colour}` }, el("span", { class: `swatch c-${colour}`, "aria-hidden": "true" }),
    el("span", { class: "colour-name" }, ui(`warn.c.${colour}`)));
}

export function title(w) {
  return `${ui(`warn.h.${w.hazard}`)} · ${w.headline}`;
}

export async function act(fn, ok) {
  try {
    await fn();
    if (ok) toast(ok);
    return true;
  } catch (e) {
    toast(ui("warn.failed", { msg: e.message }), true);
    return false;
  }
}

function numberField(name, label) {
  return el("label", { class: "num-field" }, label,
    el("input", { type: "number", name, min: 0, step: 1, inputmode: "numeric", value: "" }));
}

/** The precaution form (防范落实) for warning `wid`; `done` runs after a report is accepted. */
export function precautionForm(wid, done) {
  const status = el("p", { class: "form-status small", "aria-live": "polite" });
  const form = el("form", { class: "precaution-form", autocomplete: "off", novalidate: true },
    el("label", {}, ui("warn.measures"), el("textarea", data({ name: "measures", rows: 3, maxlength: 4000 }))),
    el("div", { class: "num-row" }, numberField("people_warned", ui("warn.people_warned")),
      numberField("people_moved", ui("warn.people_moved")), numberField("places_notified", ui("warn.places_notified"))),
    el("label", {}, ui("warn.note"), el("textarea", data({ name: "note", rows: 2, maxlength: 4000 }))),
    status,
    el("button", { type: "submit", class: "primary big", "data-action": "warn-report" }, ui("warn.report")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    const body = {};
    const measures = String(f.get("measures") || "").split("\n").map((s) => s.trim()).filter(Boolean);
    if (measures.length) body.measures = measures;
    for (const k of ["people_warned", "people_moved", "places_notified"]) {
      const v = String(f.get(k) || "").trim();
      if (v !== "") body[k] = Number(v);
    }
    const note = String(f.get("note") || "").trim();
    if (note) body.note = note;
    if (!Object.keys(body).length) { status.textContent = ui("warn.measures"); return; }
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    const ok = await act(() => api(`/api/v1/warnings/${wid}/precautions`, { method: "POST", body }), ui("warn.report_ok"));
    submit.disabled = false;
    if (ok) { form.reset(); done(); }
    else status.textContent = ui("warn.failed", { msg: "" });
  });
  return form;
}

/** What an addressed unit does now: sign for it (one key), then report precautions. */
export function addresseeActions(wid, row, done) {
  const box = el("div", { class: "addressee-actions" });
  if (row.state === "addressed") {
    box.append(el("div", { class: "due-line" }, `${ui("warn.due_sign")} ${formatTime(row.sign_due_at)} `,
      el("span", { class: "due", dataset: { deadline: row.sign_due_at } })),
    el("button", { type: "button", class: "primary big sign-btn", "data-action": "warn-sign", onclick: async (e) => {
      e.currentTarget.disabled = true;
      if (await act(() => api(`/api/v1/warnings/${wid}/sign`, { method: "POST", body: {} }), ui("warn.signed_ok"))) done();
      else e.currentTarget.disabled = false;
    } }, ui("warn.sign")));
  }
  if (row.state === "addressed" || row.state === "signed" || row.state === "reported") {
    if (row.state !== "addressed") {
      box.append(el("div", { class: "due-line" }, `${ui("warn.due_report")} ${formatTime(row.report_due_at)} `,
        row.state === "signed" ? el("span", { class: "due", dataset: { deadline: row.report_due_at } }) : ""));
    }
    const details = el("details", { class: "precaution-box", open: row.state === "signed" },
      el("summary", {}, ui("warn.report")), precautionForm(wid, done));
    box.append(details);
  }
  if (row.additions) box.prepend(el("p", { class: "additions" }, `${ui("warn.additions")}：`, el("span", data(), row.additions)));
  return box;
}
