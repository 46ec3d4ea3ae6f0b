// The warnings page. What my unit owes first (签收 with the time left counting down, then the
// precaution report), the warnings in force by colour with their time left and coverage, and, for
// an issuer, the issue form: hazard, colour with its name, areas from the unit tree and the
// hazard's 防御指南 template. Reloads (debounced) on warning.* events.
import { Live } from "./live.js";
import { api, bindLiveState, formatTime, page, ui } from "./common.js";
import { debounce, el, journalHead, tickDeadlines, toast } from "./dom.js";
import { act, addresseeActions, colourChip, data, me, q, title, unitName } from "./warnings_util.js";

const can = page.can || {};
const owedList = document.getElementById("owed");
const activeList = document.getElementById("active");
const ended = document.getElementById("ended");

function warningCard(w, extra) {
  const c = w.coverage || {};
  const href = `/warnings/${w.series_id}${page.exercise ? "?exercise=1" : ""}`;
  const left = w.expires_at && ["issued", "updated"].includes(w.state)
    ? el("span", { class: "due", dataset: { deadline: w.expires_at } }) : "";
  return el("li", { class: `warn-card c-${w.colour} s-${w.state}`, dataset: { id: w.series_id, colour: w.colour, urgency: "ok" } },
    el("div", { class: "warn-band", "aria-hidden": "true" }),
    el("div", { class: "warn-main" },
      el("div", { class: "warn-top" }, colourChip(w.colour), el("strong", data(), title(w))),
      el("p", { class: "small muted" }, [w.issuer_name, `${ui("warn.version", { n: w.version })}`, formatTime(w.sent_at),
        ["issued", "updated"].includes(w.state) ? "" : ui(`warn.s.${w.state}`)].filter(Boolean).join(" · ")),
      w.coverage ? el("div", { class: "mini-cov" },
        el("span", {}, ui("warn.signed_of", { a: c.signed, b: c.addressed })),
        el("span", {}, ui("warn.reported_of", { a: c.reported, b: c.addressed })),
        c.late ? el("span", { class: "late" }, `${ui("warn.cov_late")} ${c.late}`) : "",
        el("span", { class: "bar", role: "img", "aria-label": ui("warn.reported_of", { a: c.reported, b: c.addressed }) },
          el("span", { class: "bar-signed", style: `width:${c.addressed ? (100 * c.signed) / c.addressed : 0}%` }),
          el("span", { class: "bar-reported", style: `width:${c.addressed ? (100 * c.reported) / c.addressed : 0}%` }))) : "",
      extra || ""),
    el("div", { class: "warn-side" }, left || (w.expires_at ? "" : el("span", { class: "small muted" }, ui("warn.no_expiry"))),
      el("a", { class: "secondary button", href }, ui("warn.open"))));
}

async function loadOwed() {
  const owed = await api(`/api/v1/warnings/owed?${q}`);
  owedList.replaceChildren(...owed.map((o) => warningCard(o.warning, addresseeActions(o.warning.series_id, o.addressee, reload))));
  document.getElementById("owed-empty").hidden = owed.length > 0;
}

async function loadActive() {
  const all = await api(`/api/v1/warnings?all=true&${q}`);
  const live = all.filter((w) => ["issued", "updated"].includes(w.state));
  const done = all.filter((w) => !["issued", "updated"].includes(w.state));
  activeList.replaceChildren(...live.map((w) => warningCard(w)));
  document.getElementById("active-empty").hidden = live.length > 0;
  ended.hidden = done.length === 0;
  ended.querySelector("ul").replaceChildren(...done.slice(0, 30).map((w) => warningCard(w)));
}

async function loadAll() {
  const head = await journalHead(api);
  await Promise.all([loadOwed(), loadActive()]);
  return head;
}
const reload = debounce(() => loadAll().catch((e) => console.warn(e)));

// --- the issue form ----------------------------------------------------------------------------

function setupIssue() {
  const form = document.getElementById("issue-form");
  if (!form) return;
  const toggle = document.getElementById("new-toggle");
  const open = (yes) => { form.hidden = !yes; toggle.setAttribute("aria-expanded", String(yes)); };
  toggle.addEventListener("click", () => open(form.hidden));
  document.getElementById("f-close").addEventListener("click", () => open(false));
  // Areas: my unit's jurisdictions below me, as the tree gives them (each with what is below it).
  const box = document.getElementById("area-units");
  const units = (page.units || []).filter((u) => u.code !== me);
  box.replaceChildren(...units.map((u) => el("label", { class: "area-unit" },
    el("input", { type: "checkbox", name: "units", value: u.code }), el("span", {}, unitName(u.code)))));
  const boxes = () => [...box.querySelectorAll("input[type=checkbox]")];
  document.getElementById("pick-all").addEventListener("click", () => boxes().forEach((b) => { b.checked = true; }));
  document.getElementById("pick-none").addEventListener("click", () => boxes().forEach((b) => { b.checked = false; }));
  const hazard = document.getElementById("f-hazard");
  const instructions = document.getElementById("f-instructions");
  let templated = "";
  const guide = () => { instructions.value = page.guides[hazard.value] || ""; templated = instructions.value; };
  // Colours the hazard is not issued in are offered but marked, not hidden: the issuer decides.
  const colours = () => {
    const allowed = new Set(page.hazards[hazard.value].colours);
    for (const input of form.querySelectorAll("input[name=colour]")) input.closest("label").classList.toggle("unusual", !allowed.has(input.value));
  };
  hazard.addEventListener("change", () => { if (!instructions.value || instructions.value === templated) guide(); colours(); });
  document.getElementById("f-guide").addEventListener("click", guide);
  guide();
  colours();
  const status = document.getElementById("f-status");
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    const picked = f.getAll("units").map(String);
    if (!picked.length) { status.textContent = ui("warn.areas_hint"); return; }
    const hours = Number(f.get("hours") || 24);
    const body = { hazard: f.get("hazard"), colour: f.get("colour"), areas: { units: picked },
      expires_at: new Date(Date.now() + hours * 3600 * 1000).toISOString(), exercise: !!page.exercise };
    for (const k of ["issuer_name", "headline", "description", "instructions"]) {
      const v = String(f.get(k) || "").trim();
      if (v) body[k] = v;
    }
    const submit = document.getElementById("f-submit");
    submit.disabled = true;
    let made = null;
    const ok = await act(async () => { made = await api("/api/v1/warnings", { method: "POST", body }); }, ui("warn.issued_ok"));
    submit.disabled = false;
    if (ok && made) location.href = `/warnings/${made.series_id}${page.exercise ? "?exercise=1" : ""}`;
    else status.textContent = "";
  });
}

function onEvent(ev) {
  if (ev.type.startsWith("warning.")) reload();
}

setupIssue();
tickDeadlines(document.querySelector("main"));
const liveConn = new Live({ exercise: page.exercise, onEvent, reload: loadAll, onState: bindLiveState(document.getElementById("live-state")) });
loadAll().then((head) => liveConn.start(head)).catch((e) => toast(ui("warn.failed", { msg: e.message }), true));
