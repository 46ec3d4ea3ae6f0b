// Home: the user's unit at a glance and the latest events, live.
import { Live } from "./live.js";
import {
  actorText, api, bindLiveState, eventLabel, formatTime, isQuiet, labels, page, prependKeepingView, subjectName,
  unitDirectory, unitName,
} from "./common.js";

document.getElementById("roles").textContent = page.user.roles.map((r) => labels.roles[r] || r).join(page.lang === "en" ? ", " : "、");
const list = document.getElementById("recent");
const empty = document.getElementById("recent-empty");
const KEEP = 12;
let units = new Map();

/** Where it happened: the unit below the user's own that the event belongs to, if any. */
function whereText(ev) {
  const codes = ev.units.filter((c) => c !== page.unit.code && units.has(c));
  if (ev.type === "unit.created" && ev.data && ev.data.code) units.set(ev.data.code, ev.data);
  return codes.length ? unitName(units.get(codes[codes.length - 1])) : "";
}

function item(ev) {
  const li = document.createElement("li");
  li.dataset.seq = ev.seq;
  const time = document.createElement("time");
  time.dateTime = ev.ts;
  time.textContent = formatTime(ev.ts);
  time.title = formatTime(ev.ts, undefined, true);
  const what = document.createElement("strong");
  what.textContent = eventLabel(ev.type);
  const rest = document.createElement("span");
  rest.textContent = ` ${[subjectName(ev), actorText(ev)].filter(Boolean).join(" · ")}`;
  const where = whereText(ev);
  li.append(time, " ");
  if (where) {
    const place = document.createElement("span");
    place.className = "where";
    place.textContent = `${where} `;
    li.append(place);
  }
  li.append(what, rest);
  return li;
}

async function load() {
  const [data, found] = await Promise.all([api(`/api/v1/events?latest=true&limit=${KEEP * 5}`), unitDirectory()]);
  units = found;
  const shown = data.events.filter((ev) => !isQuiet(ev.type)).slice(-KEEP).reverse();
  list.replaceChildren(...shown.map(item));
  empty.hidden = shown.length > 0;
  return data.head;
}

const live = new Live({
  onEvent: (ev) => {
    if (isQuiet(ev.type)) return;
    prependKeepingView(list, item(ev));
    while (list.children.length > KEEP) list.lastElementChild.remove();
    empty.hidden = true;
  },
  reload: load,
  onState: bindLiveState(document.getElementById("live-state")),
});
live.start(await load());
