// CAP import: send the file's bytes as they are (their declared encoding is the parser's business)
// or the pasted text; show the outcome, or each complaint under the line it names.
import { page } from "./common.js";

const msgs = page.msgs;
const form = document.getElementById("cap-form");
const fileInput = document.getElementById("cap-file");
const text = document.getElementById("cap-text");
const result = document.getElementById("cap-result");
const lines = document.getElementById("cap-lines");
const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";

function say(key, vars = {}) {
  let out = msgs[key] || key;
  for (const [k, v] of Object.entries(vars)) out = out.replace(`{${k}}`, v);
  return out;
}

function el(tag, cls, content) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (content !== undefined) node.textContent = content;
  return node;
}

function lineOf(error) {
  const found = /\(line (\d+)\)/.exec(error.message || "");
  return found ? Number(found[1]) : null;
}

function showSource(source, errors) {
  lines.replaceChildren();
  const byLine = new Map();
  for (const e of errors) {
    const n = lineOf(e);
    if (n) byLine.set(n, [...(byLine.get(n) || []), e]);
  }
  source.split(/\r\n|\r|\n/).forEach((line, i) => {
    const li = el("li", "", line);
    const mine = byLine.get(i + 1);
    if (mine) {
      li.classList.add("bad");
      for (const e of mine) li.appendChild(el("span", "cap-complaint", e.message));
    }
    lines.appendChild(li);
  });
  lines.hidden = !byLine.size;
  lines.querySelector("li.bad")?.scrollIntoView({ block: "center" });
}

function showOk(doc) {
  result.className = "cap-result ok";
  result.replaceChildren(el("strong", "", say(`cap.${doc.outcome}`)));
  const w = doc.warning;
  const detail = el("p", "small", `${doc.msg_type} · ${doc.status} · ${doc.identifier}`);
  if (doc.reason) detail.textContent += ` — ${doc.reason}`;
  result.appendChild(detail);
  for (const note of doc.notes || []) {
    const p = el("p", "small error", note.message + " — ");
    p.appendChild(el("code", "", note.pointer));
    result.appendChild(p);
  }
  if (doc.signature && doc.signature !== "absent") {
    result.appendChild(el("p", doc.signature === "digest_mismatch" ? "error" : "small muted", say(`cap.sig.${doc.signature}`)));
  }
  if (w) {
    const link = el("a", "", `${say("cap.open")}: ${w.headline || w.event}`);
    link.href = `/warnings/${w.series_id}${w.exercise ? "?exercise=1" : ""}`;
    if (w.exercise) result.appendChild(el("span", "tag drill", say("cap.drill")));
    result.appendChild(link);
  }
  lines.hidden = true;
}

function showProblem(problem, source) {
  result.className = "cap-result bad";
  result.replaceChildren(el("strong", "", `${say("cap.refused")} (${problem.status}): ${problem.title || ""}`));
  const list = el("ul");
  const errors = problem.errors || [];
  if (!errors.length) list.appendChild(el("li", "", problem.detail || ""));
  for (const e of errors) {
    const item = el("li");
    item.appendChild(el("span", "", e.message));
    const where = el("span", "small muted", ` — ${say("cap.where")} `);
    where.appendChild(el("code", "", e.pointer));
    if (e.rule) {
      where.append(` · ${say("cap.rule")} `);
      where.appendChild(el("code", "", e.rule));
    }
    item.appendChild(where);
    list.appendChild(item);
  }
  result.appendChild(list);
  if (source !== null) showSource(source, errors);
}

async function body() {
  const file = fileInput.files && fileInput.files[0];
  if (file) {
    const bytes = await file.arrayBuffer();
    // Shown decoded for the in-place view only; the bytes are sent untouched.
    let shown = null;
    try { shown = new TextDecoder("utf-8", { fatal: true }).decode(bytes); } catch { shown = new TextDecoder("latin1").decode(bytes); }
    return { bytes, shown };
  }
  const pasted = text.value.trim();
  return pasted ? { bytes: new TextEncoder().encode(pasted), shown: pasted } : null;
}

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const payload = await body();
  result.hidden = false;
  if (!payload) {
    result.className = "cap-result bad";
    result.textContent = say("cap.empty");
    return;
  }
  result.className = "cap-result";
  result.textContent = say("cap.working");
  const res = await fetch("/api/v1/warnings/cap", {
    method: "POST", credentials: "same-origin", body: payload.bytes,
    headers: { "Content-Type": "application/cap+xml", Accept: "application/json", "X-CSRF-Token": csrf },
  });
  const doc = await res.json().catch(() => ({ status: res.status, title: res.statusText }));
  if (res.ok) showOk(doc);
  else showProblem(doc, payload.shown);
});

document.getElementById("cap-clear").addEventListener("click", () => {
  form.reset();
  result.hidden = true;
  lines.hidden = true;
  lines.replaceChildren();
});

fileInput.addEventListener("change", () => { if (fileInput.files.length) text.value = ""; });
