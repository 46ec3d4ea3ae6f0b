// The incident list: filters, grade colours, live (new incidents arrive with a brief highlight).
import { Live } from "./live.js";
import { api, bindLiveState, formatTime, page, ui } from "./common.js";
import { colon, debounce, el, journalHead } from "./dom.js";
import { categoryName, categoryOptions, gradeChip, statusText, unitLabel } from "./cmdcommon.js";

const body = document.getElementById("incidents-body");
const status = document.getElementById("flt-status");
const grade = document.getElementById("flt-grade");
const category = document.getElementById("flt-category");
const q = document.getElementById("flt-q");
status.append(el("option", { value: "reported,responding,stabilised" }, `${colon(ui("cmd.status"))}${ui("cmd.open")}`),
  el("option", { value: "" }, `${colon(ui("cmd.status"))}${ui("cmd.all")}`),
  ...["reported", "responding", "stabilised", "closed"].map((s) => el("option", { value: s }, statusText(s))));
grade.append(el("option", { value: "" }, `${colon(ui("cmd.grade"))}${ui("cmd.all")}`),
  ...Object.entries(page.grades).map(([k, g]) => el("option", { value: k }, `${g.roman} ${g.name}`)),
  el("option", { value: "ungraded" }, ui("cmd.ungraded")));
categoryOptions(category, { allowEmpty: true });
let seen = null;  // ids shown so far; null until the first load, after which new rows are highlighted

async function load() {
  const p = new URLSearchParams();
  if (status.value) p.set("status", status.value);
  if (grade.value) p.set("grade", grade.value);
  if (category.value) p.set("category", category.value);
  if (q.value.trim()) p.set("q", q.value.trim());
  if (page.exercise) p.set("exercise", "true");
  const rows = await api(`/api/v1/incidents?${p}`);
  const fresh = seen !== null;
  body.replaceChildren(...rows.map((i) => {
    const tr = el("tr", { dataset: { id: i.id }, class: i.exercise ? "drill-row" : "" },
      el("td", {}, gradeChip(i.grade)), el("td", { class: "num" }, i.number),
      el("td", {}, el("a", { href: `/incidents/${i.id}${page.exercise ? "?exercise=1" : ""}` }, i.title)),
      el("td", {}, categoryName(i.category)), el("td", {}, unitLabel(i.unit)),
      el("td", {}, statusText(i.status)), el("td", { class: "num" }, formatTime(i.received_at)));
    if (fresh && !seen.has(i.id)) {
      tr.classList.add("arrived");
      setTimeout(() => tr.classList.remove("arrived"), 4000);
    }
    return tr;
  }));
  seen = new Set(rows.map((r) => r.id));
  document.getElementById("incidents-empty").hidden = rows.length > 0;
}

for (const f of [status, grade, category]) f.addEventListener("change", () => load());
q.addEventListener("input", debounce(() => load(), 300));
const reload = debounce(() => load().catch(() => {}));
async function loadAll() {
  const h = await journalHead(api);
  await load();
  return h;
}
const live = new Live({ exercise: page.exercise, onEvent: (ev) => { if (ev.type.startsWith("incident.") || ev.type.startsWith("report.")) reload(); },
  reload: loadAll, onState: bindLiveState(document.getElementById("live-state")) });
live.start(await loadAll());
window.yingjiLive = live;
