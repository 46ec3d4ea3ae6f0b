// The superior's report inbox: unread first, live; opening marks it read for the sender to see.
import { Live } from "./live.js";
import { api, bindLiveState, formatTime, page, ui } from "./common.js";
import { colon, commaJoin, debounce, el, journalHead, paren } from "./dom.js";
import { gradeChip, unitLabel } from "./cmdcommon.js";

const list = document.getElementById("inbox");

function kindText(r) {
  return r.kind === "follow_up" ? `${ui("rk.follow_up")}${paren(r.number)}` : ui(`rk.${r.kind}`);
}

const FACTS = ["deaths", "injured", "missing", "economic_loss"];

function factsLine(content) {
  return commaJoin(FACTS.map((k) => `${page.facts[k].name} ${content[k] ?? 0}${page.facts[k].unit}`));
}

async function load() {
  const rows = await api(`/api/v1/reports/inbox${page.exercise ? "?exercise=true" : ""}`);
  list.replaceChildren(...rows.map((r) => el("li", { class: r.received_at ? "read" : "unread", dataset: { id: r.id, incident: r.incident.id } },
    el("div", {}, gradeChip(r.incident.grade), " ", el("strong", {}, `${kindText(r)} · ${r.incident.title}`),
      r.received_at ? "" : el("span", { class: "tag unread-tag" }, ui("cmd.unread"))),
    el("div", { class: "small muted" }, `${unitLabel(r.unit)} · ${r.incident.number} · ${ui("rs.submitted")} ${formatTime(r.submitted_at)} · ${r.signed_by_name || ""}`,
      r.on_time === false ? el("span", { class: "overdue" }, ` · ${ui("cmd.late")}`) : ""),
    el("p", { class: "small facts-line" }, factsLine(r.content)),
    r.content.course ? el("p", { class: "small" }, `${colon(ui("rf.course"))}${r.content.course}`) : "",
    r.content.measures ? el("p", { class: "small" }, `${colon(ui("rf.measures"))}${r.content.measures}`) : "",
    r.changes ? el("p", { class: "small" }, `${colon(ui("rf.changes"))}${r.changes}`) : "",
    el("div", { class: "actions" }, el("a", { href: `/incidents/${r.incident.id}` }, r.incident.number),
      el("a", { href: `/reports/${r.id}/print`, target: "_blank" }, ui("cmd.print")),
      r.received_at ? el("span", { class: "small muted" }, `${ui("cmd.read_at")} ${formatTime(r.received_at)}`)
        : el("button", { class: "secondary", "data-action": "read", onclick: async () => {
          await api(`/api/v1/reports/${r.id}/received`, { method: "POST" });
          await load();
        } }, ui("cmd.mark_read"))))));
  document.getElementById("inbox-empty").hidden = rows.length > 0;
  const stats = (await api("/api/v1/reports/timeliness")).filter((s) => s.submitted > 0);
  document.getElementById("timeliness").replaceChildren(...stats.map((s) => el("tr", {}, el("th", {}, unitLabel(s.unit) === s.unit ? s.name : unitLabel(s.unit)),
    el("td", { class: "num" }, `${s.on_time} / ${s.submitted}`),
    el("td", { class: `num ${s.rate === 1 ? "" : "overdue"}` }, s.rate === null ? "—" : `${(s.rate * 100).toFixed(1)}%`))));
  document.getElementById("timeliness-table").hidden = stats.length === 0;
  document.getElementById("timeliness-empty").hidden = stats.length > 0;
}

const reload = debounce(() => load().catch(() => {}));
async function loadAll() {
  const h = await journalHead(api);
  await load();
  return h;
}
const live = new Live({ exercise: page.exercise, onEvent: (ev) => { if (ev.type.startsWith("report.")) reload(); },
  reload: loadAll, onState: bindLiveState(document.getElementById("live-state")) });
live.start(await loadAll());
window.yingjiLive = live;
