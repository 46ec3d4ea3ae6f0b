// Consultations (会商研判): the ones my unit convened or is invited to; one consultation with its
// invitees and attendance (an invited unit checks in from its own terminal), opinions, decisions —
// a decision becomes a task in one step, its follow-up shown live — and the minutes. Live.
import { Live } from "./live.js";
import { api, bindLiveState, formatTime, page, ui } from "./common.js";
import { colon, debounce, el, journalHead, toast } from "./dom.js";
import { unitLabel } from "./cmdcommon.js";
import { localInputToIso, nowLocalInput } from "./time.js";

let current = page.consultation_id || null;
// The entry form and the minutes box outlive live redraws of the record (what is typed stays), and are
// made anew only for another consultation or another status.
let kept = { key: null, nodes: [] };
const me = page.unit.code;

async function act(fn, ok) {
  try { await fn(); if (ok) toast(ok); await loadAll(); } catch (e) {
    const why = e.problem && e.problem.errors ? e.problem.errors.map((x) => x.message).join("；") : e.message;
    toast(ui("duty.error", { msg: why }), true);
  }
}

function units() {
  return [...page.units.map((u) => u.code), ...Object.keys(page.unit_names || {})].filter((c) => c !== me);
}

function renderList(rows) {
  document.getElementById("cs-list").replaceChildren(...rows.map((c) => el("li", { class: c.id === current ? "shown" : "" },
    el("a", { href: `/consultations/${c.id}`, "data-i18n-data": "1" }, c.title),
    el("div", { class: "small muted" }, `${formatTime(c.starts_at)} · ${page.cs_statuses[c.status]} · ${unitLabel(c.unit)}`))));
  document.getElementById("cs-empty").hidden = rows.length > 0;
}

function makeForms(c, convenor, mine) {
  const out = [];
  if (c.status === "in_session" && (convenor || mine)) {
    const text = el("textarea", { rows: 2, maxlength: 8000, "aria-label": ui("cmd.cs_text"), placeholder: ui("cmd.cs_text") });
    const speaker = el("input", { maxlength: 120, placeholder: ui("cmd.cs_speaker"), "aria-label": ui("cmd.cs_speaker") });
    const kind = el("select", { "aria-label": ui("cmd.cs_kind") }, el("option", { value: "opinion" }, ui("cmd.cs_opinion")),
      convenor ? el("option", { value: "decision" }, ui("cmd.cs_decision")) : "");
    const toUnit = el("select", { "aria-label": ui("cmd.cs_task_unit") }, el("option", { value: "" }, ui("cmd.cs_no_task")),
      ...units().map((code) => el("option", { value: code }, unitLabel(code))));
    const due = el("input", { placeholder: ui("cmd.cs_due"), "aria-label": ui("cmd.cs_due"), value: "" });
    const form = el("form", { class: "drill-form cs-form" }, el("label", {}, ui("cmd.cs_kind"), kind),
      convenor ? el("label", {}, ui("cmd.cs_speaker"), speaker) : "",
      el("label", { class: "wide" }, ui("cmd.cs_text"), text),
      convenor ? el("label", {}, ui("cmd.cs_task_unit"), toUnit) : "", convenor ? el("label", {}, ui("cmd.cs_due"), due) : "",
      el("button", { class: "primary" }, ui("cmd.cs_save")));
    form.onsubmit = (ev) => {
      ev.preventDefault();
      if (!text.value.trim()) { text.focus(); return; }
      const body = { kind: kind.value, text: text.value.trim() };
      if (speaker.value.trim()) body.speaker = speaker.value.trim();
      if (kind.value === "decision" && toUnit.value) {
        body.task = { unit: toUnit.value };
        if (due.value.trim()) body.task.due_at = localInputToIso(due.value);
      }
      act(() => api(`/api/v1/consultations/${c.id}/entries`, { method: "POST", body, idempotent: true }).then(() => form.reset()));
    };
    out.push(form);
  }
  if (convenor && c.status === "in_session") {
    const minutes = el("textarea", { rows: 4, maxlength: 40000, "aria-label": ui("cmd.cs_minutes"), placeholder: ui("cmd.cs_minutes") });
    out.push(el("h2", {}, ui("cmd.cs_minutes")), minutes, el("div", { class: "q-actions" }, el("button", { class: "secondary", onclick: () => {
      if (!minutes.value.trim()) { minutes.focus(); return; }
      act(() => api(`/api/v1/consultations/${c.id}/status`, { method: "POST", body: { action: "close", minutes: minutes.value.trim() } }));
    } }, ui("cmd.cs_close"))));
  }
  return out;
}

function renderOne(c) {
  const box = document.getElementById("cs-main");
  if (!c) { box.replaceChildren(el("p", { class: "muted" }, ui("cmd.cs_pick"))); return; }
  // The convening unit and the units above it run it (the server checks the same).
  const convenor = page.can_convene && (c.unit === me || page.units.some((u) => u.code === c.unit));
  const mine = c.invitees.find((i) => i.unit === me);
  const head = el("div", { class: "card-head" }, el("div", {},
    el("h1", { "data-i18n-data": "1" }, c.title),
    el("p", { class: "muted" }, `${page.cs_kinds[c.kind]} · ${formatTime(c.starts_at)} · `,
      c.place ? [el("span", { "data-i18n-data": "1" }, c.place), " · "] : "",
      `${unitLabel(c.unit)} · `, el("strong", {}, page.cs_statuses[c.status]))),
  el("div", { class: "q-actions" },
    convenor && c.status === "scheduled" ? el("button", { class: "primary", onclick: () => act(() => api(`/api/v1/consultations/${c.id}/status`, { method: "POST", body: { action: "open" } })) }, ui("cmd.cs_open")) : "",
    convenor && c.status === "scheduled" ? el("button", { class: "secondary", onclick: () => { if (confirm(ui("cmd.cs_cancel_confirm"))) act(() => api(`/api/v1/consultations/${c.id}/status`, { method: "POST", body: { action: "cancel" } })); } }, ui("cmd.cs_cancel")) : "",
    mine && !mine.attended && ["scheduled", "in_session"].includes(c.status) ? el("button", { class: "primary big", "data-action": "attend", onclick: () => act(() => api(`/api/v1/consultations/${c.id}/attend`, { method: "POST", body: {} }), ui("cmd.cs_checked_in")) }, ui("cmd.cs_attend")) : ""));
  const agenda = c.agenda ? el("p", { "data-i18n-data": "1" }, c.agenda) : "";
  const invitees = el("ul", { class: "plain cs-invitees" }, ...c.invitees.map((i) => el("li", { class: i.attended ? "present" : "absent" },
    i.unit ? unitLabel(i.unit) : el("span", { "data-i18n-data": "1" }, `${i.name}${i.field ? `（${i.field}）` : ""}`), " · ",
    i.attended ? `${ui("cmd.cs_present")} ${i.attendee_name || ""} ${formatTime(i.attended_at)}` : ui("cmd.cs_absent"),
    convenor && !i.unit && !i.attended && c.status !== "closed" ? el("button", { class: "link", onclick: () => act(() => api(`/api/v1/consultations/${c.id}/attend`, { method: "POST", body: { invitee_id: i.id } })) }, ui("cmd.cs_mark_present")) : "")));
  const entries = el("ol", { class: "timeline cs-entries" }, ...c.entries.map((e) => el("li", { class: `cs-${e.kind}` },
    el("time", {}, formatTime(e.at)), el("span", {}, el("strong", {}, colon(e.kind === "decision" ? ui("cmd.cs_decision") : ui("cmd.cs_opinion"))),
      el("span", { "data-i18n-data": "1" }, e.text)),
    el("span", { class: "small muted" }, el("span", { "data-i18n-data": "1" }, e.speaker), ` · ${unitLabel(e.unit)}`,
      e.task ? [" · ", el("a", { href: `/tasks#task-${e.task.id}` }, `${ui("cmd.cs_task")} ${unitLabel(e.task.unit)}：${page.task_statuses[e.task.status] || e.task.status}`)] : ""))));
  const parts = [head, agenda, el("h2", {}, ui("cmd.cs_invitees")), invitees, el("h2", {}, ui("cmd.cs_record")), entries];
  const formKey = `${c.id}:${c.status}:${convenor}`;
  if (kept.key !== formKey) kept = { key: formKey, nodes: makeForms(c, convenor, mine) };
  parts.push(...kept.nodes);
  if (c.status === "closed") parts.push(el("h2", {}, ui("cmd.cs_minutes")), el("p", { class: "cs-minutes", "data-i18n-data": "1" }, c.minutes));
  const focused = document.activeElement;
  box.replaceChildren(...parts);
  if (focused && box.contains(focused) && document.activeElement !== focused) focused.focus();
}

function convenForm() {
  const f = document.getElementById("cs-form");
  if (!f) return;
  const incident = new URLSearchParams(location.search).get("incident");
  f.append(el("label", { class: "wide" }, ui("cmd.cs_name"), el("input", { name: "title", required: true, maxlength: 200 })),
    el("label", {}, ui("cmd.cs_kind_label"), el("select", { name: "kind" }, ...Object.entries(page.cs_kinds).map(([k, v]) => el("option", { value: k, selected: incident ? k === "incident" : k === "risk" }, v)))),
    el("label", {}, ui("cmd.cs_when"), el("input", { name: "starts_at", required: true, value: nowLocalInput() })),
    el("label", { class: "wide" }, ui("cmd.cs_place"), el("input", { name: "place", maxlength: 200 })),
    el("label", { class: "wide" }, ui("cmd.cs_agenda"), el("textarea", { name: "agenda", rows: 2, maxlength: 8000 })),
    el("label", { class: "wide" }, ui("cmd.cs_units"), el("select", { name: "units", multiple: true, size: 6 }, ...units().map((code) => el("option", { value: code }, unitLabel(code))))),
    el("label", { class: "wide" }, ui("cmd.cs_experts"), el("textarea", { name: "experts", rows: 2 })),
    el("button", { class: "primary" }, ui("cmd.cs_convene")));
  f.onsubmit = (ev) => {
    ev.preventDefault();
    const d = new FormData(f);
    const body = { title: String(d.get("title")).trim(), kind: d.get("kind"), starts_at: localInputToIso(String(d.get("starts_at"))),
      units: d.getAll("units"), experts: String(d.get("experts")).split("\n").map((x) => x.trim()).filter(Boolean)
        .map((x) => { const [name, ...rest] = x.split(/[\s,，]+/); return rest.length ? { name, field: rest.join(" ") } : { name }; }) };
    if (String(d.get("place")).trim()) body.place = String(d.get("place")).trim();
    if (String(d.get("agenda")).trim()) body.agenda = String(d.get("agenda")).trim();
    if (incident) body.incident_id = incident;
    else if (page.exercise) body.exercise = true;  // convened under the drill banner: a drill
    act(async () => {
      const c = await api("/api/v1/consultations", { method: "POST", body, idempotent: true });
      history.pushState(null, "", `/consultations/${c.id}`);
      current = c.id;
      f.reset();
    });
  };
}

async function loadAll() {
  const h = await journalHead(api);
  const rows = await api(`/api/v1/consultations${page.exercise ? "?exercise=true" : ""}`);
  renderList(rows);
  renderOne(rows.find((c) => c.id === current) || (current ? await api(`/api/v1/consultations/${current}`).catch(() => null) : null));
  return h;
}

convenForm();
const reload = debounce(() => loadAll().catch(() => {}));
const live = new Live({ exercise: page.exercise, onEvent: (ev) => { if (ev.type.startsWith("consultation.") || ev.type.startsWith("task.")) reload(); },
  reload: loadAll, onState: bindLiveState(document.getElementById("live-state")) });
live.start(await loadAll());
window.yingjiLive = live;
