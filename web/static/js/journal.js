// The live journal: the newest events the user may see, then every new one as it commits.
import { Live } from "./live.js";
import { actorText, api, bindLiveState, eventLabel, formatTime, page, prependKeepingView, subjectText } from "./common.js";

const body = document.getElementById("journal-body");
const empty = document.getElementById("journal-empty");
const more = document.getElementById("journal-more");
const PAGE = 100;
let oldest = null;

function row(ev) {
  const tr = document.createElement("tr");
  tr.dataset.seq = ev.seq;
  tr.dataset.type = ev.type;
  if (ev.exercise) tr.classList.add("drill-row");
  const cells = [String(ev.seq), formatTime(ev.ts), eventLabel(ev.type), subjectText(ev), actorText(ev),
    ev.units.join(" ")];
  cells.forEach((text, i) => {
    const td = document.createElement("td");
    td.textContent = text;
    if (i === 2) td.className = "ev-type";
    if (i === 5) td.className = "muted small";
    tr.appendChild(td);
  });
  return tr;
}

function refreshEmpty() {
  empty.hidden = body.children.length > 0;
}

async function load() {
  const q = new URLSearchParams({ latest: "true", limit: String(PAGE) });
  if (page.exercise) q.set("exercise", "true");
  const data = await api(`/api/v1/events?${q}`);
  body.replaceChildren(...data.events.slice().reverse().map(row));
  oldest = data.events.length ? data.events[0].seq : null;
  more.hidden = data.events.length < PAGE;
  refreshEmpty();
  return data.head;
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
live.start(await load());
window.yingjiLive = live;
