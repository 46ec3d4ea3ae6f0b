// The intake form (keyboard first: Tab order, Ctrl+Enter saves) and the live intake queue with
// take / verify / merge / reject / duplicate, and possible duplicates for each.
import { Live } from "./live.js";
import { api, bindLiveState, formatTime, page, ui } from "./common.js";
import { commaJoin, debounce, el, journalHead, paren, toast } from "./dom.js";
import { categoryName, categoryOptions, unitLabel } from "./cmdcommon.js";
import { localInputToIso, nowLocalInput } from "./time.js";

const form = document.getElementById("intake-form");
const queue = document.getElementById("queue");
const me = page.user;

for (const [k, v] of Object.entries(page.sources)) document.getElementById("f-source").append(el("option", { value: k }, v));
categoryOptions(document.getElementById("f-category"));
const loc = document.getElementById("f-location");
for (const u of page.units) loc.append(el("option", { value: u.code, selected: u.code === page.unit.code }, `${unitLabel(u.code)} ${u.code}`));
const factsBox = document.getElementById("f-facts");
for (const [k, f] of Object.entries(page.facts)) {
  factsBox.append(el("label", {}, `${f.name}${paren(f.unit.trim())}`, el("input", { name: `fact_${k}`, type: "number", min: 0, step: "any", inputmode: "numeric" })));
}
document.getElementById("f-received").value = nowLocalInput();

async function save() {
  const d = new FormData(form);
  const facts = {};
  for (const [k, v] of d.entries()) if (k.startsWith("fact_") && v !== "") facts[k.slice(5)] = Number(v);
  const body = { source: d.get("source"), title: String(d.get("title")).trim(), category: d.get("category"),
    location_unit: d.get("location_unit"), facts, exercise: page.exercise };
  for (const k of ["caller", "callback", "address", "description"]) if (d.get(k)) body[k] = String(d.get(k)).trim();
  const occurred = localInputToIso(d.get("occurred_at"));
  const received = localInputToIso(d.get("received_at"));
  if (occurred) body.occurred_at = occurred;
  if (received) body.received_at = received;
  try {
    await api("/api/v1/intakes", { method: "POST", body, idempotent: true });
    toast(ui("cmd.saved"));
    form.reset();
    document.getElementById("f-received").value = nowLocalInput();
    document.getElementById("f-title").focus();
    await loadQueue();
  } catch (e) {
    const where = e.problem && e.problem.errors ? e.problem.errors.map((x) => `${x.pointer} ${x.message}`).join("；") : e.message;
    toast(ui("duty.error", { msg: where }), true);
  }
}

form.addEventListener("submit", (ev) => { ev.preventDefault(); save(); });
let lastEscape = 0;
form.addEventListener("keydown", (ev) => {
  if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); save(); }
  // Esc twice (within two seconds) clears the form: one stray Esc at 3 a.m. must not lose a call.
  if (ev.key === "Escape") {
    if (Date.now() - lastEscape < 2000) {
      form.reset();
      document.getElementById("f-received").value = nowLocalInput();
      document.getElementById("f-title").focus();
      lastEscape = 0;
    } else {
      lastEscape = Date.now();
      toast(ui("cmd.escape_again"));
    }
  }
  // Enter in a one-line field moves on, like Tab: nothing is saved half-filled by accident.
  if (ev.key === "Enter" && !ev.ctrlKey && ev.target.tagName === "INPUT") {
    ev.preventDefault();
    const fields = [...form.querySelectorAll("input, select, textarea, button")];
    const next = fields[fields.indexOf(ev.target) + 1];
    if (next) next.focus();
  }
});

async function act(fn) {
  try { await fn(); await loadQueue(); } catch (e) { toast(ui("duty.error", { msg: e.message }), true); }
}

async function dupList(intake, box) {
  const dups = await api(`/api/v1/intakes/${intake.id}/duplicates`);
  box.replaceChildren(el("strong", { class: "small" }, ui("cmd.possible_dups")), dups.length ? el("ul", {}, ...dups.map((d) => el("li", {},
    `${d.number || ""} ${d.title} · ${categoryName(d.category)}${d.distance_km !== null ? " · " + ui("cmd.km", { km: d.distance_km }) : ""} `,
    d.kind === "incident" && page.can["intake.verify"] ? el("button", { class: "secondary", onclick: () => act(() =>
      api(`/api/v1/intakes/${intake.id}/verify`, { method: "POST", body: { merge_into: d.id } })) }, `${ui("cmd.merge")} ${d.number}`) : "",
    d.kind === "intake" && page.can["intake.verify"] ? el("button", { class: "link", onclick: () => act(() =>
      api(`/api/v1/intakes/${intake.id}/duplicate`, { method: "POST", body: { of: d.id } })) }, ui("cmd.duplicate")) : ""))) : el("span", { class: "small muted" }, ` ${ui("cmd.no_dups")}`));
}

function item(i) {
  const taken = i.lease && i.lease.by !== me.id && new Date(i.lease.until) > new Date();
  const mine = i.lease && i.lease.by === me.id;
  const dupBox = el("div", { class: "dups" });
  const actions = [];
  if (page.can["intake.verify"] && !taken) {
    if (!mine) actions.push(el("button", { class: "secondary", onclick: () => act(() => api(`/api/v1/intakes/${i.id}/take`, { method: "POST" })) }, ui("cmd.take")));
    else actions.push(el("button", { class: "link", onclick: () => act(() => api(`/api/v1/intakes/${i.id}/release`, { method: "POST" })) }, ui("cmd.release")));
    actions.push(el("button", { class: "primary", "data-action": "verify", onclick: () => act(async () => {
      const inc = await api(`/api/v1/intakes/${i.id}/verify`, { method: "POST", body: {} });
      toast(inc.number);
    }) }, ui("cmd.verify")));
    actions.push(el("button", { class: "secondary", onclick: () => {
      const reason = prompt(ui("cmd.reject_reason"));
      if (reason && reason.trim().length >= 2) act(() => api(`/api/v1/intakes/${i.id}/reject`, { method: "POST", body: { reason: reason.trim() } }));
    } }, ui("cmd.reject")));
  }
  const node = el("li", { class: `queue-item s-${i.status}${i.exercise ? " drill" : ""}`, dataset: { id: i.id } },
    el("div", { class: "q-head" }, el("strong", {}, i.title), el("span", { class: "tag" }, ui(`status.${i.status}`))),
    el("div", { class: "small muted" }, `${categoryName(i.category)} · ${unitLabel(i.location_unit)} · ${page.sources[i.source] || i.source} · ${ui("cmd.received")} ${formatTime(i.received_at)}`,
      i.caller ? ` · ${i.caller}` : "", i.callback ? ` ${i.callback}` : ""),
    Object.keys(i.facts).length ? el("div", { class: "small" }, commaJoin(Object.entries(i.facts).map(([k, v]) => `${page.facts[k] ? page.facts[k].name : k} ${v}${page.facts[k] ? page.facts[k].unit : ""}`))) : "",
    taken ? el("div", { class: "lease" }, ui("cmd.taken_by", { name: i.lease.name })) : "",
    el("div", { class: "q-actions" }, ...actions), dupBox);
  if (!taken) dupList(i, dupBox).catch(() => {});
  return node;
}

async function loadQueue() {
  const rows = await api(`/api/v1/intakes?status=pending,verifying${page.exercise ? "&exercise=true" : ""}`);
  queue.replaceChildren(...rows.map(item));
  document.getElementById("queue-empty").hidden = rows.length > 0;
}

const reload = debounce(() => loadQueue().catch(() => {}));
async function loadAll() {
  const h = await journalHead(api);
  await loadQueue();
  return h;
}
const live = new Live({ exercise: page.exercise, onEvent: (ev) => { if (ev.type.startsWith("intake.") || ev.type === "incident.created") reload(); },
  reload: loadAll, onState: bindLiveState(document.getElementById("live-state")) });
live.start(await loadAll());
document.getElementById("f-title").focus();
