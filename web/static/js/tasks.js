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
import { localInputToIso, nowLocalInput } from "./cmdcommon.js";
import { colon, debounce, dueState, el, journalHead, listJoin, paren, tickDeadlines, toast, uploadFile } from "./dom.js";

const me = page.unit.code;
const can = page.can || {};
const inboxUnits = new Set(page.inbox_units);
const OPEN = new Set(page.open_statuses);
const PRIO = Object.fromEntries(page.priorities.map((p, i) => [p, i]));
const STATUSES = ["dispatched", "acknowledged", "in_progress", "feedback_submitted", "done", "cancelled", "obsolete"];
const WORKING = new Set(["acknowledged", "in_progress"]);
const REDISPATCHABLE = new Set(["dispatched", "acknowledged", "in_progress"]);  // as the service allows
const STAT_KEYS = ["dispatched", "acknowledged", "done", "returns", "open", "overdue", "ack_late",
  "minutes_to_acknowledge", "minutes_to_complete"];
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

const ms = (iso) => (iso ? new Date(iso).getTime() : Infinity);
const unitOf = (code) => (page.task_units && page.task_units[code]) || null;
function unitName(code) {
  const u = unitOf(code);
  return u ? (page.lang === "en" && u.name_en) || u.name : code;
}
const data = (attrs = {}) => ({ ...attrs, "data-i18n-data": "1" });  // what people typed: stays as written
const isInbox = (t) => inboxUnits.has(t.unit);
const isOutbox = (t) => t.from_unit === me;
const mayWork = (t) => can["task.work"] && isInbox(t);
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
const mayRedispatch = (t) => mayWork(t) && can["task.dispatch"] && REDISPATCHABLE.has(t.status) && redispatchTargets(t).length > 0;

/** Whether a rung of the ladder still says something about now: an open task not yet reported
 * done, and (for a rung about signing for) not signed for since. */
function rungLive(t, r) {
  if (!OPEN.has(t.status) || t.status === "feedback_submitted") return false;
  return t.status === "dispatched" || !t.acknowledged_at || ms(r.at) > ms(t.acknowledged_at);
}
/** Reported up the ladder (to a duty leader or chief) and still late: sorts with the overdue. */
const escalated = (t) => rungs(t).some((r) => r.step !== "remind" && rungLive(t, r));

/** A fresh Idempotency-Key (crypto.randomUUID needs a secure context; duty networks may be plain http). */
function newKey() {
  if (crypto.randomUUID && window.isSecureContext) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}

// Wall-clock time in the unit's zone (page.tz), both ways: for the due input and the stats period.
function zoned(date) {
  const [d, t] = formatTime(date.toISOString(), undefined, true).split(" ");
  const [y, m, day] = d.split("-").map(Number);
  const [h, mi, sec] = t.split(":").map(Number);
  return { y, m, d: day, h, mi, s: sec };
}
function fromZoned(y, m, d, h = 0, mi = 0) {
  const want = Date.UTC(y, m - 1, d, h, mi);
  let guess = want;
  for (let i = 0; i < 2; i += 1) {
    const p = zoned(new Date(guess));
    guess += want - Date.UTC(p.y, p.m - 1, p.d, p.h, p.mi, p.s);
  }
  return new Date(guess);
}
const wallInput = (iso) => formatTime(iso).replace(" ", "T");  // for <input type="datetime-local">
function wallToIso(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value);
  return m ? fromZoned(+m[1], +m[2], +m[3], +m[4], +m[5]).toISOString() : null;
}

/** Progress as the assignee last reported it: a completion that was returned (退回) is no longer 100%. */
function progressOf(t) {
  if (!t.returns) return t.progress || 0;
  const fb = feedbackOf(t);
  const i = fb.map((f) => f.kind).lastIndexOf("return");
  if (i < 0 || fb.slice(i + 1).some((f) => f.kind === "complete")) return t.progress || 0;
  const before = fb.slice(0, i).filter((f) => f.kind === "progress" && f.progress !== null && f.progress !== undefined);
  const after = fb.slice(i + 1).filter((f) => f.kind === "progress" && f.progress !== null && f.progress !== undefined);
  if (after.length) return after[after.length - 1].progress;
  return before.length ? before[before.length - 1].progress : 0;
}

function isOverdue(t, now = Date.now()) {
  if (!OPEN.has(t.status) || t.status === "feedback_submitted") return false;
  if (t.status === "dispatched" && ms(t.ack_due_at) < now) return true;
  return ms(t.due_at) < now;
}

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
  const now = Date.now();
  if (!OPEN.has(t.status)) return [9, -ms(t.closed_at || t.updated_at)];
  if (kind === "inbox") {
    if (t.status === "dispatched" || t.status === "draft") return [0, ms(t.ack_due_at)];
    if (isOverdue(t, now) || escalated(t)) return [1, ms(t.due_at)];
    if (lastReturn(t)) return [2, ms(t.due_at)];
    if (t.status === "feedback_submitted") return [4, ms(t.completed_at)];
    return [3, ms(t.due_at)];
  }
  if (t.status === "feedback_submitted") return [0, ms(t.completed_at)];
  if (pendingFigures(t).length) return [1, ms(t.updated_at)];
  if (isOverdue(t, now) || escalated(t)) return [2, t.status === "dispatched" ? ms(t.ack_due_at) : ms(t.due_at)];
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

// --- pieces of a card --------------------------------------------------------------------------

function chip(cls, text, attrs = {}) {
  return el("span", { class: `tag ${cls}`, ...attrs }, text);
}

function incidentLink(id) {
  const inc = incidents.get(id);
  const href = `/incidents/${id}${page.exercise ? "?exercise=1" : ""}`;
  return el("a", data({ href, class: "task-incident" }), inc ? `${inc.number} ${inc.title}` : id.slice(-8));
}

function figuresText(facts) {
  return Object.entries(facts || {}).map(([k, v]) => {
    const f = page.facts[k];
    return f ? `${f.name} ${v}${f.unit}` : `${k} ${v}`;
  });
}

function photo(file) {
  if ((file.content_type || "").startsWith("image/")) {
    return el("a", { href: file.url, target: "_blank", rel: "noopener", class: "thumb", title: file.filename },
      el("img", { src: file.url, alt: ui("task.photo"), loading: "lazy" }));
  }
  return el("a", data({ href: file.url, download: file.filename, class: "file-link" }), file.filename);
}

function feedbackEntry(kind, t, f) {
  const figures = figuresText(f.facts);
  const decide = (accept) => act(async () => {
    await api(`/api/v1/tasks/${t.id}/feedback/${f.id}/facts`, { method: "POST", body: { accept } });
    stale.add(t.id);
    await load();
  }, ui(accept ? "task.accepted_ok" : "task.declined_ok"));
  const who = f.unit && f.unit !== t.unit ? `${f.author_name} · ${unitName(f.unit)}` : f.author_name;
  return el("li", { class: `fb fb-${f.kind}`, dataset: { id: f.id, kind: f.kind } },
    el("div", { class: "fb-head" },
      chip(`fb-kind k-${f.kind}`, ui(`task.k.${f.kind}`)),
      el("time", { datetime: f.at }, formatTime(f.at)),
      el("span", data({ class: "fb-who" }), who),
      f.kind === "progress" && f.progress !== null && f.progress !== undefined
        ? el("span", { class: "fb-pct" }, ui("task.progress_pct", { n: f.progress })) : ""),
    f.text ? el("p", data({ class: "fb-text" }), f.text) : "",
    figures.length ? el("div", { class: `fb-figures fs-${f.facts_status}` },
      el("span", { class: "fig-values" }, figures.join(" · ")),
      chip(`fs fs-${f.facts_status}`, ui(`task.fs.${f.facts_status}`)),
      kind === "outbox" && mayDispatch(t) && f.facts_status === "pending" ? el("span", { class: "fig-actions" },
        el("button", { type: "button", class: "secondary", "data-action": "accept", onclick: () => decide(true) }, ui("task.accept")),
        el("button", { type: "button", class: "secondary", "data-action": "decline", onclick: () => decide(false) }, ui("task.decline"))) : "") : "",
    f.lat !== null && f.lat !== undefined ? el("p", { class: "fb-loc small muted" },
      `${colon(ui("task.location"))}${f.lat.toFixed(5)}, ${f.lon.toFixed(5)}`) : "",
    f.attachments && f.attachments.length ? el("div", { class: "fb-photos" }, ...f.attachments.map(photo)) : "");
}

function clock(t) {
  const d = deadlineOf(t);
  if (d) {
    return el("div", { class: "task-clock" }, el("span", { class: "clock-label" }, ui(d[0] === "ack" ? "task.ack_due" : "task.due")),
      el("span", { class: "due", dataset: { deadline: d[1] } }, dueState(d[1]).text),
      el("span", { class: "clock-at small muted" }, formatTime(d[1])));
  }
  const note = t.status === "done" && t.verified_at ? ui("task.verified_at", { t: formatTime(t.verified_at) })
    : t.status === "feedback_submitted" && t.completed_at ? ui("task.completed_at", { t: formatTime(t.completed_at) })
      : !OPEN.has(t.status) && t.closed_at ? ui("task.closed_at", { t: formatTime(t.closed_at), status: ui(`task.s.${t.status}`) }) : "";
  return note ? el("div", { class: "task-clock quiet small muted" }, note) : "";
}

function progressBar(t) {
  const n = Math.max(0, Math.min(100, progressOf(t)));
  return el("div", { class: "task-progress", title: `${ui("task.progress")} ${n}%` },
    el("span", { class: "bar", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": n,
      "aria-label": ui("task.progress") }, el("span", { class: "fill", style: `width:${n}%` })),
    el("span", { class: "pct" }, ui("task.progress_pct", { n })));
}

/** The ladder's rungs, compact and loud while they still hold: "已报 章贡区 带班领导 张三（139…）· 14:05". */
const [parenOpen, parenClose] = paren("\u0000").split("\u0000");
function escalationBox(t, open) {
  const list = rungs(t);
  if (!list.length || (!OPEN.has(t.status) && !open)) return "";
  return el("ul", { class: "escalations", "aria-label": ui("task.escalated") }, ...list.map((r) => {
    const postKey = `task.post.${r.to_post}`;
    const post = ui(postKey) === postKey ? r.to_post : ui(postKey);
    return el("li", { class: `rung r-${r.step}${rungLive(t, r) ? " live" : ""}`, dataset: { step: r.step } },
      el("span", { class: "rung-verb" }, ui(`task.esc.${r.step}`)), " ",
      el("span", data({ class: "rung-unit" }), unitName(r.to_unit)), " ",
      el("span", { class: "rung-post" }, post), r.to_name ? " " : "",
      r.to_name ? el("span", data({ class: "rung-name" }), r.to_name) : el("span", { class: "rung-none" }, ui("task.esc_unstaffed")),
      r.to_phone ? el("span", { class: "rung-tel" }, parenOpen, el("a", data({ class: "rung-phone", href: `tel:${r.to_phone}` }), r.to_phone), parenClose) : "",
      el("time", { class: "rung-at", datetime: r.at }, ` · ${shortTime(r.at)}`));
  }));
}

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
  if (kind === "inbox" && mayWork(t)) {
    if (t.status === "dispatched") {
      out.push(el("button", { type: "button", class: "primary big sign", "data-action": "sign", onclick: (ev) => sign(t, ev.currentTarget) }, ui("task.sign")));
    }
    if (t.status === "dispatched" || WORKING.has(t.status)) {
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
  if (kind === "outbox" && mayDispatch(t)) {
    if (t.status === "feedback_submitted") {
      out.push(el("button", { type: "button", class: "primary big", "data-action": "verify", onclick: (ev) => verify(t, ev.currentTarget) }, ui("task.verify")),
        el("button", { type: "button", class: "secondary big", "data-action": "return", onclick: () => openPanel(kind, t, "return") }, ui("task.return")));
    }
    if (OPEN.has(t.status)) {
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

// --- actions -----------------------------------------------------------------------------------

async function sign(t, button) {
  button.disabled = true;
  const ok = await act(async () => apply(await api(`/api/v1/tasks/${t.id}/acknowledge`, { method: "POST" })), ui("task.signed_ok"));
  if (!ok) button.disabled = false;
}

async function verify(t, button) {
  button.disabled = true;
  const ok = await act(async () => apply(await api(`/api/v1/tasks/${t.id}/verify`, { method: "POST" })), ui("task.verified_ok"));
  if (!ok) button.disabled = false;
}

function closePanel(key) {
  const panel = panels.get(key);
  if (panel) {
    for (const url of panel._urls || []) URL.revokeObjectURL(url);
    panel.remove();
    panels.delete(key);
  }
  render();
}

function openPanel(kind, t, form) {
  const key = `${kind}:${t.id}`;
  if (panels.get(key)?.dataset.form === form) { closePanel(key); return; }
  if (panels.has(key)) closePanel(key);
  const panel = form === "feedback" ? feedbackForm(kind, t) : form === "redispatch" ? redispatchForm(kind, t) : reasonForm(kind, t, form);
  panel.dataset.form = form;
  panels.set(key, panel);
  render();
  const first = panel.querySelector("select, textarea");
  if (first) first.focus({ preventScroll: true });
  panel.scrollIntoView({ block: "nearest", behavior: "smooth" });
}

function reasonForm(kind, t, form) {
  const key = `${kind}:${t.id}`;
  const reason = el("textarea", { name: "reason", rows: 2, maxlength: 2000, required: true,
    placeholder: form === "return" ? ui("task.return_placeholder") : "" });
  const f = el("form", { class: `task-form reason-form ${form}-form` },
    el("label", {}, ui(form === "return" ? "task.return_reason" : "task.cancel_reason"), reason),
    el("div", { class: "form-buttons" },
      el("button", { type: "submit", class: form === "return" ? "primary big" : "danger big", "data-action": `${form}-submit` },
        ui(form === "return" ? "task.return_submit" : "task.cancel_submit")),
      el("button", { type: "button", class: "secondary big", onclick: () => closePanel(key) }, ui("task.close_form"))));
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const text = reason.value.trim();
    if (!text) { toast(ui("task.reason_required"), true); reason.focus(); return; }
    const buttons = f.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    const ok = await act(async () => {
      const doc = await api(`/api/v1/tasks/${t.id}/${form}`, { method: "POST", body: { reason: text } });
      panels.delete(key);
      f.remove();
      apply(doc);
    }, ui(form === "return" ? "task.returned_ok" : "task.cancelled_ok"));
    if (!ok) buttons.forEach((b) => { b.disabled = false; });
  });
  return f;
}

/** 转派, in place: one of my units or teams, what to do (the task's title and instructions unless
 * changed), its sign-for window and a deadline no later than the task's own. */
function redispatchForm(kind, t) {
  const key = `${kind}:${t.id}`;
  let idem = newKey();  // one per form: a retried send does not hand the task on twice
  const unit = el("select", { name: "unit", required: true },
    el("option", { value: "" }, ui("task.redispatch_pick")),
    ...redispatchTargets(t).map((u) => {
      const depth = u.path.split("/").filter(Boolean).length - (unitOf(t.unit).path.split("/").filter(Boolean).length + 1);
      return el("option", data({ value: u.code }), "\u00a0\u00a0".repeat(Math.max(0, depth)) + unitName(u.code));
    }));
  const title = el("input", data({ type: "text", name: "title", maxlength: 200, value: t.title, required: true }));
  const instr = el("textarea", { name: "instructions", rows: 2, maxlength: 8000, placeholder: ui("task.redispatch_instr_ph") });
  const ack = el("select", { name: "ack_minutes" },
    ...[10, 15, 30, 60, 120].map((n) => el("option", { value: n, selected: n === 30 }, ui("task.minutes_n", { n }))));
  const due = el("input", { type: "datetime-local", name: "due_at", max: t.due_at ? wallInput(t.due_at) : undefined });
  const hint = t.due_at ? ui("task.redispatch_due_hint", { t: formatTime(t.due_at) }) : "";
  const status = el("p", { class: "form-status small", "aria-live": "polite" });
  const f = el("form", { class: "task-form redispatch-form", novalidate: true },
    el("p", { class: "form-title" }, ui("task.redispatch_title")),
    el("label", {}, ui("task.redispatch_unit"), unit),
    el("label", {}, ui("task.redispatch_task"), title),
    el("label", {}, ui("task.redispatch_instr"), instr),
    el("div", { class: "two" },
      el("label", {}, ui("task.redispatch_ack"), ack),
      el("label", {}, ui("task.redispatch_due"), due)),
    hint ? el("p", { class: "small muted due-hint" }, hint) : "",
    status,
    el("div", { class: "form-buttons" },
      el("button", { type: "submit", class: "primary big", "data-action": "redispatch-submit" }, ui("task.redispatch_submit")),
      el("button", { type: "button", class: "secondary big", onclick: () => closePanel(key) }, ui("task.close_form"))));
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    status.textContent = "";
    if (!unit.value) { toast(ui("task.redispatch_need_unit"), true); unit.focus(); return; }
    const body = { unit: unit.value, ack_minutes: Number(ack.value) };
    if (title.value.trim() && title.value.trim() !== t.title) body.title = title.value.trim();
    if (instr.value.trim()) body.instructions = instr.value.trim();
    if (due.value) {
      body.due_at = wallToIso(due.value);
      if (t.due_at && ms(body.due_at) > ms(t.due_at)) {
        status.textContent = ui("task.redispatch_due_late", { t: formatTime(t.due_at) });
        due.focus();
        return;
      }
    }
    const buttons = f.querySelectorAll("button, input, select, textarea");
    buttons.forEach((b) => { b.disabled = true; });
    status.textContent = ui("task.sending");
    const name = unitName(body.unit);
    const ok = await act(async () => {
      try {
        const child = await api(`/api/v1/tasks/${t.id}/redispatch`, { method: "POST", body, headers: { "Idempotency-Key": idem } });
        panels.delete(key);
        f.remove();
        apply(child);
        reload();  // the parent: signed for, its children
      } catch (e) {
        if (e.problem) idem = newKey();  // refused: a corrected send is a new request
        throw e;
      }
    }, ui("task.redispatched_ok", { unit: name }));
    if (!ok) { buttons.forEach((b) => { b.disabled = false; }); status.textContent = ""; }
  });
  return f;
}

function cameraIcon() {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.innerHTML = '<path fill="currentColor" d="M9 3 7.2 5H4a2 2 0 0 0-2 2v11a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2h-3.2L15 3H9zm3 5a5 5 0 1 1 0 10 5 5 0 0 1 0-10zm0 2a3 3 0 1 0 0 6 3 3 0 0 0 0-6z"/>';
  return svg;
}

function feedbackForm(kind, t) {
  const key = `${kind}:${t.id}`;
  const picked = [];                 // files chosen so far (the camera gives one at a time)
  const uploaded = new WeakMap();    // file -> attachment id, so a retry does not upload twice
  let location = null;
  const text = el("textarea", { name: "text", rows: 3, maxlength: 8000, required: true, placeholder: ui("task.feedback_placeholder") });
  const start = progressOf(t);
  const range = el("input", { type: "range", name: "progress", min: 0, max: 100, step: 5, value: start, "aria-label": ui("task.progress") });
  const number = el("input", { type: "number", name: "progress_n", min: 0, max: 100, step: 1, value: start, inputmode: "numeric",
    "aria-label": ui("task.progress"), class: "pct-input" });
  range.addEventListener("input", () => { number.value = range.value; });
  number.addEventListener("input", () => { range.value = number.value; });
  const figures = page.feedback_facts.map((k) => {
    const f = page.facts[k];
    return el("label", {}, `${f.name}${f.unit ? paren(f.unit.trim()) : ""}`,
      el("input", { type: "number", name: `fact-${k}`, min: 0, step: 1, inputmode: "numeric", dataset: { fact: k } }));
  });
  const previews = el("div", { class: "previews" });
  const files = el("input", { type: "file", accept: "image/*", capture: "environment", multiple: true, class: "photo-input", name: "photos" });
  const urls = [];
  const showPreviews = () => {
    previews.replaceChildren(...picked.map((file, i) => {
      const url = URL.createObjectURL(file);
      urls.push(url);
      return el("span", { class: "preview" }, el("img", { src: url, alt: ui("task.photo") }),
        el("button", { type: "button", class: "remove", "aria-label": ui("task.photo_remove"), title: ui("task.photo_remove"),
          onclick: () => { picked.splice(i, 1); showPreviews(); } }, "×"));
    }));
  };
  files.addEventListener("change", () => {
    picked.push(...files.files);
    files.value = "";
    showPreviews();
  });
  const where = el("span", { class: "where small muted", "aria-live": "polite" });
  const locate = el("button", { type: "button", class: "secondary locate", "data-action": "locate", onclick: () => {
    if (location) { location = null; where.textContent = ""; locate.textContent = ui("task.locate"); return; }
    if (!navigator.geolocation) { where.textContent = ui("task.locate_failed"); return; }
    where.textContent = ui("task.locating");
    navigator.geolocation.getCurrentPosition((pos) => {
      location = { lat: pos.coords.latitude, lon: pos.coords.longitude };
      where.textContent = ui("task.located", { lat: location.lat.toFixed(5), lon: location.lon.toFixed(5), acc: Math.round(pos.coords.accuracy) });
      locate.textContent = ui("task.locate_clear");
    }, () => { where.textContent = ui("task.locate_failed"); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  } }, ui("task.locate"));
  const status = el("p", { class: "form-status small muted", "aria-live": "polite" });
  const f = el("form", { class: "task-form feedback-form", novalidate: true },
    el("label", { class: "wide" }, ui("task.feedback_text"), text),
    el("div", { class: "progress-row" }, el("label", { class: "grow" }, ui("task.progress"), range), number, el("span", { class: "pct-sign" }, "%")),
    el("fieldset", { class: "figures" }, el("legend", {}, ui("task.figures")), el("div", { class: "figures-grid" }, ...figures)),
    el("div", { class: "media-row" },
      el("label", { class: "photo-pick secondary-look" }, cameraIcon(), el("span", {}, ui("task.photos")), files),
      locate),
    previews, where,
    el("div", { class: "form-buttons" },
      el("button", { type: "submit", class: "primary big", value: "feedback", "data-action": "send-progress" }, ui("task.submit_progress")),
      el("button", { type: "submit", class: "done-button big", value: "complete", "data-action": "send-done" }, ui("task.submit_done")),
      el("button", { type: "button", class: "secondary big", onclick: () => closePanel(key) }, ui("task.close_form"))),
    status);
  f._urls = urls;
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const action = ev.submitter && ev.submitter.value === "complete" ? "complete" : "feedback";
    const body = { text: text.value.trim() };
    if (!body.text) { toast(ui("task.need_text"), true); text.focus(); return; }
    if (action === "feedback") body.progress = Math.max(0, Math.min(100, Math.round(Number(number.value) || 0)));
    const facts = {};
    for (const input of f.querySelectorAll("[data-fact]")) {
      if (input.value !== "" && Number(input.value) >= 0) facts[input.dataset.fact] = Number(input.value);
    }
    if (Object.keys(facts).length) body.facts = facts;
    if (location) Object.assign(body, location);
    const buttons = f.querySelectorAll("button, input");
    buttons.forEach((b) => { b.disabled = true; });
    const ok = await act(async () => {
      const ids = [];
      for (const [i, file] of picked.entries()) {
        if (!uploaded.has(file)) {
          status.textContent = ui("task.uploading", { i: i + 1, n: picked.length });
          uploaded.set(file, (await uploadFile(file)).id);
        }
        ids.push(uploaded.get(file));
      }
      if (ids.length) body.attachments = ids;
      status.textContent = ui("task.sending");
      const doc = await api(`/api/v1/tasks/${t.id}/${action}`, { method: "POST", body });
      for (const url of urls) URL.revokeObjectURL(url);
      panels.delete(key);
      f.remove();
      apply(doc);
    }, ui(action === "complete" ? "task.done_sent" : "task.sent"));
    if (!ok) { buttons.forEach((b) => { b.disabled = false; }); status.textContent = ""; }
  });
  return f;
}

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
  if (name === "stats" && (statsDirty || !statsShown)) loadStats();
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
  const now = Date.now();
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
    [openIn.filter((t) => isOverdue(t, now)).length, "b-overdue", "task.badge_overdue"]]);
  badges("badges-outbox", [[openOut.filter((t) => t.status === "feedback_submitted").length, "b-verify", "task.badge_verify"],
    [openOut.filter((t) => pendingFigures(t).length).length, "b-figures", "task.badge_figures"],
    [openOut.filter((t) => isOverdue(t, now)).length, "b-overdue", "task.badge_overdue"]]);
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

// --- 统计: per unit, for a period in the unit's zone ---------------------------------------------

const statsTable = document.getElementById("stats");
let period = "today";
let statsShown = false;   // loaded at least once
let statsDirty = false;   // a task changed while the tab was hidden
let statsGeneration = 0;
const lastStats = new Map();  // `${unit}:${key}` -> value, to mark what changed

function periodStart(p) {
  const today = zoned(new Date());
  const back = p === "7d" ? 6 : p === "30d" ? 29 : 0;
  const day = new Date(Date.UTC(today.y, today.m - 1, today.d - back));
  return fromZoned(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate());
}

function duration(min) {
  if (min === null || min === undefined) return "—";
  if (min < 1) return ui("task.dur_lt1");
  if (min < 60) return ui("task.dur_min", { m: min < 10 ? Number(min.toFixed(1)) : Math.round(min) });
  const whole = Math.round(min);
  return ui("task.dur_hm", { h: Math.floor(whole / 60), m: whole % 60 });
}

function statCell(unit, k, value, tag = "td") {
  const id = `${unit}:${k}`;
  const changed = statsShown && lastStats.has(id) && lastStats.get(id) !== value;
  lastStats.set(id, value);
  const minutes = k.startsWith("minutes_");
  const cls = ["num", `c-${k}`, (k === "overdue" && value > 0) ? "bad" : "", (k === "ack_late" && value > 0) ? "warn" : "",
    changed ? "changed" : ""].filter(Boolean).join(" ");
  return el(tag, { class: cls, dataset: { k, label: ui(`task.st.${k}`) } }, minutes ? duration(value) : String(value ?? 0));
}

/** The mean time to sign for over all units: each unit's mean weighs by the tasks signed for. */
function meanAck(rows) {
  const timed = rows.filter((r) => r.minutes_to_acknowledge !== null && r.minutes_to_acknowledge !== undefined && r.acknowledged);
  const n = timed.reduce((a, r) => a + r.acknowledged, 0);
  return n ? Math.round(timed.reduce((a, r) => a + r.minutes_to_acknowledge * r.acknowledged, 0) / n * 10) / 10 : null;
}

async function loadStats() {
  if (!statsTable) return;
  const mine = ++statsGeneration;
  statsDirty = false;
  const from = periodStart(period);
  const query = new URLSearchParams({ from: from.toISOString() });
  if (page.exercise) query.set("exercise", "true");
  const range = document.getElementById("stats-range");
  let rows;
  try {
    rows = await api(`/api/v1/tasks/stats?${query}`);
  } catch (e) {
    if (mine === statsGeneration) range.textContent = ui("task.stats_failed", { msg: e.message });
    return;
  }
  if (mine !== statsGeneration) return;
  range.textContent = `${ui("task.stats_range", { from: formatTime(from.toISOString()) })} · ${ui("task.stats_updated", { t: formatTime(new Date().toISOString(), undefined, true).slice(11) })}`;
  statsTable.dataset.period = period;
  statsTable.querySelector("tbody").replaceChildren(...rows.map((r) => el("tr", { dataset: { unit: r.unit } },
    el("th", data({ scope: "row", class: "c-unit" }), unitName(r.unit)),
    ...STAT_KEYS.map((k) => statCell(r.unit, k, r[k])))));
  const counts = STAT_KEYS.filter((k) => !k.startsWith("minutes_"));
  statsTable.querySelector("tfoot").replaceChildren(...(rows.length > 1 ? [el("tr", { dataset: { unit: "total" } },
    el("th", { scope: "row", class: "c-unit" }, ui("task.st.total")),
    ...STAT_KEYS.map((k) => (counts.includes(k)
      ? statCell("total", k, rows.reduce((n, r) => n + (r[k] || 0), 0))
      : k === "minutes_to_acknowledge" ? statCell("total", k, meanAck(rows))
        : el("td", { class: `num c-${k} none`, dataset: { k } }, ""))))] : []));
  statsTable.hidden = rows.length === 0;
  document.getElementById("stats-empty").hidden = rows.length > 0;
  statsShown = true;
}

for (const b of document.querySelectorAll(".period-btn")) {
  b.addEventListener("click", () => {
    period = b.dataset.period;
    for (const x of document.querySelectorAll(".period-btn")) x.setAttribute("aria-checked", x === b ? "true" : "false");
    lastStats.clear();
    statsShown = false;
    loadStats();
  });
}
// Time passes: tasks fall overdue or late to sign for without an event.
setInterval(() => { if (tab === "stats") loadStats(); }, 60000);

// --- 下达任务: the same task, by hand, to one or more units under mine ---------------------------

const JURISDICTIONS = new Set(["province", "city", "county", "township", "village"]);
const dispatchBox = document.getElementById("dispatch-box");

/** The units under mine a task may go to, in tree order, in three groups: jurisdictions, departments, teams. */
function dispatchTargets() {
  const base = unitOf(me)?.path || page.unit.path;
  const depth0 = (base || "").split("/").filter(Boolean).length;
  const all = Object.entries(page.task_units || {})
    .filter(([code, u]) => code !== me && u.path && base && u.path.startsWith(base))
    .map(([code, u]) => ({ code, ...u, depth: u.path.split("/").filter(Boolean).length - depth0 - 1 }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return [
    ["jur", all.filter((u) => JURISDICTIONS.has(u.kind))],
    ["agency", all.filter((u) => u.kind === "agency" || u.kind === "department")],
    ["team", all.filter((u) => u.kind === "team")],
  ].filter(([, list]) => list.length);
}

function setupDispatch() {
  const form = document.getElementById("dispatch-form");
  const toggle = document.getElementById("dispatch-toggle");
  const groupsBox = document.getElementById("unit-groups");
  const filter = document.getElementById("unit-filter");
  const picked = document.getElementById("unit-picked");
  const incident = document.getElementById("d-incident");
  const title = document.getElementById("d-title");
  const instr = document.getElementById("d-instr");
  const ack = document.getElementById("d-ack");
  const due = document.getElementById("d-due");
  const fileInput = document.getElementById("d-files");
  const fileList = document.getElementById("d-file-list");
  const results = document.getElementById("d-results");
  const status = document.getElementById("d-status");
  const submit = document.getElementById("d-submit");
  const keys = new Map();      // unit -> Idempotency-Key of its POST (kept across a retry after a network failure)
  const uploads = new Map();   // unit -> Map(file -> attachment id): each upload belongs to one task
  let files = [];
  let incidentsLoaded = false;
  let busy = false;

  const groups = dispatchTargets();
  const boxes = new Map();   // code -> checkbox
  groupsBox.replaceChildren(...(groups.length ? groups.map(([g, list]) => el("div", { class: "unit-group", dataset: { group: g } },
    el("p", { class: "unit-group-name" }, ui(`task.new_group_${g}`)),
    el("div", { class: "unit-chips" }, ...list.map((u) => {
      const box = el("input", { type: "checkbox", name: "unit", value: u.code, dataset: { depth: u.depth, kind: u.kind } });
      boxes.set(u.code, box);
      return el("label", data({ class: `unit-chip${u.depth > 0 && g === "jur" ? " sub" : ""}`, dataset: { code: u.code },
        title: unitName(u.code) }), box, el("span", {}, unitName(u.code)));
    })))) : [el("p", { class: "muted" }, ui("task.new_no_units"))]),
  el("p", { class: "muted small unit-none", hidden: true }, ui("task.new_filter_none")));

  const chosen = () => [...boxes.values()].filter((b) => b.checked).map((b) => b.value);
  function showPicked() {
    const codes = chosen();
    picked.textContent = codes.length ? ui("task.new_picked", { n: codes.length, units: listJoin(codes.map(unitName)) })
      : ui("task.new_picked_none");
    picked.classList.toggle("none", !codes.length);
    submit.textContent = codes.length === 1 ? ui("task.new_submit_1", { unit: unitName(codes[0]) })
      : codes.length ? ui("task.new_submit_n", { n: codes.length }) : ui("task.new_submit");
    for (const [code, b] of boxes) b.closest("label").classList.toggle("on", b.checked && !!code);
  }
  groupsBox.addEventListener("change", showPicked);
  filter.addEventListener("input", () => {
    const words = filter.value.trim().toLowerCase();
    let shown = 0;
    for (const group of groupsBox.querySelectorAll(".unit-group")) {
      let inGroup = 0;
      for (const label of group.querySelectorAll(".unit-chip")) {
        const u = page.task_units[label.dataset.code];
        const hit = !words || [label.dataset.code, u.name, u.name_en || ""].some((x) => x.toLowerCase().includes(words));
        label.hidden = !hit;
        if (hit) inGroup += 1;
      }
      group.hidden = inGroup === 0;
      shown += inGroup;
    }
    groupsBox.querySelector(".unit-none").hidden = shown > 0 || !boxes.size;
  });
  filter.addEventListener("keydown", (ev) => { if (ev.key === "Enter") ev.preventDefault(); });
  document.getElementById("pick-jur").addEventListener("click", () => {
    // The jurisdictions directly below mine (shown under the filter): the common "all counties".
    for (const b of boxes.values()) {
      if (JURISDICTIONS.has(b.dataset.kind) && b.dataset.depth === "0" && !b.closest("label").hidden) b.checked = true;
    }
    showPicked();
  });
  document.getElementById("pick-none").addEventListener("click", () => {
    for (const b of boxes.values()) b.checked = false;
    showPicked();
  });

  // Incidents still open (and the one the page was opened for, whatever its state).
  async function loadIncidentOptions() {
    const query = new URLSearchParams({ status: "reported,responding,stabilised" });
    if (page.exercise) query.set("exercise", "true");
    const list = await api(`/api/v1/incidents?${query}`);
    const want = incident.value || (incidentsLoaded ? "" : page.focus_incident || "");
    if (want && !list.some((i) => i.id === want)) {
      try { list.unshift(await api(`/api/v1/incidents/${want}`)); } catch { /* not visible: not offered */ }
    }
    incident.replaceChildren(
      el("option", { value: "" }, ui(page.exercise ? "task.new_drill_no_incident" : "task.new_no_incident")),
      ...list.map((i) => el("option", data({ value: i.id }), `${i.number} ${i.title}`)));
    incident.value = list.some((i) => i.id === want) ? want : "";
    incidentsLoaded = true;
  }

  // The deadline as duty rooms write it, 24-hour, in the unit's zone: "2026-11-30 20:36".
  const resetDueMin = () => { due.placeholder = ui("task.new_due_ph", { t: nowLocalInput() }); };
  for (const b of form.querySelectorAll(".due-quick button")) {
    b.addEventListener("click", () => {
      const h = Number(b.dataset.hours);
      due.value = h ? formatTime(new Date(Date.now() + h * 3600000).toISOString()) : "";
      resetDueMin();
    });
  }

  function showFiles() {
    fileList.replaceChildren(...files.map((file, i) => el("li", {},
      el("span", data({ class: "file-name" }), file.name),
      el("button", { type: "button", class: "remove", "aria-label": ui("task.new_file_remove"), title: ui("task.new_file_remove"),
        onclick: () => { files.splice(i, 1); showFiles(); } }, "×"))));
  }
  fileInput.addEventListener("change", () => {
    files.push(...fileInput.files);
    fileInput.value = "";
    showFiles();
  });

  function open(focus = true) {
    form.hidden = false;
    toggle.hidden = true;
    toggle.setAttribute("aria-expanded", "true");
    resetDueMin();
    showPicked();
    loadIncidentOptions().catch((e) => toast(ui("duty.error", { msg: e.message }), true));
    if (focus) (chosen().length ? title : filter).focus({ preventScroll: true });
  }
  function close() {
    form.hidden = true;
    toggle.hidden = false;
    toggle.setAttribute("aria-expanded", "false");
    toggle.focus({ preventScroll: true });
  }
  toggle.addEventListener("click", () => open());
  document.getElementById("d-close").addEventListener("click", close);

  function reset() {
    title.value = "";
    instr.value = "";
    due.value = "";
    ack.value = "30";
    form.querySelector('input[name="priority"][value="high"]').checked = true;
    incident.value = [...incident.options].some((o) => o.value === (page.focus_incident || "")) ? page.focus_incident || "" : "";
    files = [];
    showFiles();
    uploads.clear();
  }

  function result(code, ok, text) {
    let li = results.querySelector(`li[data-unit="${code}"]`);
    if (!li) { li = el("li", { dataset: { unit: code } }); results.append(li); }
    li.className = ok ? "ok" : "failed";
    li.replaceChildren(el("span", { class: "mark", "aria-hidden": "true" }, ok ? "✓" : "✕"),
      el("span", data({ class: "r-unit" }), unitName(code)), " ", el("span", { class: "r-text" }, text));
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (busy) return;
    status.textContent = "";
    const units = chosen();
    const fail = (msg, where) => { status.textContent = msg; toast(msg, true); if (where) where.focus(); };
    if (!units.length) { fail(ui("task.new_need_unit"), filter); return; }
    if (!title.value.trim()) { fail(ui("task.new_need_title"), title); return; }
    const minutes = Number(ack.value);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) { fail(ui("task.new_ack_bad"), ack); return; }
    const body = { title: title.value.trim(), priority: form.querySelector('input[name="priority"]:checked')?.value || "high",
      ack_minutes: minutes };
    if (instr.value.trim()) body.instructions = instr.value.trim();
    if (incident.value) body.incident_id = incident.value;
    else if (page.exercise) body.exercise = true;  // under the drill banner, a task of no incident is a drill
    if (due.value.trim()) {
      const m = /^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})$/.exec(due.value.trim());
      if (!m || +m[2] > 12 || +m[3] > 31 || +m[4] > 23 || +m[5] > 59) { fail(ui("task.new_due_bad", { t: nowLocalInput() }), due); return; }
      const pad = (x) => x.padStart(2, "0");
      due.value = `${m[1]}-${pad(m[2])}-${pad(m[3])} ${pad(m[4])}:${m[5]}`;
      body.due_at = localInputToIso(due.value);
      if (ms(body.due_at) <= Date.now()) { fail(ui("task.new_due_past"), due); return; }
    }
    busy = true;
    const controls = form.querySelectorAll("button, input, select, textarea");
    controls.forEach((c) => { c.disabled = true; });
    results.replaceChildren();
    const done = [];
    const failed = [];
    for (const [i, unit] of units.entries()) {
      const name = unitName(unit);
      if (!keys.has(unit)) keys.set(unit, newKey());
      try {
        const mine = uploads.get(unit) || new Map();
        uploads.set(unit, mine);
        const ids = [];
        for (const file of files) {
          if (!mine.has(file)) {
            status.textContent = ui("task.new_uploading", { name: file.name, unit: name });
            mine.set(file, (await uploadFile(file)).id);
          }
          ids.push(mine.get(file));
        }
        status.textContent = ui("task.new_sending", { i: i + 1, n: units.length, unit: name });
        const doc = await api("/api/v1/tasks", { method: "POST", body: { ...body, unit, ...(ids.length ? { attachments: ids } : {}) },
          headers: { "Idempotency-Key": keys.get(unit) } });
        keys.delete(unit);
        uploads.delete(unit);
        done.push(unit);
        result(unit, true, ui("task.new_ok_unit"));
        apply(doc);
      } catch (e) {
        if (e.problem) keys.delete(unit);  // refused: a corrected send is a new request
        failed.push(unit);
        result(unit, false, ui("task.new_fail_unit", { msg: e.message }));
      }
    }
    busy = false;
    controls.forEach((c) => { c.disabled = false; });
    status.textContent = "";
    if (!failed.length) {
      reset();
      toast(ui("task.new_all_ok", { units: listJoin(done.map(unitName)) }));
      setTimeout(() => { if (!busy) for (const li of results.querySelectorAll("li.ok")) li.remove(); }, 8000);
      title.focus({ preventScroll: true });
    } else {
      // What went out is not sent again: only the units that failed stay ticked.
      for (const unit of done) boxes.get(unit).checked = false;
      const msg = ui("task.new_some_failed", { ok: done.length, bad: failed.length });
      status.textContent = msg;
      toast(msg, true);
    }
    showPicked();
  });

  showPicked();
  return { open, refreshIncidents: () => { if (!form.hidden) loadIncidentOptions().catch(() => {}); } };
}

const dispatcher = dispatchBox && can["task.dispatch"] ? setupDispatch() : null;
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
const reloadStats = debounce(() => loadStats(), 600);
const refreshIncidents = debounce(() => dispatcher?.refreshIncidents(), 1000);
function onEvent(ev) {
  if (ev.type.startsWith("incident.")) refreshIncidents();
  if (!ev.type.startsWith("task.")) return;
  if (ev.type.startsWith("task.facts_") && ev.subject) stale.add(ev.subject.id);
  reload();
  if (statsTable) {
    if (tab === "stats") reloadStats(); else statsDirty = true;
  }
}

async function loadAll() {
  const head = await journalHead(api);
  await loadIncidents().catch(() => {});
  await load();
  if (tab === "stats") loadStats();
  return head;
}

tickDeadlines(document.querySelector("main"));
// Time passes: a task falls overdue without any event; re-rank and recount every half minute.
setInterval(() => { if (seen !== null) render(); }, 30000);
const live = new Live({ exercise: page.exercise, onEvent, reload: loadAll, onState: bindLiveState(document.getElementById("live-state")) });
live.start(await loadAll());
window.yingjiLive = live;
