// The month's roster as a grid (dates × posts), overrides marked; live on roster events.
import { Live } from "./live.js";
import { api, bindLiveState, formatTime, page, ui, unitName } from "./common.js";
import { debounce, el, journalHead } from "./dom.js";

const head = document.getElementById("roster-head");
const body = document.getElementById("roster-body");
const empty = document.getElementById("roster-empty");
const unitSel = document.getElementById("roster-unit");
for (const u of page.subunits) unitSel.append(el("option", { value: u.code }, unitName(u)));
// Choosing a unit shows its roster (a listener, not an inline handler: the CSP allows no inline script).
unitSel.addEventListener("change", () => unitSel.form.submit());

async function load() {
  const rosters = await api(`/api/v1/duty/rosters?unit=${page.unit.code}&month=${page.month}`);
  const current = rosters.find((r) => r.status === "published");
  if (!current) {
    head.replaceChildren();
    body.replaceChildren();
    empty.hidden = false;
    return;
  }
  empty.hidden = true;
  const full = await api(`/api/v1/duty/rosters/${current.id}`);
  const [first, last] = [full.slots[0].starts_at, full.slots[full.slots.length - 1].ends_at];
  const overrides = await api(`/api/v1/duty/overrides?unit=${page.unit.code}&from=${first}&to=${last}`);
  const posts = page.posts;
  head.replaceChildren(el("tr", {}, el("th", {}, ui("duty.roster_date")), ...posts.map((p) => el("th", {}, page.lang === "en" ? p.name_en || p.name : p.name))));
  const weekdays = ui("duty.weekdays").split(",");
  const byKey = new Map(full.slots.map((s) => [`${s.date}|${s.shift}|${s.post}`, s]));
  const shifts = [...new Set(full.slots.map((s) => `${s.date}|${s.shift}`))];
  const today = formatTime(new Date().toISOString()).slice(0, 10);
  body.replaceChildren(...shifts.map((key) => {
    const [date, shift] = key.split("|");
    const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
    const shiftLabel = full.slots.some((s) => s.shift !== "day") ? ` ${shift}` : "";
    return el("tr", { class: `${date === today ? "today" : ""} ${dow === 0 || dow === 6 ? "weekend" : ""}`.trim(), dataset: { date } },
      el("th", {}, `${date.slice(5)} ${weekdays[dow]}${shiftLabel}`),
      ...posts.map((p) => {
        const s = byKey.get(`${key}|${p.key}`);
        const ov = s && overrides.find((o) => o.post === p.key && o.starts_at < s.ends_at && o.ends_at > s.starts_at);
        const who = s && s.user ? s.user_name || s.user : "—";
        return el("td", { class: ov ? "has-override" : "" }, who, ov ? el("span", { class: "tag", title: ov.reason }, `${ui("duty.override")} ${ov.user_name || ""}`) : "");
      }));
  }));
}

const reload = debounce(() => load().catch(() => {}));
async function loadAll() {
  const h = await journalHead(api);
  await load();
  return h;
}
const live = new Live({
  onEvent: (ev) => { if (/^duty\.(roster|override|swap)/.test(ev.type)) reload(); },
  reload: loadAll,
  onState: bindLiveState(document.getElementById("live-state")),
});
live.start(await loadAll());
