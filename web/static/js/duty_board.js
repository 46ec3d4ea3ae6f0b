// The duty board (值班总览) for a superior: every subordinate duty room, live. A roll-call answered
// at a county console turns its cell green here within a moment, with no reload.
import { Live } from "./live.js";
import { api, bindLiveState, formatTime, page, ui, unitName } from "./common.js";
import { colon, debounce, el, journalHead, listJoin, person, tickDeadlines } from "./dom.js";

const body = document.getElementById("board-body");
const units = Object.fromEntries(page.subunits.map((u) => [u.code, u]));
const empty = document.getElementById("board-empty");
const rcForm = document.getElementById("rc-form");
const rcStatus = document.getElementById("rc-status");

/** The holders of these posts, each with the account (names alone may be shared). */
function people(posts) {
  if (!posts.length) return ["—"];
  return posts.flatMap((p, i) => [...(i ? [ui("duty.list_sep")] : []), ...person(p.holder)]);
}

const names = (duty, keys) => people(duty.filter((p) => keys.includes(p.post)));
const officers = (duty) => people(duty.filter((p) => !["leader", "chief"].includes(p.post)));

function rollcallCell(rc) {
  if (!rc) return el("td", { class: "rc none" }, ui("duty.rc_none"));
  if (rc.status === "answered") {
    return el("td", { class: "rc answered", dataset: { state: "answered" } },
      ui("duty.rc_answered", { s: Math.round(rc.latency_ms / 1000) }), el("br"), el("span", { class: "small" }, formatTime(rc.answered_at).slice(11)));
  }
  if (rc.status === "missed") return el("td", { class: "rc missed", dataset: { state: "missed" } }, ui("duty.rc_missed"));
  return el("td", { class: "rc pending", dataset: { state: "pending" } }, ui("duty.rc_pending"));
}

function reportCell(r) {
  if (r.state === "filed") {
    const text = r.kind === "zero" ? ui("duty.rep_zero") : ui("duty.rep_filed");
    return el("td", { class: `rep filed${r.late ? " late" : ""}`, dataset: { state: "filed" } }, text, r.late ? ` · ${ui("duty.rep_late")}` : "");
  }
  if (r.state === "overdue") return el("td", { class: "rep overdue", dataset: { state: "overdue" } }, ui("duty.rep_overdue"));
  return el("td", { class: "rep pending", dataset: { state: "pending" } }, ui("duty.rep_pending"), el("br"),
    el("span", { class: "small due", dataset: { deadline: r.deadline } }));
}

// Column labels, for the phone layout where each row becomes a card.
const labelsOf = [...document.querySelectorAll("#board thead th")].map((th) => colon(th.textContent));
const cell = (i, attrs, ...children) => el("td", { ...attrs, "data-label": labelsOf[i] }, ...children);
const withLabel = (i, td) => { td.dataset.label = labelsOf[i]; return td; };

/** The latest roll-call (whichever units it called): answered N/M, who has not answered, the mean answer time. */
function summary(rows) {
  const box = document.getElementById("rc-summary");
  const latest = rows.map((u) => u.last_rollcall).filter(Boolean).sort((a, b) => (a.started_at < b.started_at ? 1 : -1))[0];
  if (!latest) { box.replaceChildren(); return; }
  const called = rows.filter((u) => u.last_rollcall && u.last_rollcall.id === latest.id);
  const answered = called.filter((u) => u.last_rollcall.status === "answered");
  const waiting = called.filter((u) => u.last_rollcall.status !== "answered");
  const missed = called.filter((u) => u.last_rollcall.status === "missed");
  const mean = answered.length ? answered.reduce((s, u) => s + (u.last_rollcall.latency_ms || 0), 0) / answered.length / 1000 : null;
  const name = (u) => unitName(units[u.unit]) || u.name;
  box.replaceChildren(...[colon(`${ui("duty.rollcall")} ${formatTime(latest.started_at).slice(11)}`),
    el("span", { class: "ok", id: "rc-sum-answered" }, ui("duty.rc_sum_answered", { n: answered.length, m: called.length })),
    waiting.length ? [" · ", el("span", { class: missed.length ? "bad" : "", id: "rc-sum-waiting" },
      ui("duty.rc_sum_unanswered", { list: listJoin(waiting.map(name)) }))] : "",
    mean !== null ? [" · ", el("span", { id: "rc-sum-mean" }, ui("duty.rc_sum_mean", { s: mean.toFixed(1) }))] : ""].flat());
}

// Choosing rows: a filter like a status board's, a tick per unit; the roll-call goes to the chosen units
// (all of them when none is chosen).
const picked = new Set();
let lastRows = [];
const filterSel = document.getElementById("board-filter");
const MATCH = {
  all: () => true,
  offline: (u) => !u.online,
  unanswered: (u) => u.last_rollcall && u.last_rollcall.status !== "answered",
  report: (u) => u.daily_report.state !== "filed",
};

function applyFilter() {
  const match = MATCH[filterSel.value] || MATCH.all;
  for (const u of lastRows) {
    const tr = body.querySelector(`tr[data-unit="${u.unit}"]`);
    if (tr) tr.hidden = !match(u);
  }
}

function showPicked() {
  const start = document.getElementById("rc-start");
  start.textContent = picked.size ? ui("duty.start_rollcall_n", { n: picked.size }) : ui("duty.start_rollcall");
}

function pickBox(u) {
  const box = el("input", { type: "checkbox", class: "pick", checked: picked.has(u.unit), "aria-label": ui("duty.pick_unit", { unit: unitName(units[u.unit]) || u.name }) });
  box.addEventListener("change", () => { if (box.checked) picked.add(u.unit); else picked.delete(u.unit); showPicked(); });
  return box;
}

/** Roll-call record of each subordinate unit over the last 30 days. */
async function loadStats() {
  const stats = (await api("/api/v1/rollcalls/statistics")).filter((r) => r.unit !== page.unit.code);
  document.getElementById("rc-stats-body").replaceChildren(...stats.map((r) => el("tr", { dataset: { unit: r.unit } },
    el("th", {}, unitName(units[r.unit]) || r.name), el("td", {}, String(r.calls)), el("td", {}, String(r.answered)),
    el("td", { class: r.missed ? "overdue" : "" }, String(r.missed)),
    el("td", {}, r.answer_rate === null ? "—" : `${(r.answer_rate * 100).toFixed(1)}%`),
    el("td", {}, r.mean_latency_ms === null ? "—" : ui("duty.seconds", { n: (r.mean_latency_ms / 1000).toFixed(1) })))));
  document.getElementById("rc-stats-empty").hidden = stats.length > 0;
}

async function load() {
  loadStats().catch(() => {});
  const rows = await api("/api/v1/duty/board");
  lastRows = rows;
  body.replaceChildren(...rows.map((u) => el("tr", { dataset: { unit: u.unit } },
    el("th", {}, el("label", { class: "pick-label" }, page.can_rollcall ? pickBox(u) : "", unitName(units[u.unit]) || u.name)),
    cell(1, {}, ...names(u.duty, ["leader"])),
    cell(2, {}, ...names(u.duty, ["chief"])),
    cell(3, { class: "officers" }, ...officers(u.duty)),
    cell(4, { class: "phone" }, u.phone ? el("a", { href: `tel:${u.phone}` }, u.phone) : "—"),
    withLabel(5, rollcallCell(u.last_rollcall)),
    withLabel(6, reportCell(u.daily_report)),
    cell(7, { class: `term ${u.online ? "online" : "offline"}`, dataset: { state: u.online ? "online" : "offline" } },
      u.online ? ui("duty.online") : ui("duty.offline")))));
  empty.hidden = rows.length > 0;
  summary(rows);
  applyFilter();
}

filterSel.addEventListener("change", applyFilter);
document.getElementById("pick-shown").addEventListener("click", () => {
  for (const tr of body.querySelectorAll("tr")) if (!tr.hidden) picked.add(tr.dataset.unit);
  for (const box of body.querySelectorAll("input.pick")) box.checked = picked.has(box.closest("tr").dataset.unit);
  showPicked();
});
document.getElementById("pick-none").addEventListener("click", () => {
  picked.clear();
  for (const box of body.querySelectorAll("input.pick")) box.checked = false;
  showPicked();
});
if (!page.can_rollcall) for (const id of ["pick-shown", "pick-none"]) document.getElementById(id).hidden = true;

if (page.can_rollcall && page.subunits.length) {
  rcForm.hidden = false;
  rcForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const rc = await api("/api/v1/rollcalls", { method: "POST", body: { window_s: Number(document.getElementById("rc-window").value),
        ...(picked.size ? { units: [...picked] } : {}) } });
      rcStatus.textContent = `${ui("duty.rollcall")} · ${formatTime(rc.started_at).slice(11)}`;
      rcStatus.append(" · ", el("span", { dataset: { deadline: rc.deadline } }));
      await load();
    } catch (e) {
      rcStatus.textContent = ui("duty.error", { msg: e.message });
    }
  });
}

const reload = debounce(() => load().catch(() => {}), 150);
tickDeadlines(document);
async function loadAll() {
  const head = await journalHead(api);
  await load();
  return head;
}
const live = new Live({
  onEvent: (ev) => { if (ev.type.startsWith("duty.")) reload(); },
  reload: loadAll,
  onState: bindLiveState(document.getElementById("live-state")),
});
live.start(await loadAll());
window.yingjiLive = live;
