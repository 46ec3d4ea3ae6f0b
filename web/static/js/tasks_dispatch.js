// 下达任务 on the task page: the same task, by hand, to one or more units under mine, each with its own
// Idempotency-Key and its own result; opened with an incident chosen from /tasks?incident=ID.
import { api, formatTime, idempotencyKey, page, ui } from "./common.js";
import { localInputToIso, nowLocalInput } from "./time.js";
import { el, listJoin, toast, uploadFile } from "./dom.js";
import { data, me, ms, unitName, unitOf } from "./tasks_util.js";


const JURISDICTIONS = new Set(["province", "city", "county", "township", "village"]);
const dispatchBox = document.getElementById("dispatch-box");

/** The units under mine a task may go to, in tree order, in three groups: jurisdictions, departments, teams. */
function dispatchTargets() {
  const base = unitOf(me)?.path || page.unit.path;
  const depth0 = (base || "").split("/").filter(Boolean).length;
  const all = Object.entries(page.task_units || {})
    .filter(([code, u]) => code !== me && u.path && base && u.path.startsWith(base))
    .map(([code, u]) => ({ code, ...u, depth: u.path.split("/").filter(Boolean).length - depth0 - 1 }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return [
    ["jur", all.filter((u) => JURISDICTIONS.has(u.kind))],
    ["agency", all.filter((u) => u.kind === "agency" || u.kind === "department")],
    ["team", all.filter((u) => u.kind === "team")],
  ].filter(([, list]) => list.length);
}

/** `apply(taskDoc)` shows a task just made in the lists at once. */
export function setupDispatch(apply) {
  const form = document.getElementById("dispatch-form");
  const toggle = document.getElementById("dispatch-toggle");
  const groupsBox = document.getElementById("unit-groups");
  const filter = document.getElementById("unit-filter");
  const picked = document.getElementById("unit-picked");
  const incident = document.getElementById("d-incident");
  const title = document.getElementById("d-title");
  const instr = document.getElementById("d-instr");
  const ack = document.getElementById("d-ack");
  const due = document.getElementById("d-due");
  const fileInput = document.getElementById("d-files");
  const fileList = document.getElementById("d-file-list");
  const results = document.getElementById("d-results");
  const status = document.getElementById("d-status");
  const submit = document.getElementById("d-submit");
  const keys = new Map();      // unit -> Idempotency-Key of its POST (kept across a retry after a network failure)
  const uploads = new Map();   // unit -> Map(file -> attachment id): each upload belongs to one task
  let files = [];
  let incidentsLoaded = false;
  let busy = false;

  const groups = dispatchTargets();
  const boxes = new Map();   // code -> checkbox
  groupsBox.replaceChildren(...(groups.length ? groups.map(([g, list]) => el("div", { class: "unit-group", dataset: { group: g } },
    el("p", { class: "unit-group-name" }, ui(`task.new_group_${g}`)),
    el("div", { class: "unit-chips" }, ...list.map((u) => {
      const box = el("input", { type: "checkbox", name: "unit", value: u.code, dataset: { depth: u.depth, kind: u.kind } });
      boxes.set(u.code, box);
      return el("label", data({ class: `unit-chip${u.depth > 0 && g === "jur" ? " sub" : ""}`, dataset: { code: u.code },
        title: unitName(u.code) }), box, el("span", {}, unitName(u.code)));
    })))) : [el("p", { class: "muted" }, ui("task.new_no_units"))]),
  el("p", { class: "muted small unit-none", hidden: true }, ui("task.new_filter_none")));

  const chosen = () => [...boxes.values()].filter((b) => b.checked).map((b) => b.value);
  function showPicked() {
    const codes = chosen();
    picked.textContent = codes.length ? ui("task.new_picked", { n: codes.length, units: listJoin(codes.map(unitName)) })
      : ui("task.new_picked_none");
    picked.classList.toggle("none", !codes.length);
    submit.textContent = codes.length === 1 ? ui("task.new_submit_1", { unit: unitName(codes[0]) })
      : codes.length ? ui("task.new_submit_n", { n: codes.length }) : ui("task.new_submit");
    for (const [code, b] of boxes) b.closest("label").classList.toggle("on", b.checked && !!code);
  }
  groupsBox.addEventListener("change", showPicked);
  filter.addEventListener("input", () => {
    const words = filter.value.trim().toLowerCase();
    let shown = 0;
    for (const group of groupsBox.querySelectorAll(".unit-group")) {
      let inGroup = 0;
      for (const label of group.querySelectorAll(".unit-chip")) {
        const u = page.task_units[label.dataset.code];
        const hit = !words || [label.dataset.code, u.name, u.name_en || ""].some((x) => x.toLowerCase().includes(words));
        label.hidden = !hit;
        if (hit) inGroup += 1;
      }
      group.hidden = inGroup === 0;
      shown += inGroup;
    }
    groupsBox.querySelector(".unit-none").hidden = shown > 0 || !boxes.size;
  });
  filter.addEventListener("keydown", (ev) => { if (ev.key === "Enter") ev.preventDefault(); });
  document.getElementById("pick-jur").addEventListener("click", () => {
    // The jurisdictions directly below mine (shown under the filter): the common "all counties".
    for (const b of boxes.values()) {
      if (JURISDICTIONS.has(b.dataset.kind) && b.dataset.depth === "0" && !b.closest("label").hidden) b.checked = true;
    }
    showPicked();
  });
  document.getElementById("pick-none").addEventListener("click", () => {
    for (const b of boxes.values()) b.checked = false;
    showPicked();
  });

  // Incidents still open (and the one the page was opened for, whatever its state).
  async function loadIncidentOptions() {
    const query = new URLSearchParams({ status: "reported,responding,stabilised" });
    if (page.exercise) query.set("exercise", "true");
    const list = await api(`/api/v1/incidents?${query}`);
    const want = incident.value || (incidentsLoaded ? "" : page.focus_incident || "");
    if (want && !list.some((i) => i.id === want)) {
      try { list.unshift(await api(`/api/v1/incidents/${want}`)); } catch { /* not visible: not offered */ }
    }
    incident.replaceChildren(
      el("option", { value: "" }, ui(page.exercise ? "task.new_drill_no_incident" : "task.new_no_incident")),
      ...list.map((i) => el("option", data({ value: i.id }), `${i.number} ${i.title}`)));
    incident.value = list.some((i) => i.id === want) ? want : "";
    incidentsLoaded = true;
  }

  // The deadline as duty rooms write it, 24-hour, in the unit's zone: "2026-11-30 20:36".
  const resetDueMin = () => { due.placeholder = ui("task.new_due_ph", { t: nowLocalInput() }); };
  for (const b of form.querySelectorAll(".due-quick button")) {
    b.addEventListener("click", () => {
      const h = Number(b.dataset.hours);
      due.value = h ? formatTime(new Date(Date.now() + h * 3600000).toISOString()) : "";
      resetDueMin();
    });
  }

  function showFiles() {
    fileList.replaceChildren(...files.map((file, i) => el("li", {},
      el("span", data({ class: "file-name" }), file.name),
      el("button", { type: "button", class: "remove", "aria-label": ui("task.new_file_remove"), title: ui("task.new_file_remove"),
        onclick: () => { files.splice(i, 1); showFiles(); } }, "×"))));
  }
  fileInput.addEventListener("change", () => {
    files.push(...fileInput.files);
    fileInput.value = "";
    showFiles();
  });

  function open(focus = true) {
    form.hidden = false;
    toggle.hidden = true;
    toggle.setAttribute("aria-expanded", "true");
    resetDueMin();
    showPicked();
    loadIncidentOptions().catch((e) => toast(ui("duty.error", { msg: e.message }), true));
    if (focus) (chosen().length ? title : filter).focus({ preventScroll: true });
  }
  function close() {
    form.hidden = true;
    toggle.hidden = false;
    toggle.setAttribute("aria-expanded", "false");
    toggle.focus({ preventScroll: true });
  }
  toggle.addEventListener("click", () => open());
  document.getElementById("d-close").addEventListener("click", close);

  function reset() {
    title.value = "";
    instr.value = "";
    due.value = "";
    ack.value = "30";
    form.querySelector('input[name="priority"][value="high"]').checked = true;
    incident.value = [...incident.options].some((o) => o.value === (page.focus_incident || "")) ? page.focus_incident || "" : "";
    files = [];
    showFiles();
    uploads.clear();
  }

  function result(code, ok, text) {
    let li = results.querySelector(`li[data-unit="${code}"]`);
    if (!li) { li = el("li", { dataset: { unit: code } }); results.append(li); }
    li.className = ok ? "ok" : "failed";
    li.replaceChildren(el("span", { class: "mark", "aria-hidden": "true" }, ok ? "✓" : "✕"),
      el("span", data({ class: "r-unit" }), unitName(code)), " ", el("span", { class: "r-text" }, text));
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (busy) return;
    status.textContent = "";
    const units = chosen();
    const fail = (msg, where) => { status.textContent = msg; toast(msg, true); if (where) where.focus(); };
    if (!units.length) { fail(ui("task.new_need_unit"), filter); return; }
    if (!title.value.trim()) { fail(ui("task.new_need_title"), title); return; }
    const minutes = Number(ack.value);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) { fail(ui("task.new_ack_bad"), ack); return; }
    const body = { title: title.value.trim(), priority: form.querySelector('input[name="priority"]:checked')?.value || "high",
      ack_minutes: minutes };
    if (instr.value.trim()) body.instructions = instr.value.trim();
    if (incident.value) body.incident_id = incident.value;
    else if (page.exercise) body.exercise = true;  // under the drill banner, a task of no incident is a drill
    if (due.value.trim()) {
      const m = /^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})$/.exec(due.value.trim());
      if (!m || +m[2] > 12 || +m[3] > 31 || +m[4] > 23 || +m[5] > 59) { fail(ui("task.new_due_bad", { t: nowLocalInput() }), due); return; }
      const pad = (x) => x.padStart(2, "0");
      due.value = `${m[1]}-${pad(m[2])}-${pad(m[3])} ${pad(m[4])}:${m[5]}`;
      body.due_at = localInputToIso(due.value);
      if (ms(body.due_at) <= Date.now()) { fail(ui("task.new_due_past"), due); return; }
    }
    busy = true;
    const controls = form.querySelectorAll("button, input, select, textarea");
    controls.forEach((c) => { c.disabled = true; });
    results.replaceChildren();
    const done = [];
    const failed = [];
    for (const [i, unit] of units.entries()) {
      const name = unitName(unit);
      if (!keys.has(unit)) keys.set(unit, idempotencyKey());
      try {
        const mine = uploads.get(unit) || new Map();
        uploads.set(unit, mine);
        const ids = [];
        for (const file of files) {
          if (!mine.has(file)) {
            status.textContent = ui("task.new_uploading", { name: file.name, unit: name });
            mine.set(file, (await uploadFile(file)).id);
          }
          ids.push(mine.get(file));
        }
        status.textContent = ui("task.new_sending", { i: i + 1, n: units.length, unit: name });
        const doc = await api("/api/v1/tasks", { method: "POST", body: { ...body, unit, ...(ids.length ? { attachments: ids } : {}) },
          idempotent: keys.get(unit) });
        keys.delete(unit);
        uploads.delete(unit);
        done.push(unit);
        result(unit, true, ui("task.new_ok_unit"));
        apply(doc);
      } catch (e) {
        if (e.problem) keys.delete(unit);  // refused: a corrected send is a new request
        failed.push(unit);
        result(unit, false, ui("task.new_fail_unit", { msg: e.message }));
      }
    }
    busy = false;
    controls.forEach((c) => { c.disabled = false; });
    status.textContent = "";
    if (!failed.length) {
      reset();
      toast(ui("task.new_all_ok", { units: listJoin(done.map(unitName)) }));
      setTimeout(() => { if (!busy) for (const li of results.querySelectorAll("li.ok")) li.remove(); }, 8000);
      title.focus({ preventScroll: true });
    } else {
      // What went out is not sent again: only the units that failed stay ticked.
      for (const unit of done) boxes.get(unit).checked = false;
      const msg = ui("task.new_some_failed", { ok: done.length, bad: failed.length });
      status.textContent = msg;
      toast(msg, true);
    }
    showPicked();
  });

  showPicked();
  return { open, refreshIncidents: () => { if (!form.hidden) loadIncidentOptions().catch(() => {}); } };
}
