// The duty board (值班总览) for a superior: every subordinate duty room, live. A roll-call answered
// at a county console turns its cell green here within a moment, with no reload.
import { Live } from "./live.js";
import { api, bindLiveState, formatTime, page, ui, unitName } from "./common.js";
import { colon, debounce, el, journalHead, tickDeadlines } from "./dom.js";

const body = document.getElementById("board-body");
const units = Object.fromEntries(page.subunits.map((u) => [u.code, u]));
const empty = document.getElementById("board-empty");
const rcForm = document.getElementById("rc-form");
const rcStatus = document.getElementById("rc-status");

function names(duty, keys) {
  return duty.filter((p) => keys.includes(p.post)).map((p) => (p.holder ? p.holder.name : "—")).join(ui("duty.list_sep")) || "—";
}

function officers(duty) {
  return duty.filter((p) => !["leader", "chief"].includes(p.post)).map((p) => (p.holder ? p.holder.name : "—")).join(ui("duty.list_sep")) || "—";
}

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

function summary(rows) {
  const box = document.getElementById("rc-summary");
  const calls = rows.map((u) => u.last_rollcall).filter(Boolean);
  if (!calls.length) { box.replaceChildren(); return; }
  const n = (s) => calls.filter((rc) => rc.status === s).length;
  box.replaceChildren(colon(ui("duty.rollcall")), el("span", { class: "ok" }, ui("duty.rc_count_answered", { n: n("answered") })), " · ",
    el("span", {}, ui("duty.rc_count_pending", { n: n("pending") })), " · ",
    el("span", { class: n("missed") ? "bad" : "" }, ui("duty.rc_count_missed", { n: n("missed") })));
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
  body.replaceChildren(...rows.map((u) => el("tr", { dataset: { unit: u.unit } },
    el("th", {}, unitName(units[u.unit]) || u.name),
    cell(1, {}, names(u.duty, ["leader"])),
    cell(2, {}, names(u.duty, ["chief"])),
    cell(3, { class: "officers" }, officers(u.duty)),
    cell(4, { class: "phone" }, u.phone ? el("a", { href: `tel:${u.phone}` }, u.phone) : "—"),
    withLabel(5, rollcallCell(u.last_rollcall)),
    withLabel(6, reportCell(u.daily_report)),
    cell(7, { class: `term ${u.online ? "online" : "offline"}`, dataset: { state: u.online ? "online" : "offline" } },
      u.online ? ui("duty.online") : ui("duty.offline")))));
  empty.hidden = rows.length > 0;
  summary(rows);
}

if (page.can_rollcall && page.subunits.length) {
  rcForm.hidden = false;
  rcForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const rc = await api("/api/v1/rollcalls", { method: "POST", body: { window_s: Number(document.getElementById("rc-window").value) } });
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
