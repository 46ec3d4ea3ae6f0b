// The plan library: search and filter by kind, hazard, owner, status, review due; overdue reviews
// and yearly drills per unit beside it. Live: any plan event reloads.
import { Live } from "./live.js";
import { api, bindLiveState, page, ui } from "./common.js";
import { colon, debounce, el, journalHead } from "./dom.js";
import { categoryOptions, unitLabel } from "./cmdcommon.js";

const L = page.plan_labels;
const body = document.getElementById("plans-body");
const [q, kind, category, owner, status, review] = ["q", "kind", "category", "owner", "status", "review"]
  .map((n) => document.getElementById(`flt-${n}`));
kind.append(el("option", { value: "" }, `${colon(ui("plan.kind"))}${ui("plan.all")}`),
  ...Object.entries(L.kinds).map(([k, v]) => el("option", { value: k }, v)));
categoryOptions(category, { allowEmpty: true });
owner.append(el("option", { value: "" }, `${colon(ui("plan.owner"))}${ui("plan.all")}`),
  ...[page.parent, ...page.units].filter(Boolean).map((u) => el("option", { value: u.code }, unitLabel(u.code))));
status.append(el("option", { value: "" }, `${colon(ui("plan.status"))}${ui("plan.all")}`),
  ...Object.entries(L.statuses).map(([k, v]) => el("option", { value: k }, v)));
review.append(el("option", { value: "" }, `${colon(ui("plan.next_review"))}${ui("plan.all")}`),
  el("option", { value: "90" }, ui("plan.review_due_90")), el("option", { value: "0" }, ui("plan.review_overdue_only")));

function dateCell(value, overdue) {
  return el("td", { class: `num${overdue ? " overdue" : ""}` }, value || "—");
}

async function load() {
  const p = new URLSearchParams();
  for (const [k, node] of [["q", q], ["kind", kind], ["category", category], ["owner", owner], ["status", status]]) {
    if (node.value.trim()) p.set(k, node.value.trim());
  }
  if (review.value !== "") p.set("review_due_days", review.value);
  const rows = await api(`/api/v1/plans?${p}`);
  body.replaceChildren(...rows.map((r) => el("tr", { dataset: { id: r.id, code: r.code } },
    el("td", {}, el("a", { href: `/plans/${r.id}`, "data-i18n-data": "1" }, r.name), el("div", { class: "muted small" }, r.code)),
    el("td", {}, L.kinds[r.kind] || r.kind), el("td", {}, unitLabel(r.owner_unit)),
    el("td", {}, el("span", { class: `status-chip st-${r.status}` }, L.statuses[r.status] || r.status),
      r.latest_status === "draft" && r.status !== "draft" ? el("span", { class: "status-chip st-draft" }, L.statuses.draft) : ""),
    dateCell(r.next_review_on, r.review_overdue), dateCell(r.next_drill_on, r.drill_overdue),
    el("td", { class: r.filing_overdue ? "overdue" : "" },
      r.filed_with ? ui("plan.filed_with", { unit: unitLabel(r.filed_with) }) : r.filing_due_on ? ui("plan.filing_due", { d: r.filing_due_on }) : "—"))));
  document.getElementById("plans-empty").hidden = rows.length > 0;
}

async function loadSide() {
  const [overdue, drills] = await Promise.all([api("/api/v1/plans/reviews/overdue"), api("/api/v1/plans/drills/status")]);
  const items = overdue.flatMap((g) => g.plans.map((p) => el("li", { class: "overdue" },
    el("a", { href: `/plans/${p.id}`, "data-i18n-data": "1" }, p.name), ` · ${unitLabel(g.unit)} · ${p.next_review_on}`)));
  document.getElementById("overdue").replaceChildren(...(items.length ? items : [el("li", { class: "muted" }, ui("plan.no_overdue"))]));
  document.getElementById("drill-status").replaceChildren(...drills.map((d) => el("tr", { class: d.yearly_met ? "" : "unmet" },
    el("td", {}, unitLabel(d.unit)),
    el("td", { class: "num" }, d.yearly_met ? `${d.drills_last_year} · ${ui("plan.yearly_met")}` : ui("plan.yearly_missing")),
    el("td", { class: "num" }, d.last_drill_on || "—"))));
}

for (const f of [kind, category, owner, status, review]) f.addEventListener("change", () => load());
q.addEventListener("input", debounce(() => load(), 300));
const reload = debounce(() => Promise.all([load(), loadSide()]).catch(() => {}));
async function loadAll() {
  const h = await journalHead(api);
  await Promise.all([load(), loadSide()]);
  return h;
}
const live = new Live({ onEvent: (ev) => { if (ev.type.startsWith("plan.")) reload(); }, reload: loadAll,
  onState: bindLiveState(document.getElementById("live-state")) });
live.start(await loadAll());
window.yingjiLive = live;
