// The incident's response panel (应急响应): plans whose triggers the facts meet, highest level first,
// with why; launch with a preview of every task it will dispatch; the running responses with their
// working groups, tasks (live) and decisions; level change (升级/降级), termination and evaluation.
import { api, formatTime, page, ui } from "./common.js";
import { colon, el, toast } from "./dom.js";
import { unitLabel } from "./cmdcommon.js";

const LV = page.plan_levels;
const can = page.can_activate;
let incidentId = null;
let previewing = null;  // {plan_id, level} while a preview is open: live reloads keep it

function chip(level) {
  return el("span", { class: `level-chip lv-${level}` }, LV[level] || level);
}

function problemText(e) {
  return e.problem && e.problem.errors ? e.problem.errors.map((x) => x.message).join("；") : e.message;
}

async function act(fn, ok) {
  try { await fn(); if (ok) toast(ok); } catch (e) { toast(ui("duty.error", { msg: problemText(e) }), true); }
  await loadResponse();
}

async function showPreview(s, box) {
  previewing = { plan_id: s.plan_id, level: s.level };
  const p = await api(`/api/v1/incidents/${incidentId}/activations/preview?plan_id=${s.plan_id}&level=${s.level}`);
  const reason = el("textarea", { rows: 2, maxlength: 2000, "aria-label": ui("plan.reason") }, `${ui("plan.why")}${colon("")}${s.why}`);
  box.replaceChildren(el("div", { class: "preview", id: "preview" },
    el("div", { class: "s-head" }, el("strong", {}, ui("plan.preview")), el("span", { class: "muted" }, ui("plan.preview_counts", { n: p.tasks.length, g: p.groups.length }))),
    el("div", { class: "small muted" }, `${ui("plan.decided_by")}${colon("")}`, el("span", { "data-i18n-data": "1" }, p.decided_by || "")),
    el("ol", {}, ...p.tasks.map((t) => el("li", {}, el("strong", {}, unitLabel(t.unit)), " · ", el("span", { "data-i18n-data": "1" }, t.title),
      el("span", { class: "muted" }, ` · ${ui("plan.due_within")} ${ui("plan.minutes", { n: t.due_minutes })}`)))),
    el("label", {}, ui("plan.reason"), reason),
    page.exercise ? el("p", { class: "small muted" }, ui("plan.exercise_note")) : "",
    el("div", { class: "q-actions" },
      el("button", { class: "primary", id: "confirm-activate", onclick: () => { previewing = null; act(() => api(`/api/v1/incidents/${incidentId}/activations`, {
        method: "POST", idempotent: true, body: { plan_id: s.plan_id, level: s.level, reason: reason.value.trim() } }),
      ui("plan.activated", { name: s.name, level: LV[s.level] })); } }, ui("plan.confirm_activate")),
      el("button", { class: "secondary", onclick: () => { previewing = null; box.replaceChildren(); } }, ui("plan.cancel")))));
}

function renderSuggestions(list) {
  const box = document.getElementById("suggestions");
  if (!list.length) { box.replaceChildren(el("p", { class: "muted" }, ui("plan.no_suggestions"))); return; }
  box.replaceChildren(el("h3", {}, ui("plan.suggestions")), ...list.map((s) => {
    const slot = el("div", {});
    let action = "";
    const mine = s.owner_unit === page.unit.code;  // a plan is launched by the unit whose plan it is
    if (can && mine && s.escalate) {
      action = el("button", { class: "primary", onclick: () => {
        const reason = prompt(ui("plan.reason"), `${ui("plan.why")}${colon("")}${s.why}`);
        if (reason) act(() => api(`/api/v1/activations/${s.activation_id}/level`, { method: "POST", body: { level: s.level, reason } }), ui("plan.level_changed", { level: LV[s.level] }));
      } }, `${ui("plan.escalate")} → ${LV[s.level]}`);
    } else if (can && mine && !s.activation_id) {
      action = el("button", { class: "primary", dataset: { plan: s.code }, onclick: () => showPreview(s, slot).catch((e) => toast(problemText(e), true)) }, `${ui("plan.activate")} ${LV[s.level]}`);
    }
    const card = el("div", { class: `suggestion lv-${s.level}${s.escalate ? " escalate" : ""}`, dataset: { plan: s.code, level: s.level } },
      el("div", { class: "s-head" }, el("span", {}, chip(s.level), " ", el("strong", { "data-i18n-data": "1" }, s.name)),
        s.active_level ? el("span", { class: "muted" }, `${ui("plan.running")} ${LV[s.active_level]}`) : "", action),
      el("div", { class: "s-why" }, `${ui("plan.why")}${colon("")}`, el("span", { "data-i18n-data": "1" }, s.why)),
      el("div", { class: "small muted" }, `${ui("plan.decided_by")}${colon("")}`, el("span", { "data-i18n-data": "1" }, s.decided_by)), slot);
    if (previewing && previewing.plan_id === s.plan_id && previewing.level === s.level) showPreview(s, slot).catch(() => {});
    return card;
  }));
}

function taskRow(t) {
  const overdue = ["dispatched", "acknowledged", "in_progress"].includes(t.status) && t.due_at && new Date(t.due_at) < new Date();
  return el("tr", { class: `t-${t.status}${overdue ? " t-overdue" : ""}`, dataset: { task: t.id, status: t.status } },
    el("td", {}, unitLabel(t.unit)), el("td", { "data-i18n-data": "1" }, t.title),
    el("td", {}, page.task_statuses[t.status] || t.status), el("td", { class: "num" }, t.due_at ? formatTime(t.due_at) : "—"));
}

function renderActivation(a) {
  const open = a.tasks.filter((t) => ["dispatched", "acknowledged", "in_progress", "feedback_submitted"].includes(t.status)).length;
  const controls = [];
  if (can && a.status === "active" && a.owner_unit === page.unit.code) {
    // No level is preselected: a reason typed and Enter pressed must not escalate to 一级 by accident.
    const levelSel = el("select", { "aria-label": ui("plan.to_level"), required: true }, el("option", { value: "" }, ui("plan.to_level")),
      ...a.levels.filter((l) => l !== a.level).map((l) => el("option", { value: l }, LV[l])));
    const levelWhy = el("input", { maxlength: 2000, placeholder: ui("plan.reason"), "aria-label": ui("plan.reason") });
    controls.push(el("form", { class: "act-form", onsubmit: (ev) => { ev.preventDefault(); if (!levelSel.value) { levelSel.focus(); return; }
      if (!levelWhy.value.trim()) { levelWhy.focus(); return; }
      act(() => api(`/api/v1/activations/${a.id}/level`, { method: "POST", body: { level: Number(levelSel.value), reason: levelWhy.value.trim() } }), ui("plan.level_changed", { level: LV[levelSel.value] })); } },
    levelSel, levelWhy, el("button", { class: "primary" }, ui("plan.change_level"))));
    const endWhy = el("input", { maxlength: 2000, placeholder: ui("plan.terminate_reason"), "aria-label": ui("plan.terminate_reason") });
    controls.push(el("form", { class: "act-form", onsubmit: (ev) => { ev.preventDefault(); if (!endWhy.value.trim()) { endWhy.focus(); return; }
      act(() => api(`/api/v1/activations/${a.id}/terminate`, { method: "POST", body: { reason: endWhy.value.trim() } }), ui("plan.terminated")); } },
    el("span", {}), endWhy, el("button", { class: "secondary" }, ui("plan.terminate"))));
  }
  if (a.status === "terminated" && a.evaluation) {
    if (a.evaluation.status === "done") {
      controls.push(el("div", { class: "small" }, el("strong", {}, colon(ui("plan.evaluation"))), el("span", { "data-i18n-data": "1" }, a.evaluation.text)));
    } else if (can && a.owner_unit === page.unit.code) {
      const text = el("textarea", { rows: 3, maxlength: 20000, "aria-label": ui("plan.evaluation_text"), placeholder: ui("plan.evaluation_text") });
      const lessons = el("textarea", { rows: 2, "aria-label": ui("plan.lessons"), placeholder: ui("plan.lessons") });
      controls.push(el("div", { class: "eval-form" }, el("strong", {}, ui("plan.evaluation_pending")), text, lessons,
        el("button", { class: "primary", onclick: () => { if (!text.value.trim()) return; act(() => api(`/api/v1/activations/${a.id}/evaluation`, { method: "POST",
          body: { text: text.value.trim(), lessons: lessons.value.split("\n").map((x) => x.trim()).filter(Boolean) } }), ui("plan.save_evaluation")); } }, ui("plan.save_evaluation"))));
    }
  }
  return el("div", { class: `activation ${a.status}`, dataset: { activation: a.id, level: a.level, status: a.status } },
    el("div", { class: "a-head" }, chip(a.level), el("h3", { "data-i18n-data": "1" }, a.plan_name),
      el("strong", {}, a.status === "active" ? ui("plan.running") : ui("plan.terminated")),
      el("span", { class: "muted small" }, `${ui("plan.open_tasks", { n: open })} · ${formatTime(a.activated_at)} · `, el("span", { "data-i18n-data": "1" }, a.activated_by_name))),
    el("div", { class: "a-groups" }, el("strong", {}, colon(ui("plan.groups"))), ...a.groups.map((g) => el("span", { title: unitLabel(g.lead_unit) }, el("span", { "data-i18n-data": "1" }, g.name), ` · ${unitLabel(g.lead_unit)}`))),
    el("table", { class: "a-tasks" }, el("thead", {}, el("tr", {}, el("th", {}, ui("plan.target")), el("th", {}, ui("plan.tasks")),
      el("th", {}, ui("plan.status")), el("th", {}, ui("plan.due_within")))), el("tbody", {}, ...a.tasks.map(taskRow))),
    el("ol", { class: "decisions" }, ...a.decisions.map((d) => el("li", {}, `${formatTime(d.at)} `,
      ui("plan.decision_line", { from: d.from_level ? LV[d.from_level] : "—", to: d.to_level ? LV[d.to_level] : ui("plan.terminated") }),
      " · ", el("span", { "data-i18n-data": "1" }, `${d.decided_by_name}${d.reason ? `：${d.reason}` : ""}`),
      ` · ${d.to_level ? ui("plan.tasks_delta", { a: d.tasks_added.length, c: d.tasks_closed.length }) : ui("plan.ended_delta", { c: d.tasks_closed.length })}`))),
    el("p", { class: "small muted" }, ui("plan.version_running", { n: a.version_number ?? "" })),
    ...controls);
}

export async function loadResponse() {
  const [suggestions, activations] = await Promise.all([
    api(`/api/v1/incidents/${incidentId}/plan-suggestions`), api(`/api/v1/incidents/${incidentId}/activations`)]);
  const box = document.getElementById("activations");
  if (box.contains(document.activeElement) && document.activeElement.value) return;  // someone is typing a reason
  renderSuggestions(suggestions);
  box.replaceChildren(...activations.slice().reverse().map(renderActivation));
}

export function mountResponse(id) {
  incidentId = id;
  return loadResponse();
}

/** A live event about this incident or its tasks: reload; announce a newly met level. */
export function onResponseEvent(ev) {
  if (ev.type === "incident.plan_suggested") {
    toast(ui("plan.live_suggestion", { name: ev.data.plan_name, level: ev.data.level_name }));
  }
}
