// The command-hall wall: fixed regions, no scrolling, no hover, live. Regions for incidents, tasks
// and warnings are filled by their domains as those are built; until then they say they are empty.
// Every list is cut to what its region shows, with "N more" instead of a scrollbar.
import { Live } from "./live.js";
import {
  api, bindLiveState, eventLabel, formatTime, isQuiet, page, shortTime, subjectName, ui, unitName,
} from "./common.js";

const SVG = "http://www.w3.org/2000/svg";
const JURISDICTIONS = new Set(["province", "city", "county", "township", "village"]);
const TICKER_CANDIDATES = 30;

const clock = document.getElementById("hall-clock");
const ticker = document.getElementById("hall-ticker");
const tickerEmpty = document.getElementById("hall-ticker-empty");
const unitsList = document.getElementById("hall-units");
const unitsMore = document.getElementById("hall-units-more");
const unitsEmpty = document.getElementById("hall-units-empty");
const dutyCount = document.getElementById("duty-count");
const countEvents = document.getElementById("count-events");
const countUnits = document.getElementById("count-units");
const mapBox = document.getElementById("hall-map");
const mapEmpty = document.getElementById("hall-map-empty");

let subunits = page.subunits.slice();
let recent = []; // newest first, the wall-worthy events the ticker may show
let today = formatTime(new Date().toISOString()).slice(0, 10);
let count = 0;

function tick() {
  const now = formatTime(new Date().toISOString(), undefined, true);
  clock.textContent = now;
  if (now.slice(0, 10) !== today) { today = now.slice(0, 10); count = 0; countEvents.textContent = "0"; }
}
tick();
setInterval(tick, 1000);

// ---- names ------------------------------------------------------------------------------------

/** "赣州市林业局" under 赣州市 reads "林业局" on the wall; the full name stays in the title. */
function shortName(u) {
  const full = unitName(u);
  const parent = unitName(page.unit);
  if (!parent || !full.startsWith(parent)) return full;
  const rest = full.slice(parent.length).trim();
  if (page.lang === "en") {
    if (rest.split(/\s+/).length < 2) return full;
    return rest[0].toUpperCase() + rest.slice(1);
  }
  return rest.length >= 2 ? rest : full;
}

function byKind(a, b) {
  return (JURISDICTIONS.has(b.kind) ? 1 : 0) - (JURISDICTIONS.has(a.kind) ? 1 : 0);
}

// ---- fitting lists into fixed regions ----------------------------------------------------------

function overflows(region) {
  return region.scrollHeight > region.clientHeight + 1;
}

/** Hide the tail of `list` until its region fits; say how many are hidden in `moreEl`. */
function fit(list, moreEl) {
  const region = list.closest(".region");
  const items = Array.from(list.children);
  items.forEach((li) => { li.hidden = false; });
  if (moreEl) moreEl.hidden = true;
  let hidden = 0;
  for (let i = items.length - 1; i >= 0 && overflows(region); i -= 1) {
    items[i].hidden = true;
    if (items[i].classList.contains("group-break")) continue;
    hidden += 1;
    if (moreEl) { moreEl.textContent = ui("hall.more", { n: String(hidden) }); moreEl.hidden = false; }
  }
}

// ---- duty picture ------------------------------------------------------------------------------

function renderUnits() {
  const sorted = subunits.slice().sort(byKind);
  const items = [];
  sorted.forEach((u, i) => {
    if (i > 0 && JURISDICTIONS.has(sorted[i - 1].kind) !== JURISDICTIONS.has(u.kind)) {
      const gap = document.createElement("li"); // jurisdictions, then agencies and teams on a new line
      gap.className = "group-break";
      gap.setAttribute("aria-hidden", "true");
      items.push(gap);
    }
    const li = document.createElement("li");
    li.dataset.code = u.code;
    li.dataset.kind = u.kind;
    li.title = `${unitName(u)} ${u.code}`;
    li.textContent = shortName(u);
    items.push(li);
  });
  unitsList.replaceChildren(...items);
  unitsEmpty.hidden = sorted.length > 0;
  dutyCount.textContent = sorted.length ? String(sorted.length) : "";
  countUnits.textContent = String(sorted.length);
  fit(unitsList, unitsMore);
}

// ---- map: a schematic of the subordinate units from their coordinates ---------------------------

function el(name, attrs = {}, text = null) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== null) node.textContent = text;
  return node;
}

function hasCoords(u) {
  return typeof u.lat === "number" && typeof u.lon === "number";
}

/** The area two boxes share. */
function overlap(a, b) {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

function renderMap() {
  const W = Math.floor(mapBox.clientWidth);
  const H = Math.floor(mapBox.clientHeight);
  mapBox.replaceChildren();
  const points = subunits.filter(hasCoords);
  const self = hasCoords(page.unit) ? page.unit : null;
  mapEmpty.hidden = points.length > 0;
  if (!points.length || W < 50 || H < 50) return;

  // Equirectangular, squeezed by cos(latitude): true enough for one city's counties.
  const all = self ? [...points, self] : points;
  const lat0 = all.reduce((s, u) => s + u.lat, 0) / all.length;
  const k = Math.cos((lat0 * Math.PI) / 180);
  const px = (u) => u.lon * k;
  const py = (u) => -u.lat;
  let [x0, x1] = [Math.min(...all.map(px)), Math.max(...all.map(px))];
  let [y0, y1] = [Math.min(...all.map(py)), Math.max(...all.map(py))];
  const MIN_SPAN = 0.05; // degrees (~5 km): a county's few teams should not fill the screen from one spot
  if (x1 - x0 < MIN_SPAN) { const c = (x0 + x1) / 2; x0 = c - MIN_SPAN / 2; x1 = c + MIN_SPAN / 2; }
  if (y1 - y0 < MIN_SPAN) { const c = (y0 + y1) / 2; y0 = c - MIN_SPAN / 2; y1 = c + MIN_SPAN / 2; }
  const padX = 130; // room for a label either side
  const padTop = 30;
  const padBottom = 70; // room for the legend
  const scale = Math.min((W - 2 * padX) / (x1 - x0), (H - padTop - padBottom) / (y1 - y0));
  const offX = (W - scale * (x1 - x0)) / 2;
  const offY = padTop + (H - padTop - padBottom - scale * (y1 - y0)) / 2;
  const X = (u) => offX + (px(u) - x0) * scale;
  const Y = (u) => offY + (py(u) - y0) * scale;

  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img",
    "aria-label": ui("hall.map") });
  const dots = el("g", { class: "map-dots" });
  const labelsG = el("g", { class: "map-labels" });
  svg.append(dots, labelsG);
  mapBox.appendChild(svg);

  const taken = []; // boxes of dots and placed labels
  const others = points.filter((u) => !JURISDICTIONS.has(u.kind));
  const places = points.filter((u) => JURISDICTIONS.has(u.kind));
  for (const u of others) {
    dots.appendChild(el("circle", { cx: X(u), cy: Y(u), r: 5, class: "map-other", "data-code": u.code }));
    taken.push({ x: X(u) - 6, y: Y(u) - 6, w: 12, h: 12 });
  }
  for (const u of places) {
    dots.appendChild(el("circle", { cx: X(u), cy: Y(u), r: 9, class: "map-place", "data-code": u.code }));
    taken.push({ x: X(u) - 10, y: Y(u) - 10, w: 20, h: 20 });
  }
  if (self) {
    dots.appendChild(el("circle", { cx: X(self), cy: Y(self), r: 14, class: "map-self", "data-code": self.code }));
    taken.push({ x: X(self) - 15, y: Y(self) - 15, w: 30, h: 30 });
  }

  // Labels: try right, left, above, below, then the diagonals; keep the first that collides with
  // nothing already placed, else the least bad one. Jurisdictions are always named; agencies and
  // teams only where there are no jurisdictions (a county's wall); the unit itself if it fits.
  // Crowded places first, so they get the near spots; far spots get a leader line to their dot.
  const crowd = (u) => places.filter((v) => Math.hypot(X(u) - X(v), Y(u) - Y(v)) < 120).length;
  const labelled = places.slice().sort((a, b) => crowd(b) - crowd(a)).map((u) => [u, false]);
  if (!places.length) labelled.push(...others.map((u) => [u, false]));
  if (self) labelled.push([self, true]);
  const leaders = el("g", { class: "map-leaders" });
  svg.insertBefore(leaders, labelsG);
  for (const [u, optional] of labelled) {
    const text = el("text", { class: optional ? "map-label map-label-self" : "map-label" }, shortName(u));
    text.dataset.code = u.code;
    labelsG.appendChild(text);
    const w = text.getComputedTextLength();
    const h = 26;
    const cx = X(u);
    const cy = Y(u);
    const candidates = [];
    for (const ring of optional ? [18] : [13, 30, 52]) {
      const d = ring * 0.7;
      candidates.push(
        [cx + ring, cy - h / 2], [cx - ring - w, cy - h / 2], [cx - w / 2, cy - ring - h], [cx - w / 2, cy + ring],
        [cx + d, cy - d - h], [cx - d - w, cy - d - h], [cx + d, cy + d], [cx - d - w, cy + d],
      );
    }
    let best = null;
    let bestCost = Infinity;
    for (const [x, y] of candidates) {
      const b = { x, y, w, h };
      if (b.x < 0 || b.y < 0 || b.x + b.w > W || b.y + b.h > H - padBottom + 20) continue;
      const cost = taken.reduce((sum, t) => sum + overlap(b, t), 0);
      if (cost < bestCost) { best = b; bestCost = cost; }
      if (cost === 0) break;
    }
    if (!best || (optional && bestCost > 0)) { text.remove(); continue; }
    text.setAttribute("x", best.x);
    text.setAttribute("y", best.y + h * 0.8);
    const nx = Math.max(best.x, Math.min(cx, best.x + w));
    const ny = Math.max(best.y, Math.min(cy, best.y + h));
    if (Math.hypot(nx - cx, ny - cy) > 20) {
      leaders.appendChild(el("line", { x1: cx, y1: cy, x2: nx, y2: ny, class: "map-leader" }));
    }
    taken.push(best);
  }

  // Legend, bottom left: what the marks mean, with counts.
  const legend = el("g", { class: "map-legend", transform: `translate(4 ${H - 10})` });
  svg.appendChild(legend); // in the document before measuring its text
  const entries = [];
  if (places.length) entries.push(["map-place", 9, ui("hall.map_legend_county"), places.length]);
  if (others.length) entries.push(["map-other", 5, ui("hall.map_legend_other"), others.length]);
  if (self) entries.push(["map-self", 10, ui("hall.map_legend_self"), null]);
  let x = 0;
  for (const [cls, r, label, n] of entries) {
    legend.appendChild(el("circle", { cx: x + 12, cy: -9, r, class: cls }));
    const t = el("text", { x: x + 30, y: 0, class: "map-legend-text" }, n === null ? label : `${label} ${n}`);
    legend.appendChild(t);
    x += 30 + t.getComputedTextLength() + 28;
  }
}

// ---- ticker and counters -----------------------------------------------------------------------

function item(ev) {
  const li = document.createElement("li");
  li.dataset.seq = ev.seq;
  const time = document.createElement("time");
  time.dateTime = ev.ts;
  time.textContent = shortTime(ev.ts);
  const where = ev.units.map((c) => subunits.find((u) => u.code === c)).find(Boolean);
  const what = document.createElement("strong");
  what.textContent = eventLabel(ev.type);
  li.append(time, " ");
  if (where) li.append(`${shortName(where)} `);
  li.append(what, ` ${subjectName(ev)}`);
  return li;
}

function renderTicker() {
  ticker.replaceChildren(...recent.map(item));
  tickerEmpty.hidden = recent.length > 0;
  fit(ticker, null);
  Array.from(ticker.children).filter((li) => li.hidden).forEach((li) => li.remove());
}

function isToday(ev) {
  return formatTime(ev.ts).slice(0, 10) === today;
}

let unitsRefresh = null;
function refreshUnitsSoon() {
  clearTimeout(unitsRefresh);
  unitsRefresh = setTimeout(async () => {
    try {
      const all = await api("/api/v1/units");
      subunits = all.filter((u) => u.parent === page.unit.code);
      renderUnits();
      renderMap();
    } catch (e) {
      console.warn("could not refresh units", e);
    }
  }, 300);
}

// What the wall's ticker shows: significant, verified things, not every keystroke of the journal.
const WALL_WORTHY = new Set(["incident.created", "incident.graded", "incident.responding", "incident.stabilised",
  "incident.closed", "incident.reopened", "incident.merged", "incident.entry_verified", "report.submitted",
  "report.overdue", "duty.rollcall.started", "duty.rollcall.missed", "duty.rollcall.closed", "duty.notice.sent",
  "duty.daily_report.missing", "duty.terminal.offline", "duty.terminal.online", "unit.created",
  "incident.plan_activated", "incident.plan_level_changed", "incident.plan_terminated", "task.ack_overdue",
  "task.overdue"]);
function wallWorthy(ev) {
  return WALL_WORTHY.has(ev.type) && !isQuiet(ev.type);
}

// ---- active incidents --------------------------------------------------------------------------

const incidentsList = document.getElementById("hall-incidents");
const incidentsEmpty = document.getElementById("hall-incidents-empty");
const GRADE_ROMAN = { particularly_major: "I", major: "II", relatively_major: "III", general: "IV" };

async function loadIncidents() {
  const q = new URLSearchParams({ status: "reported,responding,stabilised" });
  if (page.exercise) q.set("exercise", "true");
  const rows = await api(`/api/v1/incidents?${q}`);
  incidentsList.replaceChildren(...rows.map((i) => {
    const li = document.createElement("li");
    li.className = `g-${i.grade || "none"}`;
    li.dataset.id = i.id;
    const grade = document.createElement("span");
    grade.className = "hall-grade";
    grade.textContent = i.grade ? `${GRADE_ROMAN[i.grade]}` : "—";
    const title = document.createElement("span");
    title.textContent = i.title;
    li.append(grade, title);
    return li;
  }));
  incidentsEmpty.hidden = rows.length > 0;
  fit(incidentsList, null);
}
let incidentsRefresh = null;
function refreshIncidentsSoon() {
  clearTimeout(incidentsRefresh);
  incidentsRefresh = setTimeout(() => loadIncidents().catch((e) => console.warn("incidents", e)), 250);
}

// ---- the task picture: open tasks by state, then the ones that need chasing -----------------------

const taskCounts = document.getElementById("hall-task-counts");
const taskList = document.getElementById("hall-tasks");
let taskUnitNames = null;

async function loadTasks() {
  const q = new URLSearchParams({ open: "true" });
  if (page.exercise) q.set("exercise", "true");
  const rows = await api(`/api/v1/tasks?${q}`);
  const late = (t) => t.overdue === true;  // the server's rule (CONTRACT.md)
  const counts = [["hall.tasks_unsigned", rows.filter((t) => t.status === "dispatched").length],
    ["hall.tasks_working", rows.filter((t) => ["acknowledged", "in_progress"].includes(t.status)).length],
    ["hall.tasks_verify", rows.filter((t) => t.status === "feedback_submitted").length],
    ["hall.tasks_overdue", rows.filter(late).length]];
  const html = (tag, cls, text) => {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  };
  taskCounts.replaceChildren(...counts.map(([k, n]) => {
    const box = html("div", `counter${k === "hall.tasks_overdue" && n ? " alarm" : ""}`);
    box.append(html("span", "counter-value", String(n)), html("span", "counter-label", ui(k)));
    return box;
  }));
  taskCounts.hidden = rows.length === 0;
  const chase = rows.filter((t) => late(t) || t.status === "dispatched")
    .sort((a, b) => late(b) - late(a) || new Date(a.ack_due_at) - new Date(b.ack_due_at));
  if (!taskUnitNames) {
    taskUnitNames = Object.fromEntries((await api("/api/v1/units")).map((u) => [u.code, u]));
  }
  taskList.replaceChildren(...chase.map((t) => {
    const u = taskUnitNames[t.unit];
    return html("li", late(t) ? "late" : "", `${u ? shortName(u) : t.unit} · ${t.title}`);
  }));
  document.getElementById("hall-tasks-empty").hidden = rows.length > 0;
  fit(taskList, null);
}
let tasksRefresh = null;
function refreshTasksSoon() {
  clearTimeout(tasksRefresh);
  tasksRefresh = setTimeout(() => loadTasks().catch((e) => console.warn("tasks", e)), 250);
}

// ---- warnings in force: by colour (red first), each with its coverage -----------------------------

const warningList = document.getElementById("hall-warnings");

async function loadWarnings() {
  const q = new URLSearchParams();
  if (page.exercise) q.set("exercise", "true");
  const rows = await api(`/api/v1/warnings?${q}`);
  warningList.replaceChildren(...rows.map((w) => {
    const li = document.createElement("li");
    li.className = `w-${w.colour}${w.coverage && w.coverage.late ? " late" : ""}`;
    li.dataset.id = w.series_id;
    const name = document.createElement("span");
    name.className = "hall-wname";
    name.textContent = `${ui(`warn.c.${w.colour}`)} · ${ui(`warn.h.${w.hazard}`)}`;
    const cov = document.createElement("span");
    cov.className = "hall-wcov";
    const c = w.coverage || { addressed: 0, signed: 0, reported: 0 };
    cov.textContent = ui("hall.warn_cov", { s: c.signed, r: c.reported, n: c.addressed, m: c.addressed });
    const bar = document.createElement("span");
    bar.className = "hall-wbar";
    const fill = document.createElement("span");
    fill.style.width = `${c.addressed ? (100 * c.reported) / c.addressed : 0}%`;
    bar.append(fill);
    li.append(name, cov, bar);
    return li;
  }));
  document.getElementById("hall-warnings-empty").hidden = rows.length > 0;
  fit(warningList, document.getElementById("hall-warnings-more"));
}
let warningsRefresh = null;
function refreshWarningsSoon() {
  clearTimeout(warningsRefresh);
  warningsRefresh = setTimeout(() => loadWarnings().catch((e) => console.warn("warnings", e)), 250);
}

function add(ev) {
  if (isToday(ev)) { count += 1; countEvents.textContent = String(count); }
  if (ev.type.startsWith("unit.")) refreshUnitsSoon();
  if (ev.type.startsWith("incident.")) refreshIncidentsSoon();
  if (ev.type.startsWith("task.")) refreshTasksSoon();
  if (ev.type.startsWith("warning.")) refreshWarningsSoon();
  if (!wallWorthy(ev)) return;
  recent.unshift(ev);
  recent = recent.slice(0, TICKER_CANDIDATES);
  renderTicker();
}

const COUNT_PAGE = 1000;
const COUNT_PAGES_MAX = 20;

/** Today's events, counted back from the newest page by page until one reaches yesterday. */
async function load() {
  let head = null;
  let before = null;
  count = 0;
  for (let pageNo = 0; pageNo < COUNT_PAGES_MAX; pageNo += 1) {
    const q = new URLSearchParams({ limit: String(COUNT_PAGE) });
    if (before === null) q.set("latest", "true"); else q.set("before", String(before));
    if (page.exercise) q.set("exercise", "true");
    const data = await api(`/api/v1/events?${q}`);
    if (head === null) {
      head = data.head;
      recent = data.events.filter(wallWorthy).slice(-TICKER_CANDIDATES).reverse();
    }
    const todays = data.events.filter(isToday).length;
    count += todays;
    if (data.events.length < COUNT_PAGE || todays < data.events.length) break;
    before = data.events[0].seq;
  }
  countEvents.textContent = String(count);
  renderTicker();
  await Promise.all([loadIncidents(), loadTasks(), loadWarnings().catch((e) => console.warn("warnings", e))]);
  return head;
}

renderUnits();
renderMap();
let resizeTimer = null;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => { renderUnits(); renderMap(); renderTicker(); }, 200);
});

const live = new Live({
  exercise: page.exercise,
  onEvent: add,
  reload: load,
  onState: bindLiveState(document.getElementById("live-state")),
});
live.start(await load());
window.yingjiLive = live;
