// The task page. For the county duty officer (交办我单位的任务): what to sign for first, with the
// time left counting down; one thumb-sized 签收; feedback in place with text, progress, figures,
// camera photos and, if the phone gives it, the location; 转派 to one of its own units or teams,
// whose tasks then show under the one they came from. For the dispatcher (我单位下达的任务):
// counts by status, filters, 核验通过 / 退回 / 撤销 and the figures to accept. On every card, the
// escalation ladder's rungs taken (已报 章贡区 带班领导 张三 · 14:05). 统计: per unit, for today,
// 7 or 30 days in the unit's zone. Everything reloads (debounced) on task.* events, keeping open
// forms, focus and the reader's place.
import { Live } from "./live.js";
import { api, bindLiveState, formatTime, page, shortTime, ui } from "./common.js";
import { colon, debounce, dueState, el, journalHead, tickDeadlines, toast } from "./dom.js";
import { cardPieces } from "./tasks_card.js";
import { setupDispatch } from "./tasks_dispatch.js";
import { taskForms } from "./tasks_forms.js";
import { mountStats } from "./tasks_stats.js";
import { data, me, ms, unitName, unitOf } from "./tasks_util.js";

const can = page.can || {};
const inboxUnits = new Set(page.inbox_units);
const OPEN = new Set(page.open_statuses);
const PRIO = Object.fromEntries(page.priorities.map((p, i) => [p, i]));
const STATUSES = ["dispatched", "acknowledged", "in_progress", "feedback_submitted", "done", "cancelled", "obsolete"];
const WORKING = new Set(["acknowledged", "in_progress"]);
const q = page.exercise ? "?exercise=true" : "";

let tasks = [];              // every task this user may see (list documents)
const details = new Map();   // id -> { updated_at, doc } with its feedback
const stale = new Set();     // ids whose details must be fetched again (figures decided)
const expanded = new Set();  // `${kind}:${id}` whose details and full history are open
const panels = new Map();    // `${kind}:${id}` -> the open in-place form (kept across reloads)
const cards = { inbox: new Map(), outbox: new Map() };  // id -> <li>, reused across reloads
let incidents = new Map();
let seen = null;             // id -> "status|updated_at" at the last render; null before the first
let tab = null;
let generation = 0;

// --- small things ------------------------------------------------------------------------------

const isInbox = (t) => inboxUnits.has(t.unit);
const isOutbox = (t) => t.from_unit === me;
// What the caller may do next and whether it is late are the server's to say (CONTRACT.md: "actions", "overdue").
const offers = (t, action) => (t.actions || []).includes(action);
const isOverdue = (t) => t.overdue === true;
const mayDispatch = (t) => can["task.dispatch"] && isOutbox(t);
const feedbackOf = (t) => (details.get(t.id)?.doc.feedback) || [];
const lastReturn = (t) => {
  const fb = feedbackOf(t);
  return fb.length && fb[fb.length - 1].kind === "return" ? fb[fb.length - 1] : null;
};
const pendingFigures = (t) => feedbackOf(t).filter((f) => f.facts_status === "pending");
const rungs = (t) => t.escalations || [];
const signature = (t) => `${t.status}|${t.updated_at}|${rungs(t).length}`;

/** The tasks this one was handed on as (转派), oldest first: from the list, else from its details. */
function childrenOf(t) {
  const listed = tasks.filter((c) => c.parent_id === t.id);
  const known = new Set(listed.map((c) => c.id));
  const fetched = (details.get(t.id)?.doc.children || []).filter((c) => !known.has(c.id));
  return [...listed, ...fetched].sort((a, b) => ms(a.created_at) - ms(b.created_at));
}

/** Units under the task's own unit (its townships, agencies and teams): where 转派 may send it. */
function redispatchTargets(t) {
  const base = unitOf(t.unit)?.path;
  if (!base) return [];
  return Object.entries(page.task_units || {})
    .filter(([code, u]) => code !== t.unit && u.path && u.path.startsWith(base))
    .map(([code, u]) => ({ code, ...u }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
const mayRedispatch = (t) => offers(t, "redispatch") && redispatchTargets(t).length > 0;

/** Whether a rung of the ladder still says something about now: an open task not yet reported
 * done, and (for a rung about signing for) not signed for since. */
function rungLive(t, r) {
  if (!OPEN.has(t.status) || t.status === "feedback_submitted") return false;
  return t.status === "dispatched" || !t.acknowledged_at || ms(r.at) > ms(t.acknowledged_at);
}
/** Reported up the ladder (to a duty leader or chief) and still late: sorts with the overdue. */
const escalated = (t) => rungs(t).some((r) => r.step !== "remind" && rungLive(t, r));

/** Progress as the server keeps it (a completion returned (退回) goes back to the last reported). */
const progressOf = (t) => t.progress || 0;

/** The one deadline that matters now: sign for by ack_due_at, then finish by due_at. */
function deadlineOf(t) {
  if (t.status === "dispatched" || t.status === "draft") return t.ack_due_at ? ["ack", t.ack_due_at] : null;
  if (WORKING.has(t.status) && t.due_at) return ["due", t.due_at];
  return null;
}

// Urgency first. Assignee: unsigned (by sign-for deadline), overdue, returned, the rest by due time,
// then those waiting for verification. Dispatcher: what waits for me (verification, figures), then
// the late ones to chase, then unsigned, then the rest by due time. Closed last, newest first.
function rank(kind, t) {
  if (!OPEN.has(t.status)) return [9, -ms(t.closed_at || t.updated_at)];
  if (kind === "inbox") {
    if (t.status === "dispatched" || t.status === "draft") return [0, ms(t.ack_due_at)];
    if (isOverdue(t) || escalated(t)) return [1, ms(t.due_at)];
    if (lastReturn(t)) return [2, ms(t.due_at)];
    if (t.status === "feedback_submitted") return [4, ms(t.completed_at)];
    return [3, ms(t.due_at)];
  }
  if (t.status === "feedback_submitted") return [0, ms(t.completed_at)];
  if (pendingFigures(t).length) return [1, ms(t.updated_at)];
  if (isOverdue(t) || escalated(t)) return [2, t.status === "dispatched" ? ms(t.ack_due_at) : ms(t.due_at)];
  if (t.status === "dispatched") return [3, ms(t.ack_due_at)];
  return [4, ms(t.due_at)];
}

function sortTasks(kind, list) {
  const keyed = list.map((t) => ({ t, k: [...rank(kind, t), PRIO[t.priority] ?? 9, ms(t.dispatched_at)] }));
  keyed.sort((a, b) => {
    for (let i = 0; i < a.k.length; i += 1) {
      if (a.k[i] !== b.k[i]) return a.k[i] === Infinity ? 1 : b.k[i] === Infinity ? -1 : a.k[i] - b.k[i];
    }
    return 0;
  });
  return keyed.map((x) => x.t);
}

async function act(fn, okText) {
  try {
    await fn();
    if (okText) toast(okText);
    return true;
  } catch (e) {
    toast(ui("duty.error", { msg: e.message }), true);
    return false;
  }
}

/** Take a task document an action returned, so the screen changes at once (the event follows). */
function apply(doc) {
  const { feedback, children, ...task } = doc;
  const i = tasks.findIndex((t) => t.id === task.id);
  if (i >= 0) tasks[i] = task; else tasks.unshift(task);
  if (feedback) details.set(task.id, { updated_at: task.updated_at, doc });
  render();
}

// --- pieces of a card (tasks_card.js) -----------------------------------------------------------

const { chip, incidentLink, figuresText, photo, feedbackEntry, clock, progressBar, escalationBox } = cardPieces({
  incidents: () => incidents, stale, act, load: () => load(), mayDispatch, OPEN, progressOf, deadlineOf, rungLive, rungs });

/** Show a card in another tab (a child's in 我单位下达的任务, a parent's in 交办我单位的任务). */
function jumpTo(kind, id) {
  const li = cards[kind].get(id);
  if (!li) return;
  setTab(kind, true);
  li.scrollIntoView({ block: "center", behavior: "smooth" });
  li.classList.remove("arrived");
  void li.offsetWidth;
  li.classList.add("arrived");
}

/** What the task was handed on as: each child's unit, status, clock and progress; the parent's
 * progress is rolled up from them by the server. */
function childrenBox(kind, t) {
  const kids = childrenOf(t);
  if (!kids.length) return "";
  const counted = kids.filter((c) => c.status !== "cancelled" && c.status !== "obsolete");
  const done = counted.filter((c) => c.status === "done").length;
  return el("div", { class: "children" },
    el("p", { class: "children-head" }, el("strong", {}, ui("task.children", { n: kids.length })),
      el("span", { class: "small muted" }, ui("task.children_done", { done, n: counted.length }))),
    el("ul", { class: "child-list" }, ...kids.map((c) => {
      const d = deadlineOf(c);
      const n = c.status === "done" ? 100 : Math.max(0, Math.min(100, c.progress || 0));
      const jump = isOutbox(c) && kind !== "outbox" && cards.outbox.has(c.id);
      const name = jump
        ? el("button", data({ type: "button", class: "link child-unit", "data-action": "show-child", onclick: () => jumpTo("outbox", c.id) }), unitName(c.unit))
        : el("span", data({ class: "child-unit" }), unitName(c.unit));
      const live = rungs(c).filter((r) => rungLive(c, r) && r.step !== "remind");
      return el("li", { class: `child${seen !== null && !seen.has(c.id) ? " arrived" : ""}`,
        dataset: { id: c.id, status: c.status, urgency: d ? dueState(d[1]).cls : "none" } },
      el("div", { class: "child-head" }, name,
        chip(`st s-${c.status}`, ui(`task.s.${c.status}`)),
        isOverdue(c) ? chip("st s-overdue", ui("task.overdue")) : "",
        live.length ? chip("st s-escalated", ui("task.escalated")) : ""),
      c.title !== t.title ? el("p", data({ class: "child-title small" }), c.title) : "",
      el("div", { class: "child-foot" },
        d ? el("span", { class: "due small", dataset: { deadline: d[1] } }, dueState(d[1]).text) : "",
        el("span", { class: "child-progress", title: `${ui("task.progress")} ${n}%` },
          el("span", { class: "bar", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": n,
            "aria-label": ui("task.progress") }, el("span", { class: "fill", style: `width:${n}%` })),
          el("span", { class: "pct" }, ui("task.progress_pct", { n })))));
    })));
}

/** Whether opening the card shows more than it shows closed: feedback, long instructions, a place, files. */
function hasMore(t) {
  return t.status !== "dispatched" && t.status !== "acknowledged" && t.status !== "draft" || (t.instructions || "").length > 40
    || !!t.address || !!(t.attachments && t.attachments.length) || t.returns > 0;
}

function cardBody(kind, t) {
  const key = `${kind}:${t.id}`;
  const open = expanded.has(key);
  const fb = feedbackOf(t);
  const ret = lastReturn(t);
  const tags = [
    chip(`prio p-${t.priority}`, ui(`task.p.${t.priority}`)),
    chip(`st s-${t.status}`, ui(`task.s.${t.status}`)),
    isOverdue(t) ? chip("st s-overdue", ui("task.overdue")) : "",
    t.returns && OPEN.has(t.status) ? chip("returned", ui("task.returned", { n: t.returns })) : "",
    t.source === "plan" ? chip("plan", ui("task.plan")) : "",
    t.source === "redispatch" ? chip("redispatch", ui("task.source_redispatch")) : "",
    t.exercise ? chip("drill", ui("task.drill")) : "",
  ];
  const who = kind === "inbox"
    ? [t.unit !== me ? el("strong", { class: "assignee" }, colon(ui("task.to")), el("span", data(), unitName(t.unit))) : "",
      el("span", {}, colon(ui("task.from")), el("span", data(), unitName(t.from_unit))),
      t.dispatched_by_name ? el("span", data({ class: "muted" }), t.dispatched_by_name) : "",
      t.dispatched_at ? el("time", { class: "muted", datetime: t.dispatched_at }, shortTime(t.dispatched_at)) : ""]
    : [el("strong", { class: "assignee" }, colon(ui("task.to")), el("span", data(), unitName(t.unit))),
      t.acknowledged_at ? el("span", data({ class: "muted" }), ui("task.signed_by", { name: t.acknowledged_by_name || "", t: shortTime(t.acknowledged_at) }))
        : t.dispatched_at ? el("time", { class: "muted", datetime: t.dispatched_at }, shortTime(t.dispatched_at)) : ""];
  const parent = t.parent_id ? tasks.find((x) => x.id === t.parent_id) : null;
  const context = [
    parent && (kind === "outbox" || parent.title !== t.title) ? el("span", { class: "parent-task" }, colon(ui("task.parent_task")),
      isInbox(parent) && kind !== "inbox"
        ? el("button", data({ type: "button", class: "link", "data-action": "show-parent", onclick: () => jumpTo("inbox", parent.id) }), parent.title)
        : el("span", data(), parent.title)) : "",
    t.incident_id ? el("span", {}, colon(ui("task.incident")), incidentLink(t.incident_id)) : "",
    t.group_name ? el("span", {}, colon(ui("task.group")), el("span", data(), t.group_name)) : "",
  ].filter(Boolean);
  const dueLine = t.due_at && deadlineOf(t)?.[0] === "ack" ? el("p", { class: "small muted due-later" }, ui("task.due_at", { t: formatTime(t.due_at) })) : "";

  // Feedback: the latest, figures waiting for a decision, a return's reason; everything when open.
  let shown = open ? fb.slice().reverse() : fb.slice(-1);
  if (!open) for (const f of pendingFigures(t)) if (!shown.includes(f)) shown.push(f);
  if (!open && ret) shown = shown.filter((f) => f !== ret);
  const main = el("div", { class: "task-main" },
    el("div", { class: "task-tags" }, ...tags),
    el("h3", data({ class: "task-title" }), t.title),
    escalationBox(t, open),
    el("p", { class: "task-meta" }, ...who),
    context.length ? el("p", { class: "task-meta" }, ...context) : "",
    ret && !open ? el("div", { class: "return-box" }, el("strong", {}, colon(ui("task.returned_reason"))),
      el("span", data(), ret.text), el("span", data({ class: "small muted" }), ` ${ret.author_name} ${formatTime(ret.at)}`)) : "",
    t.instructions ? el("p", data({ class: `task-instr${open ? " full" : ""}` }), t.instructions) : "",
    t.address && open ? el("p", { class: "small" }, colon(ui("task.address")), el("span", data(), t.address)) : "",
    t.attachments && t.attachments.length && open ? el("div", { class: "fb-photos" }, ...t.attachments.map(photo)) : "",
    !OPEN.has(t.status) && t.closed_reason ? el("p", { class: "small closed-reason" }, colon(ui("task.closed_reason")), el("span", data(), t.closed_reason)) : "",
    t.status === "feedback_submitted" && kind === "inbox" ? el("p", { class: "waiting small" }, ui("task.waiting_verify")) : "",
    childrenBox(kind, t),
    shown.length ? el("ol", { class: "fb-list" }, ...shown.map((f) => feedbackEntry(kind, t, f))) : "",
    open && !fb.length ? el("p", { class: "small muted" }, ui("task.no_feedback")) : "",
    open || hasMore(t) ? el("button", { type: "button", class: "link small more", "aria-expanded": open ? "true" : "false", onclick: () => toggle(kind, t) },
      open ? ui("task.details_hide") : ui("task.details", { n: details.has(t.id) || ["draft", "dispatched", "acknowledged"].includes(t.status) && !t.returns ? fb.length : "…" })) : "");
  const side = el("div", { class: "task-side" }, clock(t), dueLine,
    t.status !== "dispatched" && t.status !== "draft" && OPEN.has(t.status) ? progressBar(t) : "",
    OPEN.has(t.status) && childrenOf(t).length ? el("p", { class: "rolled-up small muted" }, ui("task.rolled_up")) : "",
    el("div", { class: "task-actions" }, ...actions(kind, t)));
  return [main, side];
}

function actions(kind, t) {
  const out = [];
  const key = `${kind}:${t.id}`;
  const opened = panels.get(key)?.dataset.form;
  if (kind === "inbox") {
    if (offers(t, "acknowledge")) {
      out.push(el("button", { type: "button", class: "primary big sign", "data-action": "sign", onclick: (ev) => sign(t, ev.currentTarget) }, ui("task.sign")));
    }
    if (offers(t, "feedback")) {
      // Reporting on a task not yet signed for signs for it first (the service does both).
      const main = t.status !== "dispatched";
      out.push(el("button", { type: "button", class: `${main ? "primary" : "secondary"} big${opened === "feedback" ? " pressed" : ""}`,
        "data-action": "feedback", "aria-expanded": opened === "feedback" ? "true" : "false",
        onclick: () => openPanel(kind, t, "feedback") }, ui("task.feedback")));
    }
    if (mayRedispatch(t)) {
      out.push(el("button", { type: "button", class: `secondary big redispatch${opened === "redispatch" ? " pressed" : ""}`,
        "data-action": "redispatch", "aria-expanded": opened === "redispatch" ? "true" : "false",
        onclick: () => openPanel(kind, t, "redispatch") }, ui("task.redispatch")));
    }
  }
  if (kind === "outbox") {
    if (offers(t, "verify")) {
      out.push(el("button", { type: "button", class: "primary big", "data-action": "verify", onclick: (ev) => verify(t, ev.currentTarget) }, ui("task.verify")));
    }
    if (offers(t, "return")) {
      out.push(el("button", { type: "button", class: "secondary big", "data-action": "return", onclick: () => openPanel(kind, t, "return") }, ui("task.return")));
    }
    if (offers(t, "cancel")) {
      out.push(el("button", { type: "button", class: "secondary cancel-task", "data-action": "cancel", onclick: () => openPanel(kind, t, "cancel") }, ui("task.cancel")));
    }
  }
  return out;
}

function toggle(kind, t) {
  const key = `${kind}:${t.id}`;
  if (expanded.has(key)) expanded.delete(key); else expanded.add(key);
  if (!details.has(t.id) && expanded.has(key)) load().catch(() => {}); else render();
}

const { sign, verify, openPanel } = taskForms({ panels, act, apply, render: () => render(), reload: () => reload(),
  progressOf, redispatchTargets, photo });

// --- rendering ---------------------------------------------------------------------------------

function card(kind, t, changed) {
  let li = cards[kind].get(t.id);
  if (!li) {
    li = el("li", { class: "task", id: `${kind}-${t.id}`, dataset: { id: t.id } },
      el("div", { class: "task-body" }), el("div", { class: "task-panel" }));
    cards[kind].set(t.id, li);
  }
  const d = deadlineOf(t);
  li.dataset.status = t.status;
  li.dataset.priority = t.priority;
  li.dataset.urgency = d ? dueState(d[1]).cls : t.status === "feedback_submitted" && kind === "outbox" ? "attention" : "none";
  li.classList.toggle("closed", !OPEN.has(t.status));
  li.classList.toggle("drill", !!t.exercise);
  li.classList.toggle("escalated", escalated(t));
  li.firstChild.replaceChildren(...cardBody(kind, t));
  const panel = panels.get(`${kind}:${t.id}`);
  if (panel && panel.parentNode !== li.lastChild) li.lastChild.append(panel);
  if (changed) {
    li.classList.remove("arrived");
    void li.offsetWidth;  // restart the highlight
    li.classList.add("arrived");
    clearTimeout(li._t);
    li._t = setTimeout(() => li.classList.remove("arrived"), 2600);
  }
  return li;
}

/** Put `nodes` in `list` in order, moving as little as possible, keeping focus and the reader's place. */
function place(list, nodes) {
  const active = document.activeElement;
  const selection = active && "selectionStart" in active ? [active.selectionStart, active.selectionEnd] : null;
  nodes.forEach((node, i) => {
    const current = list.children[i];
    if (current !== node) list.insertBefore(node, current || null);
  });
  while (list.children.length > nodes.length) list.lastElementChild.remove();
  if (active && active !== document.activeElement && document.contains(active)) {
    active.focus({ preventScroll: true });
    if (selection) { try { active.setSelectionRange(...selection); } catch { /* not a text field */ } }
  }
}

function readingAnchor() {
  if (window.scrollY <= 0) return null;
  const top = document.querySelector(".topbar")?.getBoundingClientRect().bottom || 0;
  for (const li of document.querySelectorAll(".task-pane:not([hidden]) li.task")) {
    const r = li.getBoundingClientRect();
    if (r.bottom > Math.max(0, top)) return { node: li, top: r.top };
  }
  return null;
}

function fillList(kind, openList, closedList, { emptyText, closedHeading = true } = {}) {
  const list = document.getElementById(kind);
  const empty = document.getElementById(`${kind}-empty`);
  const closedBox = document.getElementById(`${kind}-closed`);
  const changedSince = (t) => seen !== null && seen.get(t.id) !== signature(t);
  place(list, openList.map((t) => card(kind, t, changedSince(t))));
  empty.textContent = emptyText;
  empty.hidden = openList.length > 0;
  closedBox.hidden = !closedList.length || !closedHeading;
  closedBox.querySelector("summary").textContent = ui("task.closed_heading", { n: closedList.length });
  place(closedBox.querySelector("ul"), closedList.map((t) => card(kind, t, false)));
}

function badges(id, items) {
  const box = document.getElementById(id);
  if (!box) return;
  box.replaceChildren(...items.filter(([n]) => n > 0).map(([n, cls, key]) => el("span", { class: `badge ${cls}` }, ui(key, { n }))));
}

const filters = {
  status: document.getElementById("flt-status"),
  unit: document.getElementById("flt-unit"),
  incident: document.getElementById("flt-incident"),
  overdue: document.getElementById("flt-overdue"),
};

/** Fill a filter's options when they change (not on every reload: a picker open on a phone stays open). */
function options(select, items, first) {
  const signature = JSON.stringify(items);
  if (select.dataset.sig === signature) return;
  const keep = select.dataset.sig === undefined ? first || "" : select.value;
  select.dataset.sig = signature;
  select.replaceChildren(...items.map(([v, label, isData]) => el("option", isData ? data({ value: v }) : { value: v }, label)));
  select.value = [...select.options].some((o) => o.value === keep) ? keep : items[0][0];
}

function renderOutbox(all) {
  if (!filters.status) return;
  options(filters.status, [["", ui("task.flt_open")], ["all", ui("task.flt_all")], ...STATUSES.map((s) => [s, ui(`task.s.${s}`)])]);
  const unitCodes = [...new Set(all.map((t) => t.unit))].sort();
  options(filters.unit, [["", ui("task.all_units")], ...unitCodes.map((c) => [c, unitName(c), true])]);
  const incidentIds = [...new Set(all.map((t) => t.incident_id).filter(Boolean))];
  options(filters.incident, [["", ui("task.all_incidents")], ...incidentIds.map((id) => {
    const inc = incidents.get(id);
    return [id, inc ? `${inc.number} ${inc.title}` : id, true];
  })], page.focus_incident);

  const scoped = all.filter((t) => (!filters.unit.value || t.unit === filters.unit.value)
    && (!filters.incident.value || t.incident_id === filters.incident.value));
  // Counts by status (of the unit and incident chosen); a click filters by it.
  const counts = el("div", { class: "counts" }, ...STATUSES.map((s) => {
    const n = scoped.filter((t) => t.status === s).length;
    return n ? el("button", { type: "button", class: `count s-${s}${filters.status.value === s ? " on" : ""}`, dataset: { status: s },
      "aria-pressed": filters.status.value === s ? "true" : "false",
      onclick: () => { filters.status.value = filters.status.value === s ? "" : s; render(); } },
    el("span", { class: "n" }, String(n)), el("span", { class: "l" }, ui(`task.s.${s}`))) : "";
  }), (() => {
    const n = scoped.filter((t) => isOverdue(t)).length;
    return n ? el("button", { type: "button", class: `count s-overdue${filters.overdue.checked ? " on" : ""}`, dataset: { status: "overdue" },
      "aria-pressed": filters.overdue.checked ? "true" : "false",
      onclick: () => { filters.overdue.checked = !filters.overdue.checked; render(); } },
    el("span", { class: "n" }, String(n)), el("span", { class: "l" }, ui("task.overdue"))) : "";
  })());
  document.getElementById("status-counts").replaceChildren(counts);

  const st = filters.status.value;
  const matching = scoped.filter((t) => (!filters.overdue.checked || isOverdue(t))
    && (st === "" || st === "all" || t.status === st));
  const sorted = sortTasks("outbox", matching);
  const openList = st === "" ? sorted.filter((t) => OPEN.has(t.status)) : sorted;
  const closedList = st === "" ? sorted.filter((t) => !OPEN.has(t.status)) : [];
  fillList("outbox", openList, closedList, { emptyText: all.length ? ui("task.filter_empty") : ui("task.outbox_empty") });
}

function setTab(name, remember = false) {
  if (!document.getElementById(`tab-${name}`)) name = document.querySelector(".task-tab")?.dataset.tab || "inbox";
  tab = name;
  for (const b of document.querySelectorAll(".task-tab")) {
    const on = b.dataset.tab === name;
    b.setAttribute("aria-selected", on ? "true" : "false");
    b.tabIndex = on ? 0 : -1;
    document.getElementById(`pane-${b.dataset.tab}`).hidden = !on;
  }
  if (!document.querySelector(".task-tab")) document.getElementById("pane-inbox").hidden = false;
  if (remember) history.replaceState(null, "", `${location.pathname}${location.search}#${name}`);
  if (name === "stats" && stats.needsLoad()) stats.load();
}

function chooseTab(inbox, outbox) {
  const wanted = location.hash.slice(1);
  if (wanted === "inbox" || wanted === "outbox" || wanted === "stats") { setTab(wanted); return; }
  if (page.focus_incident && can["task.dispatch"]) { setTab("outbox"); return; }  // came to dispatch for an incident
  // The county sees its inbox first; a dispatcher sees its board unless tasks wait in its own inbox.
  const inboxOpen = inbox.some((t) => OPEN.has(t.status));
  setTab(!can["task.dispatch"] || inboxOpen || !outbox.length ? "inbox" : "outbox");
}

function render() {
  const inbox = tasks.filter(isInbox);
  const outbox = tasks.filter(isOutbox);
  const inboxSorted = sortTasks("inbox", inbox);
  fillList("inbox", inboxSorted.filter((t) => OPEN.has(t.status)), inboxSorted.filter((t) => !OPEN.has(t.status)),
    { emptyText: ui("task.inbox_empty") });
  renderOutbox(outbox);
  const openIn = inbox.filter((t) => OPEN.has(t.status));
  const openOut = outbox.filter((t) => OPEN.has(t.status));
  const countIn = document.getElementById("count-inbox");
  if (countIn) countIn.textContent = String(openIn.length);
  const countOut = document.getElementById("count-outbox");
  if (countOut) countOut.textContent = String(openOut.length);
  badges("badges-inbox", [[openIn.filter((t) => t.status === "dispatched").length, "b-unsigned", "task.badge_unsigned"],
    [openIn.filter((t) => isOverdue(t)).length, "b-overdue", "task.badge_overdue"]]);
  badges("badges-outbox", [[openOut.filter((t) => t.status === "feedback_submitted").length, "b-verify", "task.badge_verify"],
    [openOut.filter((t) => pendingFigures(t).length).length, "b-figures", "task.badge_figures"],
    [openOut.filter((t) => isOverdue(t)).length, "b-overdue", "task.badge_overdue"]]);
  if (tab === null) chooseTab(inbox, outbox);
  // What changed under a person's eyes: a new task or a task sent back says so.
  if (seen !== null) {
    for (const t of openIn) {
      if (!seen.has(t.id) && t.status === "dispatched") toast(ui("task.new_task", { title: t.title }));
      else if (seen.get(t.id) && !seen.get(t.id).startsWith("in_progress") && t.status === "in_progress" && lastReturn(t)) {
        toast(ui("task.returned_toast", { title: t.title }), true);
      }
    }
  }
  if (seen !== null) {
    for (const t of tasks) {  // a rung taken on a task I deal with says so
      const was = seen.get(t.id);
      const rung = rungs(t)[rungs(t).length - 1];
      if (was && rung && Number(was.split("|")[2]) < rungs(t).length && (isInbox(t) || isOutbox(t))) {
        toast(`${ui("task.escalated_toast", { title: t.title })} · ${ui(`task.esc.${rung.step}`)} ${unitName(rung.to_unit)}`, rung.step !== "remind");
      }
    }
  }
  seen = new Map(tasks.map((t) => [t.id, signature(t)]));
}

const dispatcher = document.getElementById("dispatch-box") && can["task.dispatch"] ? setupDispatch(apply) : null;
const stats = mountStats(() => tab === "stats");
if (dispatcher && page.focus_incident) dispatcher.open(false);  // /tasks?incident=ID: dispatch for it

// --- loading and live --------------------------------------------------------------------------

async function loadIncidents() {
  const list = await api(`/api/v1/incidents${q}`);
  incidents = new Map(list.map((i) => [i.id, i]));
}

async function load() {
  const mine = ++generation;
  const list = await api(`/api/v1/tasks${q}`);
  if (list.some((t) => t.incident_id && !incidents.has(t.incident_id))) await loadIncidents().catch(() => {});
  const wanted = list.filter((t) => (t.status === "in_progress" || t.status === "feedback_submitted"
    || expanded.has(`inbox:${t.id}`) || expanded.has(`outbox:${t.id}`))
    && (stale.has(t.id) || details.get(t.id)?.updated_at !== t.updated_at));
  await Promise.all(wanted.map(async (t) => {
    try {
      const doc = await api(`/api/v1/tasks/${t.id}`);
      details.set(t.id, { updated_at: doc.updated_at, doc });
      stale.delete(t.id);
    } catch (e) { /* shown without its history; the next event tries again */ }
  }));
  if (mine !== generation) return;  // a newer load is on its way
  const anchor = readingAnchor();
  tasks = list;
  render();
  if (anchor && document.contains(anchor.node)) {
    const delta = anchor.node.getBoundingClientRect().top - anchor.top;
    if (Math.abs(delta) > 1) window.scrollBy(0, delta);
  }
}

for (const b of document.querySelectorAll(".task-tab")) b.addEventListener("click", () => setTab(b.dataset.tab, true));
document.querySelector(".task-tabs")?.addEventListener("keydown", (ev) => {
  if (ev.key !== "ArrowLeft" && ev.key !== "ArrowRight") return;
  const all = [...document.querySelectorAll(".task-tab")];
  const i = all.findIndex((b) => b.dataset.tab === tab);
  const next = all[(i + (ev.key === "ArrowRight" ? 1 : all.length - 1)) % all.length];
  if (next) { setTab(next.dataset.tab, true); next.focus(); }
});
for (const f of [filters.status, filters.unit, filters.incident, filters.overdue]) if (f) f.addEventListener("change", () => render());

const reload = debounce(() => load().catch(() => {}), 250);
const reloadStats = debounce(() => stats.load(), 600);
const refreshIncidents = debounce(() => dispatcher?.refreshIncidents(), 1000);
function onEvent(ev) {
  if (ev.type.startsWith("incident.")) refreshIncidents();
  if (!ev.type.startsWith("task.")) return;
  if (ev.type.startsWith("task.facts_") && ev.subject) stale.add(ev.subject.id);
  reload();
  if (stats.present) stats.changed(reloadStats);
}

async function loadAll() {
  const head = await journalHead(api);
  await loadIncidents().catch(() => {});
  await load();
  if (tab === "stats") stats.load();
  return head;
}

tickDeadlines(document.querySelector("main"));
// Time passes: a task falls overdue without any event; re-rank and recount every half minute.
setInterval(() => { if (seen !== null) render(); }, 30000);
const live = new Live({ exercise: page.exercise, onEvent, reload: loadAll, onState: bindLiveState(document.getElementById("live-state")) });
live.start(await loadAll());
window.yingjiLive = live;
