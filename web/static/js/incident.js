// The incident workspace: facts, grade, status, lead, units, the timeline, and the reports with
// their deadlines; the report editor (draft → sign off and submit). All live.
import { Live } from "./live.js";
import { api, bindLiveState, formatTime, page, ui } from "./common.js";
import { colon, commaJoin, debounce, el, journalHead, listJoin, paren, tickDeadlines, toast } from "./dom.js";
import { categoryName, gradeChip, statusText, unitLabel } from "./cmdcommon.js";
import { loadResponse, mountResponse, onResponseEvent } from "./response.js";

const id = page.incident_id;
let incident = null;
const ACTIONS = { reported: ["respond", "stabilise", "close"], responding: ["stabilise", "close"],
  stabilised: ["respond", "close"], closed: ["reopen"] };
const FIELDS = ["unit", "time", "place", "scene", "course", "deaths", "injured", "missing", "economic_loss", "measures",
  "cause", "trend", "leaders_on_site", "requests", "contact", "other"];
const NUMERIC = new Set(["deaths", "injured", "missing", "economic_loss"]);

async function act(fn, ok) {
  try { await fn(); if (ok) toast(ok); await loadIncident(); } catch (e) {
    const why = e.problem && e.problem.errors ? e.problem.errors.map((x) => x.message).join("；") : e.message;
    toast(ui("duty.error", { msg: why }), true);
  }
}

function renderHead() {
  const i = incident;
  const clocks = [["cmd.occurred", i.occurred_at], ["cmd.received", i.received_at], ["cmd.reported", i.reported_at]];
  const actions = (ACTIONS[i.status] || []).filter(() => page.can["incident.manage"]).map((a) => el("button", {
    class: a === "close" ? "secondary" : "primary", onclick: () => {
      const reason = a === "reopen" ? prompt(ui("cmd.reopen_reason")) : "";
      if (a === "reopen" && !reason) return;
      act(() => api(`/api/v1/incidents/${id}/status`, { method: "POST", body: { action: a, reason: reason || "" } }));
    } }, ui(`cmd.action_${a}`)));
  document.getElementById("head").replaceChildren(
    el("div", { class: "ih-top" }, gradeChip(i.grade), el("h1", {}, i.title), i.exercise ? el("span", { class: "tag drill" }, ui("journal.drill")) : ""),
    el("div", { class: "ih-meta" }, `${i.number} · ${categoryName(i.category)} · ${unitLabel(i.unit)} · `, el("strong", {}, statusText(i.status)),
      i.address ? ` · ${i.address}` : ""),
    el("dl", { class: "clocks" }, ...clocks.flatMap(([k, v]) => [el("dt", {}, ui(k)), el("dd", {}, v ? formatTime(v) : "—")])),
    el("div", { class: "ih-actions" }, ...actions));
}

/** True while the person is typing in `box` (focus inside, or changed and not yet saved). */
function editing(box) {
  if (!box.dataset.watch) {
    box.dataset.watch = "1";
    box.addEventListener("input", () => { box.dataset.dirty = "1"; });
  }
  return box.contains(document.activeElement) || box.dataset.dirty === "1";
}

function rendered(box) {
  delete box.dataset.dirty;
}

/** After a save from `box`: it may be re-rendered with what the server now holds. */
function saved(box) {
  delete box.dataset.dirty;
  if (box.contains(document.activeElement)) document.activeElement.blur();
}

function renderFacts() {
  const f = document.getElementById("facts-form");
  if (editing(f)) return;
  rendered(f);
  f.replaceChildren(...Object.entries(page.facts).map(([k, d]) => el("label", {}, `${d.name}${paren(d.unit.trim())}`,
    el("input", { name: k, type: "number", min: 0, step: "any", value: incident.facts[k] ?? "" }))),
  el("button", { class: "primary", type: "submit" }, ui("cmd.facts_update")));
  f.onsubmit = (ev) => {
    ev.preventDefault();
    const facts = {};
    for (const [k, v] of new FormData(f).entries()) if (v !== "" && Number(v) !== incident.facts[k]) facts[k] = Number(v);
    if (Object.keys(facts).length) act(() => api(`/api/v1/incidents/${id}/facts`, { method: "POST", body: { facts } }).then(() => saved(f)));
    else saved(f);
  };
}

function renderGrade() {
  const box = document.getElementById("grade-box");
  if (editing(box)) return;
  rendered(box);
  const sel = el("select", {}, el("option", { value: "" }, ui("cmd.ungraded")),
    ...Object.entries(page.grades).map(([k, g]) => el("option", { value: k, selected: k === (incident.grade || incident.grade_suggested) }, `${g.roman} ${g.name}`)));
  const reason = el("input", { placeholder: ui("cmd.grade_reason") });
  box.replaceChildren(el("p", {}, colon(ui("cmd.suggested")), gradeChip(incident.grade_suggested)),
    incident.grade_reason ? el("p", { class: "small muted" }, incident.grade_reason) : "",
    el("p", {}, colon(ui("cmd.grade")), gradeChip(incident.grade)),
    page.can["incident.grade"] ? el("div", { class: "stack-form grade-form" }, sel, reason, el("button", { class: "primary", onclick: () =>
      act(() => api(`/api/v1/incidents/${id}/grade`, { method: "POST", body: { grade: sel.value || null, reason: reason.value } }).then(() => saved(box))) }, ui("cmd.confirm_grade"))) : "");
}

function renderLead() {
  const box = document.getElementById("lead-box");
  if (editing(box)) return;
  rendered(box);
  const leader = el("input", { value: incident.lead_leader || "", placeholder: ui("cmd.lead_leader") });
  const unitSel = el("select", {}, ...page.units.map((u) => el("option", { value: u.code, selected: u.code === (incident.lead_unit || incident.unit) }, unitLabel(u.code))));
  const tf = el("input", { value: listJoin(incident.task_force || []), placeholder: ui("cmd.task_force") });
  box.replaceChildren(page.can["incident.manage"] ? el("div", { class: "stack-form" }, leader, unitSel, tf, el("button", { class: "secondary", onclick: () =>
    act(() => api(`/api/v1/incidents/${id}/lead`, { method: "POST", body: { lead_leader: leader.value, lead_unit: unitSel.value,
      task_force: tf.value.split(/[、,，]/).map((s) => s.trim()).filter(Boolean) } }).then(() => saved(box))) }, ui("cmd.lead_save")))
    : el("p", {}, `${incident.lead_leader || "—"} · ${incident.lead_unit ? unitLabel(incident.lead_unit) : "—"}`));
}

function renderUnits() {
  const box = document.getElementById("units-box");
  const sel = el("select", {}, ...page.units.map((u) => el("option", { value: u.code }, unitLabel(u.code))));
  box.replaceChildren(el("ul", {}, ...incident.units.map((u) => el("li", {}, `${unitLabel(u.unit)} · ${ui(`role.${u.role}`)}`))),
    page.can["incident.manage"] ? el("div", { class: "row" }, sel, el("button", { class: "secondary", onclick: () =>
      act(() => api(`/api/v1/incidents/${id}/units`, { method: "POST", body: { unit: sel.value, role: "shared" } })) }, ui("cmd.share"))) : "");
}

/** A seeded rule's name or source in the page's language (rules a unit wrote are shown as written). */
const ruleText = (text) => (page.rule_text && page.rule_text[text]) || text;

function kindText(r) {
  return r.kind === "follow_up" ? `${ui("rk.follow_up")}${paren(r.number)}` : ui(`rk.${r.kind}`);
}

async function renderReports() {
  const reports = await api(`/api/v1/incidents/${id}/reports`);
  const next = incident.next_report;
  const box = document.getElementById("next-report");
  const open = reports.find((r) => r.status === "draft");
  box.replaceChildren(next ? el("div", { class: "next", dataset: { urgency: "ok" } },
    el("strong", {}, ui("cmd.next_report", { kind: ui(`rk.${next.kind}`), time: formatTime(next.deadline) })), " · ",
    el("span", { class: "due", dataset: { deadline: next.deadline } }),
    el("div", { class: "small muted" }, ui("cmd.rule", { rule: `${ruleText(next.rule)}${paren(ruleText(next.source))}` })),
    !open && page.can["report.draft"] ? el("button", { class: "primary", "data-action": "draft", onclick: () =>
      act(() => api(`/api/v1/incidents/${id}/reports`, { method: "POST", body: { kind: next.kind }, idempotent: true })) },
    `${ui("cmd.draft")}${ui(`rk.${next.kind}`)}`) : "") : el("p", { class: "muted" }, ui("cmd.no_report_due")));
  document.getElementById("reports").replaceChildren(...reports.map((r) => el("li", { class: `r-${r.status}`, dataset: { id: r.id, status: r.status } },
    el("strong", {}, kindText(r)), ` · ${ui(`rs.${r.status}`)}`,
    r.submitted_at ? ` · ${formatTime(r.submitted_at)} ${r.to_unit ? ui("cmd.to_unit", { unit: unitLabel(r.to_unit) }) : ""}` : "",
    r.on_time === true ? [" ", el("span", { class: "ok-tag" }, ui("cmd.on_time"))] : r.on_time === false ? [" ", el("span", { class: "overdue" }, ui("cmd.late"))] : "",
    r.status === "submitted" ? [" · ", el("a", { class: "small", href: `/reports/${r.id}/print`, target: "_blank" }, ui("cmd.print"))] : "")));
  if (open && open.unit !== page.unit.code) {
    renderEditor(null);
    document.getElementById("editor").replaceChildren(el("p", { class: "muted draft-elsewhere" },
      ui("cmd.draft_elsewhere", { kind: kindText(open), unit: unitLabel(open.unit) })));
  } else {
    renderEditor(open);
  }
}

/** An ISO instant as "2026-11-24 03:20" in the unit's zone; anything else (typed text) as it is. */
function localTime(value) {
  if (!value) return "";
  return /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value)) ? formatTime(value) : value;
}

function renderEditor(report) {
  const box = document.getElementById("editor");
  if (!report) { box.replaceChildren(); delete box.dataset.report; return; }
  // Live events re-render the workspace; the draft someone is typing in stays as it is.
  if (box.dataset.report === report.id && box.querySelector("form")) return;
  box.dataset.report = report.id;
  const form = el("form", { class: "report-form" }, el("h3", {}, `${kindText(report)} · ${ui("rs.draft")}`),
    ...FIELDS.map((k) => el("label", { class: NUMERIC.has(k) ? "" : "wide" }, ui(`rf.${k}`),
      NUMERIC.has(k) ? el("input", { name: k, type: "number", min: 0, step: "any", value: report.content[k] ?? 0 })
        : ["scene", "course", "measures", "trend"].includes(k) ? el("textarea", { name: k, rows: 2 }, report.content[k] || "")
          : el("input", { name: k, value: k === "time" ? localTime(report.content[k]) : report.content[k] || "" }))),
    report.kind !== "initial" ? el("label", { class: "wide" }, ui("rf.changes"), el("textarea", { name: "changes", rows: 2 }, report.changes || "")) : "",
    el("div", { class: "wide form-foot" },
      el("button", { class: "secondary", type: "submit" }, ui("cmd.edit_save")),
      page.can["report.sign"] ? el("button", { class: "primary", type: "button", "data-action": "sign", onclick: async () => {
        await save();
        act(() => api(`/api/v1/reports/${report.id}/sign`, { method: "POST" }), ui("rs.submitted"));
      } }, ui("cmd.sign")) : "",
      el("button", { class: "link", type: "button", onclick: () => act(() => api(`/api/v1/reports/${report.id}/discard`, { method: "POST" })) }, ui("cmd.discard"))));
  async function save() {
    const d = new FormData(form);
    const content = {};
    for (const k of FIELDS) {
      const v = d.get(k);
      if (v === null) continue;
      content[k] = NUMERIC.has(k) ? Number(v || 0) : String(v);
    }
    const body = { content };
    if (d.get("changes") !== null) body.changes = String(d.get("changes"));
    await api(`/api/v1/reports/${report.id}`, { method: "PATCH", body });
  }
  form.addEventListener("submit", (ev) => { ev.preventDefault(); act(save, ui("duty.done")); });
  box.replaceChildren(form);
}

function eventText(e) {
  const d = e.data || {};
  const label = page.labels.events[e.type] || e.type;
  if (e.type === "incident.facts_updated") return `${colon(label)}${commaJoin(Object.entries(d.changes || {}).map(([k, c]) => `${page.facts[k] ? page.facts[k].name : k} ${c.from ?? "—"}→${c.to}`))}`;
  if (e.type === "incident.graded") return `${colon(label)}${d.to ? page.grades[d.to].name : ui("cmd.ungraded")}${d.reason ? paren(d.reason) : ""}`;
  if (d.report) return `${colon(label)}${kindText(d.report)}`;
  if (e.type === "incident.merged") return `${colon(label)}${d.intake ? d.intake.title : ""}`;
  const LV = page.plan_levels;
  if (e.type === "incident.plan_suggested") return `${colon(label)}${d.plan_name} ${LV[d.level]}${paren(d.why)}`;
  if (d.activation) {
    const a = d.activation;
    if (e.type === "incident.plan_level_changed") return `${colon(label)}${a.plan_name} ${LV[d.from]}→${LV[d.to]}${d.reason ? paren(d.reason) : ""}`;
    if (e.type === "incident.plan_terminated") return `${colon(label)}${a.plan_name}${paren(d.reason)}`;
    return `${colon(label)}${a.plan_name} ${LV[a.level] || ""}`;
  }
  return label;
}

async function renderTimeline() {
  const items = await api(`/api/v1/incidents/${id}/timeline`);
  document.getElementById("timeline").replaceChildren(...items.slice().reverse().map((it) => {
    if (it.source === "event") {
      const e = it.event;
      return el("li", { class: "tl-event" }, el("time", {}, formatTime(e.ts)), el("span", {}, eventText(e)),
        el("span", { class: "small muted" }, e.actor ? e.actor.name : ui("journal.system")));
    }
    const x = it.entry;
    return el("li", { class: `tl-entry${x.significant ? " significant" : ""}` }, el("time", {}, formatTime(x.at)),
      el("span", {}, el("strong", {}, colon(page.entry_kinds[x.kind] || x.kind)), x.text),
      el("span", { class: "small muted" }, x.author_name,
        x.significant ? (x.verified_at ? ` · ${ui("cmd.verified")} ${x.verified_by_name}` : page.can["incident.verify_entry"]
          ? [" · ", el("button", { class: "link", onclick: () => act(() => api(`/api/v1/incidents/${id}/entries/${x.id}/verify`, { method: "POST" }).then(renderTimeline)) }, ui("cmd.verify_entry"))] : "") : ""));
  }));
}

const entryKind = document.getElementById("entry-kind");
for (const [k, v] of Object.entries(page.entry_kinds)) entryKind.append(el("option", { value: k }, v));
document.getElementById("entry-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const d = new FormData(ev.target);
  act(async () => {
    await api(`/api/v1/incidents/${id}/entries`, { method: "POST", idempotent: true,
      body: { kind: d.get("kind"), text: String(d.get("text")).trim(), significant: d.get("significant") === "on" } });
    ev.target.reset();
    await renderTimeline();
  });
});

async function loadIncident() {
  incident = await api(`/api/v1/incidents/${id}`);
  renderHead();
  renderFacts();
  renderGrade();
  renderLead();
  renderUnits();
  await Promise.all([renderReports(), renderTimeline()]);
}

// 附近可调队伍: available and standing-by teams nearest the incident (straight line), by type.
const nearestType = document.getElementById("nearest-type");
nearestType.append(el("option", { value: "" }, ui("res.all_teams")),
  ...Object.keys(page.labels.ui).filter((k) => k.startsWith("res.tt.")).map((k) => el("option", { value: k.slice(7) }, ui(k))));
nearestType.addEventListener("change", () => loadNearest().catch(() => {}));
async function loadNearest() {
  const p = new URLSearchParams({ incident: id, limit: "8" });
  if (nearestType.value) p.set("type", nearestType.value);
  const teams = await api(`/api/v1/resources/teams/nearest?${p}`);
  document.getElementById("nearest").replaceChildren(...teams.map((t) => el("li", { dataset: { unit: t.unit, km: t.distance_km } },
    el("strong", { "data-i18n-data": "1" }, unitLabel(t.unit)), el("span", { class: "km" }, ui("res.km", { d: t.distance_km.toFixed(1) })),
    el("span", { class: "nt-meta" }, el("span", { class: `chip ts-${t.status}` }, ui(`res.ts.${t.status}`)),
      el("span", {}, ui(`res.tt.${t.type}`)), el("span", {}, ui("res.people", { n: t.headcount })),
      t.phone ? el("a", { class: "tel", href: `tel:${t.phone}`, "data-i18n-data": "1" }, `${t.leader} ${t.phone}`) : ""))));
  document.getElementById("nearest-empty").hidden = teams.length > 0;
  document.getElementById("nearest-basis").hidden = !teams.length || teams[0].from !== "unit";
}
const reloadNearest = debounce(() => loadNearest().catch(() => {}));

const reload = debounce(() => loadIncident().catch(() => {}));
tickDeadlines(document.getElementById("reports-card"));
document.getElementById("consult-link").href = `/consultations?incident=${id}${page.exercise ? "&exercise=1" : ""}`;
const dispatchLink = document.getElementById("dispatch-link");
if (dispatchLink) dispatchLink.href = `/tasks?incident=${id}${page.exercise ? "&exercise=1" : ""}#outbox`;
const reloadResponse = debounce(() => loadResponse().catch(() => {}));
async function loadAll() {
  const h = await journalHead(api);
  await Promise.all([loadIncident(), mountResponse(id), loadNearest()]);
  return h;
}
function onEvent(ev) {
  if (ev.subject.kind === "incident" && ev.subject.id === id) {
    reload();
    reloadResponse();
    onResponseEvent(ev);
    if (ev.type === "incident.updated") reloadNearest();
  } else if (ev.subject.kind === "task" && ev.data.task && ev.data.task.incident_id === id) {
    reloadResponse();
  }
  if (ev.type.startsWith("resource.team_")) reloadNearest();
}
const live = new Live({ exercise: page.exercise, onEvent,
  reload: loadAll, onState: bindLiveState(document.getElementById("live-state")) });
live.start(await loadAll());
window.yingjiLive = live;
