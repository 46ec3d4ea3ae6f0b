// The plan editor: YAML or JSON, checked against the plan schema as the officer types (every error
// with its pointer and line; a click goes to the line); saving makes a new draft version.
import { Live } from "./live.js";
import { api, bindLiveState, eventLabel, page, ui } from "./common.js";
import { debounce, el, journalHead, toast } from "./dom.js";

const text = document.getElementById("text");
const fmt = document.getElementById("fmt");
const save = document.getElementById("save");
const verdict = document.getElementById("verdict");
const list = document.getElementById("errors");
text.value = page.editor_text || "";
let checked = -1;  // the request whose answer may be shown (a slower, older answer is dropped)
let seq = 0;

function goToLine(line) {
  const lines = text.value.split("\n");
  const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  text.focus();
  text.setSelectionRange(start, start + (lines[line - 1] || "").length);
  const lh = parseFloat(getComputedStyle(text).lineHeight) || 18;
  text.scrollTop = Math.max(0, (line - 4) * lh);
}

async function check() {
  const mine = ++seq;
  verdict.textContent = ui("plan.checking");
  verdict.className = "verdict checking";
  let res;
  try {
    res = await api("/api/v1/plans/validate", { method: "POST", body: { format: fmt.value, text: text.value } });
  } catch (e) {
    if (mine === seq) { verdict.textContent = e.message; verdict.className = "verdict bad"; save.disabled = true; }
    return;
  }
  if (mine !== seq) return;
  checked = mine;
  save.disabled = !res.valid;
  verdict.textContent = res.valid ? ui("plan.valid") : ui("plan.invalid", { n: res.errors.length });
  verdict.className = `verdict ${res.valid ? "good" : "bad"}`;
  list.replaceChildren(...res.errors.map((e) => el("li", {},
    e.line ? el("button", { class: "link", type: "button", onclick: () => goToLine(e.line) }, ui("plan.line", { n: e.line })) : "",
    " ", el("code", {}, e.pointer), " ", e.message)));
}

const recheck = debounce(check, 400);
text.addEventListener("input", () => { save.disabled = true; recheck(); });
fmt.addEventListener("change", check);
document.getElementById("file").addEventListener("change", async (ev) => {
  const file = ev.target.files[0];
  if (!file) return;
  text.value = await file.text();
  fmt.value = /\.json$/i.test(file.name) ? "json" : "yaml";
  check();
});
text.addEventListener("keydown", (ev) => {  // Tab indents (YAML is indentation) rather than leaving the box
  if (ev.key === "Tab" && !ev.shiftKey) {
    ev.preventDefault();
    text.setRangeText("  ", text.selectionStart, text.selectionEnd, "end");
    recheck();
  }
});
save.addEventListener("click", async () => {
  if (checked !== seq) return;
  save.disabled = true;
  try {
    const body = { format: fmt.value, text: text.value };
    const note = document.getElementById("note").value.trim();
    if (note) body.note = note;
    const v = await api("/api/v1/plans/import-text", { method: "POST", body, idempotent: true });
    toast(ui("plan.saved", { n: v.number }));
    location.href = `/plans/${v.plan_id}?v=${v.number}`;
  } catch (e) {
    const why = e.problem && e.problem.errors ? e.problem.errors.map((x) => `${x.pointer} ${x.message}`).join("；") : e.message;
    toast(ui("duty.error", { msg: why }), true);
    save.disabled = false;
  }
});
check();
if (page.editing_plan) {
  const back = document.getElementById("back-to-plan");
  back.href = `/plans/${page.editing_plan}`;
  back.hidden = false;
}

// Live: the connection state is shown, and a version someone else saves meanwhile is announced.
const live = new Live({ onEvent: (ev) => {
  if (ev.type === "plan.version_imported" && page.editing_plan && ev.subject.id === page.editing_plan) {
    toast(`${eventLabel(ev.type)}：${ui("plan.showing_version", { n: ev.data.version.number })}`);
  }
}, reload: () => journalHead(api), onState: bindLiveState(document.getElementById("live-state")) });
live.start(await journalHead(api));
