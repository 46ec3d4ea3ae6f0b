// One plan: its versions (approve 印发, file 备案, retire 废止), the changes each made, drills
// (with the revision tasks their findings call for), and the management history. Live.
import { Live } from "./live.js";
import { api, bindLiveState, eventLabel, formatTime, page, ui } from "./common.js";
import { colon, debounce, el, journalHead, toast } from "./dom.js";
import { unitLabel } from "./cmdcommon.js";

const L = page.plan_labels;
const id = page.plan_id;
let full = null;
let diffShown = null;

async function act(fn, ok) {
  try { await fn(); if (ok) toast(ok); await load(); } catch (e) {
    const why = e.problem && e.problem.errors ? e.problem.errors.map((x) => `${x.pointer} ${x.message}`).join("；") : e.message;
    toast(ui("duty.error", { msg: why }), true);
  }
}

function status(v) {
  return el("span", { class: `status-chip st-${v.status}` }, L.statuses[v.status] || v.status);
}

function versionActions(v) {
  if (!full.manage) return [];
  const post = (body) => act(() => api(`/api/v1/plans/${id}/versions/${v.id}/status`, { method: "POST", body }), L.statuses[body.action === "approve" ? "approved" : body.action === "file" ? "filed" : "retired"]);
  const out = [];
  if (v.status === "draft") out.push(el("button", { class: "primary small", onclick: () => post({ action: "approve" }) }, ui("plan.approve")));
  if (v.status === "approved") {
    // The top unit here files with a superior outside this installation: named, not chosen.
    const sel = page.superiors.length
      ? el("select", { "aria-label": ui("plan.file_with") }, ...page.superiors.slice().reverse().map((c) => el("option", { value: c }, unitLabel(c))))
      : el("input", { "aria-label": ui("plan.file_with"), placeholder: ui("plan.file_with"), maxlength: 100, size: 12 });
    out.push(sel, el("button", { class: "small", onclick: () => { if (sel.value.trim()) post({ action: "file", filed_with: sel.value.trim() }); } }, ui("plan.file")));
  }
  if (["draft", "approved", "filed"].includes(v.status)) {
    out.push(el("button", { class: "secondary small", onclick: () => { if (confirm(ui("plan.confirm_retire"))) post({ action: "retire" }); } }, ui("plan.retire")));
  }
  return out;
}

function short(value) {
  if (value === null || value === undefined) return "—";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}

function renderDiff(v) {
  const box = document.getElementById("diff");
  if (!v || v.number === 1) { box.replaceChildren(); return; }
  box.replaceChildren(el("h3", {}, `${ui("plan.diff")}${colon("")}${ui("plan.showing_version", { n: v.number })}`),
    v.diff.length ? el("ul", { class: "diff" }, ...v.diff.map((d) => el("li", { class: `d-${d.op}` },
      el("code", {}, d.path), " ", el("strong", {}, ui(`plan.diff_${d.op}`)), " ",
      d.op !== "added" ? el("del", { "data-i18n-data": "1" }, short(d.from)) : "", d.op === "changed" ? " → " : "",
      d.op !== "removed" ? el("ins", { "data-i18n-data": "1" }, short(d.to)) : ""))) : el("p", { class: "muted" }, ui("plan.diff_none")));
}

function render() {
  document.getElementById("versions").replaceChildren(...full.versions.slice().reverse().map((v) => el("li", { class: v.number === page.shown_version ? "shown" : "" },
    el("div", { class: "v-head" }, el("a", { href: `/plans/${id}?v=${v.number}` }, ui("plan.showing_version", { n: v.number })), " ",
      el("span", { "data-i18n-data": "1" }, v.version_label || ""), " ", status(v)),
    el("div", { class: "muted small" }, `${formatTime(v.created_at)} · `, el("span", { "data-i18n-data": "1" }, `${v.created_by_name}${v.note ? ` · ${v.note}` : ""}`)),
    v.number > 1 ? el("button", { class: "link small", onclick: () => { diffShown = v.number; renderDiff(v); } }, ui("plan.diff")) : "",
    el("div", { class: "v-actions" }, ...versionActions(v)))));
  if (diffShown) renderDiff(full.versions.find((v) => v.number === diffShown));
  document.getElementById("drills").replaceChildren(...full.drills.map((d) => el("li", {},
    el("div", {}, el("strong", {}, d.held_on), ` · ${L.drill_kinds[d.kind] || d.kind} · ${unitLabel(d.unit)}`),
    el("div", { "data-i18n-data": "1" }, d.scenario),
    d.findings ? el("div", { class: "muted small", "data-i18n-data": "1" }, d.findings) : "",
    d.revision_task_ids.length ? el("div", { class: "small" }, el("a", { href: "/tasks" }, ui("plan.revision_tasks", { n: d.revision_task_ids.length }))) : "")));
  document.getElementById("history").replaceChildren(...full.history.slice().reverse().map((e) => el("li", {},
    el("span", { class: "num muted" }, formatTime(e.ts)), " ", eventLabel(e.type), e.actor ? ` · ${e.actor.name}` : "",
    e.data.version ? ` · ${ui("plan.showing_version", { n: e.data.version.number })}` : "")));
}

function drillForm() {
  const f = document.getElementById("drill-form");
  if (!f || f.childElementCount) return;
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: page.tz }).format(new Date());
  f.append(
    el("label", {}, ui("plan.drill_kind"), el("select", { name: "kind" }, ...Object.entries(L.drill_kinds).filter(([k]) => k !== "activation").map(([k, v]) => el("option", { value: k }, v)))),
    el("label", {}, ui("plan.held_on"), el("input", { name: "held_on", type: "date", required: true, max: today, value: today })),
    el("label", { class: "wide" }, ui("plan.scenario"), el("textarea", { name: "scenario", required: true, rows: 2, maxlength: 4000 })),
    el("label", { class: "wide" }, ui("plan.location"), el("input", { name: "location", maxlength: 300 })),
    el("label", { class: "wide" }, ui("plan.participants"), el("textarea", { name: "participants", rows: 2 })),
    el("label", { class: "wide" }, ui("plan.findings"), el("textarea", { name: "findings", rows: 2, maxlength: 4000 })),
    el("label", {}, ui("plan.rating"), el("select", { name: "rating" }, el("option", { value: "" }, "—"),
      ...["good", "adequate", "poor"].map((r) => el("option", { value: r }, ui(`plan.rating_${r}`))))),
    el("label", { class: "wide" }, ui("plan.revisions"), el("textarea", { name: "revisions", rows: 2 })),
    el("button", { class: "primary" }, ui("plan.save_drill")));
  f.onsubmit = (ev) => {
    ev.preventDefault();
    const d = Object.fromEntries(new FormData(f).entries());
    const lines = (s) => s.split("\n").map((x) => x.trim()).filter(Boolean);
    const body = { kind: d.kind, held_on: d.held_on, scenario: d.scenario.trim() };
    if (d.location.trim()) body.location = d.location.trim();
    if (d.findings.trim()) body.findings = d.findings.trim();
    if (d.rating) body.rating = d.rating;
    const people = lines(d.participants).map((x) => { const m = x.match(/^(.*?)[\s,，]+(\d+)$/); return m ? { name: m[1], count: Number(m[2]) } : { name: x }; });
    if (people.length) body.participants = people;
    const revs = lines(d.revisions).map((x) => { const m = x.match(/^(.*?)[\s,，]+(\d{4}-\d{2}-\d{2})$/); return m ? { title: m[1], due_on: m[2] } : { title: x }; });
    if (revs.length) body.revisions = revs;
    act(() => api(`/api/v1/plans/${id}/drills`, { method: "POST", body }).then(() => f.reset()), ui("plan.drill_saved"));
  };
}

async function load() {
  full = await api(`/api/v1/plans/${id}`);
  render();
}

drillForm();
const reload = debounce(() => load().catch(() => {}));
async function loadAll() {
  const h = await journalHead(api);
  await load();
  return h;
}
const live = new Live({ onEvent: (ev) => { if (ev.subject && ev.subject.kind === "plan" && ev.subject.id === id) reload(); },
  reload: loadAll, onState: bindLiveState(document.getElementById("live-state")) });
live.start(await loadAll());
window.yingjiLive = live;
