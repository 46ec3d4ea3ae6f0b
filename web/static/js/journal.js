// The live journal: the newest events the user may see, then every new one as it commits.
import { Live } from "./live.js";
import {
  actorText, api, bindLiveState, eventLabel, formatTime, page, prependKeepingView, subjectKind, subjectName, subjectText,
  ui, unitDirectory, unitName,
} from "./common.js";

const body = document.getElementById("journal-body");
const empty = document.getElementById("journal-empty");
const loading = document.getElementById("journal-loading");
const more = document.getElementById("journal-more");
const PAGE = 100;
const RETRY_MS = 3000;
let oldest = null;
let units = new Map(); // code -> unit, for the "visible to" column
const namesReady = unitDirectory().then((found) => { units = found; });

function unitsText(codes) {
  return codes.map((c) => (units.has(c) ? unitName(units.get(c)) : c)).join(page.lang === "en" ? ", " : "、");
}

function row(ev) {
  if (ev.type === "unit.created" && ev.data && ev.data.code) units.set(ev.data.code, ev.data);
  const tr = document.createElement("tr");
  tr.dataset.seq = ev.seq;
  tr.dataset.type = ev.type;
  if (ev.exercise) tr.classList.add("drill-row");

  const seq = document.createElement("td");
  seq.className = "c-seq";
  seq.textContent = String(ev.seq);

  const when = document.createElement("td");
  when.className = "c-time";
  const time = document.createElement("time");
  time.dateTime = ev.ts;
  time.textContent = formatTime(ev.ts);
  time.title = formatTime(ev.ts, undefined, true);
  when.appendChild(time);

  const type = document.createElement("td");
  type.className = "c-type ev-type";
  type.textContent = eventLabel(ev.type);

  const subject = document.createElement("td");
  subject.className = "c-subject";
  const named = ev.subject.kind === "unit" && !subjectName(ev) && units.get(ev.subject.id);
  subject.textContent = named ? `${subjectKind(ev)} · ${unitName(named)}` : subjectText(ev);
  subject.title = `${ev.subject.kind} ${ev.subject.id}`;

  const actor = document.createElement("td");
  actor.className = "c-actor";
  actor.textContent = actorText(ev);

  const visible = document.createElement("td");
  visible.className = "c-units muted small";
  visible.textContent = unitsText(ev.units);
  visible.title = ev.units.join(" ");

  tr.append(seq, when, type, subject, actor, visible);
  return tr;
}

function refreshEmpty() {
  empty.hidden = body.children.length > 0;
}

async function load() {
  const q = new URLSearchParams({ latest: "true", limit: String(PAGE) });
  if (page.exercise) q.set("exercise", "true");
  const data = await api(`/api/v1/events?${q}`);
  await namesReady;
  body.replaceChildren(...data.events.slice().reverse().map(row));
  oldest = data.events.length ? data.events[0].seq : null;
  more.hidden = data.events.length < PAGE;
  loading.hidden = true;
  refreshEmpty();
  return data.head;
}

/** The first load, retried until it works: a page that cannot load says so, and keeps trying. */
async function firstLoad() {
  for (;;) {
    try {
      return await load();
    } catch (e) {
      loading.textContent = ui("journal.load_failed");
      loading.hidden = false;
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }
}

more.addEventListener("click", async () => {
  if (oldest === null) return;
  const q = new URLSearchParams({ before: String(oldest), limit: String(PAGE) });
  if (page.exercise) q.set("exercise", "true");
  const data = await api(`/api/v1/events?${q}`);
  for (const ev of data.events.slice().reverse()) body.appendChild(row(ev));
  if (data.events.length) oldest = data.events[0].seq;
  more.hidden = data.events.length < PAGE;
});

const live = new Live({
  exercise: page.exercise,
  onEvent: (ev) => { prependKeepingView(body, row(ev)); refreshEmpty(); },
  reload: load,
  onState: bindLiveState(document.getElementById("live-state")),
});
live.start(await firstLoad());
window.yingjiLive = live;
