// The duty console (值班台): what needs me now first, with live countdowns; who is on duty; the
// handover; the duty log with keyboard-first quick entry. Everything reloads on its journal events.
import { Live } from "./live.js";
import { api, bindLiveState, formatTime, page, ui, unitName as nameOf } from "./common.js";
import { attachmentList, bracket, debounce, el, journalHead, listJoin, paren, tickDeadlines, toast } from "./dom.js";

const unit = page.unit.code;
const me = page.user;
const todo = document.getElementById("todo");
const todoEmpty = document.getElementById("todo-empty");
const holdersBody = document.getElementById("holders");
const handoverBox = document.getElementById("handover");
const logList = document.getElementById("log");
const logEmpty = document.getElementById("log-empty");
const form = document.getElementById("log-form");
const kindSelect = document.getElementById("log-kind");
const summary = document.getElementById("log-summary");
const counterpart = document.getElementById("log-counterpart");
const corrects = document.getElementById("log-corrects");
const correcting = document.getElementById("log-correcting");
const postName = Object.fromEntries(page.posts.map((p) => [p.key, page.lang === "en" ? p.name_en || p.name : p.name]));
const unitName = Object.fromEntries([page.unit, page.parent, ...page.subunits].filter(Boolean).map((u) => [u.code, nameOf(u)]));

for (const [key, label] of Object.entries(page.kinds)) kindSelect.append(el("option", { value: key }, label));

async function act(fn, okText) {
  try {
    await fn();
    if (okText) toast(okText);
  } catch (e) {
    toast(ui("duty.error", { msg: e.message }), true);
  }
}

function idem() {
  return { "Idempotency-Key": crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) };
}

// --- needs me now ------------------------------------------------------------------------------

function card(kind, title, deadline, actions, extra, cls = "") {
  return el("li", { class: `todo-item ${kind} ${cls}`.trim(), dataset: { urgency: "ok", kind } },
    el("div", { class: "todo-main" }, el("strong", {}, title), extra || ""),
    deadline ? el("span", { class: "due", dataset: { deadline } }) : "",
    el("div", { class: "todo-actions" }, ...actions));
}

async function loadTodo() {
  const [rollcalls, inbox, today, handovers, swaps, owed, tasks, consultations, warnings] = await Promise.all([
    api("/api/v1/rollcalls?pending=true"),
    api("/api/v1/notices"),
    api(`/api/v1/duty/daily-reports/today?unit=${unit}`),
    api(`/api/v1/duty/handovers?unit=${unit}`),
    api(`/api/v1/duty/swaps?unit=${unit}&status=requested`),
    api(`/api/v1/reports/owed?unit=${unit}`).catch(() => []),
    api(`/api/v1/tasks?unit=${unit}&open=true`).catch(() => []),
    api("/api/v1/consultations").catch(() => []),
    api("/api/v1/warnings/owed").catch(() => []),
  ]);
  const items = [];
  for (const rc of rollcalls) {
    const btn = el("button", { class: "primary big", "data-action": "answer", onclick: () =>
      act(async () => { await api(`/api/v1/rollcalls/${rc.id}/answer`, { method: "POST" }); await loadTodo(); }, ui("duty.answered")) },
    ui("duty.answer"));
    items.push({ at: rc.deadline, node: card("rollcall", ui("duty.rollcall_from", { unit: unitName[rc.caller_unit] || rc.caller_name || rc.caller_unit }),
      rc.deadline, [btn], rc.message ? el("p", { class: "small" }, rc.message) : "") });
  }
  for (const n of inbox.filter((x) => x.mine.status === "pending" || (x.reply_required && x.mine.status !== "replied"))) {
    const actions = [];
    if (n.mine.status === "pending") {
      actions.push(el("button", { class: "primary big", "data-action": "sign", onclick: () =>
        act(async () => { await api(`/api/v1/notices/${n.id}/sign`, { method: "POST" }); await loadTodo(); }, ui("duty.signed")) },
      ui("duty.sign")));
    }
    if (n.reply_required) {
      const input = el("input", { placeholder: ui("duty.reply_placeholder"), class: "reply-input", "aria-label": ui("duty.reply") });
      actions.push(el("div", { class: "reply-row" }, input, el("button", { class: "secondary", "data-action": "reply", onclick: () => act(async () => {
        if (!input.value.trim()) { input.focus(); return; }
        await api(`/api/v1/notices/${n.id}/reply`, { method: "POST", body: { text: input.value.trim() } });
        await loadTodo();
      }, ui("duty.done")) }, ui("duty.reply"))));
    }
    const urg = page.urgency[n.urgency] || n.urgency;
    items.push({ at: n.signfor_deadline, node: card("notice", `${ui("duty.notice")}${bracket(urg)}${n.title}`,
      n.mine.status === "pending" ? n.signfor_deadline : null, actions, [el("p", { class: "small notice-body" }, n.body), attachmentList(n.attachments)],
      `urgency-${n.urgency}`) });
  }
  if (today.required && !today.report) {
    const zero = el("button", { class: "primary big", "data-action": "zero", onclick: () => act(async () => {
      await api("/api/v1/duty/daily-reports", { method: "POST", body: { unit, kind: "zero" }, headers: idem() });
      await loadTodo();
    }, ui("duty.daily_filed")) }, ui("duty.zero"));
    const full = el("button", { class: "secondary", onclick: () => openDailyForm() }, ui("duty.file_daily"));
    items.push({ at: today.deadline, node: card("daily", ui("duty.daily_due", { date: today.date, time: formatTime(today.deadline).slice(11) }),
      today.deadline, [zero, full]) });
  }
  for (const h of handovers.filter((x) => x.status === "submitted" && (!x.to_user || x.to_user.id === me.id))) {
    items.push({ at: h.submitted_at, node: card("handover", ui("duty.handover_incoming", { name: h.from_user.name }), null,
      [el("a", { class: "secondary button", href: "#handover" }, ui("duty.handover_accept"))]) });
  }
  if (me.roles.includes("duty_leader") || me.roles.includes("admin")) {
    for (const s of swaps) {
      const decide = (action) => act(async () => {
        await api(`/api/v1/duty/swaps/${s.id}/decide`, { method: "POST", body: { action } });
        await Promise.all([loadTodo(), loadHolders()]);
      }, ui("duty.done"));
      items.push({ at: s.starts_at, node: card("swap", `${ui("duty.swap")} · ${postName[s.post] || s.post} · ${formatTime(s.starts_at)}`, null,
        [el("button", { class: "primary", onclick: () => decide("approve") }, ui("duty.approve")),
          el("button", { class: "secondary", onclick: () => decide("reject") }, ui("duty.reject"))], el("p", { class: "small" }, s.reason)) });
    }
  }
  // A roll-call's window is minutes: it always leads. Then by deadline, so overdue items come next.
  for (const o of owed) {
    // An information report this duty room owes (首报/续报/终报): straight to the incident to draft it.
    const kind = o.kind === "follow_up" ? `${ui("rk.follow_up")}${paren(o.number)}` : ui(`rk.${o.kind}`);
    items.push({ at: o.deadline, node: card("report", `${kind} · ${o.incident.number} ${o.incident.title}`, o.deadline,
      [el("a", { class: "secondary button", href: `/incidents/${o.incident.id}` }, ui("duty.open_incident"))],
      el("p", { class: "small muted" }, o.rule || "")) });
  }
  for (const t of tasks.filter((x) => x.unit === unit && (x.status === "dispatched" || x.overdue))) {
    // A task addressed to this duty room: signed for here in one key; worked on the task page.
    const sign = (t.actions || []).includes("acknowledge") ? [el("button", { class: "primary big", "data-action": "sign-task", onclick: () =>
      act(async () => { await api(`/api/v1/tasks/${t.id}/acknowledge`, { method: "POST" }); await loadTodo(); }, ui("duty.signed")) }, ui("duty.sign"))] : [];
    items.push({ at: t.status === "dispatched" ? t.ack_due_at : t.due_at, node: card("task", `${ui("duty.task")} · ${t.title}`,
      t.status === "dispatched" ? t.ack_due_at : t.due_at, [...sign, el("a", { class: "secondary button", href: `/tasks#task-${t.id}` }, ui("duty.open_task"))],
      el("p", { class: "small muted" }, [t.group_name, t.dispatched_by_name, t.instructions].filter(Boolean).join(" · "))) });
  }
  for (const c of consultations.filter((x) => ["scheduled", "in_session"].includes(x.status)
    && x.invitees.some((i) => i.unit === unit && !i.attended))) {
    // A consultation this duty room is invited to: check in here, take part on its page.
    items.push({ at: c.starts_at, node: card("consultation", `${ui("duty.consultation")} · ${formatTime(c.starts_at)} · ${c.title}`, null,
      [el("button", { class: "primary big", "data-action": "attend", onclick: () =>
        act(async () => { await api(`/api/v1/consultations/${c.id}/attend`, { method: "POST", body: {} }); await loadTodo(); }, ui("duty.done")) }, ui("duty.attend")),
      el("a", { class: "secondary button", href: `/consultations/${c.id}` }, ui("duty.join"))],
      el("p", { class: "small muted" }, [c.place, c.agenda].filter(Boolean).join(" · "))) });
  }
  for (const w of warnings) {
    // A warning addressed to this duty room: signed for here in one key; precautions on its page.
    const doc = w.warning;
    const sign = w.kind === "sign" ? [el("button", { class: "primary big", "data-action": "sign-warning", onclick: () =>
      act(async () => { await api(`/api/v1/warnings/${doc.series_id}/sign`, { method: "POST", body: {} }); await loadTodo(); }, ui("duty.signed")) }, ui("duty.sign"))] : [];
    items.push({ at: w.due_at, node: card("warning", `${ui("duty.warning")} · ${ui(`warn.c.${doc.colour}`)} · ${doc.headline}`, w.due_at,
      [...sign, el("a", { class: "secondary button", href: `/warnings/${doc.series_id}` }, ui(w.kind === "sign" ? "duty.open_warning" : "warn.report"))],
      el("p", { class: "small muted" }, [doc.issuer_name, w.kind === "sign" ? ui("warn.a.addressed") : ui("warn.a.signed")].filter(Boolean).join(" · ")),
      `w-${doc.colour}`) });
  }
  items.sort((a, b) => (b.node.dataset.kind === "rollcall") - (a.node.dataset.kind === "rollcall") || new Date(a.at) - new Date(b.at));
  todo.replaceChildren(...items.map((i) => i.node));
  todoEmpty.hidden = items.length > 0;
}

function openDailyForm() {
  const f = el("form", { class: "stack-form daily-form" },
    el("label", {}, ui("duty.summary"), el("textarea", { name: "summary", rows: 3, required: true })),
    el("label", {}, ui("duty.calls_received"), el("input", { name: "calls_received", type: "number", min: 0, value: 0 })),
    el("label", {}, ui("duty.incidents"), el("input", { name: "incidents", type: "number", min: 0, value: 0 })),
    el("label", {}, ui("duty.notable"), el("textarea", { name: "notable", rows: 3 })),
    el("div", {}, el("button", { class: "primary", type: "submit" }, ui("duty.submit")), " ",
      el("button", { class: "secondary", type: "button", onclick: () => f.remove() }, ui("duty.cancel"))));
  f.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const d = new FormData(f);
    act(async () => {
      await api("/api/v1/duty/daily-reports", { method: "POST", headers: idem(), body: { unit, kind: "daily", content: {
        summary: d.get("summary"), calls_received: Number(d.get("calls_received")), incidents: Number(d.get("incidents")),
        notable: d.get("notable") || "" } } });
      f.remove();
      await loadTodo();
    }, ui("duty.daily_filed"));
  });
  todo.after(f);
  f.querySelector("textarea").focus();
}

// --- who is on duty ----------------------------------------------------------------------------

async function loadHolders() {
  const now = await api(`/api/v1/duty/now?unit=${unit}`);
  const posts = now.units[0] ? now.units[0].posts : [];
  holdersBody.replaceChildren(...posts.map((p) => el("tr", { class: p.holder && p.holder.id === me.id ? "me" : "" },
    el("th", {}, page.lang === "en" ? p.name_en || p.name : p.name),
    el("td", {}, p.holder ? p.holder.name : el("span", { class: "overdue" }, ui("duty.nobody")),
      p.source === "override" ? el("span", { class: "tag" }, ui("duty.override")) : ""),
    el("td", { class: "phone" }, p.holder && p.holder.phone ? el("a", { href: `tel:${p.holder.phone}` }, p.holder.phone) : ""),
    el("td", { class: "until muted small" }, p.until ? `→ ${formatTime(p.until)}` : ""))));
  const mine = posts.filter((p) => p.holder && p.holder.id === me.id).map((p) => (page.lang === "en" ? p.name_en || p.name : p.name));
  document.getElementById("my-post").textContent = mine.length ? ui("duty.you_hold", { post: listJoin(mine) }) : ui("duty.you_off");
}

// --- handover ----------------------------------------------------------------------------------

async function loadHandover() {
  const list = await api(`/api/v1/duty/handovers?unit=${unit}`);
  const open = list.find((h) => h.status !== "accepted");
  handoverBox.replaceChildren();
  if (!open) {
    handoverBox.append(el("p", { class: "muted" }, ui("duty.handover_none")),
      el("button", { class: "secondary", onclick: () => act(async () => {
        await api("/api/v1/duty/handovers", { method: "POST", headers: idem(), body: { unit } });
        await loadHandover();
      }) }, ui("duty.handover_start")));
    return;
  }
  const mineOut = open.from_user.id === me.id;
  const mayAccept = open.status === "submitted" && (!open.to_user || open.to_user.id === me.id || me.roles.includes("duty_leader"));
  const head = open.status === "draft"
    ? el("p", {}, `${postName[open.post] || open.post} · ${open.from_user.name}`)
    : el("p", {}, open.status === "submitted" ? ui("duty.handover_waiting", { name: open.to_user ? open.to_user.name : "—" }) : "");
  const items = el("ul", { class: "handover-items" }, ...open.items.map((it) => el("li", { class: it.accepted ? "done" : "" },
    el("span", {}, it.title), it.due_at ? el("span", { class: "small muted" }, ` · ${formatTime(it.due_at)}`) : "",
    mayAccept && !it.accepted ? el("button", { class: "link", onclick: () => act(async () => {
      await api(`/api/v1/duty/handovers/${open.id}/items/${it.id}/accept`, { method: "POST", body: {} });
      await loadHandover();
    }) }, ui("duty.handover_accept_item")) : "")));
  handoverBox.append(head, items);
  if (open.status === "draft" && mineOut) {
    const input = el("input", { placeholder: ui("duty.handover_add") });
    const notes = el("textarea", { rows: 2, placeholder: ui("duty.handover_notes") }, open.notes || "");
    handoverBox.append(el("div", { class: "row" }, input, el("button", { class: "secondary", onclick: () => act(async () => {
      if (!input.value.trim()) return;
      await api(`/api/v1/duty/handovers/${open.id}/items`, { method: "POST", headers: idem(), body: { title: input.value.trim() } });
      await loadHandover();
    }) }, "+")), notes, el("button", { class: "primary", onclick: () => act(async () => {
      await api(`/api/v1/duty/handovers/${open.id}/submit`, { method: "POST", body: { notes: notes.value } });
      await loadHandover();
    }) }, ui("duty.handover_submit")));
  }
  if (mayAccept) {
    handoverBox.append(el("button", { class: "primary", "data-action": "takeover", onclick: () => act(async () => {
      await api(`/api/v1/duty/handovers/${open.id}/accept`, { method: "POST", body: {} });
      await Promise.all([loadHandover(), loadTodo()]);
    }) }, ui("duty.handover_accept")));
  }
}

// --- duty log ----------------------------------------------------------------------------------

let entries = [];

function renderLog() {
  const numbers = Object.fromEntries(entries.map((e, i) => [e.id, i + 1]));
  logList.replaceChildren(...entries.slice().reverse().map((e) => el("li", { dataset: { id: e.id }, class: e.corrects ? "correction" : "" },
    el("span", { class: "n" }, String(numbers[e.id])),
    el("time", {}, formatTime(e.at).slice(11)),
    el("span", { class: "kind" }, page.kinds[e.kind] || e.kind),
    e.counterpart ? el("span", { class: "cp" }, e.counterpart) : "",
    el("span", { class: "sum" }, e.corrects ? `${bracket(ui("duty.log_corrects", { n: numbers[e.corrects] || "?" }))}${e.summary}` : e.summary),
    el("span", { class: "by muted small" }, e.author.name),
    el("button", { class: "link small", onclick: () => startCorrection(e, numbers[e.id]) }, ui("duty.log_correct")))));
  logEmpty.hidden = entries.length > 0;
}

function startCorrection(entry, n) {
  corrects.value = entry.id;
  kindSelect.value = entry.kind;
  counterpart.value = entry.counterpart;
  summary.value = entry.summary;
  correcting.hidden = false;
  correcting.textContent = ui("duty.log_corrects", { n });
  summary.focus();
}

async function loadLog() {
  entries = await api(`/api/v1/duty/log?unit=${unit}`);
  renderLog();
  if (entries.length) document.getElementById("print-link").href = `/duty/log/print?unit=${unit}&date=${entries[0].duty_date}`;
}

form.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const body = { unit, kind: kindSelect.value, summary: summary.value.trim(), counterpart: counterpart.value.trim() };
  if (!body.summary) return;
  if (corrects.value) body.corrects = corrects.value;
  act(async () => {
    await api("/api/v1/duty/log", { method: "POST", body, headers: idem() });
    form.reset();
    corrects.value = "";
    correcting.hidden = true;
    await loadLog();
    summary.focus();
  });
});

// --- keys: one action for the common case ------------------------------------------------------

document.addEventListener("keydown", (ev) => {
  if (ev.target.closest("input, textarea, select") || ev.ctrlKey || ev.metaKey || ev.altKey) {
    if (ev.key === "Escape") ev.target.blur();
    return;
  }
  const click = (sel) => { const b = todo.querySelector(sel); if (b) { ev.preventDefault(); b.click(); } };
  if (ev.key === "a" || ev.key === "A") click('[data-action="answer"]');
  else if (ev.key === "s" || ev.key === "S") click('[data-action="sign"]');
  else if (ev.key === "z" || ev.key === "Z") click('[data-action="zero"]');
  else if (ev.key === "l" || ev.key === "L") { ev.preventDefault(); summary.focus(); }
});

// --- live --------------------------------------------------------------------------------------

const reloadTodo = debounce(() => loadTodo().catch(() => {}));
const reloadHolders = debounce(() => loadHolders().catch(() => {}));
const reloadHandover = debounce(() => loadHandover().catch(() => {}));
const reloadLog = debounce(() => loadLog().catch(() => {}));

function onEvent(ev) {
  const t = ev.type;
  if (t.startsWith("duty.rollcall") || t.startsWith("duty.notice") || t.startsWith("duty.daily_report")
    || t.startsWith("report.") || t.startsWith("task.") || t.startsWith("warning.") || t.startsWith("consultation.") || t === "incident.created" || t === "incident.closed") reloadTodo();
  if (t.startsWith("duty.handover")) { reloadHandover(); reloadTodo(); }
  if (t.startsWith("duty.roster") || t.startsWith("duty.override") || t.startsWith("duty.swap")) { reloadHolders(); reloadTodo(); }
  if (t.startsWith("duty.log")) reloadLog();
}

async function loadAll() {
  const head = await journalHead(api);
  await Promise.all([loadTodo(), loadHolders(), loadHandover(), loadLog()]);
  return head;
}

tickDeadlines(todo);
const live = new Live({ onEvent, reload: loadAll, onState: bindLiveState(document.getElementById("live-state")) });
live.start(await loadAll());
window.yingjiLive = live;
