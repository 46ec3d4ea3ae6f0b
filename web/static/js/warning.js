// One warning: its current version (colour with its name, texts, versions), my unit's actions if it
// is addressed to me (签收, precautions, 转发 to my units), live coverage (figures, then a table with
// a bar per unit, late units first), the plans' 预警响应 suggestions, and the issuer's update and
// cancel. Reloads (debounced) on events about this warning.
import { Live } from "./live.js";
import { api, bindLiveState, formatTime, page, ui } from "./common.js";
import { debounce, el, journalHead, tickDeadlines, toast } from "./dom.js";
import { act, addresseeActions, colourChip, data, me, unitName } from "./warnings_util.js";

const wid = page.warning_id;
const can = page.can || {};
const ACTIVE = new Set(["issued", "updated"]);
const ORDER = ["red", "orange", "yellow", "blue"];

function renderWarning(w) {
  const box = document.getElementById("warning");
  box.className = `card warn-detail c-${w.colour} s-${w.state}`;
  const versions = (w.versions || []).map((v) => el("li", {}, `${ui("warn.version", { n: v.version })} · ${formatTime(v.sent_at)} · `,
    colourChip(v.colour), v.reason ? el("span", data({ class: "muted" }), ` ${v.reason}`) : ""));
  box.replaceChildren(
    el("div", { class: "warn-band", "aria-hidden": "true" }),
    el("div", { class: "warn-top" }, colourChip(w.colour), el("span", { class: "level" }, ui(`warn.lv.${w.colour}`)),
      el("span", { class: "hazard" }, ui(`warn.h.${w.hazard}`)), w.exercise ? el("span", { class: "drill-chip" }, ui("warn.drill_only")) : ""),
    el("h1", data({ id: "w-headline" }), w.headline),
    ACTIVE.has(w.state) ? "" : el("p", { class: "ended-note", id: "w-ended" }, ui("warn.state_ended", { state: ui(`warn.s.${w.state}`) })),
    el("p", { class: "small muted" }, [`${ui("warn.issuer")} ${w.issuer_name}`, formatTime(w.sent_at),
      w.source === "cap" ? ui("warn.source_cap") : ""].filter(Boolean).join(" · ")),
    w.expires_at ? el("p", { class: "small" }, `${ui("warn.expires")} ${formatTime(w.expires_at)} `,
      ACTIVE.has(w.state) ? el("span", { class: "due", dataset: { deadline: w.expires_at } }) : "") : "",
    w.description ? el("p", data({ class: "w-text" }), w.description) : "",
    w.instructions ? el("div", { class: "guide" }, el("h2", {}, ui("warn.instructions")), el("p", data({ class: "w-text" }), w.instructions)) : "",
    versions.length > 1 ? el("details", { class: "versions" }, el("summary", {}, ui("warn.versions")), el("ol", {}, ...versions)) : "");
}

function stateText(line) {
  if (line.late === "sign") return ui("warn.late_sign");
  if (line.late === "report") return ui("warn.late_report");
  return ui(`warn.a.${line.state}`);
}

function renderCoverage(cov) {
  const pct = cov.reached_pct;
  const fig = (label, value, cls = "") => el("div", { class: `fig ${cls}`.trim() }, el("span", { class: "fig-value" }, String(value)),
    el("span", { class: "fig-label" }, label));
  document.getElementById("cov-figures").replaceChildren(
    fig(ui("warn.cov_addressed"), cov.addressed),
    fig(ui("warn.cov_signed"), `${cov.signed}/${cov.addressed}`, "f-signed"),
    fig(ui("warn.cov_reported"), `${cov.reported}/${cov.addressed}`, "f-reported"),
    fig(ui("warn.cov_late"), cov.late, cov.late ? "f-late" : ""),
    fig(ui("warn.cov_people"), `${cov.people_warned}/${cov.population_at_risk || "—"}`),
    fig(ui("warn.cov_moved"), cov.people_moved),
    pct !== null && pct !== undefined ? fig(ui("warn.reached", { pct }), "", "f-pct") : "");
  const rows = cov.units.map((u) => {
    const step = u.state === "reported" ? 2 : u.state === "signed" ? 1 : 0;
    return el("tr", { class: `${u.late ? "late" : ""} st-${u.state}`.trim(), dataset: { unit: u.unit, state: u.state } },
      el("th", { scope: "row" }, unitName(u.unit), u.via_unit ? el("span", { class: "small muted" }, ` ${ui("warn.via", { unit: unitName(u.via_unit) })}`) : ""),
      el("td", { class: "c-state" }, stateText(u)),
      el("td", { class: "c-due" }, u.due_at ? el("span", { class: "due", dataset: { deadline: u.due_at } }) : (u.reported_at ? formatTime(u.reported_at) : "")),
      el("td", { class: "c-bar" }, el("span", { class: `bar step-${step}`, role: "img", "aria-label": stateText(u) },
        el("span", { class: "bar-fill", style: `width:${step * 50}%` }))),
      el("td", { class: "num" }, String(u.people_warned || 0)),
      el("td", { class: "num" }, u.population ? String(u.population) : "—"));
  });
  document.querySelector("#cov tbody").replaceChildren(...rows);
  // My unit's own line: what I do now.
  const mine = cov.units.find((u) => u.unit === me);
  const section = document.getElementById("mine");
  const body = document.getElementById("mine-body");
  const active = ACTIVE.has(cov.warning.state);
  section.hidden = !(mine && active && (can["warning.sign"] || can["warning.forward"]));
  if (!section.hidden) {
    const keepOpen = body.querySelector("details[open]") && mine.state !== "addressed";
    body.replaceChildren(can["warning.sign"] ? addresseeActions(wid, mine, reload) : "", forwardForm());
    if (keepOpen) body.querySelector("details.precaution-box")?.setAttribute("open", "");
  }
}

function forwardForm() {
  // 转发: to jurisdictions below mine that the warning is not yet addressed to directly.
  const below = (page.units || []).filter((u) => u.code !== me && u.parent === me);
  if (!can["warning.forward"] || !below.length) return "";
  const form = el("form", { class: "forward-form", autocomplete: "off" },
    el("fieldset", {}, el("legend", {}, ui("warn.forward_units")),
      ...below.map((u) => el("label", { class: "area-unit" }, el("input", { type: "checkbox", name: "units", value: u.code }), el("span", {}, unitName(u.code))))),
    el("label", {}, ui("warn.forward_additions"), el("textarea", data({ name: "additions", rows: 2, maxlength: 4000 }))),
    el("button", { type: "submit", class: "secondary big", "data-action": "warn-forward" }, ui("warn.forward_submit")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    const units = f.getAll("units").map(String);
    if (!units.length) return;
    if (await act(() => api(`/api/v1/warnings/${wid}/forward`, { method: "POST", body: { units, additions: String(f.get("additions") || "") } }), ui("warn.forward_ok"))) reload();
  });
  return el("details", { class: "forward-box" }, el("summary", {}, ui("warn.forward")), form);
}

function renderPlans(list) {
  document.getElementById("plans").replaceChildren(...list.map((s) => el("li", { class: `plan-s lv-${s.level}` },
    el("strong", {}, ui("warn.plan_level", { plan: s.name, level: s.level_name })),
    el("p", { class: "small" }, `${s.why} · ${s.trigger_text}`),
    s.actions_text ? el("p", { class: "small muted" }, s.actions_text) : "",
    el("p", { class: "small muted" }, ui("warn.plan_where", { units: s.units.map(unitName).join("、") })))));
  document.getElementById("plans-empty").hidden = list.length > 0;
}

function renderIssuer(w) {
  const box = document.getElementById("issuer-actions");
  const mine = can["warning.issue"] && (w.issuer_unit === me) && ACTIVE.has(w.state);
  box.hidden = !mine;
  if (!mine || box.dataset.for === `${w.id}`) return;
  box.dataset.for = w.id;
  const upd = el("form", { class: "issuer-form", autocomplete: "off" },
    el("fieldset", { class: "colour-pick" }, el("legend", {}, ui("warn.update")),
      el("div", { class: "colour-options" }, ...ORDER.map((c) => el("label", { class: `colour-option c-${c}` },
        el("input", { type: "radio", name: "colour", value: c, checked: c === w.colour }), el("span", { class: `swatch c-${c}`, "aria-hidden": "true" }),
        el("span", {}, ui(`warn.c.${c}`)))))),
    el("label", {}, ui("warn.update_reason"), el("input", data({ name: "reason", maxlength: 2000 }))),
    el("button", { type: "submit", class: "primary", "data-action": "warn-update" }, ui("warn.update_submit")));
  upd.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = new FormData(upd);
    await act(() => api(`/api/v1/warnings/${wid}/update`, { method: "POST", body: { colour: f.get("colour"), reason: String(f.get("reason") || "") } }), ui("warn.update_submit"));
  });
  const cancel = el("form", { class: "issuer-form", autocomplete: "off" },
    el("label", {}, ui("warn.cancel_reason"), el("input", data({ name: "reason", maxlength: 2000 }))),
    el("button", { type: "submit", class: "danger", "data-action": "warn-cancel" }, ui("warn.cancel_submit")));
  cancel.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = new FormData(cancel);
    await act(() => api(`/api/v1/warnings/${wid}/cancel`, { method: "POST", body: { reason: String(f.get("reason") || "") } }), ui("warn.cancel"));
  });
  box.replaceChildren(upd, el("details", {}, el("summary", {}, ui("warn.cancel")), cancel));
}

async function loadAll() {
  const head = await journalHead(api);
  const [w, cov, plans] = await Promise.all([api(`/api/v1/warnings/${wid}`), api(`/api/v1/warnings/${wid}/coverage`),
    api(`/api/v1/warnings/${wid}/plan-suggestions`).catch(() => [])]);
  renderWarning(w);
  renderCoverage(cov);
  renderPlans(plans);
  renderIssuer(w);
  return head;
}
const reload = debounce(() => loadAll().catch((e) => console.warn(e)));

function onEvent(ev) {
  if (ev.subject && ev.subject.kind === "warning" && ev.subject.id === wid) reload();
  else if (ev.type === "unit.population_set") reload();
}

tickDeadlines(document.querySelector("main"));
const liveConn = new Live({ exercise: page.exercise, onEvent, reload: loadAll, onState: bindLiveState(document.getElementById("live-state")) });
loadAll().then((head) => liveConn.start(head)).catch((e) => toast(ui("warn.failed", { msg: e.message }), true));
