// The task page's actions and in-place forms: 签收, 核验, 退回/撤销 with a reason, 转派 to one of my
// units, and feedback (反馈 / 完成反馈) with progress, figures, camera photos and the location.
import { api, formatTime, idempotencyKey, page, ui } from "./common.js";
import { el, paren, toast, uploadFile } from "./dom.js";
import { data, ms, unitName, unitOf } from "./tasks_util.js";
import { wallInput, wallToIso } from "./time.js";

/** The page lends what the forms act on: its open panels, how it acts and shows a changed task. */
export function taskForms({ panels, act, apply, render, reload, progressOf, redispatchTargets, photo }) {

  async function sign(t, button) {
    button.disabled = true;
    const ok = await act(async () => apply(await api(`/api/v1/tasks/${t.id}/acknowledge`, { method: "POST" })), ui("task.signed_ok"));
    if (!ok) button.disabled = false;
  }

  async function verify(t, button) {
    button.disabled = true;
    const ok = await act(async () => apply(await api(`/api/v1/tasks/${t.id}/verify`, { method: "POST" })), ui("task.verified_ok"));
    if (!ok) button.disabled = false;
  }

  function closePanel(key) {
    const panel = panels.get(key);
    if (panel) {
      for (const url of panel._urls || []) URL.revokeObjectURL(url);
      panel.remove();
      panels.delete(key);
    }
    render();
  }

  function openPanel(kind, t, form) {
    const key = `${kind}:${t.id}`;
    if (panels.get(key)?.dataset.form === form) { closePanel(key); return; }
    if (panels.has(key)) closePanel(key);
    const panel = form === "feedback" ? feedbackForm(kind, t) : form === "redispatch" ? redispatchForm(kind, t) : reasonForm(kind, t, form);
    panel.dataset.form = form;
    panels.set(key, panel);
    render();
    const first = panel.querySelector("select, textarea");
    if (first) first.focus({ preventScroll: true });
    panel.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  function reasonForm(kind, t, form) {
    const key = `${kind}:${t.id}`;
    const reason = el("textarea", { name: "reason", rows: 2, maxlength: 2000, required: true,
      placeholder: form === "return" ? ui("task.return_placeholder") : "" });
    const f = el("form", { class: `task-form reason-form ${form}-form` },
      el("label", {}, ui(form === "return" ? "task.return_reason" : "task.cancel_reason"), reason),
      el("div", { class: "form-buttons" },
        el("button", { type: "submit", class: form === "return" ? "primary big" : "danger big", "data-action": `${form}-submit` },
          ui(form === "return" ? "task.return_submit" : "task.cancel_submit")),
        el("button", { type: "button", class: "secondary big", onclick: () => closePanel(key) }, ui("task.close_form"))));
    f.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const text = reason.value.trim();
      if (!text) { toast(ui("task.reason_required"), true); reason.focus(); return; }
      const buttons = f.querySelectorAll("button");
      buttons.forEach((b) => { b.disabled = true; });
      const ok = await act(async () => {
        const doc = await api(`/api/v1/tasks/${t.id}/${form}`, { method: "POST", body: { reason: text } });
        panels.delete(key);
        f.remove();
        apply(doc);
      }, ui(form === "return" ? "task.returned_ok" : "task.cancelled_ok"));
      if (!ok) buttons.forEach((b) => { b.disabled = false; });
    });
    return f;
  }

  /** 转派, in place: one of my units or teams, what to do (the task's title and instructions unless
   * changed), its sign-for window and a deadline no later than the task's own. */
  function redispatchForm(kind, t) {
    const key = `${kind}:${t.id}`;
    let idem = idempotencyKey();  // one per form: a retried send does not hand the task on twice
    const unit = el("select", { name: "unit", required: true },
      el("option", { value: "" }, ui("task.redispatch_pick")),
      ...redispatchTargets(t).map((u) => {
        const depth = u.path.split("/").filter(Boolean).length - (unitOf(t.unit).path.split("/").filter(Boolean).length + 1);
        return el("option", data({ value: u.code }), "\u00a0\u00a0".repeat(Math.max(0, depth)) + unitName(u.code));
      }));
    const title = el("input", data({ type: "text", name: "title", maxlength: 200, value: t.title, required: true }));
    const instr = el("textarea", { name: "instructions", rows: 2, maxlength: 8000, placeholder: ui("task.redispatch_instr_ph") });
    const ack = el("select", { name: "ack_minutes" },
      ...[10, 15, 30, 60, 120].map((n) => el("option", { value: n, selected: n === 30 }, ui("task.minutes_n", { n }))));
    const due = el("input", { type: "datetime-local", name: "due_at", max: t.due_at ? wallInput(t.due_at) : undefined });
    const hint = t.due_at ? ui("task.redispatch_due_hint", { t: formatTime(t.due_at) }) : "";
    const status = el("p", { class: "form-status small", "aria-live": "polite" });
    const f = el("form", { class: "task-form redispatch-form", novalidate: true },
      el("p", { class: "form-title" }, ui("task.redispatch_title")),
      el("label", {}, ui("task.redispatch_unit"), unit),
      el("label", {}, ui("task.redispatch_task"), title),
      el("label", {}, ui("task.redispatch_instr"), instr),
      el("div", { class: "two" },
        el("label", {}, ui("task.redispatch_ack"), ack),
        el("label", {}, ui("task.redispatch_due"), due)),
      hint ? el("p", { class: "small muted due-hint" }, hint) : "",
      status,
      el("div", { class: "form-buttons" },
        el("button", { type: "submit", class: "primary big", "data-action": "redispatch-submit" }, ui("task.redispatch_submit")),
        el("button", { type: "button", class: "secondary big", onclick: () => closePanel(key) }, ui("task.close_form"))));
    f.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      status.textContent = "";
      if (!unit.value) { toast(ui("task.redispatch_need_unit"), true); unit.focus(); return; }
      const body = { unit: unit.value, ack_minutes: Number(ack.value) };
      if (title.value.trim() && title.value.trim() !== t.title) body.title = title.value.trim();
      if (instr.value.trim()) body.instructions = instr.value.trim();
      if (due.value) {
        body.due_at = wallToIso(due.value);
        if (t.due_at && ms(body.due_at) > ms(t.due_at)) {
          status.textContent = ui("task.redispatch_due_late", { t: formatTime(t.due_at) });
          due.focus();
          return;
        }
      }
      const buttons = f.querySelectorAll("button, input, select, textarea");
      buttons.forEach((b) => { b.disabled = true; });
      status.textContent = ui("task.sending");
      const name = unitName(body.unit);
      const ok = await act(async () => {
        try {
          const child = await api(`/api/v1/tasks/${t.id}/redispatch`, { method: "POST", body, idempotent: idem });
          panels.delete(key);
          f.remove();
          apply(child);
          reload();  // the parent: signed for, its children
        } catch (e) {
          if (e.problem) idem = idempotencyKey();  // refused: a corrected send is a new request
          throw e;
        }
      }, ui("task.redispatched_ok", { unit: name }));
      if (!ok) { buttons.forEach((b) => { b.disabled = false; }); status.textContent = ""; }
    });
    return f;
  }

  function cameraIcon() {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.innerHTML = '<path fill="currentColor" d="M9 3 7.2 5H4a2 2 0 0 0-2 2v11a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2h-3.2L15 3H9zm3 5a5 5 0 1 1 0 10 5 5 0 0 1 0-10zm0 2a3 3 0 1 0 0 6 3 3 0 0 0 0-6z"/>';
    return svg;
  }

  function feedbackForm(kind, t) {
    const key = `${kind}:${t.id}`;
    const picked = [];                 // files chosen so far (the camera gives one at a time)
    const uploaded = new WeakMap();    // file -> attachment id, so a retry does not upload twice
    let location = null;
    const text = el("textarea", { name: "text", rows: 3, maxlength: 8000, required: true, placeholder: ui("task.feedback_placeholder") });
    const start = progressOf(t);
    const range = el("input", { type: "range", name: "progress", min: 0, max: 100, step: 5, value: start, "aria-label": ui("task.progress") });
    const number = el("input", { type: "number", name: "progress_n", min: 0, max: 100, step: 1, value: start, inputmode: "numeric",
      "aria-label": ui("task.progress"), class: "pct-input" });
    range.addEventListener("input", () => { number.value = range.value; });
    number.addEventListener("input", () => { range.value = number.value; });
    const figures = page.feedback_facts.map((k) => {
      const f = page.facts[k];
      return el("label", {}, `${f.name}${f.unit ? paren(f.unit.trim()) : ""}`,
        el("input", { type: "number", name: `fact-${k}`, min: 0, step: 1, inputmode: "numeric", dataset: { fact: k } }));
    });
    const previews = el("div", { class: "previews" });
    const files = el("input", { type: "file", accept: "image/*", capture: "environment", multiple: true, class: "photo-input", name: "photos" });
    const urls = [];
    const showPreviews = () => {
      previews.replaceChildren(...picked.map((file, i) => {
        const url = URL.createObjectURL(file);
        urls.push(url);
        return el("span", { class: "preview" }, el("img", { src: url, alt: ui("task.photo") }),
          el("button", { type: "button", class: "remove", "aria-label": ui("task.photo_remove"), title: ui("task.photo_remove"),
            onclick: () => { picked.splice(i, 1); showPreviews(); } }, "×"));
      }));
    };
    files.addEventListener("change", () => {
      picked.push(...files.files);
      files.value = "";
      showPreviews();
    });
    const where = el("span", { class: "where small muted", "aria-live": "polite" });
    const locate = el("button", { type: "button", class: "secondary locate", "data-action": "locate", onclick: () => {
      if (location) { location = null; where.textContent = ""; locate.textContent = ui("task.locate"); return; }
      if (!navigator.geolocation) { where.textContent = ui("task.locate_failed"); return; }
      where.textContent = ui("task.locating");
      navigator.geolocation.getCurrentPosition((pos) => {
        location = { lat: pos.coords.latitude, lon: pos.coords.longitude };
        where.textContent = ui("task.located", { lat: location.lat.toFixed(5), lon: location.lon.toFixed(5), acc: Math.round(pos.coords.accuracy) });
        locate.textContent = ui("task.locate_clear");
      }, () => { where.textContent = ui("task.locate_failed"); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    } }, ui("task.locate"));
    const status = el("p", { class: "form-status small muted", "aria-live": "polite" });
    const f = el("form", { class: "task-form feedback-form", novalidate: true },
      el("label", { class: "wide" }, ui("task.feedback_text"), text),
      el("div", { class: "progress-row" }, el("label", { class: "grow" }, ui("task.progress"), range), number, el("span", { class: "pct-sign" }, "%")),
      el("fieldset", { class: "figures" }, el("legend", {}, ui("task.figures")), el("div", { class: "figures-grid" }, ...figures)),
      el("div", { class: "media-row" },
        el("label", { class: "photo-pick secondary-look" }, cameraIcon(), el("span", {}, ui("task.photos")), files),
        locate),
      previews, where,
      el("div", { class: "form-buttons" },
        el("button", { type: "submit", class: "primary big", value: "feedback", "data-action": "send-progress" }, ui("task.submit_progress")),
        el("button", { type: "submit", class: "done-button big", value: "complete", "data-action": "send-done" }, ui("task.submit_done")),
        el("button", { type: "button", class: "secondary big", onclick: () => closePanel(key) }, ui("task.close_form"))),
      status);
    f._urls = urls;
    f.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const action = ev.submitter && ev.submitter.value === "complete" ? "complete" : "feedback";
      const body = { text: text.value.trim() };
      if (!body.text) { toast(ui("task.need_text"), true); text.focus(); return; }
      if (action === "feedback") body.progress = Math.max(0, Math.min(100, Math.round(Number(number.value) || 0)));
      const facts = {};
      for (const input of f.querySelectorAll("[data-fact]")) {
        if (input.value !== "" && Number(input.value) >= 0) facts[input.dataset.fact] = Number(input.value);
      }
      if (Object.keys(facts).length) body.facts = facts;
      if (location) Object.assign(body, location);
      const buttons = f.querySelectorAll("button, input");
      buttons.forEach((b) => { b.disabled = true; });
      const ok = await act(async () => {
        const ids = [];
        for (const [i, file] of picked.entries()) {
          if (!uploaded.has(file)) {
            status.textContent = ui("task.uploading", { i: i + 1, n: picked.length });
            uploaded.set(file, (await uploadFile(file)).id);
          }
          ids.push(uploaded.get(file));
        }
        if (ids.length) body.attachments = ids;
        status.textContent = ui("task.sending");
        const doc = await api(`/api/v1/tasks/${t.id}/${action}`, { method: "POST", body });
        for (const url of urls) URL.revokeObjectURL(url);
        panels.delete(key);
        f.remove();
        apply(doc);
      }, ui(action === "complete" ? "task.done_sent" : "task.sent"));
      if (!ok) { buttons.forEach((b) => { b.disabled = false; }); status.textContent = ""; }
    });
    return f;
  }

  return { sign, verify, openPanel, closePanel };
}
