// The command-hall wall: fixed regions, no scrolling, live. Regions for incidents, tasks and
// warnings are filled by their domains as those are built; until then they say they are empty.
import { Live } from "./live.js";
import { api, bindLiveState, eventLabel, formatTime, page, subjectText } from "./common.js";

const clock = document.getElementById("hall-clock");
const ticker = document.getElementById("hall-ticker");
const unitsList = document.getElementById("hall-units");
const countEvents = document.getElementById("count-events");
document.getElementById("count-units").textContent = String(page.subunits.length);
const KEEP = 8;

function tick() { clock.textContent = formatTime(new Date().toISOString()); }
tick();
setInterval(tick, 1000);

for (const u of page.subunits) {
  const li = document.createElement("li");
  li.dataset.code = u.code;
  li.textContent = u.name;
  unitsList.appendChild(li);
}

function todayStart() {
  return formatTime(new Date().toISOString()).slice(0, 10);
}

let today = todayStart();
let count = 0;

function item(ev) {
  const li = document.createElement("li");
  li.textContent = `${formatTime(ev.ts).slice(11, 16)} ${eventLabel(ev.type)} · ${subjectText(ev)}`;
  return li;
}

function add(ev) {
  ticker.prepend(item(ev));
  while (ticker.children.length > KEEP) ticker.lastElementChild.remove();
  if (formatTime(ev.ts).slice(0, 10) === today) { count += 1; countEvents.textContent = String(count); }
}

async function load() {
  const q = new URLSearchParams({ latest: "true", limit: "200" });
  if (page.exercise) q.set("exercise", "true");
  const data = await api(`/api/v1/events?${q}`);
  today = todayStart();
  const todays = data.events.filter((e) => formatTime(e.ts).slice(0, 10) === today);
  count = todays.length;
  countEvents.textContent = String(count);
  ticker.replaceChildren(...data.events.slice(-KEEP).reverse().map(item));
  return data.head;
}

const live = new Live({
  exercise: page.exercise,
  token: page.token,
  onEvent: add,
  reload: load,
  onState: bindLiveState(document.getElementById("live-state")),
});
live.start(await load());
