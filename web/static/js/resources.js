// The resources page: rescue teams (status, deploy to a task), warehouse stock (入库), shelters
// (occupancy), experts, and requests between a unit and its superior (draft → submit → approve per
// line from a stock line → dispatch → receive). Live: resource.* events reload, debounced.
import { Live } from "./live.js";
import { api, bindLiveState, formatTime, page, ui } from "./common.js";
import { colon, debounce, el, journalHead, toast } from "./dom.js";
import { unitLabel } from "./cmdcommon.js";

const me = page.unit.code;
const can = page.can;
const TABS = ["teams", "stock", "shelters", "experts", "requests"];
const $ = (id) => document.getElementById(id);
let warehouses = new Map();  // facility id → facility
let stock = [];
let seenRequests = null;     // request id → status, to highlight what changed

async function act(fn, ok) {
  try {
    await fn();
    if (ok) toast(ok);
    if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
    await loadData();
  } catch (e) {
    const why = e.problem && e.problem.errors ? e.problem.errors.map((x) => x.message).join("；") : e.message;
    toast(ui("duty.error", { msg: why }), true);
  }
}
const post = (path, body) => api(path, { method: "POST", body, idempotent: true });

// --- tabs --------------------------------------------------------------------------------------------
function showTab(name) {
  for (const t of TABS) {
    $(`tab-${t}`).setAttribute("aria-selected", String(t === name));
    $(`pane-${t}`).hidden = t !== name;
  }
  if (location.hash !== `#${name}`) history.replaceState(null, "", `#${name}`);
}
for (const t of TABS) $(`tab-${t}`).addEventListener("click", () => showTab(t));
showTab(TABS.includes(location.hash.slice(1)) ? location.hash.slice(1) : "teams");

// --- teams -------------------------------------------------------------------------------------------
const fltType = $("flt-type"), fltStatus = $("flt-tstatus");
fltType.append(el("option", { value: "" }, ui("res.all_types")),
  ...Object.entries(page.team_types).map(([k, v]) => el("option", { value: k }, v)));
fltStatus.append(el("option", { value: "" }, ui("res.all_statuses")),
  ...Object.entries(page.team_statuses).map(([k, v]) => el("option", { value: k }, v)));
for (const f of [fltType, fltStatus]) f.addEventListener("change", () => loadTeams());

async function deploy(team) {
  const dlg = $("deploy-dialog"), sel = $("deploy-task");
  const tasks = await api(`/api/v1/tasks?open=true${page.exercise ? "&exercise=true" : ""}`);
  $("deploy-team").textContent = unitLabel(team.unit);
  sel.replaceChildren(...tasks.map((t) => el("option", { value: t.id }, `${t.title} · ${unitLabel(t.unit)}`)));
  $("deploy-none").hidden = tasks.length > 0;
  sel.hidden = !tasks.length;
  $("deploy-ok").disabled = !tasks.length;
  dlg.returnValue = "";
  dlg.onclose = () => {
    if (dlg.returnValue === "ok" && sel.value) {
      act(() => post(`/api/v1/resources/teams/${team.unit}/status`, { action: "deploy", task_id: sel.value }),
        ui("res.act.deploy"));
    }
  };
  dlg.showModal();
}

async function loadTeams() {
  const p = new URLSearchParams();
  if (fltType.value) p.set("type", fltType.value);
  if (fltStatus.value) p.set("status", fltStatus.value);
  const teams = await api(`/api/v1/resources/teams?${p}`);
  $("teams").replaceChildren(...teams.map((t) => el("tr", { dataset: { unit: t.unit, status: t.status } },
    el("td", { class: "c-team", "data-i18n-data": "1" }, unitLabel(t.unit)),
    el("td", {}, page.team_types[t.type] || t.type),
    el("td", { class: "num" }, ui("res.people", { n: t.headcount })),
    el("td", { "data-i18n-data": "1" }, t.leader, t.phone ? [" ", el("a", { href: `tel:${t.phone}`, class: "tel" }, t.phone)] : ""),
    el("td", {}, el("span", { class: `chip ts-${t.status}` }, page.team_statuses[t.status] || t.status)),
    el("td", { class: "small", "data-i18n-data": "1" }, t.equipment.join("、")),
    el("td", { class: "acts" }, ...(can["resource.manage"] ? (page.team_transitions[t.status] || []) : []).map((a) =>
      el("button", { type: "button", class: a === "deploy" ? "primary" : "secondary", dataset: { action: a },
        onclick: () => (a === "deploy" ? deploy(t).catch((e) => toast(e.message, true))
          : act(() => post(`/api/v1/resources/teams/${t.unit}/status`, { action: a }), ui(`res.act.${a}`))) },
      ui(`res.act.${a}`)))))));
  $("teams-empty").hidden = teams.length > 0;
  $("count-teams").textContent = teams.filter((t) => t.status === "available").length || "";
}

// --- stock -------------------------------------------------------------------------------------------
const whName = (id) => (warehouses.get(id) ? warehouses.get(id).name : id);

async function loadStock() {
  const [rows, facs] = await Promise.all([api("/api/v1/resources/stock"), api("/api/v1/facilities?kind=warehouse")]);
  stock = rows;
  warehouses = new Map(facs.map((f) => [f.id, f]));
  const by = new Map();
  for (const s of rows) {
    if (!by.has(s.facility_id)) by.set(s.facility_id, []);
    by.get(s.facility_id).push(s);
  }
  $("stock").replaceChildren(...[...by.entries()].map(([fid, items]) => el("div", { class: "warehouse", dataset: { facility: fid } },
    el("h3", { "data-i18n-data": "1" }, `${whName(fid)} · ${unitLabel(items[0].unit)}`),
    el("table", { class: "res-table stock-table" },
      el("thead", {}, el("tr", {}, ...["item", "quantity", "reserved", "available", "reserve_type"].map((k) =>
        el("th", { scope: "col", class: k === "item" || k === "reserve_type" ? "" : "num" }, ui(`res.${k}`))))),
      el("tbody", {}, ...items.map((s) => el("tr", { dataset: { id: s.id, item: s.item } },
        el("td", { "data-i18n-data": "1" }, s.item),
        el("td", { class: "num q", "data-label": ui("res.quantity") }, `${s.quantity} ${s.measure}`),
        el("td", { class: "num", "data-label": ui("res.reserved") }, s.reserved),
        el("td", { class: "num avail", "data-label": ui("res.available") }, s.available),
        el("td", { "data-label": ui("res.reserve_type") }, page.reserve_types[s.reserve_type] || s.reserve_type))))))));
  $("stock-empty").hidden = rows.length > 0;
  const form = $("stock-form");
  if (form && !form.contains(document.activeElement)) {
    const sel = form.elements.facility_id, was = sel.value;
    sel.replaceChildren(...facs.map((f) => el("option", { value: f.id, selected: f.id === was }, `${f.name} · ${unitLabel(f.unit)}`)));
  }
}

const stockForm = $("stock-form");
if (stockForm) {
  stockForm.elements.reserve_type.append(...Object.entries(page.reserve_types).map(([k, v]) => el("option", { value: k }, v)));
  stockForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const d = new FormData(stockForm);
    act(async () => {
      await post("/api/v1/resources/stock", { facility_id: d.get("facility_id"), item: String(d.get("item")).trim(),
        measure: String(d.get("measure")).trim(), quantity: Number(d.get("quantity")), reserve_type: d.get("reserve_type") });
      stockForm.elements.item.value = stockForm.elements.measure.value = stockForm.elements.quantity.value = "";
    }, ui("res.stock_added"));
  });
}

// --- shelters ----------------------------------------------------------------------------------------
async function loadShelters() {
  const rows = await api("/api/v1/resources/shelters");
  const box = $("shelters");
  if (box.contains(document.activeElement) && document.activeElement.tagName === "INPUT") return;  // typing
  box.replaceChildren(...rows.map((s) => {
    const pct = s.capacity ? Math.min(100, Math.round((s.occupancy / s.capacity) * 100)) : 0;
    const input = el("input", { type: "number", min: 0, max: s.capacity ?? undefined, value: s.occupancy, inputmode: "numeric",
      "aria-label": `${ui("res.occupancy")} ${s.name}` });
    return el("li", { class: "shelter", dataset: { id: s.id } },
      el("div", { class: "sh-top" }, el("strong", { "data-i18n-data": "1" }, s.name),
        el("span", { class: "small muted", "data-i18n-data": "1" }, ` ${unitLabel(s.unit)}${s.address ? ` · ${s.address}` : ""}`)),
      el("div", { class: "bar", role: "meter", "aria-valuemin": 0, "aria-valuemax": s.capacity || 0, "aria-valuenow": s.occupancy,
        "aria-label": ui("res.occupancy") }, el("span", { class: `fill${pct >= 90 ? " full" : pct >= 70 ? " high" : ""}`, style: `width:${pct}%` })),
      el("div", { class: "sh-figs" }, `${colon(ui("res.occupancy"))}${s.occupancy} / ${colon(ui("res.capacity"))}${s.capacity ?? "—"}${s.capacity ? ` (${pct}%)` : ""}`),
      can["resource.manage"] ? el("form", { class: "occ-form", onsubmit: (ev) => {
        ev.preventDefault();
        act(() => post(`/api/v1/resources/shelters/${s.id}/occupancy`, { occupancy: Number(input.value) }).then(() => input.blur()), ui("res.saved"));
      } }, input, el("button", { class: "secondary", type: "submit" }, ui("res.update"))) : "");
  }));
  $("shelters-empty").hidden = rows.length > 0;
}

// --- experts -----------------------------------------------------------------------------------------
async function loadExperts() {
  const rows = await api("/api/v1/resources/experts");
  $("experts").replaceChildren(...rows.map((x) => el("tr", { "data-i18n-data": "1" }, el("td", {}, x.name), el("td", {}, x.field),
    el("td", {}, x.organisation, el("span", { class: "small muted" }, ` · ${unitLabel(x.unit)}`)),
    el("td", {}, x.phone ? el("a", { href: `tel:${x.phone}`, class: "tel" }, x.phone) : "—"))));
  $("experts-empty").hidden = rows.length > 0;
}
const expertForm = $("expert-form");
if (expertForm) {
  expertForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const d = Object.fromEntries(new FormData(expertForm).entries());
    act(async () => { await post("/api/v1/resources/experts", d); expertForm.reset(); }, ui("res.saved"));
  });
}

// --- requests ----------------------------------------------------------------------------------------
function statusChip(status) {
  return el("span", { class: `chip rq-${status}` }, page.request_statuses[status] || status);
}

function stockChoices(item) {
  // Lines of the same item in the deciding unit's warehouses (its own first), with what is free.
  return stock.filter((s) => s.item === item && s.available > 0)
    .sort((a, b) => (a.unit === me ? 0 : 1) - (b.unit === me ? 0 : 1) || b.available - a.available);
}

function approveForm(r) {
  const rows = r.lines.map((ln, i) => {
    const choices = stockChoices(ln.item);
    const sel = el("select", { name: `stock-${i}`, "aria-label": ui("res.from_stock") },
      ...choices.map((s) => el("option", { value: s.id, dataset: { available: s.available } },
        `${whName(s.facility_id)} · ${ui("res.available")} ${s.available} ${s.measure}`)));
    const qty = el("input", { type: "number", name: `qty-${i}`, min: 0, max: ln.quantity, inputmode: "numeric",
      value: choices.length ? Math.min(ln.quantity, choices[0].available) : 0, "aria-label": ui("res.quantity") });
    return el("div", { class: "ap-line", dataset: { line: i } },
      el("span", { class: "ap-item", "data-i18n-data": "1" }, `${ln.item} · ${ui("res.asked", { n: `${ln.quantity} ${ln.measure}` })}`),
      choices.length ? sel : el("span", { class: "muted" }, ui("res.no_stock")), qty);
  });
  const note = el("input", { name: "note", maxlength: 2000, placeholder: ui("res.note"), "aria-label": ui("res.note") });
  const form = el("form", { class: "approve-form", onsubmit: (ev) => {
    ev.preventDefault();
    const approvals = r.lines.map((_ln, i) => {
      const s = form.querySelector(`[name="stock-${i}"]`);
      return { line: i, quantity: Number(form.querySelector(`[name="qty-${i}"]`).value || 0), ...(s ? { stock_id: s.value } : {}) };
    }).filter((a) => a.quantity > 0);
    act(() => post(`/api/v1/resources/requests/${r.id}/status`, { action: "approve", approvals, note: note.value }), ui("res.approve"));
  } }, ...rows, note, el("div", { class: "form-foot" },
    el("button", { class: "primary", type: "submit", dataset: { action: "approve" } }, ui("res.approve")),
    el("button", { class: "secondary", type: "button", dataset: { action: "decline" }, onclick: () => {
      const why = prompt(ui("res.decline_note"));
      if (why === null) return;
      act(() => post(`/api/v1/resources/requests/${r.id}/status`, { action: "decline", note: why }), ui("res.decline"));
    } }, ui("res.decline"))));
  return form;
}

function requestCard(r, incoming) {
  const actBtn = (action, cls = "primary") => el("button", { type: "button", class: cls, dataset: { action },
    onclick: () => act(() => post(`/api/v1/resources/requests/${r.id}/status`, { action }), ui(`res.${action}`)) }, ui(`res.${action}`));
  const actions = [];
  if (!incoming && can["resource.request"]) {
    if (r.status === "draft") actions.push(actBtn("submit"), actBtn("withdraw", "secondary"));
    if (r.status === "dispatched") actions.push(actBtn("receive"));
  }
  if (incoming && can["resource.decide"] && ["approved", "partly_approved"].includes(r.status)) actions.push(actBtn("dispatch"));
  const li = el("li", { class: `req u-${r.urgency}`, id: `req-${r.id}`, dataset: { id: r.id, status: r.status } },
    el("div", { class: "req-top" }, statusChip(r.status), el("span", { class: `chip urg-${r.urgency}` }, page.urgencies[r.urgency] || r.urgency),
      el("strong", { "data-i18n-data": "1" }, incoming ? unitLabel(r.from_unit) : ui("res.to_superior", { unit: unitLabel(r.to_unit) })),
      el("span", { class: "small muted" }, formatTime(r.created_at))),
    el("ul", { class: "req-lines-view" }, ...r.lines.map((ln) => el("li", { "data-i18n-data": "1" }, `${ln.item} ${ln.quantity} ${ln.measure}`,
      ln.approved ? el("span", { class: "approved" }, ` · ${ui("res.approved_n", { n: `${ln.approved} ${ln.measure}` })}`
        + (ln.stock_id && stock.find((s) => s.id === ln.stock_id) ? ` · ${whName(stock.find((s) => s.id === ln.stock_id).facility_id)}` : "")) : ""))),
    el("p", { class: "req-reason", "data-i18n-data": "1" }, r.reason),
    el("p", { class: "small muted", "data-i18n-data": "1" }, ui("res.by", { name: r.created_by_name }),
      r.decided_by_name ? ` · ${ui("res.decided_by", { name: r.decided_by_name })}` : "", r.decision_note ? ` · ${r.decision_note}` : ""),
    incoming && can["resource.decide"] && r.status === "submitted" ? approveForm(r) : "",
    actions.length ? el("div", { class: "req-actions" }, ...actions) : "");
  if (seenRequests && seenRequests.get(r.id) !== r.status) {
    li.classList.add("arrived");
    setTimeout(() => li.classList.remove("arrived"), 2600);
  }
  return li;
}

async function loadRequests() {
  const rows = await api(`/api/v1/resources/requests${page.exercise ? "?exercise=true" : ""}`);
  const a = document.activeElement;
  const busy = a && ["INPUT", "SELECT"].includes(a.tagName) && a.closest(".approve-form");
  if (busy) return;  // the decider is choosing quantities: the next reload shows the rest
  const incoming = rows.filter((r) => r.to_unit === me && r.status !== "draft" && r.status !== "withdrawn");
  const outgoing = rows.filter((r) => r.to_unit !== me);
  $("requests-in").replaceChildren(...incoming.map((r) => requestCard(r, true)));
  $("requests-out").replaceChildren(...outgoing.map((r) => requestCard(r, false)));
  $("requests-in-box").hidden = !incoming.length;
  $("requests-out-box").hidden = !outgoing.length;
  $("requests-empty").hidden = incoming.length + outgoing.length > 0;
  const waiting = incoming.filter((r) => r.status === "submitted").length + outgoing.filter((r) => r.status === "dispatched").length;
  $("count-requests").textContent = waiting || "";
  seenRequests = new Map(rows.map((r) => [r.id, r.status]));
}

const reqForm = $("request-form");
function addLine(item = "", measure = "", quantity = "") {
  const line = el("div", { class: "req-line" },
    el("label", {}, ui("res.item"), el("input", { name: "item", required: true, maxlength: 120, value: item, list: "item-names" })),
    el("label", {}, ui("res.measure"), el("input", { name: "measure", maxlength: 20, value: measure })),
    el("label", {}, ui("res.quantity"), el("input", { name: "quantity", type: "number", min: 1, required: true, inputmode: "numeric", value: quantity })),
    el("button", { type: "button", class: "secondary remove-line", onclick: () => { if ($("req-lines").children.length > 1) line.remove(); } }, ui("res.remove_line")));
  // The measure the warehouses keep the item in, offered (not typed over what the person writes).
  line.querySelector('[name="item"]').addEventListener("input", (ev) => {
    const known = stock.find((s) => s.item === ev.target.value.trim());
    line.querySelector('[name="measure"]').placeholder = known ? known.measure : "";
  });
  $("req-lines").append(line);
}
if (reqForm) {
  if (!page.parent) {
    reqForm.replaceChildren(el("p", { class: "muted" }, ui("res.top_unit")));
  } else {
    $("request-form-title").textContent = `${ui("res.new_request")} · ${ui("res.to_superior", { unit: unitLabel(page.parent.code) })}`;
    reqForm.elements.urgency.append(...Object.entries(page.urgencies).map(([k, v]) => el("option", { value: k, selected: k === "high" }, v)));
    addLine();
    $("add-line").addEventListener("click", () => addLine());
    const send = (submit) => {
      if (!reqForm.reportValidity()) return;
      const lines = [...reqForm.querySelectorAll(".req-line")].map((l) => ({ item: l.querySelector('[name="item"]').value.trim(),
        measure: (l.querySelector('[name="measure"]').value.trim() || l.querySelector('[name="measure"]').placeholder), quantity: Number(l.querySelector('[name="quantity"]').value) }));
      act(async () => {
        const r = await post("/api/v1/resources/requests", { urgency: reqForm.elements.urgency.value,
          reason: reqForm.elements.reason.value.trim(), lines });
        if (submit) await post(`/api/v1/resources/requests/${r.id}/status`, { action: "submit" });
        reqForm.elements.reason.value = "";
        $("req-lines").replaceChildren();
        addLine();
      }, submit ? ui("res.submit") : ui("res.saved"));
    };
    reqForm.addEventListener("submit", (ev) => { ev.preventDefault(); send(true); });
    reqForm.querySelector('[data-action="save-draft"]').addEventListener("click", () => send(false));
  }
}

// --- live --------------------------------------------------------------------------------------------
async function loadData() {
  await loadStock();  // the request cards name the warehouses and stock lines
  await Promise.all([loadTeams(), loadShelters(), loadExperts(), loadRequests()]);
  const dl = document.getElementById("item-names") || document.body.appendChild(el("datalist", { id: "item-names" }));
  dl.replaceChildren(...[...new Set(stock.map((s) => s.item))].map((i) => el("option", { value: i })));
}
async function loadAll() {
  const h = await journalHead(api);
  await loadData();
  return h;
}
const reload = debounce(() => loadData().catch(() => {}));
const live = new Live({ exercise: page.exercise, onEvent: (ev) => { if (ev.type.startsWith("resource.")) reload(); },
  reload: loadAll, onState: bindLiveState(document.getElementById("live-state")) });
live.start(await loadAll());
window.yingjiLive = live;
